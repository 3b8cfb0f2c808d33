package simdata

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"timeclock/internal/civil"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
)

func TestDistrictIsValidAndDeterministic(t *testing.T) {
	cfg := Config{Seed: 3, Boards: []string{"nakatsu", "nobeoka"}, SchoolsPerBoard: 3, StaffPerSchool: 8,
		From: civil.D(2026, 4, 1), To: civil.D(2026, 5, 31)}
	dir := t.TempDir()
	n, err := NewDistrict(cfg).WriteDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, errs := roster.LoadDir(dir)
	if len(errs) > 0 {
		t.Fatalf("generated reference data has errors: %v", errs)
	}
	if data.Len() != 48 {
		t.Errorf("staff %d, want 48", data.Len())
	}
	f, err := os.Open(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	lines, taps, adjs, unknown := 0, 0, 0, 0
	kinds := map[punch.Kind]bool{}
	for sc.Scan() {
		lines++
		ev, err := punch.Decode(sc.Bytes(), time.Time{})
		if err != nil {
			t.Fatalf("events.jsonl:%d: %v", lines, err)
		}
		switch ev.Type {
		case punch.TypeTap:
			taps++
			if _, ok := data.StaffByCard(ev.Tap.Card); !ok {
				unknown++
			}
		case punch.TypeAdjustment:
			adjs++
			kinds[ev.Adjustment.Kind] = true
		}
	}
	if lines != n || unknown != 0 || taps < 48*35 || adjs == 0 {
		t.Errorf("lines %d (said %d), taps %d, adjustments %d, unknown cards %d", lines, n, taps, adjs, unknown)
	}
	for _, k := range []punch.Kind{punch.KindLeave, punch.KindOffsite, punch.KindTakehome} {
		if !kinds[k] {
			t.Errorf("no %s adjustment in two months of 48 staff", k)
		}
	}
	// The same seed gives the same bytes.
	var a, b bytes.Buffer
	NewDistrict(cfg).WriteEvents(&a)
	NewDistrict(cfg).WriteEvents(&b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("generation is not deterministic")
	}
}

func TestHolidaysAndClosuresHaveNoWorkdayTaps(t *testing.T) {
	for _, s := range []string{"2026-05-04", "2026-08-14", "2026-12-30", "2027-01-02"} {
		d, _ := civil.Parse(s)
		if workday(d) {
			t.Errorf("%s is not a work day", s)
		}
	}
	if d, _ := civil.Parse("2026-05-07"); !workday(d) {
		t.Error("2026-05-07 is a work day")
	}
}
