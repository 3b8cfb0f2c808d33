package ingest

import (
	"encoding/binary"
	"errors"
	"sync/atomic"
	"time"

	"timeclock/aggregator/internal/journal"
	"timeclock/internal/punch"
)

// Bounds of the taps held over their gateways' allowance: a tap held costs
// about a kilobyte.
const (
	holdTotal      = 20000
	holdPerGateway = 5000
)

// holds are the taps deferred over their gateway's allowance, per gateway
// in the order they came (commit stage only, but for the count). Each is
// also kept in the journal file (journal.Writer.Hold) in the commit that
// acknowledges it, and leaves it in the commit that journals it: a restart
// takes the held taps back from there (restoreHeld).
type holds struct {
	perGateway int
	q          map[punch.Topic][]item // Kind empty
	n          atomic.Int64
}

func newHolds(lim Limits) holds {
	return holds{perGateway: min(max(lim.Burst, 100), holdPerGateway), q: map[punch.Topic][]item{}}
}

func gatewayKey(t punch.Topic) punch.Topic {
	return punch.Topic{Board: t.Board, School: t.School, Gateway: t.Gateway}
}

func (h *holds) empty() bool { return h.n.Load() == 0 }

// has reports whether t's gateway has taps held: its newer taps queue
// behind them, so that the gateway's taps are journaled in order.
func (h *holds) has(t punch.Topic) bool { return len(h.q[gatewayKey(t)]) > 0 }

// room reports whether a tap of t's gateway may be held.
func (h *holds) room(t punch.Topic) bool {
	return h.n.Load() < holdTotal && len(h.q[gatewayKey(t)]) < h.perGateway
}

// push holds it.
func (h *holds) push(it *item) {
	k := gatewayKey(it.t)
	h.q[k] = append(h.q[k], *it)
	h.n.Add(1)
}

// release takes the held taps their gateways have allowance for again, in
// order, ahead of batch (they came before it).
func (h *holds) release(now time.Time, gw *gateways, batch []item) []item {
	if h.empty() {
		return batch
	}
	var out []item
	for k, q := range h.q {
		n := 0
		for n < len(q) && gw.take(k, now) {
			n++
		}
		for i := range q[:n] {
			q[i].acked = true
		}
		out = append(out, q[:n]...)
		if n == len(q) {
			delete(h.q, k)
		} else {
			clear(q[:n])
			h.q[k] = q[n:]
		}
		h.n.Add(-int64(n))
	}
	if len(out) == 0 {
		return batch
	}
	return append(out, batch...)
}

// admission outcomes.
const (
	admitOK = iota
	admitHeld
	admitDeferred
)

// admit counts a message of a gateway topic against its allowance (commit
// stage): on, held for later (in the journal file too, within w's commit),
// or deferred to the gateway's resend.
func (p *Pipeline) admit(w *journal.Writer, it *item, now time.Time) (int, error) {
	t := it.t
	isPunch := t.Kind == punch.TopicPunch
	ok, warn := p.gw.admit(t, now, isPunch && p.hold.has(t))
	if ok {
		return admitOK, nil
	}
	p.m.Deferred.WithLabelValues(string(t.Kind)).Inc()
	if isPunch && p.gw.lim.Rate > 0 && p.hold.room(t) {
		key, err := w.Hold(encodeHeld(&it.msg))
		if err != nil {
			return 0, err
		}
		it.held = key
		p.hold.push(it)
		if warn {
			p.log.Warn("gateway over its rate: taps held, journaled and answered at the rate",
				"board", t.Board, "school", t.School, "gateway", t.Gateway, "rate", p.gw.lim.Rate,
				"burst", p.gw.lim.Burst, "held", p.hold.n.Load())
		}
		return admitHeld, nil
	}
	if warn {
		p.log.Warn("gateway over its rate: messages deferred (the gateway sends taps again)",
			"board", t.Board, "school", t.School, "gateway", t.Gateway, "leaf", string(t.Kind),
			"rate", p.gw.lim.Rate, "burst", p.gw.lim.Burst)
	}
	return admitDeferred, nil
}

// encodeHeld is a held message as the journal keeps it: its topic, when it
// was received, its payload.
func encodeHeld(m *Message) []byte {
	b := binary.AppendUvarint(nil, uint64(len(m.Topic)))
	b = append(b, m.Topic...)
	b = binary.AppendVarint(b, m.Received.UnixNano())
	return append(b, m.Payload...)
}

var errHeldCorrupt = errors.New("ingest: a held message of the journal does not decode")

func decodeHeld(b []byte) (Message, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return Message{}, errHeldCorrupt
	}
	topic, b := string(b[k:k+int(n)]), b[k+int(n):]
	ns, k := binary.Varint(b)
	if k <= 0 {
		return Message{}, errHeldCorrupt
	}
	return Message{Topic: topic, Received: time.Unix(0, ns), Payload: append([]byte(nil), b[k:]...)}, nil
}

// restoreHeld takes back the taps held when the aggregator last stopped:
// acknowledged then, journaled and answered now, at their gateways' rate.
func (p *Pipeline) restoreHeld() error {
	n, topics := 0, &feedbackTopics{}
	err := p.j.Held(func(key uint64, data []byte) error {
		msg, err := decodeHeld(data)
		if err != nil {
			return err
		}
		it := item{msg: msg, acked: true, held: key}
		p.prepare(&it, topics)
		p.hold.push(&it) // beyond the bound if need be: they were taken
		n++
		return nil
	})
	if n > 0 {
		p.log.Info("taps held over their gateways' rate taken back from the journal file", "held", n)
	}
	return err
}
