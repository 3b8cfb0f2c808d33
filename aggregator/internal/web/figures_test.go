package web

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"timeclock/aggregator/internal/journal"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/roster"
)

var kpiRe = regexp.MustCompile(`data-kpi="(\w+)">([^<]*)<`)

// kpis reads the figures a page marks with data-kpi.
func kpis(body string) map[string]string {
	out := map[string]string{}
	for _, m := range kpiRe.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// The board's figures are the engine's board table (the row of all school
// types and roles), written as the published tables write them.
func TestBoardFiguresMatchEngine(t *testing.T) {
	f := newFixture(t)
	for _, mo := range []civil.Month{civil.MonthOf(2026, 9), civil.MonthOf(2026, 10), civil.MonthOf(2026, 11)} {
		for _, board := range []string{"nakatsu", "usa"} {
			var row overtime.BoardRow
			f.eng.View(func(core *overtime.Engine, _ *roster.Data) {
				for _, r := range core.BoardMonths(mo, mo) {
					if r.Board == board && r.SchoolType == overtime.All && r.Role == overtime.All {
						row = r
					}
				}
			})
			if row.Headcount < MinGroup {
				t.Fatalf("%s %s: headcount %d, the fixture should be above MinGroup", board, mo, row.Headcount)
			}
			_, body := f.get("/board/"+board+"?month="+mo.String(), RoleBoard, board)
			got := kpis(body)
			want := map[string]string{
				"headcount": strconv.Itoa(row.Headcount),
				"over45":    strconv.Itoa(row.Over45),
				"share":     pct(int64(row.Over45), int64(row.Headcount)),
				"mean":      hmmRatio(row.SumMin, int64(row.Headcount)),
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s %s: %s = %q, want %q", board, mo, k, got[k], v)
				}
			}
			if row.SumMin == 0 {
				t.Errorf("%s %s: no overtime at all: the fixture is empty", board, mo)
			}
		}
	}
}

// A school's figures, and its staff list for the principal, come from the
// staff-months of its own staff.
func TestSchoolFiguresMatchEngine(t *testing.T) {
	f := newFixture(t)
	mo := civil.MonthOf(2026, 10)
	var g overtime.GroupStats
	months := map[string]overtime.MonthResult{}
	f.eng.View(func(core *overtime.Engine, data *roster.Data) {
		for si, s := range data.Staff() {
			if s.School != "nakatsu-e02" {
				continue
			}
			if r, ok := core.StaffMonth(si, mo); ok {
				g.Add(r.Overtime)
				months[s.ID] = r
			}
		}
	})
	_, body := f.get("/school/nakatsu-e02?month="+mo.String(), RolePrincipal, "nakatsu-e02")
	got := kpis(body)
	if got["headcount"] != strconv.Itoa(g.Headcount) || got["mean"] != hmmRatio(g.SumMin, int64(g.Headcount)) {
		t.Errorf("school figures %v, want headcount %d mean %s", got, g.Headcount, hmmRatio(g.SumMin, int64(g.Headcount)))
	}
	for id, m := range months {
		row := between(body, `data-staff="`+id+`"`, `</tr>`)
		if !strings.Contains(row, "<strong>"+hmm(m.Overtime)+"</strong>") || !strings.Contains(row, "<td>"+hmm(m.FY)+"</td>") {
			t.Errorf("%s's row lacks month %s and fiscal year %s:\n%s", id, hmm(m.Overtime), hmm(m.FY), row)
		}
	}
	if len(months) != 4 {
		t.Errorf("%d staff-months, want the school's 4", len(months))
	}
}

// The staff page shows the engine's month, rolling averages and days.
func TestStaffPageMatchesEngine(t *testing.T) {
	f := newFixture(t)
	s := f.staffOf("usa-e02")[1] // a vice principal: the longest hours
	mo := civil.MonthOf(2026, 10)
	var m overtime.MonthResult
	var days []overtime.DayResult
	f.eng.View(func(core *overtime.Engine, data *roster.Data) {
		si, _ := data.StaffIndex(s.ID)
		m = core.Month(si, mo)
		for d := range core.Days(si, mo.First(), mo.Last()) {
			days = append(days, d)
		}
	})
	_, body := f.get("/staff/"+s.ID+"?month="+mo.String(), RoleStaff, s.ID)
	if got := kpis(body)["month"]; got != hmm(m.Overtime) {
		t.Errorf("month %q, want %q", got, hmm(m.Overtime))
	}
	row := between(body, `<tr class="sel">`, `</tr>`)
	for n := 2; n <= 3; n++ {
		v, ok := m.Avg(n)
		if !ok {
			t.Fatalf("%d-month average of %s not evaluated", n, mo)
		}
		if !strings.Contains(row, "<td>"+hmmF(v)+"</td>") {
			t.Errorf("the month's row lacks the %d-month average %s:\n%s", n, hmmF(v), row)
		}
	}
	table := between(body, `<table class="days">`, `</table>`)
	if got := strings.Count(table, "<tr") - 1; got != len(days) {
		t.Errorf("%d day rows, want the engine's %d", got, len(days))
	}
	for _, d := range days {
		if d.Complete && !strings.Contains(table, "<strong>"+hmm(int64(d.Overtime))+"</strong>") {
			t.Errorf("no day with overtime %s", hmm(int64(d.Overtime)))
		}
	}
}

// The forecast names the principal's staff whose month is projected over
// 45 h, and gives the board counts only.
func TestForecast(t *testing.T) {
	f := newFixture(t)
	today := civil.D(2026, 11, 20)
	var over, under []string
	will45 := 0
	f.eng.View(func(core *overtime.Engine, data *roster.Data) {
		for si, s := range data.Staff() {
			if s.Board != "usa" {
				continue
			}
			p := core.Forecast(si, today).Projected
			if p > 45*60 {
				will45++
			}
			if s.School != "usa-e02" {
				continue
			}
			if p > 45*60 {
				over = append(over, s.ID)
			} else {
				under = append(under, s.ID)
			}
		}
	})
	if len(over) == 0 || len(under) == 0 {
		t.Fatalf("the fixture should have staff on both sides of 45 h: over %v, under %v", over, under)
	}
	_, body := f.get("/school/usa-e02", RolePrincipal, "usa-e02")
	list := between(body, `<table class="forecast">`, `</table>`)
	for _, id := range over {
		if !strings.Contains(list, id) {
			t.Errorf("%s is projected over 45 h but not listed", id)
		}
	}
	for _, id := range under {
		if strings.Contains(list, id) {
			t.Errorf("%s is listed but projected under 45 h", id)
		}
	}
	_, body = f.get("/board/usa", RoleBoard, "usa")
	if got := kpis(body)["will45"]; got != strconv.Itoa(will45) {
		t.Errorf("the board's projected count %q, want %d", got, will45)
	}
	if strings.Contains(body, `<table class="forecast">`) {
		t.Errorf("the board gets a list of staff")
	}
	_, body = f.get("/board/usa?month=2026-10", RoleBoard, "usa")
	if strings.Contains(body, `data-kpi="will45"`) {
		t.Errorf("a past month shows a forecast")
	}
}

// Alerts are counted by measure for the month shown: the raised ones whose
// period is in the month, the transitions detected in it; names only for
// those who may see them.
func TestAlerts(t *testing.T) {
	f := newFixture(t)
	e01 := f.staffOf("nakatsu-e01")
	nov, oct := civil.MonthOf(2026, 11), civil.MonthOf(2026, 10)
	f.feed.open = []journal.Alert{
		{Staff: e01[1].ID, Board: "nakatsu", School: "nakatsu-e01", Rule: "doctor_80", Level: "critical", Raised: true, Period: "2026-11", Value: 4900, Threshold: 4800},
		{Staff: e01[1].ID, Board: "nakatsu", School: "nakatsu-e01", Rule: "lock_time", Level: "info", Raised: true, Period: "2026-11-05", Value: 1190, Threshold: 1140},
		{Staff: e01[2].ID, Board: "nakatsu", School: "nakatsu-e01", Rule: "month_100", Level: "critical", Raised: true, Period: "2026-11", Value: 6000, Threshold: 6000},
		{Staff: e01[2].ID, Board: "nakatsu", School: "nakatsu-e01", Rule: "avg_80", Level: "critical", Raised: true, Period: "2026-10", Value: 5000, Threshold: 4800},
		{Staff: "S999999", Board: "usa", School: "usa-e01", Rule: "doctor_80", Level: "critical", Raised: true, Period: "2026-11", Value: 5000, Threshold: 4800},
	}
	f.feed.counts[nov] = []AlertCount{
		{Board: "nakatsu", School: "nakatsu-e01", Rule: "missing_punch", Raised: 5, Cleared: 3},
		{Board: "nakatsu", School: "nakatsu-e02", Rule: "principal_3m45", Raised: 2, Cleared: 1},
		{Board: "nakatsu", School: "nakatsu-e02", Rule: "interval_11", Raised: 7},
		{Board: "usa", School: "usa-e01", Rule: "missing_punch", Raised: 100, Cleared: 100},
	}
	f.feed.counts[oct] = []AlertCount{{Board: "nakatsu", School: "nakatsu-e01", Rule: "lock_time", Raised: 40}}
	rows := func(body string) map[string]string {
		out := map[string]string{}
		table := between(body, `<table class="alerts">`, `</table>`)
		re := regexp.MustCompile(`<th class="l">([^<]+)</th><td(?: class="hot")?>(\d+)</td><td>(\d+)</td><td>(\d+)</td>`)
		for _, m := range re.FindAllStringSubmatch(table, -1) {
			out[m[1]] = m[2] + "/" + m[3] + "/" + m[4]
		}
		return out
	}
	_, body := f.get("/board/nakatsu", RoleBoard, "nakatsu")
	want := map[string]string{"医師面接指導": "1/0/0", "校長面談": "0/2/1", "上限超過": "1/0/0", "勤務間インターバル": "0/7/0",
		"施錠時刻": "1/0/0", "打刻漏れ": "0/5/3", "時計未同期": "0/0/0"}
	if got := rows(body); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("board alerts (open/raised/cleared)\n got %v\nwant %v", got, want)
	}
	if strings.Contains(body, e01[1].ID) {
		t.Errorf("the board's page names a staff member with an alert")
	}
	_, body = f.get("/board/nakatsu?month=2026-10", RoleBoard, "nakatsu")
	if got := rows(body); got["上限超過"] != "1/0/0" || got["施錠時刻"] != "0/40/0" {
		t.Errorf("October: %v", got)
	}
	_, body = f.get("/school/nakatsu-e01", RolePrincipal, "nakatsu-e01")
	open := between(body, `<table class="openalerts">`, `</table>`)
	for _, w := range []string{e01[1].Name, e01[2].Name, "医師面接指導（月80時間超）", "月100時間以上", "81:40", "19:50"} {
		if !strings.Contains(open, w) {
			t.Errorf("the principal's open alerts lack %q:\n%s", w, open)
		}
	}
	if strings.Contains(open, "2026-10") || strings.Contains(open, "S999999") {
		t.Errorf("the principal's list has another month's or another school's alert")
	}
	if i, j := strings.Index(open, "月100時間以上"), strings.Index(open, "施錠時刻後の退勤"); i < 0 || j < i {
		t.Errorf("critical alerts do not come first")
	}
}

// The gateways a viewer sees are those of their scope, with their health.
func TestGateways(t *testing.T) {
	f := newFixture(t)
	ts := time.Date(2026, 11, 20, 11, 58, 0, 0, civil.JST)
	f.feed.gateways = []journal.Status{
		{Board: "nakatsu", School: "nakatsu-e01", Gateway: "gw-e01-a", Online: true, ClockSynced: true, Queue: 0,
			Readers: map[string]string{"entrance": "ok"}, Version: "1.4.2", TS: ts},
		{Board: "nakatsu", School: "nakatsu-e02", Gateway: "gw-e02-a", Online: false, ClockSynced: false, Queue: 37,
			Readers: map[string]string{"entrance": "ok", "staffroom": "unplugged"}, Version: "1.4.1", TS: ts},
		{Board: "usa", School: "usa-e01", Gateway: "gw-e01-a", Online: true, ClockSynced: true, TS: ts},
	}
	_, body := f.get("/board/nakatsu", RoleBoard, "nakatsu")
	gw := between(body, `id="gateways"`, `</section>`)
	if n := strings.Count(gw, "data-gateway="); n != 2 {
		t.Errorf("the board sees %d gateways, want its 2", n)
	}
	row := between(gw, `data-gateway="gw-e02-a"`, `</tr>`)
	for _, w := range []string{"オフライン", ">37<", "未同期", "staffroom: unplugged", "2026-11-20 11:58:00", "1.4.1"} {
		if !strings.Contains(row, w) {
			t.Errorf("the gateway row lacks %q:\n%s", w, row)
		}
	}
	_, body = f.get("/school/nakatsu-e01", RolePrincipal, "nakatsu-e01")
	if n := strings.Count(between(body, `id="gateways"`, `</section>`), "data-gateway="); n != 1 {
		t.Errorf("the principal sees %d gateways, want their school's 1", n)
	}
	s := f.staffOf("nakatsu-e01")[3]
	_, body = f.get("/staff/"+s.ID, RoleStaff, s.ID)
	if strings.Contains(body, `id="gateways"`) {
		t.Errorf("a staff member's page shows gateways")
	}
}
