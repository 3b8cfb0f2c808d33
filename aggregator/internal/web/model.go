package web

import (
	"slices"
	"sort"
	"strings"

	"timeclock/aggregator/internal/report"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/roster"
)

// cell is one group's figures for a month as the page prints them. Hidden
// marks a group below MinGroup shown to a viewer who may see aggregates
// only; Empty a group without staff-months.
type cell struct {
	Label     string
	Sub       string // a second label (a school's type)
	Href      string
	Headcount int
	Over45    int
	Share     string // percent with one decimal
	Mean      string // h:mm
	MeanMin   float64
	SharePct  float64
	Buckets   [4]int
	Hidden    bool
	Empty     bool
}

func makeCell(label string, g *overtime.GroupStats, hide bool) cell {
	c := cell{Label: label}
	if g == nil || g.Headcount == 0 {
		c.Empty = true
		return c
	}
	c.Headcount = g.Headcount
	if hide && g.Headcount < MinGroup {
		c.Hidden = true
		return c
	}
	c.Over45, c.Buckets = g.Over45, g.Buckets
	c.Share, c.SharePct = pct(int64(g.Over45), int64(g.Headcount)), g.SharePct()
	c.Mean, c.MeanMin = hmmRatio(g.SumMin, int64(g.Headcount)), g.MeanMin()
	return c
}

// groups is the staff-months of a month, grouped several ways at once.
type groups struct {
	all     overtime.GroupStats
	byType  map[string]*overtime.GroupStats
	byRole  map[string]*overtime.GroupStats
	school  map[string]*overtime.GroupStats
	members []int // staff counted, in roster order
}

// collect groups the staff-months of mo of the staff keep selects (the
// board's headcount rule: on record with a scheduled day in the month).
func collect(core *overtime.Engine, data *roster.Data, mo civil.Month, keep func(s *roster.Staff) bool) *groups {
	g := &groups{byType: map[string]*overtime.GroupStats{}, byRole: map[string]*overtime.GroupStats{},
		school: map[string]*overtime.GroupStats{}}
	for si := range data.Staff() {
		s := &data.Staff()[si]
		if !keep(s) {
			continue
		}
		r, ok := core.StaffMonth(si, mo)
		if !ok {
			continue
		}
		g.all.Add(r.Overtime)
		report.Group(g.byType, overtime.ReportType(string(s.SchoolType))).Add(r.Overtime)
		report.Group(g.byRole, string(s.Role)).Add(r.Overtime)
		report.Group(g.school, s.School).Add(r.Overtime)
		g.members = append(g.members, si)
	}
	return g
}

// roleOrder is the order of roles in tables: as the board's tables print them.
var roleOrder = []string{"principal", "vice_principal", "office", "teacher", "other"}

func sortRoles(keys []string) []string {
	slices.SortFunc(keys, func(a, b string) int {
		ia, ib := slices.Index(roleOrder, a), slices.Index(roleOrder, b)
		if ia < 0 {
			ia = len(roleOrder)
		}
		if ib < 0 {
			ib = len(roleOrder)
		}
		if ia != ib {
			return ia - ib
		}
		return strings.Compare(a, b)
	})
	return keys
}

// trendPoint is one month of a group's history.
type trendPoint struct {
	Month civil.Month
	Cell  cell
}

// trend returns the group's figures for the n months ending at mo.
func trend(core *overtime.Engine, data *roster.Data, mo civil.Month, n int, keep func(s *roster.Staff) bool, hide bool) []trendPoint {
	out := make([]trendPoint, 0, n)
	for m := mo - civil.Month(n-1); m <= mo; m++ {
		g := collect(core, data, m, keep)
		out = append(out, trendPoint{Month: m, Cell: makeCell("", &g.all, hide)})
	}
	return out
}

// forecastRow is one staff member's projection of the current month.
type forecastRow struct {
	Staff, Name, Href string
	SoFar, Projected  int64
	Warn              []string // rule ids the projection breaches and the month so far does not
	Bar               barData
}

// forecastView sums up who will pass 45 h and 80 h this month.
type forecastView struct {
	Headcount           int
	Now45, Now80        int // over 45 h / 80 h so far
	Will45, Will80      int // projected over 45 h / 80 h at month end
	Hidden              bool
	Rows                []forecastRow // only for viewers who may see names
	Remaining, Elapsed  int
	HasRows, ShowCounts bool
}

const (
	min45  = 45 * 60
	min80  = 80 * 60
	min100 = 100 * 60
)

func forecast(core *overtime.Engine, data *roster.Data, members []int, today civil.Date, names bool, hide bool, link func(string) string) forecastView {
	v := forecastView{Headcount: len(members)}
	for _, si := range members {
		f := core.Forecast(si, today)
		v.Remaining, v.Elapsed = f.Remaining, f.Elapsed
		if f.SoFar > min45 {
			v.Now45++
		}
		if f.SoFar > min80 {
			v.Now80++
		}
		if f.Projected > min45 {
			v.Will45++
		}
		if f.Projected > min80 {
			v.Will80++
		}
		if names && f.Projected > min45 {
			s := &data.Staff()[si]
			v.Rows = append(v.Rows, forecastRow{Staff: s.ID, Name: s.Name, Href: link(s.ID), SoFar: f.SoFar,
				Projected: f.Projected, Warn: f.Warn})
		}
	}
	if hide && v.Headcount < MinGroup {
		v = forecastView{Headcount: v.Headcount, Hidden: true}
	}
	sort.SliceStable(v.Rows, func(i, j int) bool { return v.Rows[i].Projected > v.Rows[j].Projected })
	var top int64 = min100
	for _, r := range v.Rows {
		top = max(top, r.Projected)
	}
	for i := range v.Rows {
		v.Rows[i].Bar = barData{SoFar: v.Rows[i].SoFar, Projected: v.Rows[i].Projected, Max: top}
	}
	v.HasRows = len(v.Rows) > 0
	v.ShowCounts = !v.Hidden && v.Headcount > 0
	return v
}

// staffRow is a staff member's month in a school's list.
type staffRow struct {
	ID, Name, Role, Href string
	Month                overtime.MonthResult
	MaxAvg               float64
	HasAvg               bool
	Breaches             []string
	Projected            int64
	HasForecast          bool
}

func staffRows(core *overtime.Engine, data *roster.Data, members []int, mo civil.Month, today civil.Date, link func(string) string) []staffRow {
	rows := make([]staffRow, 0, len(members))
	for _, si := range members {
		s := &data.Staff()[si]
		m := core.Month(si, mo)
		r := staffRow{ID: s.ID, Name: s.Name, Role: string(s.Role), Href: link(s.ID), Month: m,
			Breaches: core.BreachIDs(nil, m.Breaches)}
		r.MaxAvg, r.HasAvg = maxAvg(m)
		if mo == today.Month() {
			r.Projected, r.HasForecast = core.Forecast(si, today).Projected, true
		}
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Month.Overtime > rows[j].Month.Overtime })
	return rows
}

// maxAvg is the largest evaluated 2–6-month average (the avg_80 metric).
func maxAvg(m overtime.MonthResult) (float64, bool) {
	best, ok := 0.0, false
	for n := 2; n <= 6; n++ {
		if v, has := m.Avg(n); has && (!ok || v > best) {
			best, ok = v, true
		}
	}
	return best, ok
}
