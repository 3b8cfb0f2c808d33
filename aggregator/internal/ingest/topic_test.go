package ingest

import (
	"strings"
	"testing"
)

func TestParseTopic(t *testing.T) {
	tests := []struct {
		topic string
		want  Topic
		ok    bool
	}{
		{"timeclock/v1/nakatsu/nakatsu-e01/gw-e01-a/punch", Topic{"nakatsu", "nakatsu-e01", "gw-e01-a", "punch"}, true},
		{"timeclock/v1/b/s/g/status", Topic{"b", "s", "g", "status"}, true},
		{"timeclock/v1/b/s/g/feedback", Topic{"b", "s", "g", "feedback"}, true},
		{"timeclock/v2/b/s/g/punch", Topic{}, false},
		{"timeclock/v1/b/s/punch", Topic{}, false},
		{"timeclock/v1/b/s/g/punch/x", Topic{}, false},
		{"timeclock/v1/B/s/g/punch", Topic{}, false},
		{"timeclock/v1/b//g/punch", Topic{}, false},
		{"timeclock/v1/" + strings.Repeat("a", 41) + "/s/g/punch", Topic{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseTopic(tt.topic)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseTopic(%q) = %+v %v, want %+v %v", tt.topic, got, ok, tt.want, tt.ok)
		}
	}
	if f := (Topic{"b", "s", "g", "punch"}).Feedback(); f != "timeclock/v1/b/s/g/feedback" {
		t.Errorf("Feedback() = %q", f)
	}
}

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

func FuzzParseTopic(f *testing.F) {
	f.Add("timeclock/v1/nakatsu/nakatsu-e01/gw-e01-a/punch")
	f.Add("timeclock/v1///")
	f.Fuzz(func(t *testing.T, s string) {
		tp, ok := ParseTopic(s)
		if !ok {
			return
		}
		// a parsed topic is rebuilt exactly
		if got := Root + "/" + tp.Board + "/" + tp.School + "/" + tp.Gateway + "/" + tp.Leaf; got != s {
			t.Fatalf("%q parsed to %+v", s, tp)
		}
	})
}
