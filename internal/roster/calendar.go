package roster

import (
	"cmp"
	"io"
	"slices"
	"strings"

	"timeclock/internal/civil"
)

// Kind is the kind of a calendar.csv row.
type Kind string

// Calendar kinds (FORMATS.md §3).
const (
	KindHoliday  Kind = "holiday"   // an extra day off (e.g. 県民の日)
	KindClosure  Kind = "closure"   // 学校閉庁日: a day off
	KindWorkday  Kind = "workday"   // 勤務を命じた日: scheduled even if a day off
	KindLockTime Kind = "lock_time" // 施錠時間 in force from Date on
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case KindHoliday, KindClosure, KindWorkday, KindLockTime:
		return true
	}
	return false
}

// dayOff reports whether a row of kind k makes its date a day off.
func (k Kind) dayOff() bool { return k == KindHoliday || k == KindClosure }

// GlobalScope is the scope of a calendar row that applies to every school.
const GlobalScope = "*"

// CalendarEntry is one row of calendar.csv. Scope is a school id, a board id
// or GlobalScope. LockMin (minutes after midnight) is set for KindLockTime
// only; Note is free text, shown in reports as the name of the day off.
type CalendarEntry struct {
	Date    civil.Date
	Scope   string
	Kind    Kind
	LockMin int
	Note    string
	Pos     Pos
}

var calendarCols = []string{"date", "scope", "kind", "value", "note"}

// ParseCalendar reads calendar.csv from r, naming it file in errors. It
// checks each row on its own; New checks scopes against the roster and rows
// against each other (one day kind and one lock time per date and scope).
func ParseCalendar(r io.Reader, file string) ([]CalendarEntry, []error) {
	c, errs, _ := parseRows(r, file, calendarCols, calendarRow, checkEntry)
	return c, errs
}

func calendarRow(f *fieldErrs, v []string) CalendarEntry {
	e := CalendarEntry{Scope: v[1], Kind: Kind(v[2]), Note: v[4], Pos: f.pos}
	e.Date, _ = f.date("date", v[0], false)
	if e.Kind == KindLockTime {
		e.LockMin = f.clock("value", v[3])
	} else if v[3] != "" && e.Kind.Valid() {
		f.add("value", "%q: only lock_time takes a value", v[3])
	}
	return e
}

// checkEntry checks the values of one calendar entry on its own; whether its
// scope exists is up to New.
func checkEntry(e *CalendarEntry) []error {
	f := fieldErrs{pos: e.Pos}
	if e.Scope != GlobalScope && !isID(e.Scope, false) {
		f.add("scope", "%q: want a school id, a board id or *", e.Scope)
	}
	if !e.Kind.Valid() {
		f.add("kind", "%q: want one of holiday, closure, workday, lock_time", e.Kind)
	}
	if e.Kind == KindLockTime && (e.LockMin < 0 || e.LockMin >= 24*60) {
		f.add("value", "%d minutes is outside 00:00–23:59", e.LockMin)
	}
	f.text("note", e.Note)
	return f.errs
}

// addCalendar keeps the entries that pass their checks, name a scope of the
// roster and do not clash with an entry kept before them.
func (d *Data) addCalendar(in []CalendarEntry, ix *rosterIndex, errs *[]error) {
	type key struct {
		date  civil.Date
		scope string
		lock  bool
	}
	kept := make(map[key]int, len(in)) // index in d.calendar
	d.calendar = make([]CalendarEntry, 0, len(in))
	for i, e := range in {
		e.Pos = e.Pos.orMemory("calendar", i)
		ferrs := checkEntry(&e)
		if len(ferrs) == 0 && e.Scope != GlobalScope {
			_, school := ix.schools[e.Scope]
			_, board := ix.boards[e.Scope]
			if !school && !board {
				ferrs = append(ferrs, errAt(e.Pos, "scope", "%q is no school or board of roster.csv", e.Scope))
			}
		}
		if len(ferrs) > 0 {
			*errs = append(*errs, ferrs...)
			continue
		}
		k := key{e.Date, e.Scope, e.Kind == KindLockTime}
		if j, dup := kept[k]; dup {
			*errs = append(*errs, clash(&e, &d.calendar[j]))
			continue
		}
		kept[k] = len(d.calendar)
		d.calendar = append(d.calendar, e)
	}
	slices.SortFunc(d.calendar, func(a, b CalendarEntry) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), strings.Compare(a.Scope, b.Scope), strings.Compare(string(a.Kind), string(b.Kind)))
	})
}

// clash describes e against the entry prev kept before it for the same date
// and scope.
func clash(e, prev *CalendarEntry) *LineError {
	p := prev.Pos
	if e.Kind == KindLockTime {
		if e.LockMin != prev.LockMin {
			return errAt(e.Pos, "value", "lock_time %s contradicts lock_time %s for %s %s on %s",
				formatClock(e.LockMin), formatClock(prev.LockMin), e.Date, e.Scope, lineRef(p))
		}
		return errAt(e.Pos, "value", "lock_time %s repeats %s", formatClock(e.LockMin), lineRef(p))
	}
	if e.Kind.dayOff() != prev.Kind.dayOff() {
		return errAt(e.Pos, "kind", "%s contradicts %s for %s %s on %s", e.Kind, prev.Kind, e.Date, e.Scope, lineRef(p))
	}
	return errAt(e.Pos, "kind", "%s repeats %s for %s %s on %s (one day entry per date and scope)",
		e.Kind, prev.Kind, e.Date, e.Scope, lineRef(p))
}
