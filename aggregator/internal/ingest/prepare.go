package ingest

import (
	"fmt"
	"sync"

	"timeclock/internal/punch"
)

// kind is what a message turned out to be once prepared.
type kind uint8

const (
	kindReject kind = iota // rejected with a reason, before or without a gateway topic
	kindTap
	kindStatus
)

// item is a message on its way through the pipeline.
type item struct {
	msg    Message
	t      punch.Topic // parsed topic (Gateway empty: not a gateway topic)
	kind   kind
	ev     punch.Event  // kindTap
	status punch.Status // kindStatus
	// kindReject
	rejectKind, reason string
	answerable         bool // a rejection answered to the gateway (its payload names a tap id)
	fbTopic            string
	acked              bool   // acknowledged already (a held tap, released)
	held               uint64 // its key among the journal's held messages (0: not held)
}

// feedbackTopics caches the feedback topic of each punch topic. Deliver may
// run on several goroutines at once (the embedded broker calls it on each
// client's reader), so the cache has its own lock.
type feedbackTopics struct {
	mu sync.RWMutex
	m  map[string]string
}

func (f *feedbackTopics) of(punchTopic string, t punch.Topic) string {
	f.mu.RLock()
	s, ok := f.m[punchTopic]
	f.mu.RUnlock()
	if ok {
		return s
	}
	s = punch.FeedbackTopic(t.Board, t.School, t.Gateway)
	f.mu.Lock()
	if f.m == nil || len(f.m) > 2*maxGateways {
		f.m = map[string]string{}
	}
	f.m[punchTopic] = s
	f.mu.Unlock()
	return s
}

// prepare parses and checks a message: everything that needs neither the
// journal nor the engine. topics is the caller's cache.
func (p *Pipeline) prepare(it *item, topics *feedbackTopics) {
	msg := &it.msg
	t, err := punch.ParseTopic(msg.Topic)
	if err != nil {
		it.reject("topic", "not a gateway topic", false)
		return
	}
	if t.Kind != punch.TopicPunch && t.Kind != punch.TopicStatus {
		it.reject("topic", "not a punch or status topic", false)
		return
	}
	it.t = t
	if size := max(msg.Src.Size, len(msg.Payload)); size > MaxPayload {
		it.reject("size", fmt.Sprintf("payload of %d bytes (at most %d)", size, MaxPayload), false)
		return
	}
	if t.Kind == punch.TopicStatus {
		st, err := punch.DecodeStatus(msg.Payload, p.now())
		if err != nil {
			it.reject(punch.KindLabel(err), err.Error(), false)
			return
		}
		it.kind, it.status = kindStatus, st
		return
	}
	it.fbTopic = topics.of(msg.Topic, t)
	if !p.boards[t.Board] {
		it.reject("board", fmt.Sprintf("board %q is not served here", t.Board), true)
		return
	}
	ev, err := punch.Decode(msg.Payload, p.now())
	if err != nil {
		it.reject(punch.KindLabel(err), err.Error(), true)
		return
	}
	if ev.Type != punch.TypeTap {
		it.reject("type", "adjustments are entered through the API, not on a punch topic", true)
		return
	}
	if err := punch.CheckTopic(t, ev.Tap); err != nil {
		it.reject(punch.KindLabel(err), err.Error(), true)
		return
	}
	it.kind, it.ev = kindTap, ev
}

func (it *item) reject(kind, reason string, answerable bool) {
	it.kind, it.rejectKind, it.reason, it.answerable = kindReject, kind, reason, answerable
}
