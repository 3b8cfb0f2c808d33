package report

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/roster"
)

// TestSmallGroupsHiddenWithTheirComplement: a school type with fewer than
// MinGroup staff is hidden, and so is the smallest other type that month,
// or the hidden one would be the board total minus the others.
func TestSmallGroupsHiddenWithTheirComplement(t *testing.T) {
	sched := roster.Schedule{Name: "std", Days: roster.WeekdaysOf(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday),
		Start: 8*60 + 15, End: 16*60 + 45, BreakMin: 45}
	var staff []roster.Staff
	add := func(n int, st roster.SchoolType, school string) {
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("S%03d", len(staff)+1)
			staff = append(staff, roster.Staff{ID: id, Name: id, Role: roster.RoleTeacher, Board: "b", School: school,
				SchoolType: st, Schedule: "std", Start: civil.D(2026, 4, 1), HasStart: true})
		}
	}
	add(2, roster.Kindergarten, "b-k1")
	add(10, roster.Elementary, "b-e1")
	add(6, roster.JuniorHigh, "b-j1")
	data, errs := roster.New([]roster.Schedule{sched}, staff, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	eng, err := newEngine(data)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	eng.View(func(core *overtime.Engine, _ *roster.Data) {
		ft := BuildFYTables(core, "b", 2026, civil.MonthOf(2026, 4), civil.MonthOf(2026, 4))
		if err := ft.WriteCSV(&out); err != nil {
			t.Fatal(err)
		}
	})
	rows := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		f := strings.Split(line, ",")
		if len(f) == 4 && f[0] == "月別" {
			rows[f[1]+"/"+f[2]] = f[3]
		}
	}
	for key, want := range map[string]string{
		"教育委員会全体 2026年4月/対象人数": "18",
		"教育委員会全体 2026年4月/平均時間": "0:00",
		"小学校 2026年4月/平均時間":     "0:00",
		"幼稚園 2026年4月/対象人数":     "＊",
		"幼稚園 2026年4月/平均時間":     "＊",
		"中学校 2026年4月/対象人数":     "6",
		"中学校 2026年4月/平均時間":     "＊", // the complement of the kindergarten
	} {
		if rows[key] != want {
			t.Errorf("%s = %q, want %q", key, rows[key], want)
		}
	}
}
