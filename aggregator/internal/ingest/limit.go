package ingest

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"timeclock/internal/punch"
)

// MaxPayload bounds an MQTT message the pipeline reads: a tap is about 300
// bytes, a status report well under a kilobyte. A larger payload is
// rejected without being parsed (the rejected log keeps its first 4 KiB).
const MaxPayload = 8 << 10

// Limits is the allowance of each gateway.
//
// Taps over the rate are deferred: held, in order, in memory and in the
// journal file (journal.Writer.Hold, in the commit before their
// acknowledgement, so the broker's session is not stalled by one gateway),
// then journaled and answered as the gateway's allowance refills (hold.go) —
// a flood or a backlog beyond the burst is taken at Rate per second, the
// other gateways are not held back, and a restart takes the held taps back
// from the journal file. The held taps are bounded (holdPerGateway,
// holdTotal); beyond the bound a deferred tap is acknowledged but neither
// journaled nor answered, and the gateway, which keeps a tap in its spool
// until an answer names it, sends it again after its answer timeout (a
// sender that does not must keep its rate). Nothing is dropped silently:
// every deferral is counted per gateway (API) and in
// timeclock_ingest_deferred_total. A `rejected` answer would not do: the
// gateway releases a tap on any answer.
type Limits struct {
	Rate  float64 // punch messages per second per gateway; 0: no limit
	Burst int     // messages at once above the rate (a backlog after an outage)
}

// Status reports have an allowance of their own, so that a backlog of taps
// never holds back a gateway's status (nor its last will).
const (
	statusRate  = 1.0
	statusBurst = 30
)

// maxGateways bounds the gateways tracked: beyond it, gateways idle long
// enough to have a full allowance are forgotten (which changes nothing for
// their allowance), and new ones share one entry until room is made.
const maxGateways = 4096

// Overflow is the gateway name under which gateways beyond maxGateways are
// counted together.
const Overflow = "(other)"

// bucket is a token bucket.
type bucket struct {
	tokens float64
	at     time.Time
}

func (b *bucket) refill(now time.Time, rate float64, burst int) {
	if b.at.IsZero() {
		b.tokens, b.at = float64(burst), now
		return
	}
	if now.After(b.at) {
		b.tokens = min(float64(burst), b.tokens+now.Sub(b.at).Seconds()*rate)
		b.at = now
	}
}

// take spends a token if there is one.
func (b *bucket) take(now time.Time, rate float64, burst int) bool {
	b.refill(now, rate, burst)
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}

func (b *bucket) full(now time.Time, rate float64, burst int) bool {
	b.refill(now, rate, burst)
	return b.tokens >= float64(burst)
}

// GatewayStats counts what one gateway sent.
type GatewayStats struct {
	Board        string    `json:"board"`
	School       string    `json:"school"`
	Gateway      string    `json:"gateway"`
	Messages     uint64    `json:"messages"`
	Deferred     uint64    `json:"deferred"`
	Rejected     uint64    `json:"rejected"`
	LastSeen     time.Time `json:"last_seen"`
	LastDeferred time.Time `json:"last_deferred,omitzero"`
}

type gwState struct {
	punch, status bucket
	stats         GatewayStats
	warned        time.Time // last log line about deferrals
}

// gateways is the allowance and the counts of every gateway.
type gateways struct {
	lim       Limits
	mu        sync.Mutex
	m         map[punch.Topic]*gwState // Kind is empty
	lastSweep time.Time
}

func newGateways(lim Limits) *gateways {
	return &gateways{lim: lim, m: map[punch.Topic]*gwState{}}
}

// state returns the entry of t's gateway, making room if needed. g.mu is held.
func (g *gateways) state(t punch.Topic, now time.Time) *gwState {
	k := punch.Topic{Board: t.Board, School: t.School, Gateway: t.Gateway}
	if s, ok := g.m[k]; ok {
		return s
	}
	if len(g.m) >= maxGateways && now.Sub(g.lastSweep) >= time.Second {
		g.lastSweep = now
		for k2, s := range g.m {
			if k2.Gateway != Overflow && s.idle(now, g.lim) {
				delete(g.m, k2)
			}
		}
	}
	if len(g.m) >= maxGateways {
		k = punch.Topic{Gateway: Overflow}
		if s, ok := g.m[k]; ok {
			return s
		}
	}
	s := &gwState{stats: GatewayStats{Board: k.Board, School: k.School, Gateway: k.Gateway}}
	g.m[k] = s
	return s
}

func (s *gwState) idle(now time.Time, lim Limits) bool {
	return (lim.Rate <= 0 || s.punch.full(now, lim.Rate, lim.Burst)) && s.status.full(now, statusRate, statusBurst)
}

// admit counts a message on t and says whether it goes on (true) or is
// deferred — over the allowance, or queued behind held taps of its gateway
// (queued) —; warn is true when the deferral should be logged (the first of
// a minute for the gateway).
func (g *gateways) admit(t punch.Topic, now time.Time, queued bool) (ok, warn bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.state(t, now)
	s.stats.Messages++
	s.stats.LastSeen = now
	switch {
	case queued:
	case t.Kind == punch.TopicStatus:
		ok = s.status.take(now, statusRate, statusBurst)
	case g.lim.Rate > 0:
		ok = s.punch.take(now, g.lim.Rate, g.lim.Burst)
	default:
		ok = true
	}
	if ok {
		return true, false
	}
	s.stats.Deferred++
	s.stats.LastDeferred = now
	if now.Sub(s.warned) >= time.Minute {
		s.warned = now
		warn = true
	}
	return false, warn
}

// take spends one of t's gateway's punch allowance for a held tap (counted
// when it came).
func (g *gateways) take(t punch.Topic, now time.Time) bool {
	if g.lim.Rate <= 0 {
		return true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.state(t, now).punch.take(now, g.lim.Rate, g.lim.Burst)
}

// rejected counts a rejected message of t's gateway, if admit counted it.
func (g *gateways) rejected(t punch.Topic) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if s, ok := g.m[punch.Topic{Board: t.Board, School: t.School, Gateway: t.Gateway}]; ok {
		s.stats.Rejected++
	}
}

// stats returns the counts, sorted by board, school and gateway.
func (g *gateways) stats() []GatewayStats {
	g.mu.Lock()
	out := make([]GatewayStats, 0, len(g.m))
	for _, s := range g.m {
		out = append(out, s.stats)
	}
	g.mu.Unlock()
	slices.SortFunc(out, func(a, b GatewayStats) int {
		return cmp.Or(cmp.Compare(a.Board, b.Board), cmp.Compare(a.School, b.School), cmp.Compare(a.Gateway, b.Gateway))
	})
	return out
}
