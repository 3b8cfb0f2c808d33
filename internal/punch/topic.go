package punch

import "strings"

// Root is the first two levels of every topic.
const Root = "timeclock/v1"

// TopicKind is the last level of a topic: what its payloads are.
type TopicKind string

// Topic kinds of FORMATS.md §1.
const (
	TopicPunch    TopicKind = "punch"    // tap events, gateway → aggregator
	TopicStatus   TopicKind = "status"   // retained Status, gateway → all
	TopicFeedback TopicKind = "feedback" // Feedback, aggregator → gateway
)

// Topic is a parsed topic timeclock/v1/{board}/{school}/{gateway}/{kind}.
type Topic struct {
	Board, School, Gateway string
	Kind                   TopicKind
}

// String writes t as a topic name.
func (t Topic) String() string {
	return Root + "/" + t.Board + "/" + t.School + "/" + t.Gateway + "/" + string(t.Kind)
}

// PunchTopic returns the topic a gateway publishes its taps on. The names must
// satisfy ValidName; gateway configuration checks them once at start.
func PunchTopic(board, school, gateway string) string {
	return Topic{board, school, gateway, TopicPunch}.String()
}

// StatusTopic returns the topic of a gateway's retained status and last will.
func StatusTopic(board, school, gateway string) string {
	return Topic{board, school, gateway, TopicStatus}.String()
}

// FeedbackTopic returns the topic the aggregator answers a gateway's taps on.
func FeedbackTopic(board, school, gateway string) string {
	return Topic{board, school, gateway, TopicFeedback}.String()
}

// PunchSubscription returns the filter for all taps of a board, the unit one
// aggregator owns: timeclock/v1/{board}/+/+/punch.
func PunchSubscription(board string) string { return Root + "/" + board + "/+/+/punch" }

// StatusSubscription returns the filter for all gateway statuses of a board.
func StatusSubscription(board string) string { return Root + "/" + board + "/+/+/status" }

// ParseTopic reads a topic of FORMATS.md §1. Errors are ErrTopic.
func ParseTopic(s string) (Topic, error) {
	rest, ok := strings.CutPrefix(s, Root+"/")
	if !ok {
		return Topic{}, newError(ErrTopic, "topic", quote(s)+": want prefix "+Root+"/")
	}
	var parts [4]string
	for i := range parts {
		j := strings.IndexByte(rest, '/')
		if i == len(parts)-1 {
			if j >= 0 {
				return Topic{}, newError(ErrTopic, "topic", quote(s)+
					": want "+Root+"/{board}/{school}/{gateway}/{kind}, got more levels")
			}
			parts[i] = rest
			break
		}
		if j < 0 {
			return Topic{}, newError(ErrTopic, "topic", quote(s)+
				": want "+Root+"/{board}/{school}/{gateway}/{kind}, got fewer levels")
		}
		parts[i], rest = rest[:j], rest[j+1:]
	}
	for i, level := range [...]string{"board", "school", "gateway"} {
		if !ValidName(parts[i]) {
			return Topic{}, newError(ErrTopic, "topic", quote(s)+": "+level+" "+quote(parts[i])+
				" is not 1 to 40 of [a-z0-9-]")
		}
	}
	t := Topic{Board: parts[0], School: parts[1], Gateway: parts[2], Kind: TopicKind(parts[3])}
	switch t.Kind {
	case TopicPunch, TopicStatus, TopicFeedback:
		return t, nil
	}
	return Topic{}, newError(ErrTopic, "topic", quote(s)+": kind "+quote(parts[3])+
		" (want punch, status or feedback)")
}

// CheckTopic rejects a tap whose board, school or gateway differ from the
// topic it arrived on, or that arrived on a topic other than punch: a gateway
// may publish only its own taps, and the broker's ACL is by topic.
func CheckTopic(t Topic, tap Tap) error {
	if t.Kind != TopicPunch {
		return newError(ErrTopic, "topic", quote(t.String())+": a tap on a "+string(t.Kind)+" topic")
	}
	for _, f := range [...]struct{ field, payload, topic string }{
		{"board", tap.Board, t.Board}, {"school", tap.School, t.School}, {"gateway", tap.Gateway, t.Gateway},
	} {
		if f.payload != f.topic {
			return newError(ErrTopic, f.field, quote(f.payload)+" differs from "+quote(f.topic)+
				" in topic "+t.String())
		}
	}
	return nil
}
