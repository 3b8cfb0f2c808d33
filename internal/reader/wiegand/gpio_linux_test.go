package wiegand

import (
	"strings"
	"testing"
)

// The success path needs a GPIO chip (a Raspberry Pi, or the kernel's
// gpio-sim); every machine can check that bad configurations fail clearly.
func TestOpenGPIOErrors(t *testing.T) {
	tests := []struct {
		name   string
		d0, d1 string
		want   string
	}{
		{"missing D0", "", "GPIO6", "need two different GPIO lines"},
		{"missing D1", "GPIO5", "", "need two different GPIO lines"},
		{"same line twice", "GPIO5", "GPIO5", "need two different GPIO lines"},
		{"no such lines", "TIMECLOCK_NO_SUCH_LINE_D0", "TIMECLOCK_NO_SUCH_LINE_D1", "GPIO chip / line not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := OpenGPIO(tt.d0, tt.d1)
			if err == nil {
				s.Close()
				t.Fatalf("OpenGPIO(%q, %q) succeeded", tt.d0, tt.d1)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("OpenGPIO(%q, %q) = %v, want %q", tt.d0, tt.d1, err, tt.want)
			}
		})
	}
}
