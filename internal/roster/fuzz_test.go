package roster

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"timeclock/internal/civil"
)

// seedFiles adds the example and bad files named name as fuzz seeds.
func seedFiles(f *testing.F, name string, extra ...string) {
	for _, dir := range []string{"example", "bad"} {
		b, err := os.ReadFile(filepath.Join("testdata", dir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// checkErrs asserts that every error is a *LineError naming file and a line.
func checkErrs(t *testing.T, file string, errs []error) {
	t.Helper()
	for _, e := range errs {
		var le *LineError
		if !errors.As(e, &le) {
			t.Fatalf("%v is a %T", e, e)
		}
		if le.File != file || le.Line < 1 || le.Msg == "" {
			t.Fatalf("error %q lacks file, line or message", e)
		}
	}
}

func checkPos(t *testing.T, file string, p Pos) {
	t.Helper()
	if p.File != file || p.Line < 2 {
		t.Fatalf("record at %v: want a data line of %s", p, file)
	}
}

func FuzzParseSchedules(f *testing.F) {
	seedFiles(f, SchedulesFile, schedHead+"a,Sun,0:00,23:59,0\n", schedHead+"\"a\nb\",Mon,x,y,z\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		got, errs := ParseSchedules(bytes.NewReader(data), "s.csv")
		checkErrs(t, "s.csv", errs)
		for i := range got {
			checkPos(t, "s.csv", got[i].Pos)
			checkErrs(t, "s.csv", checkSchedule(&got[i]))
		}
	})
}

func FuzzParseRoster(f *testing.F) {
	seedFiles(f, RosterFile, rosterHead+goodStaff+otherStaff, rosterHead+"a,b,c,d,e,f,g,h|i,2026-02-29,\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		got, errs := ParseRoster(bytes.NewReader(data), "r.csv")
		checkErrs(t, "r.csv", errs)
		for i := range got {
			checkPos(t, "r.csv", got[i].Pos)
			checkErrs(t, "r.csv", checkStaff(&got[i]))
		}
	})
}

func FuzzParseCalendar(f *testing.F) {
	seedFiles(f, CalendarFile, calHead+goodLock+"2026-01-01,x,holiday,1,\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		got, errs := ParseCalendar(bytes.NewReader(data), "c.csv")
		checkErrs(t, "c.csv", errs)
		for i := range got {
			checkPos(t, "c.csv", got[i].Pos)
			checkErrs(t, "c.csv", checkEntry(&got[i]))
		}
	})
}

// FuzzLoad feeds all three files and checks what Data then promises: sorted
// unique staff, cards that find their holder, and consistent DayInfo.
func FuzzLoad(f *testing.F) {
	read := func(dir, name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", dir, name))
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	for _, dir := range []string{"example", "bad"} {
		f.Add(read(dir, SchedulesFile), read(dir, RosterFile), read(dir, CalendarFile))
	}
	f.Fuzz(func(t *testing.T, s, r, c []byte) {
		d, errs := Load(bytes.NewReader(s), bytes.NewReader(r), bytes.NewReader(c))
		for _, e := range errs {
			var le *LineError
			if !errors.As(e, &le) || le.Line < 1 || !slices.Contains([]string{SchedulesFile, RosterFile, CalendarFile}, le.File) {
				t.Fatalf("error %q lacks file or line", e)
			}
		}
		if d == nil {
			return
		}
		checkData(t, d)
	})
}

func checkData(t *testing.T, d *Data) {
	t.Helper()
	staff := d.Staff()
	if !slices.IsSortedFunc(staff, func(a, b Staff) int { return strings.Compare(a.ID, b.ID) }) {
		t.Fatal("staff not sorted")
	}
	probe := []civil.Date{civil.D(2026, 6, 1), civil.D(2026, 7, 20), civil.D(2027, 1, 1)}
	for _, e := range d.Calendar() {
		probe = append(probe, e.Date, e.Date-1)
	}
	for i, s := range staff {
		if j, ok := d.StaffIndex(s.ID); !ok || j != i {
			t.Fatalf("StaffIndex(%s) = %d, %v; want %d", s.ID, j, ok, i)
		}
		for _, card := range s.Cards {
			if j, ok := d.StaffByCard(card); !ok || j != i {
				t.Fatalf("StaffByCard(%s) = %d, %v; want %d", card, j, ok, i)
			}
		}
		for _, day := range probe {
			info := d.Day(i, day)
			if info.Regular < 0 || info.Regular > 0 && (info.DayOff || !info.Employed) ||
				info.Regular == 0 && info.Employed && !info.DayOff ||
				info.LockMin < -1 || info.LockMin >= 24*60 || info.Employed != s.Employed(day) {
				t.Fatalf("Day(%s, %s) = %+v", s.ID, day, info)
			}
		}
	}
}
