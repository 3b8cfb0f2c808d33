package roster

import (
	"testing"
	"time"

	"timeclock/internal/civil"
)

func date(t testing.TB, s string) civil.Date {
	t.Helper()
	d, err := civil.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func loadExample(t testing.TB) *Data {
	t.Helper()
	d, errs := LoadDir("testdata/example")
	if len(errs) > 0 {
		t.Fatalf("example: %v", errs)
	}
	return d
}

func index(t testing.TB, d *Data, id string) int {
	t.Helper()
	i, ok := d.StaffIndex(id)
	if !ok {
		t.Fatalf("no staff %s", id)
	}
	return i
}

func TestDayExample(t *testing.T) {
	d := loadExample(t)
	const lock = 19 * 60
	tests := []struct {
		staff, date string
		want        DayInfo
	}{
		{"T1", "2026-06-01", DayInfo{Employed: true, Regular: 465, LockMin: lock}}, // DOMAIN.md §7
		{"T1", "2026-06-06", DayInfo{Employed: true, DayOff: true, LockMin: lock}}, // Saturday
		{"T1", "2026-06-07", DayInfo{Employed: true, DayOff: true, LockMin: lock}}, // Sunday
		{"T1", "2025-03-31", DayInfo{Employed: true, Regular: 465, LockMin: -1}},   // before the lock time
		{"T1", "2026-07-20", DayInfo{Employed: true, DayOff: true, Holiday: "海の日", LockMin: lock}},
		{"T1", "2026-09-22", DayInfo{Employed: true, DayOff: true, Holiday: "国民の休日", LockMin: lock}},
		{"T1", "2026-08-13", DayInfo{Employed: true, DayOff: true, Holiday: "学校閉庁日", LockMin: lock}}, // board closure
		{"T3", "2026-08-13", DayInfo{Employed: true, DayOff: true, Holiday: "学校閉庁日", LockMin: lock}},
		{"T3", "2026-08-14", DayInfo{Employed: true, Regular: 465, LockMin: lock}}, // school workday beats board closure
		{"T1", "2026-08-14", DayInfo{Employed: true, DayOff: true, Holiday: "学校閉庁日", LockMin: lock}},
		{"N1", "2026-08-13", DayInfo{Employed: true, Regular: 465, LockMin: lock}}, // another board
		{"T1", "2026-10-17", DayInfo{Employed: true, Regular: 465, LockMin: lock}}, // 土曜授業
		{"T3", "2026-10-17", DayInfo{Employed: true, DayOff: true, LockMin: lock}}, // not at j01
		{"T1", "2026-10-19", DayInfo{Employed: true, DayOff: true, Holiday: "土曜授業の振替", LockMin: lock}},
		{"N1", "2026-11-02", DayInfo{Employed: true, DayOff: true, Holiday: "延岡市の休業日", LockMin: lock}},
		{"N2", "2026-11-02", DayInfo{Employed: true, DayOff: true, Holiday: "延岡市の休業日", LockMin: lock}},
		{"T1", "2026-11-02", DayInfo{Employed: true, Regular: 465, LockMin: lock}},
		{"T1", "2026-12-28", DayInfo{Employed: true, Regular: 465, LockMin: lock}},
		{"T1", "2026-12-29", DayInfo{Employed: true, DayOff: true, Holiday: YearEndName, LockMin: lock}},
		{"T1", "2027-01-01", DayInfo{Employed: true, DayOff: true, Holiday: "元日", LockMin: lock}},
		{"T1", "2027-01-04", DayInfo{Employed: true, Regular: 465, LockMin: lock}},
		{"T2", "2026-03-31", DayInfo{LockMin: lock}},                               // before start_date
		{"T2", "2026-03-29", DayInfo{DayOff: true, LockMin: lock}},                 // a Sunday before start_date
		{"T2", "2026-04-01", DayInfo{Employed: true, Regular: 465, LockMin: lock}}, // start_date
		{"T3", "2027-03-31", DayInfo{Employed: true, Regular: 465, LockMin: lock}}, // end_date
		{"T3", "2027-04-01", DayInfo{LockMin: lock}},                               // after end_date
		{"T4", "2026-06-01", DayInfo{Employed: true, Regular: 315, LockMin: lock}}, // Mon Wed Fri 09:00–15:00
		{"T4", "2026-06-02", DayInfo{Employed: true, DayOff: true, LockMin: lock}},
		{"O1", "2026-06-02", DayInfo{Employed: true, Regular: 465, LockMin: lock}}, // 08:30–17:15, 60 break
	}
	for _, tt := range tests {
		got := d.Day(index(t, d, tt.staff), date(t, tt.date))
		if got != tt.want {
			t.Errorf("Day(%s, %s) = %+v, want %+v", tt.staff, tt.date, got, tt.want)
		}
	}
}

var std = Schedule{Name: "std", Days: WeekdaysOf(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday),
	Start: 8*60 + 15, End: 16*60 + 45, BreakMin: 45}

func member(id, board, school string) Staff {
	return Staff{ID: id, Name: id, Role: RoleTeacher, Board: board, School: school, SchoolType: Elementary, Schedule: "std"}
}

func mustNew(t testing.TB, staff []Staff, cal []CalendarEntry) *Data {
	t.Helper()
	d, errs := New([]Schedule{std}, staff, cal)
	if len(errs) > 0 {
		t.Fatalf("New: %v", errs)
	}
	return d
}

func TestLockTimeChanges(t *testing.T) {
	lock := func(ds, scope string, hh, mm int) CalendarEntry {
		return CalendarEntry{Date: date(t, ds), Scope: scope, Kind: KindLockTime, LockMin: hh*60 + mm}
	}
	d := mustNew(t, []Staff{member("A", "b1", "s1"), member("B", "b2", "s2"), member("C", "b1", "s3")},
		[]CalendarEntry{
			lock("2028-04-01", "*", 18, 0), // out of order on purpose
			lock("2025-04-01", "*", 19, 0),
			lock("2027-04-01", "*", 18, 30),
			lock("2026-01-01", "b2", 20, 0),
			lock("2027-10-01", "s3", 17, 30),
		})
	tests := []struct {
		staff, date string
		want        int
	}{
		{"A", "2025-03-31", -1},
		{"A", "2025-04-01", 19 * 60},
		{"A", "2027-03-31", 19 * 60},
		{"A", "2027-04-01", 18*60 + 30},
		{"A", "2028-03-31", 18*60 + 30},
		{"A", "2028-04-01", 18 * 60},
		{"A", "2040-01-01", 18 * 60},
		{"B", "2025-04-01", 19 * 60},
		{"B", "2025-12-31", 19 * 60},
		{"B", "2026-01-01", 20 * 60}, // the board's own lock time wins …
		{"B", "2028-04-01", 20 * 60}, // … while it is in force, whatever * says
		{"C", "2027-09-30", 18*60 + 30},
		{"C", "2027-10-01", 17*60 + 30},
		{"C", "2028-04-01", 17*60 + 30},
		{"C", "2025-03-31", -1},
	}
	for _, tt := range tests {
		if got := d.Day(index(t, d, tt.staff), date(t, tt.date)).LockMin; got != tt.want {
			t.Errorf("%s %s: LockMin %d, want %d", tt.staff, tt.date, got, tt.want)
		}
	}
}

// TestScopeResolution puts rows of every scope on one date and checks that
// the staff's home school decides: school over board over *.
func TestScopeResolution(t *testing.T) {
	staff := []Staff{
		member("A", "b1", "s1"), // school with its own row
		member("B", "b1", "s2"), // sibling school: the board's row
		member("C", "b2", "s3"), // other board: the global row
		member("D", "b3", "s4"), // board with rows on other dates only
	}
	const wed, hol = "2026-06-03", "2026-07-20" // a Wednesday; 海の日 (Monday)
	entry := func(ds, scope string, k Kind, note string) CalendarEntry {
		return CalendarEntry{Date: date(t, ds), Scope: scope, Kind: k, Note: note}
	}
	tests := []struct {
		name string
		cal  []CalendarEntry
		day  string
		off  map[string]bool
		hol  map[string]string
		lock map[string]int // absent: -1
	}{
		{"global closure", []CalendarEntry{entry(wed, "*", KindClosure, "")}, wed,
			map[string]bool{"A": true, "B": true, "C": true, "D": true},
			map[string]string{"A": ClosureName, "B": ClosureName, "C": ClosureName, "D": ClosureName}, nil},
		{"board workday over global closure", []CalendarEntry{
			entry(wed, "*", KindClosure, "閉庁"), entry(wed, "b1", KindWorkday, ""),
			entry("2026-06-04", "b3", KindHoliday, ""),
		}, wed,
			map[string]bool{"C": true, "D": true}, map[string]string{"C": "閉庁", "D": "閉庁"}, nil},
		{"school holiday over board workday over global closure", []CalendarEntry{
			entry(wed, "*", KindClosure, ""), entry(wed, "b1", KindWorkday, ""), entry(wed, "s1", KindHoliday, "開校記念日"),
		}, wed,
			map[string]bool{"A": true, "C": true, "D": true},
			map[string]string{"A": "開校記念日", "C": ClosureName, "D": ClosureName}, nil},
		{"school workday on a national holiday", []CalendarEntry{entry(hol, "s1", KindWorkday, "")}, hol,
			map[string]bool{"B": true, "C": true, "D": true},
			map[string]string{"A": "海の日", "B": "海の日", "C": "海の日", "D": "海の日"}, nil},
		{"board holiday, school row on another kind", []CalendarEntry{
			entry(wed, "b1", KindHoliday, ""), {Date: date(t, wed), Scope: "s1", Kind: KindLockTime, LockMin: 18 * 60},
		}, wed,
			map[string]bool{"A": true, "B": true}, map[string]string{"A": HolidayName, "B": HolidayName},
			map[string]int{"A": 18 * 60}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustNew(t, staff, tt.cal)
			for i, s := range d.Staff() {
				got := d.Day(i, date(t, tt.day))
				want := DayInfo{Employed: true, DayOff: tt.off[s.ID], Holiday: tt.hol[s.ID], LockMin: -1}
				if !want.DayOff {
					want.Regular = 465
				}
				if l, ok := tt.lock[s.ID]; ok {
					want.LockMin = l
				}
				if got != want {
					t.Errorf("%s: %+v, want %+v", s.ID, got, want)
				}
			}
		})
	}
}

func TestWorkdayOverridesDaysOff(t *testing.T) {
	days := []string{"2026-07-20", "2026-06-07", "2026-12-31", "2027-01-01", "2026-08-13"}
	var cal []CalendarEntry
	for _, ds := range days {
		cal = append(cal, CalendarEntry{Date: date(t, ds), Scope: "s1", Kind: KindWorkday, Note: "勤務を命じた日"})
	}
	cal = append(cal, CalendarEntry{Date: date(t, "2026-08-13"), Scope: "b1", Kind: KindClosure})
	d := mustNew(t, []Staff{member("A", "b1", "s1")}, cal)
	wantHoliday := []string{"海の日", "", YearEndName, "元日", ""}
	for i, ds := range days {
		got := d.Day(0, date(t, ds))
		want := DayInfo{Employed: true, Regular: 465, Holiday: wantHoliday[i], LockMin: -1}
		if got != want {
			t.Errorf("%s: %+v, want %+v", ds, got, want)
		}
	}
}

func TestEmploymentBounds(t *testing.T) {
	a := member("A", "b1", "s1")
	a.Start, a.HasStart = date(t, "2026-04-01"), true
	a.End, a.HasEnd = date(t, "2026-04-30"), true
	b := member("B", "b1", "s1") // open-ended
	c := member("C", "b1", "s1")
	c.End, c.HasEnd = date(t, "2026-04-01"), true // retires: only an end date
	sat := CalendarEntry{Date: date(t, "2026-05-02"), Scope: "*", Kind: KindWorkday}
	d := mustNew(t, []Staff{a, b, c}, []CalendarEntry{sat})
	tests := []struct {
		staff, date string
		employed    bool
		regular     int
	}{
		{"A", "2026-03-31", false, 0},
		{"A", "2026-04-01", true, 465},
		{"A", "2026-04-30", true, 465},
		{"A", "2026-05-01", false, 0},
		{"A", "2026-05-02", false, 0},  // a workday, but not employed
		{"B", "1990-01-09", true, 465}, // a Tuesday long ago
		{"B", "2026-05-02", true, 465},
		{"C", "2026-04-01", true, 465},
		{"C", "2026-04-02", false, 0},
	}
	for _, tt := range tests {
		i := index(t, d, tt.staff)
		got := d.Day(i, date(t, tt.date))
		if got.Employed != tt.employed || got.Regular != tt.regular {
			t.Errorf("%s %s: employed %v regular %d, want %v %d", tt.staff, tt.date, got.Employed, got.Regular, tt.employed, tt.regular)
		}
		if s := d.Staff()[i]; s.Employed(date(t, tt.date)) != tt.employed {
			t.Errorf("%s %s: Staff.Employed disagrees with Day", tt.staff, tt.date)
		}
	}
}
