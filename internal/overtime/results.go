package overtime

import (
	"iter"
	"sort"
	"time"

	"timeclock/internal/civil"
)

// DayResult is one staff member's work date.
type DayResult struct {
	Date           civil.Date
	Presence       int // minutes between in and out; 0 when incomplete
	Break          int // break deducted
	AtWork         int // 在校等時間
	Regular        int // 所定の勤務時間 after leave
	Overtime       int // 時間外在校等時間
	Takehome       int // recorded, not part of AtWork
	Reduction      int // self_study minutes subtracted
	Taps           int // counted taps (after debounce, with missing_punch times)
	Complete       bool
	Incomplete     bool
	FirstIn        time.Time // zero unless Complete
	LastOut        time.Time // zero unless Complete
	LockMin        int       // lock time in force, -1 none
	LockBreach     bool
	IntervalBreach bool
	Unsynced       bool // a tap came from a gateway with an unsynchronised clock
}

func (d *day) result() DayResult {
	r := DayResult{
		Date: d.date, Presence: int(d.presence), Break: int(d.breakMin), AtWork: int(d.atWork),
		Regular: int(d.regular), Overtime: int(d.overtime), Takehome: int(d.takehome), Reduction: int(d.reduction),
		Taps: int(d.taps), Complete: d.complete, Incomplete: d.incomplete(), LockMin: int(d.lockMin),
		LockBreach: d.lockBr, IntervalBreach: d.interBr, Unsynced: d.unsynced,
	}
	if d.complete {
		r.FirstIn = time.UnixMilli(d.firstIn).In(civil.JST)
		r.LastOut = time.UnixMilli(d.lastOut).In(civil.JST)
	}
	return r
}

// Day returns staff si's work date d, and whether anything was recorded on it.
func (e *Engine) Day(si int, d civil.Date) (DayResult, bool) {
	s := &e.staff[si]
	i, ok := findDay(s, d)
	if !ok {
		return DayResult{Date: d, LockMin: -1}, false
	}
	return s.days[i].result(), true
}

// Days yields staff si's recorded work dates in [from, to], in date order.
func (e *Engine) Days(si int, from, to civil.Date) iter.Seq[DayResult] {
	return func(yield func(DayResult) bool) {
		s := &e.staff[si]
		i := sort.Search(len(s.days), func(i int) bool { return s.days[i].date >= from })
		for ; i < len(s.days) && s.days[i].date <= to; i++ {
			if !yield(s.days[i].result()) {
				return
			}
		}
	}
}

// MonthResult is one staff member's month with its rolling windows and rules.
type MonthResult struct {
	Month            civil.Month
	Overtime         int64       // minutes
	FY               int64       // fiscal-year overtime from April up to this month
	AvgSum           [7]int64    // AvgSum[n], n = 2..6: overtime over the n months ending here
	AvgOK            [7]bool     // the n-month window is evaluated (inside the record)
	Over45           int         // months of the fiscal year up to here over 45 h
	DaysWorked       int         // complete work dates with taps
	Incomplete       int         // incomplete work dates
	IntervalBreaches int         // dates breaching interval_11
	LockBreaches     int         // dates breaching lock_time
	Takehome         int         // minutes recorded as 持ち帰り業務
	Reduction        int         // self_study minutes subtracted
	Reductions       int         // self_study and retract adjustments
	Scheduled        int         // scheduled days (regular minutes > 0)
	Breaches         uint64      // bit i: Config.Rules[i] breaches
	Level            Level       // highest level among the breaches
	OnRecord         bool        // the month is at or after the first month on record
	First            civil.Month // first month on record (valid when OnRecord)
}

// Avg returns the n-month average in minutes and whether it is evaluated.
func (m MonthResult) Avg(n int) (float64, bool) {
	if n < 2 || n > 6 || !m.AvgOK[n] {
		return 0, false
	}
	return float64(m.AvgSum[n]) / float64(n), true
}

// Month returns staff si's month mo; months without events are all zero.
func (e *Engine) Month(si int, mo civil.Month) MonthResult {
	s := &e.staff[si]
	x := e.metricsOf(si, mo)
	r := MonthResult{Month: mo, Overtime: x.month, FY: x.fy, AvgSum: x.avgSum, AvgOK: x.avgOK, Over45: int(x.over45),
		OnRecord: s.hasRec && mo >= s.first, First: s.first}
	if i := int(mo - s.m0); len(s.months) > 0 && i >= 0 && i < len(s.months) {
		m := &s.months[i]
		r.DaysWorked, r.Incomplete = int(m.worked), int(m.incompl)
		r.IntervalBreaches, r.LockBreaches = int(m.interBr), int(m.lockBr)
		r.Takehome, r.Reduction, r.Reductions = int(m.takehome), int(m.reduction), int(m.reducN)
		r.Scheduled = int(m.sched)
	} else {
		r.Scheduled = e.scheduledDays(si, mo)
	}
	for ri := range e.cfg.Rules {
		rule := &e.cfg.Rules[ri]
		if num, den, ok := x.value(rule); ok && rule.breaches(num, den) {
			r.Breaches |= 1 << ri
			r.Level = max(r.Level, rule.Level)
		}
	}
	return r
}

// FirstMonth returns staff si's first month on record, if known.
func (e *Engine) FirstMonth(si int) (civil.Month, bool) {
	s := &e.staff[si]
	return s.first, s.hasRec
}

// Level returns staff si's level in their latest month on record.
func (e *Engine) Level(si int) Level { return e.staff[si].level }

// Rules returns the engine's monthly rules; MonthResult.Breaches indexes them.
func (e *Engine) Rules() []Rule { return e.cfg.Rules }

// BreachIDs appends the ids of the rules set in mask.
func (e *Engine) BreachIDs(dst []string, mask uint64) []string {
	for ri := range e.cfg.Rules {
		if mask&(1<<ri) != 0 {
			dst = append(dst, e.cfg.Rules[ri].ID)
		}
	}
	return dst
}

// Advance tells the engine the current date: incomplete work dates before
// today raise missing_punch.
func (e *Engine) Advance(today civil.Date) {
	if today <= e.today {
		return
	}
	from := e.today
	e.today = today
	if !e.changes.track {
		return
	}
	for si := range e.staff {
		s := &e.staff[si]
		i := sort.Search(len(s.days), func(i int) bool { return s.days[i].date >= from })
		for ; i < len(s.days) && s.days[i].date < today; i++ {
			if d := &s.days[i]; d.incomplete() {
				e.changes.alert(si, RuleMissingPunch, d.date, LevelWarn, true, float64(d.taps), 0)
			}
		}
	}
}

// Recompute derives every day and month again from the stored taps and
// adjustments (after a calendar or roster change), recording the alert
// transitions this causes.
func (e *Engine) Recompute() {
	for si := range e.staff {
		s := &e.staff[si]
		for i := range s.months {
			s.months[i] = month{sched: int16(e.scheduledDays(si, s.m0+civil.Month(i))), mask: s.months[i].mask}
		}
		for i := range s.adjs {
			a := &s.adjs[i]
			if a.kind == KindSelfStudy || a.kind == KindRetract {
				e.monthFor(si, a.date.Month()).reducN++
			}
		}
		for i := range s.days {
			d := &s.days[i]
			old := *d
			e.computeDay(si, d)
			e.computeInterval(s, i)
			e.monthFor(si, d.date.Month()).add(d)
			if *d != old {
				e.changes.day(si, d.date)
			}
			e.dayAlerts(si, &old, d)
		}
		e.evaluateFrom(si, s.m0)
	}
}
