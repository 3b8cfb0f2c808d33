package overtime

import (
	"testing"

	"timeclock/internal/civil"
)

func TestMonthlyBounds(t *testing.T) {
	cases := []struct {
		min  int
		want []string // breached among month_45, doctor_80, month_100
	}{
		{44*60 + 59, nil},
		{45 * 60, nil},
		{45*60 + 1, []string{"month_45"}},
		{80 * 60, []string{"month_45"}},
		{80*60 + 1, []string{"month_45", "doctor_80"}},
		{99*60 + 59, []string{"month_45", "doctor_80"}},
		{100 * 60, []string{"month_45", "doctor_80", "month_100"}},
	}
	for _, c := range cases {
		e := newEngine(t, newTestCal(), teacher("T1"))
		mo := mustMonth(t, "2026-06")
		addMonthOvertime(t, e, 0, mo, c.min)
		m := e.Month(0, mo)
		got := breachSet(e, m)
		for _, id := range []string{"month_45", "doctor_80", "month_100"} {
			want := false
			for _, w := range c.want {
				want = want || w == id
			}
			if got[id] != want {
				t.Errorf("%d min: %s breached %v, want %v", c.min, id, got[id], want)
			}
		}
		if m.Overtime != int64(c.min) {
			t.Errorf("month overtime %d, want %d", m.Overtime, c.min)
		}
	}
}

func TestAverage80Bound(t *testing.T) {
	// Two months averaging exactly 80:00 are within; one more minute breaches.
	for _, extra := range []int{0, 1, 2} {
		e := newEngine(t, newTestCal(), teacher("T1"))
		may, jun := mustMonth(t, "2026-05"), mustMonth(t, "2026-06")
		addMonthOvertime(t, e, 0, may, 70*60)
		addMonthOvertime(t, e, 0, jun, 90*60+extra)
		m := e.Month(0, jun)
		avg2, ok := m.Avg(2)
		if !ok {
			t.Fatal("avg2 not evaluated")
		}
		got := breachSet(e, m)["avg_80"]
		if want := extra > 0; got != want {
			t.Errorf("avg2 %.2f: avg_80 %v, want %v", avg2, got, want)
		}
	}
}

func TestAverageWindowsNewHireAndFYCrossing(t *testing.T) {
	cal := newTestCal()
	hire := teacher("N1")
	hire.Start, hire.HasStart = mustDate(t, "2027-02-01"), true
	cal.start[0] = hire.Start
	e := newEngine(t, cal, hire)
	addMonthOvertime(t, e, 0, mustMonth(t, "2027-02"), 50*60)
	addMonthOvertime(t, e, 0, mustMonth(t, "2027-03"), 60*60)
	addMonthOvertime(t, e, 0, mustMonth(t, "2027-04"), 70*60)
	apr := e.Month(0, mustMonth(t, "2027-04"))
	for n := 2; n <= 6; n++ {
		_, ok := apr.Avg(n)
		if want := n <= 3; ok != want {
			t.Errorf("avg%d evaluated %v, want %v (hired February)", n, ok, want)
		}
	}
	if v, _ := apr.Avg(3); v != 60*60 {
		t.Errorf("avg3 across the fiscal year = %v, want 3600", v)
	}
	if apr.FY != 70*60 || apr.Over45 != 1 {
		t.Errorf("April starts a new fiscal year: fy %d over45 %d", apr.FY, apr.Over45)
	}
	mar := e.Month(0, mustMonth(t, "2027-03"))
	if mar.FY != 110*60 || mar.Over45 != 2 {
		t.Errorf("March: fy %d over45 %d", mar.FY, mar.Over45)
	}
	if !breachSet(e, apr)["principal_3m45"] {
		t.Error("3-month average 60 h breaches principal_3m45")
	}
	// Months without work inside the record count 0.
	if m := e.Month(0, mustMonth(t, "2027-06")); !m.AvgOK[5] || m.AvgSum[5] != 180*60 {
		t.Errorf("June avg5 = %d ok %v", m.AvgSum[5], m.AvgOK[5])
	}
}

func TestFirstMonthFromEarliestEvent(t *testing.T) {
	e := newEngine(t, newTestCal(), teacher("T1"))
	addMonthOvertime(t, e, 0, mustMonth(t, "2026-06"), 100)
	if _, ok := e.Month(0, mustMonth(t, "2026-06")).Avg(2); ok {
		t.Error("avg2 evaluated before the first month on record")
	}
	// An older event arrives late: the first month moves back.
	addMonthOvertime(t, e, 0, mustMonth(t, "2026-05"), 100)
	if v, ok := e.Month(0, mustMonth(t, "2026-06")).Avg(2); !ok || v != 100 {
		t.Errorf("avg2 after a late May event = %v, %v", v, ok)
	}
	if first, ok := e.FirstMonth(0); !ok || first != mustMonth(t, "2026-05") {
		t.Errorf("first month %v", first)
	}
}

func TestOver45SixthAndSeventhMonth(t *testing.T) {
	e := newEngine(t, newTestCal(), teacher("T1"))
	start := mustMonth(t, "2026-04")
	for i := 0; i < 7; i++ {
		addMonthOvertime(t, e, 0, start+civil.Month(i), 45*60+1)
	}
	sixth := e.Month(0, start+5)
	seventh := e.Month(0, start+6)
	if sixth.Over45 != 6 || breachSet(e, sixth)["over45_6"] {
		t.Errorf("6th month: over45 %d breaches %v", sixth.Over45, breachSet(e, sixth))
	}
	if seventh.Over45 != 7 || !breachSet(e, seventh)["over45_6"] {
		t.Errorf("7th month: over45 %d breaches %v", seventh.Over45, breachSet(e, seventh))
	}
}

func TestYearBounds(t *testing.T) {
	cases := []struct {
		total    int
		y360     bool
		y720     bool
		lastMonN int
	}{
		{360 * 60, false, false, 0},
		{360*60 + 1, true, false, 0},
		{720 * 60, true, false, 0},
		{720*60 + 1, true, true, 0},
	}
	for _, c := range cases {
		e := newEngine(t, newTestCal(), teacher("T1"))
		start := mustMonth(t, "2026-04")
		rest := c.total
		for i := 0; i < 12 && rest > 0; i++ {
			n := min(rest, 61*60) // stays under 100 h a month
			addMonthOvertime(t, e, 0, start+civil.Month(i), n)
			rest -= n
		}
		mar := e.Month(0, start+11)
		got := breachSet(e, mar)
		if mar.FY != int64(c.total) || got["year_360"] != c.y360 || got["year_720"] != c.y720 {
			t.Errorf("total %d: fy %d year_360 %v year_720 %v", c.total, mar.FY, got["year_360"], got["year_720"])
		}
		// The next fiscal year starts from zero.
		if apr := e.Month(0, start+12); apr.FY != 0 || breachSet(e, apr)["year_360"] {
			t.Errorf("next April: fy %d", apr.FY)
		}
	}
}

func TestCalendarYearDoesNotResetFY(t *testing.T) {
	e := newEngine(t, newTestCal(), teacher("T1"))
	addMonthOvertime(t, e, 0, mustMonth(t, "2026-12"), 600)
	addMonthOvertime(t, e, 0, mustMonth(t, "2027-01"), 300)
	if jan := e.Month(0, mustMonth(t, "2027-01")); jan.FY != 900 {
		t.Errorf("January FY %d, want 900", jan.FY)
	}
}

func TestAlertsRaisedAndCleared(t *testing.T) {
	e := newEngine(t, newTestCal(), teacher("T1"))
	jun := mustMonth(t, "2026-06")
	addMonthOvertime(t, e, 0, jun, 45*60)
	e.Changes().Reset()
	id := adjust(t, e, Adjustment{Staff: 0, Date: mustDate(t, "2026-06-13"), Kind: KindOffsite, Minutes: 1})
	raised := findAlert(e.Changes().Alerts, "month_45")
	if raised == nil || !raised.Raised || raised.Value != 45*60+1 || raised.Threshold != 45*60 || raised.Level != LevelWarn {
		t.Fatalf("month_45 raise: %+v", raised)
	}
	if e.Level(0) != LevelWarn {
		t.Errorf("level %v", e.Level(0))
	}
	e.Changes().Reset()
	adjust(t, e, Adjustment{Staff: 0, Date: mustDate(t, "2026-06-14"), Kind: KindOffsite, Minutes: 1})
	if a := findAlert(e.Changes().Alerts, "month_45"); a != nil {
		t.Errorf("raised again: %+v", a)
	}
	e.Changes().Reset()
	adjust(t, e, Adjustment{Staff: 0, Date: mustDate(t, "2026-06-12"), Kind: KindRetract, Target: id})
	if a := findAlert(e.Changes().Alerts, "month_45"); a != nil {
		t.Errorf("still breaching (45:01) but alert changed: %+v", a)
	}
	adjust(t, e, Adjustment{Staff: 0, Date: mustDate(t, "2026-06-12"), Kind: KindSelfStudy, Minutes: 1})
	// 45:00 - self_study on a day without work stays at 0 that day: no change.
	if m := e.Month(0, jun); m.Overtime != 45*60+1 || m.Reductions != 2 {
		t.Errorf("month %d reductions %d", m.Overtime, m.Reductions)
	}
}

func findAlert(alerts []Alert, rule string) *Alert {
	for i := range alerts {
		if alerts[i].Rule == rule {
			return &alerts[i]
		}
	}
	return nil
}

func TestCustomBoardRule(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Rules = append(cfg.Rules, Rule{ID: "month_30", Metric: MetricMonth, Cmp: GT, Threshold: 30 * 60, Level: LevelInfo})
	e, err := New(cfg, newTestCal(), []StaffInfo{teacher("T1")})
	if err != nil {
		t.Fatal(err)
	}
	addMonthOvertime(t, e, 0, mustMonth(t, "2026-06"), 31*60)
	m := e.Month(0, mustMonth(t, "2026-06"))
	if got := breachSet(e, m); !got["month_30"] || got["month_45"] || m.Level != LevelInfo {
		t.Errorf("breaches %v level %v", got, m.Level)
	}
	for _, bad := range [][]Rule{
		{{ID: "", Metric: MetricMonth, Cmp: GT, Level: LevelInfo}},
		{{ID: "x", Metric: 99, Cmp: GT, Level: LevelInfo}},
		{{ID: "x", Metric: MetricMonth, Cmp: 9, Level: LevelInfo}},
		{{ID: "x", Metric: MetricMonth, Cmp: GT, Level: LevelInfo}, {ID: "x", Metric: MetricMonth, Cmp: GT, Level: LevelInfo}},
	} {
		cfg.Rules = bad
		if _, err := New(cfg, newTestCal(), nil); err == nil {
			t.Errorf("rules %+v accepted", bad)
		}
	}
}

func TestForecast(t *testing.T) {
	e := newEngine(t, newTestCal(), teacher("T1"))
	// June 2026 has 22 weekdays; by Wed 06-10 eight have passed.
	for d := mustDate(t, "2026-06-01"); d <= mustDate(t, "2026-06-10"); d++ {
		if d.Weekday() == 0 || d.Weekday() == 6 {
			continue
		}
		// 08:00–18:45: presence 645 − 45 break − 465 regular = 135 overtime a day
		tapAt(t, e, 0, d.String()+" 08:00", DirTap)
		tapAt(t, e, 0, d.String()+" 18:45", DirTap)
	}
	f := e.Forecast(0, mustDate(t, "2026-06-10"))
	if f.SoFar != 8*135 || f.Elapsed != 8 || f.Remaining != 14 || f.Projected != 22*135 {
		t.Errorf("forecast %+v", f)
	}
	if len(f.Warn) != 1 || f.Warn[0] != "month_45" {
		t.Errorf("warn %v, want [month_45]", f.Warn)
	}
}
