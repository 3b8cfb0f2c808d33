package engine

import (
	"errors"
	"testing"
	"time"

	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
)

func load(t *testing.T) *Engine {
	t.Helper()
	data, errs := roster.LoadDir("../report/testdata/worked")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	e, err := New(data, overtime.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func tap(id, card, ts string, dir punch.Dir) punch.Event {
	at, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		panic(err)
	}
	return punch.Event{Type: punch.TypeTap, Tap: punch.Tap{ID: id, Board: "nakatsu", School: "nakatsu-e01",
		Gateway: "gw-e01-a", Reader: "entrance", Card: card, Dir: dir, TS: at, Clock: punch.ClockSynced}}
}

const card = "felica:0123456789abcdef"

func TestApplyAndFeedback(t *testing.T) {
	e := load(t)
	a, err := e.Apply(tap("gw-e01-a:1:1", card, "2026-06-01T07:40:00+09:00", punch.DirTap))
	if err != nil || a.Duplicate || a.Staff != 0 || a.Date != civil.D(2026, 6, 1) {
		t.Fatalf("first tap: %+v %v", a, err)
	}
	if _, err := e.Apply(tap("gw-e01-a:1:2", card, "2026-06-01T19:10:00+09:00", punch.DirTap)); err != nil {
		t.Fatal(err)
	}
	fb := e.Feedback(a.Staff, a.Date)
	if fb.Staff != "T1" || fb.TodayMin != 645 || fb.MonthOvertimeMin != 180 || fb.Level != "ok" {
		t.Errorf("feedback %+v", fb)
	}
	again, err := e.Apply(tap("gw-e01-a:1:2", card, "2026-06-01T19:10:00+09:00", punch.DirTap))
	if err != nil || !again.Duplicate {
		t.Errorf("resent tap: %+v %v", again, err)
	}
	// A tap after midnight belongs to the previous work date.
	late, _ := e.Apply(tap("gw-e01-a:1:3", card, "2026-06-02T01:30:00+09:00", punch.DirTap))
	if late.Date != civil.D(2026, 6, 1) {
		t.Errorf("01:30 tap dated %s", late.Date)
	}
}

func TestUnknownCardAndStaff(t *testing.T) {
	e := load(t)
	a, err := e.Apply(tap("gw-e01-a:1:9", "felica:ffffffffffffffff", "2026-06-01T07:40:00+09:00", punch.DirTap))
	if !errors.Is(err, ErrUnknownCard) || a.Staff != -1 {
		t.Errorf("unknown card: %+v %v", a, err)
	}
	_, err = e.Apply(punch.Event{Type: punch.TypeAdjustment, Adjustment: punch.Adjustment{ID: "adj-1", Staff: "NOBODY",
		Date: civil.D(2026, 6, 1), Kind: punch.KindOffsite, Minutes: 10}})
	if !errors.Is(err, ErrUnknownStaff) {
		t.Errorf("unknown staff: %v", err)
	}
}

func TestAdjustmentsConverted(t *testing.T) {
	e := load(t)
	e.Apply(tap("gw-e01-a:1:1", card, "2026-06-03T07:55:00+09:00", punch.DirTap))
	adj := func(a punch.Adjustment) {
		t.Helper()
		a.Staff, a.Date = "T1", civil.D(2026, 6, 3)
		if _, err := e.Apply(punch.Event{Type: punch.TypeAdjustment, Adjustment: a}); err != nil {
			t.Fatal(err)
		}
	}
	adj(punch.Adjustment{ID: "adj-1", Kind: punch.KindMissingPunch, Time: "18:00", Dir: punch.DirOut})
	if fb := e.Feedback(0, civil.D(2026, 6, 3)); fb.TodayMin != 560 {
		t.Errorf("after missing_punch out 18:00: today %d, want 560", fb.TodayMin)
	}
	adj(punch.Adjustment{ID: "adj-2", Kind: punch.KindOffsite, Minutes: 60})
	adj(punch.Adjustment{ID: "adj-3", Kind: punch.KindRetract, Target: "adj-2"})
	var got int
	e.View(func(core *overtime.Engine, _ *roster.Data) {
		d, _ := core.Day(0, civil.D(2026, 6, 3))
		got = d.Overtime
	})
	if got != 95 {
		t.Errorf("overtime after offsite and its retract: %d, want 95", got)
	}
}
