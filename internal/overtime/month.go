package overtime

import "timeclock/internal/civil"

func (m *month) add(d *day) { m.apply(d, 1) }
func (m *month) sub(d *day) { m.apply(d, -1) }

func (m *month) apply(d *day, sign int32) {
	m.overtime += int64(sign * d.overtime)
	m.takehome += sign * d.takehome
	m.reduction += sign * d.reduction
	if d.complete {
		m.worked += sign
	}
	if d.incomplete() {
		m.incompl += sign
	}
	if d.lockBr {
		m.lockBr += sign
	}
	if d.interBr {
		m.interBr += sign
	}
}

// noteRecord moves the first month on record back to mo when the staff has no
// start date and mo is earlier than anything seen.
func (e *Engine) noteRecord(si int, mo civil.Month) {
	s := &e.staff[si]
	if s.hasStart {
		return
	}
	if !s.hasRec || mo < s.first {
		old, had := s.first, s.hasRec
		s.first, s.hasRec = mo, true
		if had && old != mo {
			// windows that reached before the old first month become evaluable
			e.monthFor(si, mo)
			e.evaluateFrom(si, mo)
		}
	}
}

// monthFor returns the state of month mo, growing the staff's dense month
// slice as needed. A new month counts its scheduled days once, so reading a
// month never writes (readers may share the engine under a read lock).
func (e *Engine) monthFor(si int, mo civil.Month) *month {
	s := &e.staff[si]
	if len(s.months) == 0 {
		s.m0 = mo
		s.months = append(s.months, e.newMonth(si, mo))
	}
	if mo < s.m0 {
		grow := int(s.m0 - mo)
		nm := make([]month, grow+len(s.months), grow+cap(s.months))
		for i := 0; i < grow; i++ {
			nm[i] = e.newMonth(si, mo+civil.Month(i))
		}
		copy(nm[grow:], s.months)
		s.months, s.m0 = nm, mo
	}
	for int(mo-s.m0) >= len(s.months) {
		s.months = append(s.months, e.newMonth(si, s.m0+civil.Month(len(s.months))))
	}
	return &s.months[mo-s.m0]
}

func (e *Engine) newMonth(si int, mo civil.Month) month {
	return month{sched: int16(e.scheduledDays(si, mo))}
}

// overtimeOf returns the overtime of month mo (0 when nothing was recorded).
func (s *staffState) overtimeOf(mo civil.Month) int64 {
	i := int(mo - s.m0)
	if i < 0 || i >= len(s.months) {
		return 0
	}
	return s.months[i].overtime
}

// metrics are the quantities rules compare for one month.
type metrics struct {
	month    int64
	fy       int64
	avgSum   [7]int64 // avgSum[n]: sum over the n months ending at M, n = 2..6
	avgOK    [7]bool  // the window lies inside the staff's record
	over45   int64
	avgMaxN  int // window of the largest evaluated average, 0 if none
	avgMaxOK bool
}

// metricsOf computes the metrics of month mo (DOMAIN.md §4).
func (e *Engine) metricsOf(si int, mo civil.Month) metrics {
	s := &e.staff[si]
	var x metrics
	x.month = s.overtimeOf(mo)
	for m := civil.FYStart(mo.FY()); m <= mo; m++ {
		v := s.overtimeOf(m)
		x.fy += v
		if v > int64(e.over45.Threshold) {
			x.over45++
		}
	}
	sum := x.month
	for n := 2; n <= 6; n++ {
		start := mo - civil.Month(n-1)
		sum += s.overtimeOf(start)
		x.avgSum[n] = sum
		x.avgOK[n] = s.hasRec && start >= s.first
		// compare averages exactly: a/n > b/k  ⇔  a·k > b·n
		if x.avgOK[n] && (!x.avgMaxOK || sum*int64(x.avgMaxN) > x.avgSum[x.avgMaxN]*int64(n)) {
			x.avgMaxN, x.avgMaxOK = n, true
		}
	}
	return x
}

// value returns the rule's metric as a fraction num/den.
func (x *metrics) value(r *Rule) (num, den int64, ok bool) {
	switch r.Metric {
	case MetricMonth:
		return x.month, 1, true
	case MetricFY:
		return x.fy, 1, true
	case MetricAvgMax:
		if !x.avgMaxOK {
			return 0, 1, false
		}
		return x.avgSum[x.avgMaxN], int64(x.avgMaxN), true
	case MetricAvg3:
		return x.avgSum[3], 3, x.avgOK[3]
	case MetricOver45Count:
		return x.over45, 1, true
	}
	return 0, 1, false
}

// evaluateFrom re-evaluates the rules for month mo and every later month on
// record (a change in mo moves their fiscal-year sums and rolling windows),
// recording alert transitions.
func (e *Engine) evaluateFrom(si int, mo civil.Month) {
	s := &e.staff[si]
	if len(s.months) == 0 {
		return
	}
	if mo < s.m0 {
		mo = s.m0
	}
	last := s.m0 + civil.Month(len(s.months)-1)
	for m := mo; m <= last; m++ {
		x := e.metricsOf(si, m)
		var mask uint64
		level := LevelOK
		for ri := range e.cfg.Rules {
			r := &e.cfg.Rules[ri]
			num, den, ok := x.value(r)
			if ok && r.breaches(num, den) {
				mask |= 1 << ri
				level = max(level, r.Level)
			}
		}
		st := &s.months[m-s.m0]
		if diff := st.mask ^ mask; diff != 0 && e.changes.track {
			for ri := range e.cfg.Rules {
				if diff&(1<<ri) == 0 {
					continue
				}
				r := &e.cfg.Rules[ri]
				num, den, _ := x.value(r)
				e.changes.monthAlert(si, r, m, mask&(1<<ri) != 0, num, den)
			}
		}
		st.mask = mask
		if m == last {
			s.level = level
		}
		e.changes.month(si, m)
	}
}

// scheduledDays counts the days of mo with regular minutes for staff si.
func (e *Engine) scheduledDays(si int, mo civil.Month) int {
	n := 0
	for d := mo.First(); d <= mo.Last(); d++ {
		if e.cal.Day(si, d).Regular > 0 {
			n++
		}
	}
	return n
}
