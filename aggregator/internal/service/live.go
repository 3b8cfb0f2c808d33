package service

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"timeclock/aggregator/internal/engine"
	"timeclock/aggregator/internal/journal"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
)

// Live holds the running engine and the set of raised alerts as journaled.
// The pipeline (the single writer) applies events and drains alerts through
// it; readers get the current engine. A reload builds a new engine off to
// the side from the journal and swaps it in; the alerts it raises or clears
// compared with what was journaled are reported at the next drain, so the
// alert series always converges on the engine's state — after a reload, and
// after a restart that found the journal ahead of the alert records (a day
// change while the aggregator was down).
type Live struct {
	cfg overtime.Config
	cur atomic.Pointer[engine.Engine]

	mu      sync.Mutex
	open    map[string]journal.Alert // raised and not cleared, as journaled
	pending []journal.Alert          // transitions found by a rebuild, not yet journaled
}

// NewLive returns a holder with no engine; Build or Install one first.
func NewLive(cfg overtime.Config) *Live {
	return &Live{cfg: cfg, open: map[string]journal.Alert{}}
}

// Engine returns the current engine.
func (l *Live) Engine() *engine.Engine { return l.cur.Load() }

// Apply folds an event into the current engine.
func (l *Live) Apply(ev punch.Event) (engine.Applied, error) { return l.cur.Load().Apply(ev) }

// ApplyTaps folds a batch of taps into the current engine.
func (l *Live) ApplyTaps(taps []*punch.Tap, out []engine.TapResult) {
	l.cur.Load().ApplyTaps(taps, out)
}

// Feedback returns a tap's answer values.
func (l *Live) Feedback(si int, date civil.Date) engine.Feedback {
	return l.cur.Load().Feedback(si, date)
}

// Advance tells the engine the date.
func (l *Live) Advance(now time.Time) { l.cur.Load().Advance(now) }

// Alerts drains the engine's alert transitions (and those a rebuild found),
// stamped at now, and keeps the raised set up to date.
func (l *Live) Alerts(now time.Time) []journal.Alert {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.pending
	l.pending = nil
	for i := range out {
		out[i].At = now
	}
	out = append(out, drain(l.cur.Load(), now)...)
	out = netTransitions(l.open, out)
	for _, a := range out {
		fold(l.open, a)
	}
	return out
}

// netTransitions keeps, of one drain's transitions, only the last of each
// condition, and none for a condition that ends as it began (raised and
// cleared again within the batch — a late day's first tap makes the day
// incomplete for an instant — or cleared and raised again).
func netTransitions(open map[string]journal.Alert, ts []journal.Alert) []journal.Alert {
	if len(ts) < 2 {
		return ts
	}
	last := make(map[string]int, len(ts))
	for i, a := range ts {
		last[a.Key()] = i
	}
	out := make([]journal.Alert, 0, len(last))
	for i, a := range ts {
		k := a.Key()
		if last[k] != i {
			continue
		}
		if _, was := open[k]; was == a.Raised {
			continue
		}
		out = append(out, a)
	}
	return out
}

// Open returns the raised alerts, sorted by staff, rule and period.
func (l *Live) Open() []journal.Alert {
	out := l.raisedSet()
	slices.SortFunc(out, journal.CompareAlerts)
	return out
}

// raisedSet returns the raised alerts in no order.
func (l *Live) raisedSet() []journal.Alert {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Collect(maps.Values(l.open))
}

func fold(set map[string]journal.Alert, a journal.Alert) {
	if a.Raised {
		set[a.Key()] = a
	} else {
		delete(set, a.Key())
	}
}

// drain converts the engine's pending alert transitions.
func drain(e *engine.Engine, now time.Time) []journal.Alert {
	var out []journal.Alert
	e.DrainChanges(func(ch *overtime.Changes, _ *overtime.Engine, data *roster.Data) {
		for _, a := range ch.Alerts {
			out = append(out, convert(data, a, now))
		}
	})
	return out
}

func convert(data *roster.Data, a overtime.Alert, now time.Time) journal.Alert {
	s := &data.Staff()[a.Staff]
	period := a.Month.String()
	if a.IsDay {
		period = a.Date.String()
	}
	return journal.Alert{Staff: s.ID, Board: s.Board, School: s.School, Rule: a.Rule, Level: a.Level.String(),
		Raised: a.Raised, Period: period, Value: a.Value, Threshold: a.Threshold, At: now}
}

// Events replays the journaled events after record from into fn, in
// journal order, and folds the journaled alert records into alerts (if not
// nil).
type Events func(from uint64, fn func(ev punch.Event) error, alerts func(a journal.Alert)) error

// errSnapshot marks a snapshot that could not be read: build again
// without it.
var errSnapshot = errors.New("engine snapshot unusable")

// Build makes a new engine for data from the journal's events, as of now,
// and installs it; the difference between the alerts it holds raised and
// the raised set (journaled) becomes pending, to be journaled at the next
// drain. With journaled true, the raised set is first read from the journal
// (at start); otherwise the one kept since is used (a reload). sizeHint is
// the number of events, to reserve the engine's storage at once. With a
// snapshot (at start only), the engine starts from its state and raised
// set, and only the records after it are replayed; an error wrapping
// errSnapshot means it could not be read, and nothing was installed.
func (l *Live) Build(data *roster.Data, events Events, now time.Time, journaled bool, sizeHint int, snap *snapshot) (int, error) {
	e, err := engine.New(data, l.cfg)
	if err != nil {
		return 0, err
	}
	from := uint64(0)
	fromJournal := map[string]journal.Alert{}
	if snap != nil {
		if err := e.ReadState(snap.state); err != nil {
			return 0, fmt.Errorf("%w: %w", errSnapshot, err)
		}
		from = snap.Seq
	} else if staff := data.Len(); staff > 0 && sizeHint > 0 {
		per := sizeHint/staff + 8
		e.Reserve(per, per/2+8)
	}
	// The replay's own transitions are dropped as they come; the raised set
	// is read from the final state instead (see raisedFromState).
	discard := func() { e.DrainChanges(func(*overtime.Changes, *overtime.Engine, *roster.Data) {}) }
	var alertsFn func(journal.Alert)
	var tail []journal.Alert // alerts after a snapshot: folded over its raised set, once decoded
	if journaled && snap != nil {
		alertsFn = func(a journal.Alert) { tail = append(tail, a) }
	} else if journaled {
		alertsFn = func(a journal.Alert) { fold(fromJournal, a) }
	}
	// Start at today so that missing_punch is judged as live (incomplete
	// days before today).
	e.Advance(now)
	n := 0
	err = events(from, func(ev punch.Event) error {
		_, err := e.Apply(ev)
		if err != nil && !errors.Is(err, engine.ErrUnknownCard) && !errors.Is(err, engine.ErrUnknownStaff) {
			return err
		}
		n++
		if n%4096 == 0 {
			discard()
		}
		return nil
	}, alertsFn)
	if err != nil {
		return n, err
	}
	discard()
	if snap != nil {
		set, err := snap.raised()
		if err != nil {
			return n, fmt.Errorf("%w: %w", errSnapshot, err)
		}
		fromJournal = set
		for _, a := range tail {
			fold(fromJournal, a)
		}
	}
	today, _ := civil.WorkDate(now.Unix(), l.cfg.DayStartMin)
	if journaled {
		// A start: the journaled raised set is this rebuild's own.
		var pending []journal.Alert
		e.View(func(core *overtime.Engine, data *roster.Data) {
			pending = raisedDiff(core, data, l.cfg, today, now, fromJournal)
		})
		l.mu.Lock()
		defer l.mu.Unlock()
		l.open, l.pending = fromJournal, pending
		l.cur.Store(e)
		return n, nil
	}
	// A reload while serving: the raised set is the live one, diffed under
	// the lock as it stands then.
	l.mu.Lock()
	hint := len(l.open)
	l.mu.Unlock()
	var want map[string]journal.Alert
	e.View(func(core *overtime.Engine, data *roster.Data) {
		want = raisedFromState(core, data, l.cfg, today, now, hint)
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = diff(l.open, want)
	l.cur.Store(e)
	return n, nil
}

// diff returns the transitions that turn the raised set have into want.
// The two directions are looked up at once (both maps are only read): at
// start each holds the whole raised set.
func diff(have, want map[string]journal.Alert) []journal.Alert {
	var raise []journal.Alert
	done := make(chan struct{})
	go func() {
		defer close(done)
		for k, a := range want {
			if _, ok := have[k]; !ok {
				raise = append(raise, a)
			}
		}
	}()
	var out []journal.Alert
	for k, a := range have {
		if _, ok := want[k]; !ok {
			a.Raised = false
			out = append(out, a)
		}
	}
	<-done
	out = append(out, raise...)
	slices.SortFunc(out, journal.CompareAlerts)
	return out
}
