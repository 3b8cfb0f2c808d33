package overtime

import "testing"

func TestAdjustmentKinds(t *testing.T) {
	// Base: Monday 2026-06-01 08:00–18:00 → presence 600, break 45, at_work 555, regular 465, overtime 90.
	cases := []struct {
		name                        string
		adj                         []Adjustment
		atWork, regular, overtime   int
		takehome, reduction, break_ int
	}{
		{"none", nil, 555, 465, 90, 0, 0, 45},
		{"offsite", []Adjustment{{Kind: KindOffsite, Minutes: 120}}, 675, 465, 210, 0, 0, 45},
		{"telework", []Adjustment{{Kind: KindTelework, Minutes: 30}}, 585, 465, 120, 0, 0, 45},
		{"break_not_taken", []Adjustment{{Kind: KindBreakNotTaken, Minutes: 45}}, 600, 465, 135, 0, 0, 45},
		{"self_study", []Adjustment{{Kind: KindSelfStudy, Minutes: 60}}, 495, 465, 30, 0, 60, 45},
		{"self_study never below 0", []Adjustment{{Kind: KindSelfStudy, Minutes: 1000}}, 0, 465, 0, 0, 1000, 45},
		{"leave", []Adjustment{{Kind: KindLeave, Minutes: 240}}, 555, 225, 330, 0, 0, 45},
		{"leave never below 0", []Adjustment{{Kind: KindLeave, Minutes: 600}}, 555, 0, 555, 0, 0, 45},
		{"takehome not in at_work", []Adjustment{{Kind: KindTakehome, Minutes: 90}}, 555, 465, 90, 90, 0, 45},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEngine(t, newTestCal(), teacher("T1"))
			tapAt(t, e, 0, "2026-06-01 08:00", DirTap)
			tapAt(t, e, 0, "2026-06-01 18:00", DirTap)
			for _, a := range c.adj {
				a.Date = mustDate(t, "2026-06-01")
				adjust(t, e, a)
			}
			d, _ := e.Day(0, mustDate(t, "2026-06-01"))
			if d.AtWork != c.atWork || d.Regular != c.regular || d.Overtime != c.overtime ||
				d.Takehome != c.takehome || d.Reduction != c.reduction || d.Break != c.break_ {
				t.Errorf("got %+v", d)
			}
			m := e.Month(0, mustMonth(t, "2026-06"))
			if m.Takehome != c.takehome || m.Reduction != c.reduction || m.Overtime != int64(c.overtime) {
				t.Errorf("month %+v", m)
			}
		})
	}
}

func TestMissingPunchCompletesDay(t *testing.T) {
	e := newEngine(t, newTestCal(), teacher("T1"))
	tapAt(t, e, 0, "2026-06-03 07:55", DirTap)
	if d, _ := e.Day(0, mustDate(t, "2026-06-03")); !d.Incomplete {
		t.Fatalf("single tap should be incomplete: %+v", d)
	}
	id := adjust(t, e, Adjustment{Staff: 0, Date: mustDate(t, "2026-06-03"), Kind: KindMissingPunch, Min: 18 * 60, Dir: DirOut})
	d, _ := e.Day(0, mustDate(t, "2026-06-03"))
	// 07:55–18:00 = 605, break 45, regular 465 → overtime 95
	if !d.Complete || d.Presence != 605 || d.Overtime != 95 {
		t.Errorf("after missing_punch: %+v", d)
	}
	// Retracting the missing punch makes the day incomplete again.
	adjust(t, e, Adjustment{Staff: 0, Date: mustDate(t, "2026-06-04"), Kind: KindRetract, Target: id})
	if d, _ := e.Day(0, mustDate(t, "2026-06-03")); !d.Incomplete || d.Overtime != 0 {
		t.Errorf("after retract: %+v", d)
	}
	// A missing in after midnight of the work date (01:30 → offset 1530) is on the same work date.
	tapAt(t, e, 0, "2026-06-05 20:00", DirIn)
	adjust(t, e, Adjustment{Staff: 0, Date: mustDate(t, "2026-06-05"), Kind: KindMissingPunch, Min: 1530, Dir: DirOut})
	if d, _ := e.Day(0, mustDate(t, "2026-06-05")); !d.Complete || d.Presence != 330 {
		t.Errorf("missing out at 01:30: %+v", d)
	}
}

func TestRetractBeforeTarget(t *testing.T) {
	e := newEngine(t, newTestCal(), teacher("T1"))
	target := HashID("adj-1")
	adjust(t, e, Adjustment{Staff: 0, Date: mustDate(t, "2026-06-07"), Kind: KindRetract, Target: target})
	adjust(t, e, Adjustment{Staff: 0, ID: target, Date: mustDate(t, "2026-06-06"), Kind: KindOffsite, Minutes: 120})
	if m := e.Month(0, mustMonth(t, "2026-06")); m.Overtime != 0 || m.Reductions != 1 {
		t.Errorf("retract arriving first must still cancel: %+v", m)
	}
	// Duplicate adjustment ids change nothing.
	added, err := e.AddAdjustment(Adjustment{Staff: 0, ID: target, Date: mustDate(t, "2026-06-06"), Kind: KindOffsite, Minutes: 120})
	if added || err != nil {
		t.Errorf("duplicate adjustment: %v %v", added, err)
	}
}

func TestAdjustmentValidation(t *testing.T) {
	e := newEngine(t, newTestCal(), teacher("T1"))
	d := mustDate(t, "2026-06-01")
	for _, a := range []Adjustment{
		{Kind: KindOffsite, Minutes: 0},
		{Kind: KindLeave, Minutes: -5},
		{Kind: KindMissingPunch, Min: 600},
		{Kind: KindMissingPunch, Min: -1, Dir: DirIn},
		{Kind: KindRetract},
		{Kind: 0},
	} {
		a.Staff, a.Date, a.ID = 0, d, nextID()
		if _, err := e.AddAdjustment(a); err == nil {
			t.Errorf("%+v accepted", a)
		}
	}
}

func TestHashIDIsFNV1a(t *testing.T) {
	// Known FNV-1a 64 values.
	if HashID("") != 0xcbf29ce484222325 || HashID("a") != 0xaf63dc4c8601ec8c {
		t.Errorf("HashID differs from FNV-1a: %x %x", HashID(""), HashID("a"))
	}
}

func TestKindNames(t *testing.T) {
	for k := KindOffsite; k <= KindRetract; k++ {
		got, ok := ParseKind(k.String())
		if !ok || got != k {
			t.Errorf("%v round trip: %v %v", k, got, ok)
		}
	}
	if _, ok := ParseKind("bogus"); ok {
		t.Error("bogus kind parsed")
	}
}
