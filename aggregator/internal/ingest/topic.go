package ingest

import (
	"strings"

	"timeclock/internal/punch"
)

// Root is the topic root of FORMATS.md §1.
const Root = "timeclock/v1"

// Topic is a parsed gateway topic: timeclock/v1/{board}/{school}/{gateway}/{leaf}.
type Topic struct {
	Board, School, Gateway, Leaf string
}

// ParseTopic splits a gateway topic. It reports false for anything else.
func ParseTopic(s string) (Topic, bool) {
	rest, ok := strings.CutPrefix(s, Root+"/")
	if !ok {
		return Topic{}, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 {
		return Topic{}, false
	}
	for _, p := range parts[:3] {
		if !punch.ValidName(p) {
			return Topic{}, false
		}
	}
	return Topic{Board: parts[0], School: parts[1], Gateway: parts[2], Leaf: parts[3]}, true
}

// Feedback returns the feedback topic of the gateway of t.
func (t Topic) Feedback() string {
	return Root + "/" + t.Board + "/" + t.School + "/" + t.Gateway + "/feedback"
}

// Filters returns the subscriptions for boards: their punch topics (as
// shared subscriptions of group when group is not empty, so one instance of
// the group takes each tap) and their status topics. Status is never shared:
// brokers send no retained messages to shared subscriptions, and a status
// report journaled by two instances is the same point.
func Filters(boards []string, group string) []string {
	var out []string
	for _, b := range boards {
		f := Root + "/" + b + "/+/+/punch"
		if group != "" {
			f = "$share/" + group + "/" + f
		}
		out = append(out, f, Root+"/"+b+"/+/+/status")
	}
	return out
}
