package service

import (
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
// The staff are read in two halves at once (the engine is only read), as a
// restart waits for it. sizeHint is how many alerts are expected (the
// journaled raised set's size), so the map is not grown step by step.
func raisedFromState(core *overtime.Engine, data *roster.Data, cfg overtime.Config, today civil.Date,
	now time.Time, sizeHint int) map[string]journal.Alert {
	n := data.Len()
	if n < 32 {
		return raisedOf(core, data, cfg, today, now, 0, n, sizeHint)
	}
	var other map[string]journal.Alert
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		other = raisedOf(core, data, cfg, today, now, n/2, n, sizeHint/2)
	}()
	out := raisedOf(core, data, cfg, today, now, 0, n/2, sizeHint)
	wg.Wait()
	for k, a := range other {
		out[k] = a
	}
	return out
}

// raisedOf is raisedFromState of the staff [lo, hi).
func raisedOf(core *overtime.Engine, data *roster.Data, cfg overtime.Config, today civil.Date,
	now time.Time, lo, hi, sizeHint int) map[string]journal.Alert {
	out := make(map[string]journal.Alert, sizeHint)
	add := func(s *roster.Staff, rule string, lvl overtime.Level, period string, value, threshold float64) {
		a := journal.Alert{Staff: s.ID, Board: s.Board, School: s.School, Rule: rule, Level: lvl.String(), Raised: true,
			Period: period, Value: value, Threshold: threshold, At: now}
		out[a.Key()] = a
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
			// The date's text, written once and only for a date with an
			// alert (most have none).
			var text string
			period := func() string {
				if text == "" {
					text = d.Date.String()
				}
				return text
			}
			if d.LockBreach {
				add(s, overtime.RuleLockTime, overtime.LevelWarn, period(), minuteOfDay(d.LastOut, d.Date), float64(d.LockMin))
			}
			if d.IntervalBreach {
				v := -1.0
				if hasPrev && prev.Date == d.Date-1 && prev.Complete {
					v = d.FirstIn.Sub(prev.LastOut).Minutes()
				}
				add(s, overtime.RuleInterval, overtime.LevelWarn, period(), v, float64(cfg.IntervalMin))
			}
			if d.Incomplete && d.Date < today {
				add(s, overtime.RuleMissingPunch, overtime.LevelWarn, period(), float64(d.Taps), 0)
			}
			if d.Unsynced {
				add(s, overtime.RuleClockUntrusted, overtime.LevelInfo, period(), 1, 0)
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
					r := &rules[ri]
					add(s, r.ID, r.Level, mo.String(), metricValue(m, r.Metric), float64(r.Threshold))
				}
			}
		}
	}
	return out
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
