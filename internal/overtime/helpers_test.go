package overtime

import (
	"fmt"
	"testing"
	"time"

	"timeclock/internal/civil"
)

// testCal is a calendar for tests: Mon–Fri 08:15–16:45 with 45 min break
// (465 regular minutes), lock time 19:00, optional employment bounds per staff.
type testCal struct {
	start, end map[int]civil.Date
	lock       int
	leaves     map[civil.Date]bool // extra days off
}

func newTestCal() *testCal {
	return &testCal{start: map[int]civil.Date{}, end: map[int]civil.Date{}, lock: 19 * 60, leaves: map[civil.Date]bool{}}
}

func (c *testCal) Day(staff int, d civil.Date) DayInfo {
	info := DayInfo{Employed: true, LockMin: c.lock}
	if s, ok := c.start[staff]; ok && d < s {
		info.Employed = false
	}
	if e, ok := c.end[staff]; ok && d > e {
		info.Employed = false
	}
	wd := d.Weekday()
	info.DayOff = wd == time.Saturday || wd == time.Sunday || c.leaves[d]
	if info.Employed && !info.DayOff {
		info.Regular = 465
	}
	return info
}

func teacher(id string) StaffInfo {
	return StaffInfo{ID: id, Board: "nakatsu", School: "nakatsu-e01", SchoolType: "elementary", Role: "teacher", BreakMin: 45}
}

func newEngine(t testing.TB, cal Calendar, staff ...StaffInfo) *Engine {
	t.Helper()
	e, err := New(DefaultConfig(), cal, staff)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// at parses "2026-06-01 07:40" (JST) into Unix ms.
func at(t testing.TB, s string) int64 {
	t.Helper()
	layout := "2006-01-02 15:04"
	if len(s) > len(layout) {
		layout = "2006-01-02 15:04:05"
	}
	tt, err := time.ParseInLocation(layout, s, civil.JST)
	if err != nil {
		t.Fatal(err)
	}
	return tt.UnixMilli()
}

var idSeq int

func nextID() uint64 {
	idSeq++
	return HashID(fmt.Sprintf("id-%d", idSeq))
}

func tapAt(t testing.TB, e *Engine, staff int, s string, dir Dir) {
	t.Helper()
	if _, err := e.AddTap(Tap{Staff: staff, Ms: at(t, s), ID: nextID(), Dir: dir}); err != nil {
		t.Fatal(err)
	}
}

func mustDate(t testing.TB, s string) civil.Date {
	t.Helper()
	d, err := civil.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustMonth(t testing.TB, s string) civil.Month {
	t.Helper()
	m, err := civil.ParseMonth(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func adjust(t testing.TB, e *Engine, a Adjustment) uint64 {
	t.Helper()
	if a.ID == 0 {
		a.ID = nextID()
	}
	if _, err := e.AddAdjustment(a); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// addMonthOvertime records exactly min minutes of overtime in month mo for
// staff, as offsite work on days off (regular 0), at most 1440 a day.
func addMonthOvertime(t testing.TB, e *Engine, staff int, mo civil.Month, rest int) {
	t.Helper()
	for d := mo.First(); d <= mo.Last() && rest > 0; d++ {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			continue
		}
		n := 1440
		if rest < n {
			n = rest
		}
		adjust(t, e, Adjustment{Staff: staff, Date: d, Kind: KindOffsite, Minutes: n})
		rest -= n
	}
	if rest > 0 {
		t.Fatalf("month %s has not enough days off for the overtime asked", mo)
	}
}

func breachSet(e *Engine, m MonthResult) map[string]bool {
	out := map[string]bool{}
	for _, id := range e.BreachIDs(nil, m.Breaches) {
		out[id] = true
	}
	return out
}
