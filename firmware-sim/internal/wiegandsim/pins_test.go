package wiegandsim

import (
	"strings"
	"testing"
)

func TestOpenPinsErrors(t *testing.T) {
	tests := []struct {
		d0, d1 string
		want   string
	}{
		{"", "GPIO27", "need two different GPIO lines"},
		{"GPIO17", "GPIO17", "need two different GPIO lines"},
		{"TIMECLOCK_NO_SUCH_LINE_D0", "TIMECLOCK_NO_SUCH_LINE_D1", "GPIO chip / line not found"},
	}
	for _, tt := range tests {
		_, _, err := OpenPins(tt.d0, tt.d1)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("OpenPins(%q, %q) = %v, want %q", tt.d0, tt.d1, err, tt.want)
		}
	}
}
