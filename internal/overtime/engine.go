package overtime

import (
	"errors"
	"fmt"
	"slices"
	"sort"

	"timeclock/internal/civil"
)

// tap is a stored card read, kept per staff sorted by time.
type tap struct {
	ms  int64
	id  uint64
	dir Dir
	syn bool // synthesised from a missing_punch adjustment (never debounced)
}

// adj is a stored adjustment.
type adj struct {
	id        uint64
	target    uint64
	date      civil.Date
	minutes   int32
	min       int32
	kind      Kind
	dir       Dir
	retracted bool
}

// day is the derived state of one work date of one staff member.
type day struct {
	date      civil.Date
	presence  int32
	atWork    int32
	regular   int32
	overtime  int32
	breakMin  int32
	takehome  int32
	reduction int32 // self_study minutes
	lockMin   int32 // lock time in force, -1 none
	firstIn   int64 // ms; valid when complete
	lastOut   int64 // ms; valid when complete
	taps      int16 // counted taps (after debounce, with synthetic ones)
	hasAdj    bool
	complete  bool // taps pair up into presence
	unsynced  bool
	lockBr    bool
	interBr   bool
}

func (d *day) incomplete() bool { return d.taps > 0 && !d.complete }

// month is the derived state of one month of one staff member.
type month struct {
	overtime  int64
	worked    int32 // complete work dates with taps
	incompl   int32
	interBr   int32
	lockBr    int32
	takehome  int32
	reduction int32 // self_study minutes
	reducN    int32 // self_study adjustments and retracts
	sched     int16 // scheduled days (regular > 0)
	mask      uint64
}

type staffState struct {
	taps   []tap
	days   []day
	adjs   []adj
	months []month
	m0     civil.Month // month of months[0]
	first  civil.Month // first month on record
	hasRec bool        // first is known
	level  Level       // of the latest evaluated month
	// Copies of the StaffInfo fields a tap reads, set by SetStaff: here
	// they share the record a tap touches anyway (the StaffInfo would be
	// one more cache miss per tap).
	hasStart bool
	breakMin int32
}

// Engine holds every staff member's state. It is not safe for concurrent use:
// the aggregator drives it from one goroutine.
type Engine struct {
	cfg     Config
	cal     Calendar
	info    []StaffInfo
	staff   []staffState
	scratch []tap
	changes Changes
	over45  Rule
	today   civil.Date // days before it are past (missing_punch); 0 until Advance
}

// ErrStaff is returned for a staff index outside the roster.
var ErrStaff = errors.New("overtime: unknown staff")

// New returns an engine for staff (indexed as given) with calendar cal.
func New(cfg Config, cal Calendar, staff []StaffInfo) (*Engine, error) {
	if err := validateRules(cfg.Rules); err != nil {
		return nil, err
	}
	if cfg.DayStartMin < 0 || cfg.DayStartMin >= 24*60 {
		return nil, fmt.Errorf("overtime: day start %d minutes is outside 00:00–23:59", cfg.DayStartMin)
	}
	e := &Engine{cfg: cfg, cal: cal, scratch: make([]tap, 0, 64)}
	e.changes.track = cfg.TrackChanges
	e.over45 = Rule{ID: "over45", Metric: MetricMonth, Cmp: GT, Threshold: int64(cfg.Over45Min)}
	e.SetStaff(staff)
	return e, nil
}

// SetStaff replaces the staff list. Existing state is kept for indexes that
// remain; call Recompute after a roster or calendar change.
func (e *Engine) SetStaff(staff []StaffInfo) {
	e.info = append(e.info[:0], staff...)
	for len(e.staff) < len(staff) {
		e.staff = append(e.staff, staffState{})
	}
	e.staff = e.staff[:len(staff)]
	for i := range e.staff {
		s := &e.staff[i]
		s.hasStart, s.breakMin = staff[i].HasStart, int32(staff[i].BreakMin)
		if staff[i].HasStart {
			s.first, s.hasRec = staff[i].Start.Month(), true
		}
	}
}

// Reserve preallocates room for taps and days per staff member, so that a
// steady stream allocates nothing.
func (e *Engine) Reserve(tapsPerStaff, daysPerStaff int) {
	for i := range e.staff {
		s := &e.staff[i]
		if cap(s.taps)-len(s.taps) < tapsPerStaff {
			s.taps = append(make([]tap, 0, len(s.taps)+tapsPerStaff), s.taps...)
		}
		if cap(s.days)-len(s.days) < daysPerStaff {
			s.days = append(make([]day, 0, len(s.days)+daysPerStaff), s.days...)
		}
		if months := daysPerStaff/28 + 2; cap(s.months)-len(s.months) < months {
			s.months = append(make([]month, 0, len(s.months)+months), s.months...)
		}
	}
}

// SetCalendar replaces the calendar and recomputes everything.
func (e *Engine) SetCalendar(cal Calendar) {
	e.cal = cal
	e.Recompute()
}

// Staff returns the number of staff members.
func (e *Engine) Staff() int { return len(e.staff) }

// Info returns staff member i.
func (e *Engine) Info(i int) StaffInfo { return e.info[i] }

// AddTap folds a tap into the engine. A tap whose id was seen on the same work
// date is a duplicate: it changes nothing and AddTap reports false.
func (e *Engine) AddTap(t Tap) (bool, error) {
	if t.Staff < 0 || t.Staff >= len(e.staff) {
		return false, ErrStaff
	}
	s := &e.staff[t.Staff]
	date, _ := civil.WorkDate(floorSec(t.Ms), e.cfg.DayStartMin)
	lo, hi := e.tapRange(s, date)
	id := t.ID
	// A gateway resends the same payload: its id and time fall on this date.
	for _, x := range s.taps[lo:hi] {
		if x.id == id {
			return false, nil
		}
	}
	pos := hi
	for pos > lo && s.taps[pos-1].ms > t.Ms {
		pos--
	}
	s.taps = slices.Insert(s.taps, pos, tap{ms: t.Ms, id: id, dir: t.Dir})
	e.noteRecord(t.Staff, date.Month())
	d := e.dayFor(t.Staff, date)
	if t.Unsynced && !d.unsynced {
		d.unsynced = true
		e.changes.alert(t.Staff, RuleClockUntrusted, date, LevelInfo, true, 1, 0)
	}
	e.refreshDay(t.Staff, date)
	return true, nil
}

func floorSec(ms int64) int64 {
	if ms < 0 && ms%1000 != 0 {
		return ms/1000 - 1
	}
	return ms / 1000
}

// tapRange returns the indexes [lo, hi) of s.taps on work date d.
func (e *Engine) tapRange(s *staffState, d civil.Date) (int, int) {
	from := (int64(d)*86400 - 9*3600 + int64(e.cfg.DayStartMin)*60) * 1000
	to := from + 86400*1000
	n := len(s.taps)
	// Fast paths for taps arriving in order: the range is at the end.
	if n == 0 || s.taps[n-1].ms < from {
		return n, n
	}
	if s.taps[n-1].ms < to {
		lo := n - 1
		for lo > 0 && s.taps[lo-1].ms >= from && n-lo < 16 {
			lo--
		}
		if lo == 0 || s.taps[lo-1].ms < from {
			return lo, n
		}
	}
	lo := sort.Search(n, func(i int) bool { return s.taps[i].ms >= from })
	hi := lo
	for hi < n && s.taps[hi].ms < to {
		hi++
	}
	return lo, hi
}

// AddAdjustment folds an adjustment into the engine. A repeated id changes
// nothing and reports false.
func (e *Engine) AddAdjustment(a Adjustment) (bool, error) {
	if a.Staff < 0 || a.Staff >= len(e.staff) {
		return false, ErrStaff
	}
	if err := checkAdjustment(a); err != nil {
		return false, err
	}
	s := &e.staff[a.Staff]
	for i := range s.adjs {
		if s.adjs[i].id == a.ID {
			return false, nil
		}
	}
	na := adj{id: a.ID, target: a.Target, date: a.Date, minutes: int32(a.Minutes), min: int32(a.Min), kind: a.Kind, dir: a.Dir}
	if a.Kind == KindRetract {
		s.adjs = append(s.adjs, na)
		e.noteRecord(a.Staff, a.Date.Month())
		e.monthFor(a.Staff, a.Date.Month()).reducN++
		e.evaluateFrom(a.Staff, a.Date.Month())
		for i := range s.adjs {
			if s.adjs[i].id == a.Target && s.adjs[i].kind != KindRetract && !s.adjs[i].retracted {
				s.adjs[i].retracted = true
				e.refreshDay(a.Staff, s.adjs[i].date)
			}
		}
		return true, nil
	}
	for i := range s.adjs {
		if s.adjs[i].kind == KindRetract && s.adjs[i].target == a.ID {
			na.retracted = true
		}
	}
	s.adjs = append(s.adjs, na)
	e.noteRecord(a.Staff, a.Date.Month())
	if a.Kind == KindSelfStudy {
		e.monthFor(a.Staff, a.Date.Month()).reducN++
	}
	e.dayFor(a.Staff, a.Date).hasAdj = true
	e.refreshDay(a.Staff, a.Date)
	return true, nil
}

func checkAdjustment(a Adjustment) error {
	switch a.Kind {
	case KindOffsite, KindTelework, KindBreakNotTaken, KindSelfStudy, KindLeave, KindTakehome:
		if a.Minutes <= 0 || a.Minutes > 24*60 {
			return fmt.Errorf("overtime: %s adjustment: minutes %d outside 1–1440", a.Kind, a.Minutes)
		}
	case KindMissingPunch:
		if a.Dir != DirIn && a.Dir != DirOut {
			return fmt.Errorf("overtime: missing_punch adjustment: dir must be in or out")
		}
		if a.Min < 0 || a.Min >= 48*60 {
			return fmt.Errorf("overtime: missing_punch adjustment: time offset %d outside the work date", a.Min)
		}
	case KindRetract:
		if a.Target == 0 {
			return fmt.Errorf("overtime: retract adjustment without target")
		}
	default:
		return fmt.Errorf("overtime: unknown adjustment kind %d", a.Kind)
	}
	return nil
}
