package overtime

import (
	"slices"
	"sort"

	"timeclock/internal/civil"
)

// findDay returns the index of date in s.days, or where it would go.
func findDay(s *staffState, date civil.Date) (int, bool) {
	n := len(s.days)
	if n > 0 && s.days[n-1].date == date {
		return n - 1, true
	}
	if n == 0 || s.days[n-1].date < date {
		return n, false
	}
	i := sort.Search(n, func(i int) bool { return s.days[i].date >= date })
	return i, i < n && s.days[i].date == date
}

// dayFor returns the day of date, creating it.
func (e *Engine) dayFor(si int, date civil.Date) *day {
	s := &e.staff[si]
	i, ok := findDay(s, date)
	if !ok {
		s.days = slices.Insert(s.days, i, day{date: date, lockMin: -1})
	}
	return &s.days[i]
}

// refreshDay recomputes date, moves its contribution in its month, updates the
// interval check of the next date and re-evaluates the rules from that month.
func (e *Engine) refreshDay(si int, date civil.Date) {
	s := &e.staff[si]
	i, ok := findDay(s, date)
	if !ok {
		return
	}
	mo := date.Month()
	m := e.monthFor(si, mo)
	d := &s.days[i]
	old := *d
	m.sub(d)
	e.computeDay(si, d)
	e.computeInterval(s, i)
	m.add(d)
	e.changes.day(si, date)
	e.dayAlerts(si, &old, d)
	if i+1 < len(s.days) && s.days[i+1].date == date+1 {
		next := &s.days[i+1]
		nold := *next
		nmo := mo
		if next.date.First() {
			nmo = next.date.Month()
		}
		nm := e.monthFor(si, nmo)
		nm.sub(next)
		e.computeInterval(s, i+1)
		nm.add(next)
		if next.interBr != nold.interBr {
			e.changes.day(si, next.date)
			e.dayAlerts(si, &nold, next)
			if nmo != mo {
				e.evaluateFrom(si, nmo)
			}
		}
	}
	e.evaluateFrom(si, mo)
}

// computeDay derives presence, 在校等時間 and overtime of d (DOMAIN.md §3).
func (e *Engine) computeDay(si int, d *day) {
	s := &e.staff[si]
	buf := e.collectTaps(s, d.date)
	d.taps = int16(len(buf))
	d.complete, d.presence, d.firstIn, d.lastOut = pairTaps(buf)

	var add, self, leave, take int32
	if d.hasAdj {
		for i := range s.adjs {
			a := &s.adjs[i]
			if a.date != d.date || a.retracted {
				continue
			}
			switch a.kind {
			case KindOffsite, KindTelework, KindBreakNotTaken:
				add += a.minutes
			case KindSelfStudy:
				self += a.minutes
			case KindLeave:
				leave += a.minutes
			case KindTakehome:
				take += a.minutes
			}
		}
	}
	d.breakMin = 0
	if int(d.presence) > e.cfg.BreakAfterMin {
		d.breakMin = s.breakMin
	}
	d.atWork = max(0, d.presence-d.breakMin+add-self)
	d.takehome, d.reduction = take, self
	info := e.cal.Day(si, d.date)
	d.regular = max(0, int32(info.Regular)-leave)
	d.overtime = max(0, d.atWork-d.regular)
	d.lockMin = int32(info.LockMin)
	d.lockBr = false
	if d.complete && info.LockMin >= 0 {
		// compared in whole minutes, as the board reads the times (h:mm)
		outMin := (floorSec(d.lastOut) + 9*3600 - int64(d.date)*86400) / 60
		d.lockBr = outMin > int64(info.LockMin)
	}
}

// collectTaps returns the counted taps of date in time order: real taps
// debounced (the first of taps closer than Config.DebounceMs counts), and the
// times supplied by missing_punch adjustments.
func (e *Engine) collectTaps(s *staffState, date civil.Date) []tap {
	lo, hi := e.tapRange(s, date)
	buf := e.scratch[:0]
	last := int64(0)
	for _, t := range s.taps[lo:hi] {
		if len(buf) > 0 && t.ms-last < e.cfg.DebounceMs {
			continue
		}
		buf = append(buf, t)
		last = t.ms
	}
	for i := range s.adjs {
		a := &s.adjs[i]
		if a.kind != KindMissingPunch || a.date != date || a.retracted {
			continue
		}
		ms := (int64(date)*86400 - 9*3600 + int64(a.min)*60) * 1000
		buf = append(buf, tap{ms: ms, dir: a.dir, syn: true})
		// keep time order: insertion sort of the one new element
		for j := len(buf) - 1; j > 0 && buf[j-1].ms > buf[j].ms; j-- {
			buf[j-1], buf[j] = buf[j], buf[j-1]
		}
	}
	e.scratch = buf[:0]
	return buf
}

// pairTaps turns a day's counted taps into presence minutes (DOMAIN.md §3).
// It reports whether the day is complete; an incomplete day has 0 presence.
func pairTaps(buf []tap) (complete bool, presence int32, firstIn, lastOut int64) {
	if len(buf) == 0 {
		return false, 0, 0, 0
	}
	explicit := false
	for _, t := range buf {
		if t.dir != DirTap {
			explicit = true
			break
		}
	}
	if !explicit {
		if len(buf) == 1 {
			return false, 0, 0, 0
		}
		first, last := buf[0].ms, buf[len(buf)-1].ms
		return true, int32((last - first) / 60_000), first, last
	}
	ok := true
	open := int64(-1)
	firstIn = -1
	for _, t := range buf {
		dir := t.dir
		if dir == DirTap {
			dir = DirIn
			if open >= 0 {
				dir = DirOut
			}
		}
		if dir == DirIn {
			if open >= 0 {
				ok = false // an in without its out
			}
			open = t.ms
			if firstIn < 0 {
				firstIn = t.ms
			}
			continue
		}
		if open < 0 {
			ok = false // an out without its in
			continue
		}
		presence += int32((t.ms - open) / 60_000)
		lastOut = t.ms
		open = -1
	}
	if open >= 0 || !ok {
		return false, 0, 0, 0
	}
	return true, presence, firstIn, lastOut
}

// computeInterval sets the interval_11 breach of s.days[i]: less than
// Config.IntervalMin between the previous date's last out and this first in.
// Only adjacent dates can be that close (a work date spans 24 h).
func (e *Engine) computeInterval(s *staffState, i int) {
	d := &s.days[i]
	d.interBr = false
	if i == 0 || !d.complete {
		return
	}
	p := &s.days[i-1]
	if p.date != d.date-1 || !p.complete {
		return
	}
	d.interBr = d.firstIn-p.lastOut < int64(e.cfg.IntervalMin)*60_000
}

// dayAlerts records the day-level rule transitions between old and d.
func (e *Engine) dayAlerts(si int, old, d *day) {
	if !e.changes.track {
		return
	}
	if old.lockBr != d.lockBr {
		out := float64(floorSec(d.lastOut)+9*3600-int64(d.date)*86400) / 60
		if !d.lockBr {
			out = float64(floorSec(old.lastOut)+9*3600-int64(old.date)*86400) / 60
		}
		e.changes.alert(si, RuleLockTime, d.date, LevelWarn, d.lockBr, out, float64(d.lockMin))
	}
	if old.interBr != d.interBr {
		e.changes.alert(si, RuleInterval, d.date, LevelWarn, d.interBr, e.intervalOf(si, d), float64(e.cfg.IntervalMin))
	}
	if e.today != 0 && d.date < e.today && old.incomplete() != d.incomplete() {
		e.changes.alert(si, RuleMissingPunch, d.date, LevelWarn, d.incomplete(), float64(d.taps), 0)
	}
}

// intervalOf returns the minutes between the previous date's last out and
// d's first in, or -1 when they cannot be compared.
func (e *Engine) intervalOf(si int, d *day) float64 {
	s := &e.staff[si]
	i, ok := findDay(s, d.date-1)
	if !ok || !s.days[i].complete || !d.complete {
		return -1
	}
	return float64(d.firstIn-s.days[i].lastOut) / 60_000
}
