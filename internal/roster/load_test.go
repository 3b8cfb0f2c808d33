package roster

import (
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// TestLoadDirGolden loads testdata/bad (Excel-style: BOM and CRLF in two of
// the files, a quoted comma, a quoted line break) and compares the errors and
// what was kept with testdata/bad.golden.
func TestLoadDirGolden(t *testing.T) {
	d, errs := LoadDir(filepath.Join("testdata", "bad"))
	if d == nil {
		t.Fatalf("no data: %v", errs)
	}
	var b strings.Builder
	for _, e := range errs {
		var le *LineError
		if !errors.As(e, &le) || le.Line == 0 || !strings.HasPrefix(le.File, filepath.Join("testdata", "bad")) {
			t.Errorf("error %q does not name file and line", e)
		}
		b.WriteString(filepath.ToSlash(e.Error()) + "\n")
	}
	b.WriteString("-- kept --\n")
	for _, s := range d.Schedules() {
		b.WriteString("schedule " + s.Name + "\n")
	}
	for _, s := range d.Staff() {
		b.WriteString("staff " + s.ID + " " + s.Name + " " + strings.Join(s.Cards, "|") + "\n")
	}
	for _, e := range d.Calendar() {
		b.WriteString("calendar " + e.Date.String() + " " + e.Scope + " " + string(e.Kind) + " " + e.Note + "\n")
	}
	golden(t, filepath.Join("testdata", "bad.golden"), b.String())
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test -update to rewrite):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestLoadDirFiles(t *testing.T) {
	dir := t.TempDir()
	d, errs := LoadDir(dir)
	if d != nil || len(errs) != 2 {
		t.Fatalf("empty dir: data %v, errors %v; want nil and two", d, errs)
	}
	for i, name := range []string{SchedulesFile, RosterFile} {
		want := filepath.Join(dir, name) + ": open: no such file or directory"
		if errs[i].Error() != want || !errors.Is(errs[i], fs.ErrNotExist) {
			t.Errorf("error %d: %q, want %q wrapping fs.ErrNotExist", i, errs[i], want)
		}
	}

	// The calendar is optional.
	write(t, dir, SchedulesFile, schedHead+goodSched)
	write(t, dir, RosterFile, rosterHead+goodStaff)
	d, errs = LoadDir(dir)
	if len(errs) > 0 || d == nil || d.Len() != 1 || len(d.Calendar()) != 0 {
		t.Fatalf("without calendar: %v, %v", d, errs)
	}
	if got := d.Day(0, date(t, "2026-06-01")).LockMin; got != -1 {
		t.Errorf("LockMin without calendar = %d", got)
	}

	// A calendar with a bad header refuses everything.
	write(t, dir, CalendarFile, "date;scope;kind;value;note\n")
	d, errs = LoadDir(dir)
	if d != nil || len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), filepath.Join(dir, CalendarFile)+":1: field header:") {
		t.Fatalf("bad calendar header: %v, %v", d, errs)
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLoadSortsErrors: errors of New (cross-row) and of parsing come back in
// file order, then line order.
func TestLoadSortsErrors(t *testing.T) {
	_, errs := Load(
		strings.NewReader(schedHead+goodSched+"x,Mon,9,17:00,0\n"),
		strings.NewReader(rosterHead+goodStaff+"T1,x,teacher,nakatsu,nakatsu-e01,elementary,std,,,\nT2,x,teacher,nakatsu,nakatsu-e01,elementary,std,,2026-13-01,\n"),
		strings.NewReader(calHead+"2026-01-01,nowhere,holiday,,\n2026-01-02,*,x,,\n"))
	want := []string{
		`schedules.csv:3: field start: "9" is not a time HH:MM (00:00–23:59)`,
		`roster.csv:3: field staff_id: "T1" already on line 2`,
		`roster.csv:4: field start_date: "2026-13-01" is not a calendar date`,
		`calendar.csv:2: field scope: "nowhere" is no school or board of roster.csv`,
		`calendar.csv:3: field kind: "x": want one of holiday, closure, workday, lock_time`,
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestLoadReadError: an I/O error in the middle of a file makes the rest of
// it unknown, so no Data is built.
func TestLoadReadError(t *testing.T) {
	disk := errors.New("disk on fire")
	roster := io.MultiReader(strings.NewReader(rosterHead+goodStaff), iotest.ErrReader(disk))
	d, errs := Load(strings.NewReader(schedHead+goodSched), roster, nil)
	if d != nil || len(errs) != 1 || !errors.Is(errs[0], disk) || errs[0].Error() != "roster.csv: read: disk on fire" {
		t.Fatalf("Load = %v, %v", d, errs)
	}
}
