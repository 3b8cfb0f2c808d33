package overtime

import (
	"testing"
)

// TestWorkedExample checks DOMAIN.md §7 exactly.
func TestWorkedExample(t *testing.T) {
	e := newEngine(t, newTestCal(), teacher("T1"))
	tapAt(t, e, 0, "2026-06-01 07:40", DirTap)
	tapAt(t, e, 0, "2026-06-01 19:10", DirTap)
	tapAt(t, e, 0, "2026-06-02 07:50", DirTap)
	tapAt(t, e, 0, "2026-06-02 12:00", DirTap)
	tapAt(t, e, 0, "2026-06-02 18:00", DirTap)
	tapAt(t, e, 0, "2026-06-03 07:55", DirTap)
	tapAt(t, e, 0, "2026-06-06 09:00", DirTap)
	tapAt(t, e, 0, "2026-06-06 12:00", DirTap)
	adjust(t, e, Adjustment{Staff: 0, Date: mustDate(t, "2026-06-02"), Kind: KindOffsite, Minutes: 120})

	want := []struct {
		date                                 string
		presence, atWork, regular, overtime  int
		complete, incomplete, lock, interval bool
	}{
		{"2026-06-01", 690, 645, 465, 180, true, false, true, false},
		{"2026-06-02", 610, 685, 465, 220, true, false, false, false},
		{"2026-06-03", 0, 0, 465, 0, false, true, false, false},
		{"2026-06-06", 180, 180, 0, 180, true, false, false, false},
	}
	for _, w := range want {
		d, ok := e.Day(0, mustDate(t, w.date))
		if !ok {
			t.Fatalf("%s: no day", w.date)
		}
		if d.Presence != w.presence || d.AtWork != w.atWork || d.Regular != w.regular || d.Overtime != w.overtime ||
			d.Complete != w.complete || d.Incomplete != w.incomplete || d.LockBreach != w.lock || d.IntervalBreach != w.interval {
			t.Errorf("%s: got %+v\nwant %+v", w.date, d, w)
		}
	}
	m := e.Month(0, mustMonth(t, "2026-06"))
	if m.Overtime != 580 || m.DaysWorked != 3 || m.Incomplete != 1 || m.LockBreaches != 1 || m.IntervalBreaches != 0 {
		t.Errorf("month: %+v", m)
	}
	// The Wednesday raises missing_punch once the day is past.
	e.Changes().Reset()
	e.Advance(mustDate(t, "2026-06-04"))
	var missing []string
	for _, a := range e.Changes().Alerts {
		if a.Rule == RuleMissingPunch && a.Raised {
			missing = append(missing, a.Date.String())
		}
	}
	if len(missing) != 1 || missing[0] != "2026-06-03" {
		t.Errorf("missing_punch alerts: %v", missing)
	}
}

func TestPairing(t *testing.T) {
	type tp struct {
		at  string
		dir Dir
	}
	cases := []struct {
		name       string
		taps       []tp
		presence   int
		incomplete bool
	}{
		{"in out", []tp{{"08:00", DirIn}, {"17:00", DirOut}}, 540, false},
		{"two intervals", []tp{{"08:00", DirIn}, {"12:00", DirOut}, {"13:00", DirIn}, {"17:30", DirOut}}, 510, false},
		{"unmatched in", []tp{{"08:00", DirIn}}, 0, true},
		{"unmatched out", []tp{{"17:00", DirOut}}, 0, true},
		{"in in out", []tp{{"08:00", DirIn}, {"09:00", DirIn}, {"17:00", DirOut}}, 0, true},
		{"in out out", []tp{{"08:00", DirIn}, {"17:00", DirOut}, {"18:00", DirOut}}, 0, true},
		{"in out in", []tp{{"08:00", DirIn}, {"12:00", DirOut}, {"13:00", DirIn}}, 0, true},
		{"mixed toggles", []tp{{"08:00", DirTap}, {"12:00", DirOut}, {"13:00", DirTap}, {"17:00", DirTap}}, 480, false},
		{"mixed unmatched", []tp{{"08:00", DirIn}, {"12:00", DirTap}, {"13:00", DirTap}}, 0, true},
		{"tap tap", []tp{{"08:00", DirTap}, {"17:00", DirTap}}, 540, false},
		{"first to last", []tp{{"08:00", DirTap}, {"10:00", DirTap}, {"12:00", DirTap}, {"17:00", DirTap}}, 540, false},
		{"single tap", []tp{{"08:00", DirTap}}, 0, true},
		{"seconds floored per interval", []tp{{"08:00:59", DirIn}, {"09:00:58", DirOut}, {"10:00:30", DirIn}, {"11:00:29", DirOut}}, 118, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEngine(t, newTestCal(), teacher("T1"))
			for _, x := range c.taps {
				tapAt(t, e, 0, "2026-06-06 "+x.at, x.dir) // a Saturday: no break below 6 h, regular 0
			}
			d, _ := e.Day(0, mustDate(t, "2026-06-06"))
			if d.Presence != c.presence || d.Incomplete != c.incomplete {
				t.Errorf("presence %d incomplete %v, want %d %v", d.Presence, d.Incomplete, c.presence, c.incomplete)
			}
		})
	}
}

func TestMidnightCrossingAndDayStart(t *testing.T) {
	e := newEngine(t, newTestCal(), teacher("T1"))
	tapAt(t, e, 0, "2026-06-01 07:30", DirTap)
	tapAt(t, e, 0, "2026-06-02 01:30", DirTap) // before 04:00: still Monday's work date
	tapAt(t, e, 0, "2026-06-02 04:00", DirTap) // Tuesday
	mon, _ := e.Day(0, mustDate(t, "2026-06-01"))
	if mon.Presence != 18*60 || !mon.Complete || mon.LastOut.Format("01-02 15:04") != "06-02 01:30" {
		t.Errorf("Monday: %+v", mon)
	}
	if !mon.LockBreach {
		t.Error("out at 01:30 the next morning is after the 19:00 lock time")
	}
	tue, _ := e.Day(0, mustDate(t, "2026-06-02"))
	if tue.Taps != 1 || !tue.Incomplete {
		t.Errorf("Tuesday: %+v", tue)
	}
}

func TestDebounce(t *testing.T) {
	e := newEngine(t, newTestCal(), teacher("T1"))
	tapAt(t, e, 0, "2026-06-06 09:00:00", DirTap)
	tapAt(t, e, 0, "2026-06-06 09:00:59", DirTap) // within 60 s of the first: ignored
	tapAt(t, e, 0, "2026-06-06 09:01:00", DirTap) // 60 s after the first counted: counts
	tapAt(t, e, 0, "2026-06-06 12:00:00", DirTap)
	tapAt(t, e, 0, "2026-06-06 12:00:30", DirTap) // ignored: the last counted tap is 12:00:00
	d, _ := e.Day(0, mustDate(t, "2026-06-06"))
	if d.Taps != 3 || d.Presence != 180 {
		t.Errorf("got taps %d presence %d, want 3 and 180", d.Taps, d.Presence)
	}
}

func TestDuplicateTapsIgnored(t *testing.T) {
	e := newEngine(t, newTestCal(), teacher("T1"))
	tp := Tap{Staff: 0, Ms: at(t, "2026-06-06 09:00"), ID: HashID("gw:1:1")}
	for i := 0; i < 3; i++ {
		added, err := e.AddTap(tp)
		if err != nil || added != (i == 0) {
			t.Fatalf("AddTap #%d = %v, %v", i, added, err)
		}
	}
	if _, err := e.AddTap(Tap{Staff: 5, Ms: tp.Ms, ID: 1}); err != ErrStaff {
		t.Errorf("unknown staff: %v", err)
	}
}

func TestIntervalRule(t *testing.T) {
	e := newEngine(t, newTestCal(), teacher("T1"))
	tapAt(t, e, 0, "2026-06-01 08:00", DirTap)
	tapAt(t, e, 0, "2026-06-01 21:00", DirTap)
	tapAt(t, e, 0, "2026-06-02 07:59", DirTap) // 10:59 after Monday's out
	tapAt(t, e, 0, "2026-06-02 17:00", DirTap)
	tapAt(t, e, 0, "2026-06-03 04:00", DirTap) // 11:00 exactly: fine
	tapAt(t, e, 0, "2026-06-03 17:00", DirTap)
	for date, want := range map[string]bool{"2026-06-01": false, "2026-06-02": true, "2026-06-03": false} {
		d, _ := e.Day(0, mustDate(t, date))
		if d.IntervalBreach != want {
			t.Errorf("%s: interval breach %v, want %v", date, d.IntervalBreach, want)
		}
	}
	// A late tap on Monday moves its last out and clears Tuesday's breach.
	e.Changes().Reset()
	tapAt(t, e, 0, "2026-06-01 06:00", DirIn)
	if m := e.Month(0, mustMonth(t, "2026-06")); m.IntervalBreaches != 0 {
		// Monday became explicit with an unmatched in: incomplete, so no comparison.
		t.Errorf("interval breaches after Monday became incomplete: %d", m.IntervalBreaches)
	}
	cleared := false
	for _, a := range e.Changes().Alerts {
		if a.Rule == RuleInterval && !a.Raised && a.Date == mustDate(t, "2026-06-02") {
			cleared = true
		}
	}
	if !cleared {
		t.Errorf("no interval_11 clear for Tuesday in %+v", e.Changes().Alerts)
	}
}

func TestLockTimeBound(t *testing.T) {
	cal := newTestCal()
	e := newEngine(t, cal, teacher("T1"), teacher("T2"), teacher("T3"))
	for i, out := range []string{"19:00:00", "19:00:59", "19:01:00"} {
		tapAt(t, e, i, "2026-06-01 08:00", DirTap)
		tapAt(t, e, i, "2026-06-01 "+out, DirTap)
	}
	for i, want := range []bool{false, false, true} {
		d, _ := e.Day(i, mustDate(t, "2026-06-01"))
		if d.LockBreach != want {
			t.Errorf("staff %d: lock breach %v, want %v", i, d.LockBreach, want)
		}
	}
}

// A roster change reaches what the engine keeps of the staff per tap: a new
// break is deducted after Recompute, and a start date fixes the first month
// on record, so that an older event no longer moves it.
func TestSetStaffChangesBreakAndStart(t *testing.T) {
	e := newEngine(t, newTestCal(), teacher("T1"))
	tapAt(t, e, 0, "2026-06-01 07:30", DirIn)
	tapAt(t, e, 0, "2026-06-01 18:30", DirOut)
	d := mustDate(t, "2026-06-01")
	if r, _ := e.Day(0, d); r.Break != 45 || r.AtWork != 660-45 {
		t.Fatalf("before: break %d, at work %d; want 45, %d", r.Break, r.AtWork, 660-45)
	}
	info := teacher("T1")
	info.BreakMin, info.HasStart, info.Start = 60, true, mustDate(t, "2026-06-01")
	e.SetStaff([]StaffInfo{info})
	e.Recompute()
	if r, _ := e.Day(0, d); r.Break != 60 || r.AtWork != 660-60 {
		t.Errorf("after: break %d, at work %d; want 60, %d", r.Break, r.AtWork, 660-60)
	}
	tapAt(t, e, 0, "2026-05-29 07:30", DirIn)
	if first, ok := e.FirstMonth(0); !ok || first != mustMonth(t, "2026-06") {
		t.Errorf("first month %v, %v after an event before the start date; want 2026-06", first, ok)
	}
}
