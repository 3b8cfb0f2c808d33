package ingest

import (
	"strings"
	"testing"
)

func TestFilters(t *testing.T) {
	tests := []struct {
		boards []string
		group  string
		want   string
	}{
		{[]string{"a"}, "", "timeclock/v1/a/+/+/punch timeclock/v1/a/+/+/status"},
		{[]string{"a", "b"}, "agg", "$share/agg/timeclock/v1/a/+/+/punch timeclock/v1/a/+/+/status " +
			"$share/agg/timeclock/v1/b/+/+/punch timeclock/v1/b/+/+/status"},
		{nil, "", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(Filters(tt.boards, tt.group), " "); got != tt.want {
			t.Errorf("Filters(%v, %q) = %q, want %q", tt.boards, tt.group, got, tt.want)
		}
	}
}
