package roster

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"timeclock/internal/civil"
)

// Default names of calendar days off whose note is empty.
const (
	HolidayName = "休日"
	ClosureName = "学校閉庁日"
)

// DayInfo is what the roster says about one staff member's date.
type DayInfo struct {
	// Employed: the date is inside the staff's start_date … end_date.
	Employed bool
	// Regular is the regular minutes (所定の勤務時間) before leave: the
	// schedule's minutes on a scheduled day, 0 on days off or outside
	// employment.
	Regular int
	// DayOff: a weekly day off of the schedule, a national holiday, 12/29–1/3
	// or a calendar holiday or closure, unless a calendar workday orders work.
	// It is decided whether or not the staff is employed on the date.
	DayOff bool
	// Holiday names the holiday for reports: the calendar row's note (or
	// HolidayName, ClosureName), else the national holiday, else YearEndName;
	// "" on plain weekly days off and working days. A national holiday keeps
	// its name on a workday, with DayOff false.
	Holiday string
	// LockMin is the lock time in force (minutes after midnight), -1 if none.
	LockMin int
}

// staffDay is the part of a staff member Day reads, packed together.
type staffDay struct {
	start, end civil.Date // inclusive; math.MinInt32 / math.MaxInt32 when open
	regular    int32
	cal        int32 // index in Data.cals
	sched      int32 // index in Data.schedules
	days       Weekdays
}

// dayEntry is the calendar row in force on one date of a merged calendar.
type dayEntry struct {
	date civil.Date
	off  bool  // holiday or closure; false for workday
	name int32 // index in Data.names when off
}

// lockChange is a date from which a lock time (or none, -1) is in force.
type lockChange struct {
	date civil.Date
	min  int32
}

// schoolCal is the calendar of one school: its own rows over its board's
// over the global ones, merged at load time.
type schoolCal struct {
	days  []dayEntry   // by date, one per date
	locks []lockChange // by date; before the first, no lock time
}

// Day resolves date for staff index i (as from StaffIndex or StaffByCard;
// other values panic). It does not allocate: one table load for national
// holidays and binary searches over the staff's school calendar.
func (d *Data) Day(i int, date civil.Date) DayInfo {
	h := &d.hot[i]
	c := &d.cals[h.cal]
	info := DayInfo{LockMin: c.lockAt(date)}
	off := !h.days.Has(date.Weekday())
	if code := tableCode(date); code != hNone {
		off = true
		info.Holiday = holidayNames[code&nameMask]
	}
	if e := c.dayAt(date); e != nil {
		off = e.off
		if e.off {
			info.Holiday = d.names[e.name]
		}
	}
	info.DayOff = off
	info.Employed = date >= h.start && date <= h.end
	if info.Employed && !off {
		info.Regular = int(h.regular)
	}
	return info
}

func (c *schoolCal) dayAt(date civil.Date) *dayEntry {
	i := sort.Search(len(c.days), func(i int) bool { return c.days[i].date >= date })
	if i < len(c.days) && c.days[i].date == date {
		return &c.days[i]
	}
	return nil
}

func (c *schoolCal) lockAt(date civil.Date) int {
	i := sort.Search(len(c.locks), func(i int) bool { return c.locks[i].date > date }) // the first change after date
	if i == 0 {
		return -1
	}
	return int(c.locks[i-1].min)
}

// build fills hot, cals and names from the kept staff, schedules and
// calendar. Schools without rows of their own share their board's merged
// calendar, and boards without rows share the global one, so memory grows
// with the schools that have rows, not with the roster.
func (d *Data) build(schedules map[string]int) {
	byScope := make(map[string][]*CalendarEntry)
	for i := range d.calendar {
		e := &d.calendar[i]
		byScope[e.Scope] = append(byScope[e.Scope], e)
	}
	calOf := make(map[string]int32)
	nameOf := make(map[string]int32)
	d.hot = make([]staffDay, len(d.staff))
	for i := range d.staff {
		s := &d.staff[i]
		key, levels := GlobalScope, [][]*CalendarEntry{byScope[GlobalScope]}
		if rows := byScope[s.Board]; rows != nil {
			key, levels = s.Board, [][]*CalendarEntry{rows, byScope[GlobalScope]}
		}
		if rows := byScope[s.School]; rows != nil {
			key, levels = s.School, [][]*CalendarEntry{rows, byScope[s.Board], byScope[GlobalScope]}
		}
		ci, ok := calOf[key]
		if !ok {
			ci = int32(len(d.cals))
			calOf[key] = ci
			d.cals = append(d.cals, schoolCal{days: d.mergeDays(levels, nameOf), locks: mergeLocks(levels)})
		}
		k := schedules[s.Schedule]
		h := staffDay{start: math.MinInt32, end: math.MaxInt32, cal: ci, sched: int32(k),
			days: d.schedules[k].Days, regular: int32(d.schedules[k].Regular())}
		if s.HasStart {
			h.start = s.Start
		}
		if s.HasEnd {
			h.end = s.End
		}
		d.hot[i] = h
	}
	if len(d.cals) == 0 {
		d.cals = []schoolCal{{}}
	}
}

// mergeDays takes, for each date, the day row of the most specific level
// (levels[0] first) that has one.
func (d *Data) mergeDays(levels [][]*CalendarEntry, nameOf map[string]int32) []dayEntry {
	type ranked struct {
		e    *CalendarEntry
		rank int
	}
	var all []ranked
	for r, rows := range levels {
		for _, e := range rows {
			if e.Kind != KindLockTime {
				all = append(all, ranked{e, r})
			}
		}
	}
	slices.SortFunc(all, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(a.e.Date, b.e.Date), cmp.Compare(a.rank, b.rank))
	})
	var out []dayEntry
	for _, x := range all {
		if n := len(out); n > 0 && out[n-1].date == x.e.Date {
			continue
		}
		de := dayEntry{date: x.e.Date, off: x.e.Kind.dayOff()}
		if de.off {
			de.name = d.nameIndex(dayOffName(x.e), nameOf)
		}
		out = append(out, de)
	}
	return out
}

func dayOffName(e *CalendarEntry) string {
	switch {
	case e.Note != "":
		return e.Note
	case e.Kind == KindClosure:
		return ClosureName
	}
	return HolidayName
}

func (d *Data) nameIndex(name string, nameOf map[string]int32) int32 {
	if i, ok := nameOf[name]; ok {
		return i
	}
	i := int32(len(d.names))
	d.names = append(d.names, name)
	nameOf[name] = i
	return i
}

// mergeLocks turns the lock_time rows of the levels into one step function:
// at each date where any level changes, the most specific level with a lock
// time in force decides.
func mergeLocks(levels [][]*CalendarEntry) []lockChange {
	var dates []civil.Date
	for _, rows := range levels {
		for _, e := range rows {
			if e.Kind == KindLockTime {
				dates = append(dates, e.Date)
			}
		}
	}
	slices.Sort(dates)
	dates = slices.Compact(dates)
	var out []lockChange
	for _, t := range dates {
		min := int32(-1)
		for _, rows := range levels {
			if m, ok := lockInForce(rows, t); ok {
				min = int32(m)
				break
			}
		}
		if n := len(out); n > 0 && out[n-1].min == min {
			continue
		}
		out = append(out, lockChange{date: t, min: min})
	}
	return out
}

// lockInForce returns the lock time of the latest lock_time row of rows
// (sorted by date) dated on or before t.
func lockInForce(rows []*CalendarEntry, t civil.Date) (int, bool) {
	m, ok := 0, false
	for _, e := range rows {
		if e.Date > t {
			break
		}
		if e.Kind == KindLockTime {
			m, ok = e.LockMin, true
		}
	}
	return m, ok
}
