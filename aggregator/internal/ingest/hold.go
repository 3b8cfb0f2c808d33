package ingest

import (
	"sync/atomic"
	"time"
)

// Bounds of the taps held over their gateways' allowance: a tap held costs
// about a kilobyte.
const (
	holdTotal      = 20000
	holdPerGateway = 5000
)

// holds are the taps deferred over their gateway's allowance, per gateway
// in the order they came (commit stage only, but for the count).
type holds struct {
	perGateway int
	q          map[Topic][]item // Leaf empty
	n          atomic.Int64
}

func newHolds(lim Limits) holds {
	return holds{perGateway: min(max(lim.Burst, 100), holdPerGateway), q: map[Topic][]item{}}
}

func gatewayKey(t Topic) Topic { return Topic{Board: t.Board, School: t.School, Gateway: t.Gateway} }

func (h *holds) empty() bool { return h.n.Load() == 0 }

// has reports whether t's gateway has taps held: its newer taps queue
// behind them, so that the gateway's taps are journaled in order.
func (h *holds) has(t Topic) bool { return len(h.q[gatewayKey(t)]) > 0 }

// push holds it unless the bounds are reached.
func (h *holds) push(it *item) bool {
	k := gatewayKey(it.t)
	if h.n.Load() >= holdTotal || len(h.q[k]) >= h.perGateway {
		return false
	}
	h.q[k] = append(h.q[k], *it)
	h.n.Add(1)
	return true
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
// stage): on, held for later, or deferred to the gateway's resend.
func (p *Pipeline) admit(it *item, now time.Time) int {
	t := it.t
	punch := t.Leaf == "punch"
	ok, warn := p.gw.admit(t, now, punch && p.hold.has(t))
	if ok {
		return admitOK
	}
	p.m.Deferred.WithLabelValues(t.Leaf).Inc()
	if punch && p.gw.lim.Rate > 0 && p.hold.push(it) {
		if warn {
			p.log.Warn("gateway over its rate: taps held, journaled and answered at the rate",
				"board", t.Board, "school", t.School, "gateway", t.Gateway, "rate", p.gw.lim.Rate,
				"burst", p.gw.lim.Burst, "held", p.hold.n.Load())
		}
		return admitHeld
	}
	if warn {
		p.log.Warn("gateway over its rate: messages deferred (the gateway sends taps again)",
			"board", t.Board, "school", t.School, "gateway", t.Gateway, "leaf", t.Leaf,
			"rate", p.gw.lim.Rate, "burst", p.gw.lim.Burst)
	}
	return admitDeferred
}
