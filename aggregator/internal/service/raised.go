package service

import (
	"slices"
	"sync"
	"time"

	"timeclock/aggregator/internal/journal"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/roster"
)

// raisedFromState returns the alerts the engine holds raised, read from its
// state rather than folded from its transitions (a rebuild replays millions
// of events; folding every transition would cost more than the replay). It
// mirrors how the engine raises and clears:
//   - lock_time, interval_11: a recorded date breaching it;
//   - missing_punch: an incomplete date before today;
//   - clock_untrusted: a date with a tap from an unsynchronised gateway
//     (raised once, never cleared);
//   - the monthly rules: each month from the staff's first to last month
//     with a recorded date, as the engine evaluates them.
//
// sizeHint is how many alerts are expected (the journaled raised set's
// size), so the map is not grown step by step.
func raisedFromState(core *overtime.Engine, data *roster.Data, cfg overtime.Config, today civil.Date,
	now time.Time, sizeHint int) map[string]journal.Alert {
	halves := inHalves(data.Len(), func(lo, hi int) map[string]journal.Alert {
		out := make(map[string]journal.Alert, sizeHint*(hi-lo)/max(data.Len(), 1))
		raisedOf(core, data, cfg, today, lo, hi, func(r *raisedAlert) {
			a := r.alert(now)
			out[a.Key()] = a
		})
		return out
	})
	out := halves[0]
	for k, a := range halves[1] {
		out[k] = a
	}
	return out
}

// raisedDiff returns the transitions that turn have into the raised set
// the engine's state implies: diff(have, raisedFromState(…)), without
// building that set where it can (see raises).
func raisedDiff(core *overtime.Engine, data *roster.Data, cfg overtime.Config, today civil.Date,
	now time.Time, have map[string]journal.Alert) []journal.Alert {
	if raise, ok := raises(core, data, cfg, today, now, have); ok {
		return raise
	}
	return diff(have, raisedFromState(core, data, cfg, today, now, len(have)))
}

// raises returns the alerts the engine's state implies that have lacks,
// in CompareAlerts order, and whether have holds nothing else (no alert to
// clear). A restart holds both sets whole (400k alerts for a year of 10k
// staff) and they are nearly always equal: each alert the state implies is
// looked up in have, and only the missing ones are made.
func raises(core *overtime.Engine, data *roster.Data, cfg overtime.Config, today civil.Date,
	now time.Time, have map[string]journal.Alert) ([]journal.Alert, bool) {
	type half struct {
		raise []journal.Alert
		found int
	}
	halves := inHalves(data.Len(), func(lo, hi int) (h half) {
		var key []byte
		raisedOf(core, data, cfg, today, lo, hi, func(r *raisedAlert) {
			key = r.appendKey(key[:0])
			if _, ok := have[string(key)]; ok {
				h.found++
			} else {
				h.raise = append(h.raise, r.alert(now))
			}
		})
		return h
	})
	// Keys are unique (one staff ID, rule and period each), so have holds
	// nothing more exactly when every one of its alerts was found.
	out := append(halves[0].raise, halves[1].raise...)
	slices.SortFunc(out, journal.CompareAlerts)
	return out, halves[0].found+halves[1].found == len(have)
}

// inHalves runs fn over the staff [0, n) in two halves at once (the
// engine is only read), as a restart waits for it.
func inHalves[T any](n int, fn func(lo, hi int) T) [2]T {
	var out [2]T
	if n < 32 {
		out[0] = fn(0, n)
		out[1] = fn(n, n)
		return out
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		out[1] = fn(n/2, n)
	}()
	out[0] = fn(0, n/2)
	wg.Wait()
	return out
}

// raisedAlert is an alert raisedOf finds raised, before it is made a
// journal.Alert.
type raisedAlert struct {
	staff            *roster.Staff
	rule             string
	level            overtime.Level
	day              bool // the period is date, else month
	date             civil.Date
	month            civil.Month
	value, threshold float64
}

func (r *raisedAlert) appendPeriod(b []byte) []byte {
	if r.day {
		b, _ = r.date.AppendText(b)
	} else {
		b, _ = r.month.AppendText(b)
	}
	return b
}

// appendKey appends the alert's journal.Alert.Key.
func (r *raisedAlert) appendKey(b []byte) []byte {
	b = append(b, r.staff.ID...)
	b = append(b, 0)
	b = append(b, r.rule...)
	b = append(b, 0)
	return r.appendPeriod(b)
}

func (r *raisedAlert) alert(now time.Time) journal.Alert {
	return journal.Alert{Staff: r.staff.ID, Board: r.staff.Board, School: r.staff.School, Rule: r.rule,
		Level: r.level.String(), Raised: true, Period: string(r.appendPeriod(make([]byte, 0, 10))),
		Value: r.value, Threshold: r.threshold, At: now}
}

// raisedOf calls fn with each alert the state of the staff [lo, hi) holds
// raised (fn must not keep r).
func raisedOf(core *overtime.Engine, data *roster.Data, cfg overtime.Config, today civil.Date,
	lo, hi int, fn func(r *raisedAlert)) {
	var r raisedAlert
	day := func(s *roster.Staff, rule string, lvl overtime.Level, d civil.Date, value, threshold float64) {
		r = raisedAlert{staff: s, rule: rule, level: lvl, day: true, date: d, value: value, threshold: threshold}
		fn(&r)
	}
	rules := core.Rules()
	staff := data.Staff()
	for si := lo; si < hi; si++ {
		s := &staff[si]
		first, last := civil.Month(-1), civil.Month(-1)
		var prev overtime.DayResult
		hasPrev := false
		for d := range core.Days(si, 0, civil.Date(1<<30)) {
			mo := d.Date.Month()
			if first < 0 {
				first = mo
			}
			last = mo
			if d.LockBreach {
				day(s, overtime.RuleLockTime, overtime.LevelWarn, d.Date, minuteOfDay(d.LastOut, d.Date), float64(d.LockMin))
			}
			if d.IntervalBreach {
				v := -1.0
				if hasPrev && prev.Date == d.Date-1 && prev.Complete {
					v = d.FirstIn.Sub(prev.LastOut).Minutes()
				}
				day(s, overtime.RuleInterval, overtime.LevelWarn, d.Date, v, float64(cfg.IntervalMin))
			}
			if d.Incomplete && d.Date < today {
				day(s, overtime.RuleMissingPunch, overtime.LevelWarn, d.Date, float64(d.Taps), 0)
			}
			if d.Unsynced {
				day(s, overtime.RuleClockUntrusted, overtime.LevelInfo, d.Date, 1, 0)
			}
			prev, hasPrev = d, true
		}
		if first < 0 {
			continue
		}
		for mo := first; mo <= last; mo++ {
			m := core.Month(si, mo)
			if m.Breaches == 0 {
				continue
			}
			for ri := range rules {
				if m.Breaches&(1<<ri) != 0 {
					rl := &rules[ri]
					r = raisedAlert{staff: s, rule: rl.ID, level: rl.Level, month: mo,
						value: metricValue(m, rl.Metric), threshold: float64(rl.Threshold)}
					fn(&r)
				}
			}
		}
	}
}

// minuteOfDay is t's minute counted from 00:00 of date d (JST), as the
// engine reports a lock_time breach.
func minuteOfDay(t time.Time, d civil.Date) float64 {
	return float64((t.Unix() - d.Time().Unix()) / 60)
}

// metricValue is the value a monthly rule compared, as the engine reports it.
func metricValue(m overtime.MonthResult, metric overtime.Metric) float64 {
	switch metric {
	case overtime.MetricMonth:
		return float64(m.Overtime)
	case overtime.MetricFY:
		return float64(m.FY)
	case overtime.MetricAvg3:
		v, _ := m.Avg(3)
		return v
	case overtime.MetricAvgMax:
		best := 0.0
		for n := 2; n <= 6; n++ {
			if v, ok := m.Avg(n); ok && v > best {
				best = v
			}
		}
		return best
	case overtime.MetricOver45Count:
		return float64(m.Over45)
	}
	return 0
}
