package overtime

import "timeclock/internal/civil"

// Forecast projects a staff member's month-end overtime.
type Forecast struct {
	Month     civil.Month
	SoFar     int64 // overtime recorded so far
	Projected int64 // SoFar plus the daily rate over the remaining scheduled days
	Elapsed   int   // scheduled days up to and including today
	Remaining int   // scheduled days after today
	// Warn lists the monthly rules (month_45, doctor_80, month_100 and any
	// board rule on the month's overtime) that the projection breaches while
	// the month so far does not: the principal can still act.
	Warn []string
}

// Forecast projects staff si's overtime at the end of today's month from the
// rate so far: overtime per scheduled day elapsed, times the scheduled days
// left (DOMAIN.md §5).
func (e *Engine) Forecast(si int, today civil.Date) Forecast {
	mo := today.Month()
	f := Forecast{Month: mo, SoFar: e.staff[si].overtimeOf(mo)}
	for d := mo.First(); d <= mo.Last(); d++ {
		if e.cal.Day(si, d).Regular <= 0 {
			continue
		}
		if d <= today {
			f.Elapsed++
		} else {
			f.Remaining++
		}
	}
	f.Projected = f.SoFar
	if f.Elapsed > 0 {
		f.Projected += f.SoFar * int64(f.Remaining) / int64(f.Elapsed)
	}
	for ri := range e.cfg.Rules {
		r := &e.cfg.Rules[ri]
		if r.Metric == MetricMonth && r.breaches(f.Projected, 1) && !r.breaches(f.SoFar, 1) {
			f.Warn = append(f.Warn, r.ID)
		}
	}
	return f
}
