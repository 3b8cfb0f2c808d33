// Package engine is the aggregator's shell around the overtime core: it maps
// cards and staff ids of the roster to the core's staff indexes, turns punch
// events into core events, answers the feedback a gateway shows, and exposes
// the derived values the InfluxDB series, the API and the reports read. The
// live service and `aggregator report` both drive it: one engine, two drivers.
package engine

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
)

// Engine is safe for concurrent use: the ingest goroutine applies events
// while the API and the sinks read.
type Engine struct {
	mu   sync.RWMutex
	cfg  overtime.Config
	data *roster.Data
	core *overtime.Engine
}

// Errors for events the roster cannot place.
var (
	ErrUnknownStaff = errors.New("unknown staff")
	ErrUnknownCard  = errors.New("unknown card")
)

// calendar adapts the roster to the core's Calendar.
type calendar struct{ data *roster.Data }

func (c calendar) Day(staff int, d civil.Date) overtime.DayInfo {
	i := c.data.Day(staff, d)
	return overtime.DayInfo{Employed: i.Employed, Regular: i.Regular, DayOff: i.DayOff, LockMin: i.LockMin}
}

// New returns an engine over the roster data.
func New(data *roster.Data, cfg overtime.Config) (*Engine, error) {
	core, err := overtime.New(cfg, calendar{data}, staffInfos(data))
	if err != nil {
		return nil, err
	}
	return &Engine{cfg: cfg, data: data, core: core}, nil
}

func staffInfos(data *roster.Data) []overtime.StaffInfo {
	out := make([]overtime.StaffInfo, data.Len())
	for i := range data.Staff() {
		s := &data.Staff()[i]
		out[i] = overtime.StaffInfo{
			ID: s.ID, Board: s.Board, School: s.School, SchoolType: string(s.SchoolType), Role: string(s.Role),
			BreakMin: data.ScheduleOf(i).BreakMin, Start: s.Start, HasStart: s.HasStart,
		}
	}
	return out
}

// Reserve preallocates per-staff room for a stream of taps (see overtime).
func (e *Engine) Reserve(tapsPerStaff, daysPerStaff int) {
	e.mu.Lock()
	e.core.Reserve(tapsPerStaff, daysPerStaff)
	e.mu.Unlock()
}

// Roster returns the roster the engine runs on.
func (e *Engine) Roster() *roster.Data {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.data
}

// Applied says what an event did.
type Applied struct {
	Duplicate bool
	Staff     int        // staff index; -1 for a tap of an unknown card
	Date      civil.Date // the work date it touched
}

// Apply folds one validated event into the engine. A tap of a card the roster
// does not know is not an error: it reports Staff -1 and ErrUnknownCard so the
// caller can answer unknown_card; it changes nothing. An adjustment for a
// staff id the roster does not know is ErrUnknownStaff.
func (e *Engine) Apply(ev punch.Event) (Applied, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.apply(ev)
}

func (e *Engine) apply(ev punch.Event) (Applied, error) {
	switch ev.Type {
	case punch.TypeTap:
		return e.applyTap(&ev.Tap)
	case punch.TypeAdjustment:
		return e.applyAdjustment(&ev.Adjustment)
	}
	return Applied{Staff: -1}, fmt.Errorf("event type %q", ev.Type)
}

func (e *Engine) applyTap(t *punch.Tap) (Applied, error) {
	si, ok := e.data.StaffByCard(t.Card)
	if !ok {
		return Applied{Staff: -1}, ErrUnknownCard
	}
	ms := t.TS.UnixMilli()
	date, _ := civil.WorkDate(t.TS.Unix(), e.cfg.DayStartMin)
	added, err := e.core.AddTap(overtime.Tap{Staff: si, Ms: ms, ID: overtime.HashID(t.ID), Dir: coreDir(t.Dir),
		Unsynced: t.Clock == punch.ClockUnsynced})
	return Applied{Duplicate: !added, Staff: si, Date: date}, err
}

func coreDir(d punch.Dir) overtime.Dir {
	switch d {
	case punch.DirIn:
		return overtime.DirIn
	case punch.DirOut:
		return overtime.DirOut
	}
	return overtime.DirTap
}

var coreKinds = map[punch.Kind]overtime.Kind{
	punch.KindOffsite:       overtime.KindOffsite,
	punch.KindTelework:      overtime.KindTelework,
	punch.KindBreakNotTaken: overtime.KindBreakNotTaken,
	punch.KindSelfStudy:     overtime.KindSelfStudy,
	punch.KindLeave:         overtime.KindLeave,
	punch.KindTakehome:      overtime.KindTakehome,
	punch.KindMissingPunch:  overtime.KindMissingPunch,
	punch.KindRetract:       overtime.KindRetract,
}

func (e *Engine) applyAdjustment(a *punch.Adjustment) (Applied, error) {
	si, ok := e.data.StaffIndex(a.Staff)
	if !ok {
		return Applied{Staff: -1}, fmt.Errorf("%w %q", ErrUnknownStaff, a.Staff)
	}
	ca := overtime.Adjustment{Staff: si, ID: overtime.HashID(a.ID), Date: a.Date, Kind: coreKinds[a.Kind],
		Minutes: a.Minutes, Dir: coreDir(a.Dir)}
	switch a.Kind {
	case punch.KindMissingPunch:
		m, err := punch.WorkMinute(a.Time)
		if err != nil {
			return Applied{Staff: si}, err
		}
		ca.Min = m
	case punch.KindRetract:
		ca.Target = overtime.HashID(a.Target)
	}
	added, err := e.core.AddAdjustment(ca)
	return Applied{Duplicate: !added, Staff: si, Date: a.Date}, err
}

// TapResult is what a tap did and, for a known card, the values its answer
// shows right after it.
type TapResult struct {
	Applied
	Err      error
	Feedback Feedback
}

// ApplyTaps folds a batch of taps into the engine under one lock, in order,
// and puts each one's outcome and answer values in out (len(out) ≥
// len(taps)).
func (e *Engine) ApplyTaps(taps []*punch.Tap, out []TapResult) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, t := range taps {
		r := &out[i]
		r.Applied, r.Err = e.applyTap(t)
		if r.Staff >= 0 {
			r.Feedback = e.feedback(r.Staff, r.Date)
		} else {
			r.Feedback = Feedback{}
		}
	}
}

// Feedback is what a gateway shows after the aggregator journaled a tap.
type Feedback struct {
	Staff            string
	TodayMin         int   // 在校等時間 of the tap's work date so far
	MonthOvertimeMin int64 // overtime of the work date's month so far
	Level            string
}

// Feedback returns the values for staff si on date.
func (e *Engine) Feedback(si int, date civil.Date) Feedback {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.feedback(si, date)
}

func (e *Engine) feedback(si int, date civil.Date) Feedback {
	d, _ := e.core.Day(si, date)
	m := e.core.Month(si, date.Month())
	return Feedback{Staff: e.data.Staff()[si].ID, TodayMin: d.AtWork, MonthOvertimeMin: m.Overtime, Level: m.Level.String()}
}

// Advance tells the engine today's date (missing_punch alerts).
func (e *Engine) Advance(now time.Time) {
	today, _ := civil.WorkDate(now.Unix(), e.cfg.DayStartMin)
	e.mu.Lock()
	e.core.Advance(today)
	e.mu.Unlock()
}

// View runs fn with the core and the roster under a read lock: fn must not
// keep them, and must only read.
func (e *Engine) View(fn func(core *overtime.Engine, data *roster.Data)) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	fn(e.core, e.data)
}

// WriteState writes the core's state to w (see overtime.Engine.WriteState).
func (e *Engine) WriteState(w io.Writer) error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.core.WriteState(w)
}

// ReadState replaces the core's state with one WriteState wrote for the
// same roster.
func (e *Engine) ReadState(r io.Reader) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.core.ReadState(r)
}

// DrainChanges runs fn with what changed since the last drain (days, months,
// alert transitions) and then empties it.
func (e *Engine) DrainChanges(fn func(ch *overtime.Changes, core *overtime.Engine, data *roster.Data)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ch := e.core.Changes()
	fn(ch, e.core, e.data)
	ch.Reset()
}
