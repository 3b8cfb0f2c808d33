package punch

import (
	"errors"
	"testing"
	"time"
)

func TestTopicBuilders(t *testing.T) {
	cases := []struct{ got, want string }{
		{PunchTopic("nakatsu", "nakatsu-e01", "gw-e01-a"), "timeclock/v1/nakatsu/nakatsu-e01/gw-e01-a/punch"},
		{StatusTopic("nakatsu", "nakatsu-e01", "gw-e01-a"), "timeclock/v1/nakatsu/nakatsu-e01/gw-e01-a/status"},
		{FeedbackTopic("nakatsu", "nakatsu-e01", "gw-e01-a"), "timeclock/v1/nakatsu/nakatsu-e01/gw-e01-a/feedback"},
		{PunchSubscription("nakatsu"), "timeclock/v1/nakatsu/+/+/punch"},
		{StatusSubscription("nakatsu"), "timeclock/v1/nakatsu/+/+/status"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}

func TestParseTopic(t *testing.T) {
	valid := []struct {
		in   string
		want Topic
	}{
		{"timeclock/v1/nakatsu/nakatsu-e01/gw-e01-a/punch", Topic{"nakatsu", "nakatsu-e01", "gw-e01-a", TopicPunch}},
		{"timeclock/v1/b/s/g/status", Topic{"b", "s", "g", TopicStatus}},
		{"timeclock/v1/b/s/g/feedback", Topic{"b", "s", "g", TopicFeedback}},
	}
	for _, c := range valid {
		got, err := ParseTopic(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseTopic(%s) = %+v, %v", c.in, got, err)
		}
		if got.String() != c.in {
			t.Errorf("String() = %s, want %s", got.String(), c.in)
		}
	}
	invalid := []struct{ in, err string }{
		{"", `topic: topic mismatch: "": want prefix timeclock/v1/`},
		{"timeclock/v2/b/s/g/punch", `topic: topic mismatch: "timeclock/v2/b/s/g/punch": want prefix timeclock/v1/`},
		{"timeclock/v1/b/s/punch", `topic: topic mismatch: "timeclock/v1/b/s/punch": want timeclock/v1/{board}/{school}/{gateway}/{kind}, got fewer levels`},
		{"timeclock/v1/b/s/g/punch/x", `topic: topic mismatch: "timeclock/v1/b/s/g/punch/x": want timeclock/v1/{board}/{school}/{gateway}/{kind}, got more levels`},
		{"timeclock/v1/B/s/g/punch", `topic: topic mismatch: "timeclock/v1/B/s/g/punch": board "B" is not 1 to 40 of [a-z0-9-]`},
		{"timeclock/v1/b//g/punch", `topic: topic mismatch: "timeclock/v1/b//g/punch": school "" is not 1 to 40 of [a-z0-9-]`},
		{"timeclock/v1/b/s/+/punch", `topic: topic mismatch: "timeclock/v1/b/s/+/punch": gateway "+" is not 1 to 40 of [a-z0-9-]`},
		{"timeclock/v1/b/s/g/taps", `topic: topic mismatch: "timeclock/v1/b/s/g/taps": kind "taps" (want punch, status or feedback)`},
	}
	for _, c := range invalid {
		_, err := ParseTopic(c.in)
		if err == nil || err.Error() != c.err || !errors.Is(err, ErrTopic) {
			t.Errorf("ParseTopic(%q):\n got %v\nwant %s", c.in, err, c.err)
		}
	}
}

func TestCheckTopic(t *testing.T) {
	e, err := Decode([]byte(sampleTap), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	tap := e.Tap
	cases := []struct {
		topic string
		err   string
	}{
		{"timeclock/v1/nakatsu/nakatsu-e01/gw-e01-a/punch", ""},
		{"timeclock/v1/nakatsu/nakatsu-e01/gw-e01-a/status", `topic: topic mismatch: "timeclock/v1/nakatsu/nakatsu-e01/gw-e01-a/status": a tap on a status topic`},
		{"timeclock/v1/oita/nakatsu-e01/gw-e01-a/punch", `board: topic mismatch: "nakatsu" differs from "oita" in topic timeclock/v1/oita/nakatsu-e01/gw-e01-a/punch`},
		{"timeclock/v1/nakatsu/nakatsu-e02/gw-e01-a/punch", `school: topic mismatch: "nakatsu-e01" differs from "nakatsu-e02" in topic timeclock/v1/nakatsu/nakatsu-e02/gw-e01-a/punch`},
		{"timeclock/v1/nakatsu/nakatsu-e01/gw-e01-b/punch", `gateway: topic mismatch: "gw-e01-a" differs from "gw-e01-b" in topic timeclock/v1/nakatsu/nakatsu-e01/gw-e01-b/punch`},
	}
	for _, c := range cases {
		topic, err := ParseTopic(c.topic)
		if err != nil {
			t.Fatal(err)
		}
		err = CheckTopic(topic, tap)
		if c.err == "" {
			if err != nil {
				t.Errorf("%s: %v", c.topic, err)
			}
			continue
		}
		if err == nil || err.Error() != c.err || !errors.Is(err, ErrTopic) {
			t.Errorf("%s:\n got %v\nwant %s", c.topic, err, c.err)
		}
	}
}

func FuzzParseTopic(f *testing.F) {
	f.Add("timeclock/v1/nakatsu/nakatsu-e01/gw-e01-a/punch")
	f.Add("timeclock/v1/b/s/g/status")
	f.Add("timeclock/v1/b/s/g/feedback/")
	f.Fuzz(func(t *testing.T, s string) {
		topic, err := ParseTopic(s)
		if err != nil {
			if !errors.Is(err, ErrTopic) {
				t.Fatalf("ParseTopic(%q): %v is not ErrTopic", s, err)
			}
			return
		}
		if topic.String() != s {
			t.Fatalf("ParseTopic(%q).String() = %q", s, topic.String())
		}
	})
}
