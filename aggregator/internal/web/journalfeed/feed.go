// Package journalfeed follows the aggregator's journal for the live page:
// it keeps each gateway's latest status report, the alert transitions
// counted per school, rule and month, and the latest taps, and it fans
// every newly journaled tap, alert transition and status out to
// subscribers (the page's server-sent events). It implements the web
// package's Gateways and Taps, and AlertCounts of its Alerts. The alerts
// raised now are the aggregator's raised set as journaled, kept once, by
// the service (Live); the page reads them there.
//
// The journal is the record: what it holds is what the page shows, with no
// second path for the data. At start the whole journal is scanned once
// (only alert and status records are decoded; taps are decoded for the
// last few); afterwards the feed wakes on each commit.
package journalfeed

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"

	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/web"
	"timeclock/internal/civil"
)

// Log is the journal as the feed reads it.
type Log interface {
	Scan(from uint64, limit int, fn func(seq uint64, kind journal.Kind, data []byte) error) (uint64, error)
	Changed() <-chan struct{}
}

// Sizes of what the feed keeps.
const (
	// KeepTaps is how many of the latest taps are kept for a page that
	// opens or reconnects.
	KeepTaps = 200
	// SubscriberBuffer is how many updates a subscriber may fall behind
	// before it is dropped (its page reconnects and resumes).
	SubscriberBuffer = 1024
	scanChunk        = 4096
)

type countKey struct {
	board, school, rule string
	month               civil.Month
}

type counts struct{ raised, cleared int }

// Feed is the journal follower.
type Feed struct {
	log    Log
	logger *slog.Logger

	polling  sync.Mutex // one poll at a time (Run's, CatchUp's)
	skipped  tapRing    // the latest tap records of a scan no page watches (New's, poll's)
	mu       sync.Mutex
	last     uint64
	gateways map[string]journal.Status
	counts   map[countKey]*counts
	taps     []web.Update // ring of the latest taps, oldest first
	subs     map[*subscriber]struct{}
	stopped  bool
}

type subscriber struct {
	ch     chan web.Update
	closed bool
}

var (
	_ web.Gateways = (*Feed)(nil)
	_ web.Taps     = (*Feed)(nil)
)

// New scans the journal and returns a feed of what it holds; Run follows
// what is appended afterwards.
func New(log Log, logger *slog.Logger) (*Feed, error) {
	f := newFeed(log, logger)
	// The taps are decoded only for the last KeepTaps of them.
	f.skipped.reset()
	last, err := log.Scan(0, 0, func(seq uint64, kind journal.Kind, data []byte) error {
		if kind == journal.KindTap {
			f.skipped.keep(seq, data)
			return nil
		}
		f.fold(seq, kind, data)
		return nil
	})
	if err != nil {
		return nil, err
	}
	f.skipped.each(func(seq uint64, data []byte) { f.fold(seq, journal.KindTap, data) })
	f.last = last
	return f, nil
}

func newFeed(log Log, logger *slog.Logger) *Feed {
	return &Feed{log: log, logger: logger.With("part", "web-feed"), gateways: map[string]journal.Status{},
		counts: map[countKey]*counts{}, subs: map[*subscriber]struct{}{}}
}

// readTaps folds the tap records seqs (ascending, up to f.last) into the
// ring of latest taps: a restored feed reads them back by number.
func (f *Feed) readTaps(seqs []uint64) error {
	if len(seqs) == 0 {
		return nil
	}
	want := map[uint64]bool{}
	for _, s := range seqs {
		want[s] = true
	}
	last := f.last
	_, err := f.log.Scan(seqs[0]-1, 0, func(seq uint64, kind journal.Kind, data []byte) error {
		if seq > last {
			return errStop
		}
		if kind == journal.KindTap && want[seq] {
			f.fold(seq, kind, data)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return err
	}
	return nil
}

// State is what the feed holds at a journal record: saved with the engine
// snapshot, it lets a restart skip the scan of the whole journal.
type State struct {
	Seq      uint64           `json:"seq"`
	Gateways []journal.Status `json:"gateways"`
	Counts   []Count          `json:"counts"`
	Taps     []uint64         `json:"taps"` // journal records of the latest taps
}

// Count is the alert transitions of one school, rule and month.
type Count struct {
	Board   string      `json:"board"`
	School  string      `json:"school"`
	Rule    string      `json:"rule"`
	Month   civil.Month `json:"month"`
	Raised  int         `json:"raised"`
	Cleared int         `json:"cleared"`
}

// CatchUp reads what was journaled up to now, at once: after it, with no
// record appended meanwhile, State is at the journal's end.
func (f *Feed) CatchUp() error { return f.poll() }

// State returns the feed's state.
func (f *Feed) State() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := State{Seq: f.last}
	for _, g := range f.gateways {
		st.Gateways = append(st.Gateways, g)
	}
	for k, c := range f.counts {
		st.Counts = append(st.Counts, Count{Board: k.board, School: k.school, Rule: k.rule, Month: k.month,
			Raised: c.raised, Cleared: c.cleared})
	}
	for _, u := range f.taps {
		st.Taps = append(st.Taps, u.Seq)
	}
	return st
}

// Restore returns a feed at st (as State gave it), reading only the latest
// taps from the journal; Run follows what comes after st.Seq.
func Restore(log Log, logger *slog.Logger, st State) (*Feed, error) {
	f := newFeed(log, logger)
	f.last = st.Seq
	for _, g := range st.Gateways {
		f.gateways[g.Board+"/"+g.School+"/"+g.Gateway] = g
	}
	for _, c := range st.Counts {
		f.counts[countKey{c.Board, c.School, c.Rule, c.Month}] = &counts{raised: c.Raised, cleared: c.Cleared}
	}
	if err := f.readTaps(st.Taps); err != nil {
		return nil, err
	}
	return f, nil
}

// errStop ends the second scan at the end of the first one.
var errStop = errors.New("journalfeed: scan done")

// fold takes one record into the state and returns the update it makes
// (ok false for records the page does not show). Called with f.mu held or
// before the feed is shared.
func (f *Feed) fold(seq uint64, kind journal.Kind, data []byte) (web.Update, bool) {
	switch kind {
	case journal.KindTap:
		e, err := journal.DecodeEvent(data)
		if err != nil {
			f.logger.Warn("journal record not shown", "seq", seq, "err", err)
			return web.Update{}, false
		}
		t := e.Event.Tap
		u := web.Update{Seq: seq, Tap: &t}
		if len(f.taps) == KeepTaps {
			copy(f.taps, f.taps[1:])
			f.taps = f.taps[:KeepTaps-1]
		}
		f.taps = append(f.taps, u)
		return u, true
	case journal.KindAlert:
		a, err := journal.DecodeAlert(data)
		if err != nil {
			f.logger.Warn("journal record not shown", "seq", seq, "err", err)
			return web.Update{}, false
		}
		at, _ := civil.WorkDate(a.At.Unix(), 0) // the calendar date in JST
		k := countKey{a.Board, a.School, a.Rule, at.Month()}
		c := f.counts[k]
		if c == nil {
			c = &counts{}
			f.counts[k] = c
		}
		if a.Raised {
			c.raised++
		} else {
			c.cleared++
		}
		return web.Update{Seq: seq, Alert: &a}, true
	case journal.KindStatus:
		st, err := journal.DecodeStatus(data)
		if err != nil {
			f.logger.Warn("journal record not shown", "seq", seq, "err", err)
			return web.Update{}, false
		}
		key := st.Board + "/" + st.School + "/" + st.Gateway
		// A retained status can arrive again after a newer one: keep the
		// latest report.
		if old, ok := f.gateways[key]; ok && old.TS.After(st.TS) {
			return web.Update{}, false
		}
		f.gateways[key] = st
		return web.Update{Seq: seq, Status: &st}, true
	}
	return web.Update{}, false
}

// Run follows the journal until ctx is done, then ends every subscription.
func (f *Feed) Run(ctx context.Context) error {
	defer f.stop()
	for {
		changed := f.log.Changed()
		if err := f.poll(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}

// poll reads the records appended since the last poll and publishes them.
func (f *Feed) poll() error {
	f.polling.Lock()
	defer f.polling.Unlock()
	for {
		f.mu.Lock()
		from := f.last
		f.mu.Unlock()
		f.mu.Lock()
		// With no page watching, only the taps that stay in the ring of
		// the latest are decoded: the others would be decoded for nobody.
		quiet := len(f.subs) == 0
		f.mu.Unlock()
		var ups []web.Update
		skipped := &f.skipped
		skipped.reset()
		last, err := f.log.Scan(from, scanChunk, func(seq uint64, kind journal.Kind, data []byte) error {
			if quiet && kind == journal.KindTap {
				skipped.keep(seq, data)
				return nil
			}
			f.mu.Lock()
			u, ok := f.fold(seq, kind, data)
			f.mu.Unlock()
			if ok {
				ups = append(ups, u)
			}
			return nil
		})
		if err != nil {
			return err
		}
		f.mu.Lock()
		skipped.each(func(seq uint64, data []byte) { f.fold(seq, journal.KindTap, data) })
		f.last = last
		f.publish(ups)
		f.mu.Unlock()
		if last == from || last-from < scanChunk {
			return nil
		}
	}
}

// publish hands updates to every subscriber; one too far behind is dropped
// (its channel closed) rather than holding up the others. Called with f.mu.
func (f *Feed) publish(ups []web.Update) {
	for s := range f.subs {
		for _, u := range ups {
			select {
			case s.ch <- u:
				continue
			default:
			}
			f.logger.Info("live page subscriber fell behind: dropped (it reconnects)")
			f.drop(s)
			break
		}
	}
}

func (f *Feed) drop(s *subscriber) {
	if !s.closed {
		s.closed = true
		close(s.ch)
	}
	delete(f.subs, s)
}

func (f *Feed) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped = true
	for s := range f.subs {
		f.drop(s)
	}
}

// Subscribe implements web.Taps.
func (f *Feed) Subscribe() (<-chan web.Update, func()) {
	s := &subscriber{ch: make(chan web.Update, SubscriberBuffer)}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		s.closed = true
		close(s.ch)
		return s.ch, func() {}
	}
	f.subs[s] = struct{}{}
	return s.ch, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.drop(s)
	}
}

// RecentTaps implements web.Taps.
func (f *Feed) RecentTaps() []web.Update {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]web.Update(nil), f.taps...)
}

// Gateways implements web.Gateways: the latest report of every gateway,
// sorted by board, school and gateway.
func (f *Feed) Gateways() []journal.Status {
	f.mu.Lock()
	out := slices.Collect(maps.Values(f.gateways))
	f.mu.Unlock()
	slices.SortFunc(out, func(a, b journal.Status) int {
		return cmp.Or(strings.Compare(a.Board, b.Board), strings.Compare(a.School, b.School),
			strings.Compare(a.Gateway, b.Gateway))
	})
	return out
}

// AlertCounts is web.Alerts.AlertCounts: the transitions journaled in month
// (of their detection time, JST) per board, school and rule.
func (f *Feed) AlertCounts(month civil.Month) []web.AlertCount {
	f.mu.Lock()
	var out []web.AlertCount
	for k, c := range f.counts {
		if k.month == month {
			out = append(out, web.AlertCount{Board: k.board, School: k.school, Rule: k.rule, Raised: c.raised,
				Cleared: c.cleared})
		}
	}
	f.mu.Unlock()
	slices.SortFunc(out, func(a, b web.AlertCount) int {
		return cmp.Or(strings.Compare(a.Board, b.Board), strings.Compare(a.School, b.School),
			strings.Compare(a.Rule, b.Rule))
	})
	return out
}

// Last returns the sequence number of the last journal record the feed has
// read.
func (f *Feed) Last() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// tapRing keeps copies of the last KeepTaps tap records of a scan, in
// order, reusing its storage from poll to poll.
type tapRing struct {
	seq  [KeepTaps]uint64
	data [KeepTaps][]byte
	n    int // records kept so far (the ring holds the last min(n, KeepTaps))
}

func (r *tapRing) reset() { r.n = 0 }

func (r *tapRing) keep(seq uint64, data []byte) {
	i := r.n % KeepTaps
	r.seq[i], r.data[i] = seq, append(r.data[i][:0], data...)
	r.n++
}

func (r *tapRing) each(fn func(seq uint64, data []byte)) {
	start := max(0, r.n-KeepTaps)
	for k := start; k < r.n; k++ {
		i := k % KeepTaps
		fn(r.seq[i], r.data[i])
	}
}
