package roster

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"timeclock/internal/civil"
)

// testFile returns testdata file dir/name.
func testFile(f *testing.F, dir, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", dir, name))
	if err != nil {
		f.Fatal(err)
	}
	return b
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

// fuzzParse fuzzes the parser of file name, seeded with its example and bad
// files and extra: every error names the file and a line, and so does every
// error of check, the value checks of New, on the records parsed.
func fuzzParse[T any](f *testing.F, name string, parse func(io.Reader, string) ([]T, []error),
	pos func(*T) Pos, check func(*T) []error, extra ...string) {
	for _, dir := range []string{"example", "bad"} {
		f.Add(testFile(f, dir, name))
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, errs := parse(bytes.NewReader(data), name)
		checkErrs(t, name, errs)
		for i := range got {
			checkPos(t, name, pos(&got[i]))
			checkErrs(t, name, check(&got[i]))
		}
	})
}

func FuzzParseSchedules(f *testing.F) {
	fuzzParse(f, SchedulesFile, ParseSchedules, func(s *Schedule) Pos { return s.Pos }, checkSchedule,
		schedHead+"a,Sun,0:00,23:59,0\n", schedHead+"\"a\nb\",Mon,x,y,z\n")
}

func FuzzParseRoster(f *testing.F) {
	fuzzParse(f, RosterFile, ParseRoster, func(s *Staff) Pos { return s.Pos }, checkStaff,
		rosterHead+goodStaff+otherStaff, rosterHead+"a,b,c,d,e,f,g,h|i,2026-02-29,\n")
}

func FuzzParseCalendar(f *testing.F) {
	fuzzParse(f, CalendarFile, ParseCalendar, func(e *CalendarEntry) Pos { return e.Pos }, checkEntry,
		calHead+goodLock+"2026-01-01,x,holiday,1,\n")
}

// FuzzLoad feeds all three files and checks what Data then promises: sorted
// unique staff, cards that find their holder, and consistent DayInfo.
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{"example", "bad"} {
		f.Add(testFile(f, dir, SchedulesFile), testFile(f, dir, RosterFile), testFile(f, dir, CalendarFile))
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
