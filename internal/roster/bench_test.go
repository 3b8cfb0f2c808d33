package roster

import (
	"fmt"
	"testing"
	"time"

	"timeclock/internal/civil"
)

// bigRoster builds n staff in 20 boards of 15 schools each, with a calendar
// of the size a prefecture has: three global lock times, ten closures a year
// per board, and for every third school a lock time of its own and ten
// workdays and holidays a year, over fiscal years 2025–2028.
func bigRoster(tb testing.TB, n int) *Data {
	tb.Helper()
	const boards, schoolsPer = 20, 15
	staff := make([]Staff, 0, n)
	for i := range n {
		b := i % boards
		s := (i / boards) % schoolsPer
		st := Staff{
			ID: fmt.Sprintf("S%05d", i), Name: "職員", Role: Roles[i%len(Roles)],
			Board: fmt.Sprintf("b%02d", b), School: fmt.Sprintf("b%02d-s%02d", b, s),
			SchoolType: SchoolTypes[(b*schoolsPer+s)%len(SchoolTypes)], Schedule: "std",
			Cards: []string{fmt.Sprintf("felica:%016x", i)},
		}
		if i%7 == 0 {
			st.Start, st.HasStart = civil.D(2026, time.April, 1), true
		}
		staff = append(staff, st)
	}
	cal := []CalendarEntry{
		{Date: civil.D(2025, time.April, 1), Scope: "*", Kind: KindLockTime, LockMin: 19 * 60},
		{Date: civil.D(2027, time.April, 1), Scope: "*", Kind: KindLockTime, LockMin: 18*60 + 30},
		{Date: civil.D(2028, time.April, 1), Scope: "*", Kind: KindLockTime, LockMin: 18 * 60},
	}
	for fy := 2025; fy <= 2028; fy++ {
		for b := range boards {
			for k := range 10 {
				cal = append(cal, CalendarEntry{Date: civil.D(fy, time.August, 10+k), Scope: fmt.Sprintf("b%02d", b), Kind: KindClosure})
			}
			for s := 0; s < schoolsPer; s += 3 {
				school := fmt.Sprintf("b%02d-s%02d", b, s)
				for k := range 10 {
					kind := KindWorkday
					if k%2 == 1 {
						kind = KindHoliday
					}
					cal = append(cal, CalendarEntry{Date: civil.D(fy, time.May+time.Month(k), 6+s), Scope: school, Kind: kind, Note: "行事"})
				}
				if fy == 2026 {
					cal = append(cal, CalendarEntry{Date: civil.D(fy, time.October, 1), Scope: school, Kind: KindLockTime, LockMin: 20 * 60})
				}
			}
		}
	}
	d, errs := New([]Schedule{std}, staff, cal)
	if len(errs) > 0 {
		tb.Fatalf("bigRoster: %v", errs[0])
	}
	return d
}

// BenchmarkDay resolves every day of fiscal year 2026 for each staff member
// in turn, as the engine does on a full recompute. One op is one Day call.
func BenchmarkDay(b *testing.B) {
	d := bigRoster(b, 10_000)
	first, last := civil.D(2026, time.April, 1), civil.D(2027, time.March, 31)
	b.ReportAllocs()
	i, day := 0, first
	sink := 0
	for b.Loop() {
		info := d.Day(i, day)
		sink += info.Regular
		if day++; day > last {
			day = first
			if i++; i == d.Len() {
				i = 0
			}
		}
	}
	if sink < 0 {
		b.Fatal(sink)
	}
}

// BenchmarkNew builds a roster of 10 000 staff and its calendar from values.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		bigRoster(b, 10_000)
	}
}

// TestDayAllocs pins the zero-allocation promise of Day (a count, not a
// time).
func TestDayAllocs(t *testing.T) {
	d := bigRoster(t, 600)
	day := civil.D(2026, time.April, 1)
	allocs := testing.AllocsPerRun(1000, func() {
		for i := 0; i < d.Len(); i += 37 {
			_ = d.Day(i, day)
			day++
		}
	})
	if allocs != 0 {
		t.Errorf("Day allocates %.1f times per run", allocs)
	}
}

// TestBigRosterShares checks the sharing that keeps memory in check: one
// calendar for each school with rows of its own, each board, and nothing
// else.
func TestBigRosterShares(t *testing.T) {
	d := bigRoster(t, 3000)
	if want := 20*5 + 20; len(d.cals) != want {
		t.Errorf("%d merged calendars, want %d", len(d.cals), want)
	}
	i, _ := d.StaffIndex("S00000") // b00-s00, a school with rows
	if got := d.Day(i, civil.D(2026, time.October, 1)).LockMin; got != 20*60 {
		t.Errorf("school lock time %d", got)
	}
	if got := d.Day(i, civil.D(2026, time.August, 10)); !got.DayOff || got.Holiday != ClosureName {
		t.Errorf("board closure at a school with rows: %+v", got)
	}
	if got := d.Day(i, civil.D(2026, time.May, 6)); got.DayOff || got.Regular != 465 {
		t.Errorf("school workday on 振替休日 2026-05-06: %+v", got)
	}
}
