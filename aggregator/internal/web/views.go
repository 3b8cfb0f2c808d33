package web

import (
	"html/template"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"timeclock/aggregator/internal/journal"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/roster"
)

// coreView is the engine and roster a page is built from, under the
// engine's read lock.
type coreView struct {
	core *overtime.Engine
	data *roster.Data
}

type homeBody struct {
	Boards []cell
}

// home sends each role to its page; an admin gets the list of boards.
func (h *Handler) home(_ *http.Request, p *Page, cv *coreView) (string, int) {
	switch p.User.Role {
	case RoleBoard:
		return "/board/" + url.PathEscape(p.User.Name), http.StatusFound
	case RolePrincipal:
		return "/school/" + url.PathEscape(p.User.Name), http.StatusFound
	case RoleStaff:
		return "/staff/" + url.PathEscape(p.User.Name), http.StatusFound
	case RoleAdmin:
	default:
		return "", http.StatusForbidden
	}
	var b homeBody
	for _, board := range boardsOf(cv.data) {
		g := collect(cv.core, cv.data, p.Month, func(s *roster.Staff) bool { return s.Board == board })
		c := makeCell(board, &g.all, false)
		c.Href = "/board/" + url.PathEscape(board) + monthQuery(p)
		b.Boards = append(b.Boards, c)
	}
	p.Title, p.Body = p.T("boards"), b
	h.live(p, cv, scope{})
	return "home", http.StatusOK
}

func monthQuery(p *Page) string {
	if p.IsCurrent() {
		return ""
	}
	return "?month=" + p.Month.String()
}

type alertRow struct {
	Label                 string
	Open, Raised, Cleared int
}

type tableLink struct {
	Label, HTML, CSV string
}

type boardBody struct {
	Board                 string
	All                   cell
	Types, Roles, Schools []cell
	Dist                  template.HTML
	MeanTrend, ShareTrend template.HTML
	Forecast              forecastView
	Alerts                []alertRow
	AlertsHidden          bool
	Tables                []tableLink
	Hide                  bool
}

// boardPage is the board's overview of a month: aggregates only for a
// board, with small groups hidden.
func (h *Handler) boardPage(r *http.Request, p *Page, cv *coreView) (string, int) {
	board := r.PathValue("board")
	if !boardExists(cv.data, board) {
		return "", http.StatusNotFound
	}
	acc := p.User.board(cv.data, board)
	if acc == accessNone {
		return "", http.StatusForbidden
	}
	hide := acc != accessFull
	keep := func(s *roster.Staff) bool { return s.Board == board }
	g := collect(cv.core, cv.data, p.Month, keep)
	b := boardBody{Board: board, Hide: hide}
	b.All = makeCell(p.T("all"), &g.all, hide)
	for _, st := range sortedKeys(g.byType) {
		b.Types = append(b.Types, makeCell(p.TypeName(st), g.byType[st], hide))
	}
	for _, role := range sortRoles(sortedKeys(g.byRole)) {
		b.Roles = append(b.Roles, makeCell(p.RoleName(role), g.byRole[role], hide))
	}
	for _, sc := range cv.data.Schools() {
		if sc.Board != board {
			continue
		}
		c := makeCell(sc.ID, g.school[sc.ID], hide)
		c.Sub = p.TypeName(string(sc.Type))
		if p.User.school(cv.data, sc.ID) != accessNone {
			c.Href = "/school/" + url.PathEscape(sc.ID) + monthQuery(p)
		}
		b.Schools = append(b.Schools, c)
	}
	b.Dist = distChart(p, b.All)
	b.MeanTrend, b.ShareTrend = trendCharts(p, trend(cv.core, cv.data, p.Month, 12, keep, hide))
	if p.IsCurrent() {
		b.Forecast = forecast(cv.core, cv.data, g.members, p.Today, false, hide, nil)
	}
	b.AlertsHidden = hide && g.all.Headcount < MinGroup
	if !b.AlertsHidden {
		b.Alerts = h.alertRows(p, func(bd, _ string) bool { return bd == board })
	}
	b.Tables = tableLinks(p, board)
	p.Title = board + " " + p.MonthName(p.Month)
	p.Body = b
	h.live(p, cv, scope{Board: board})
	return "board", http.StatusOK
}

func boardExists(data *roster.Data, board string) bool {
	for _, sc := range data.Schools() {
		if sc.Board == board {
			return true
		}
	}
	return false
}

func tableLinks(p *Page, board string) []tableLink {
	base := "/tables/" + url.PathEscape(board) + "/"
	fy := "FY" + strconv.Itoa(p.Month.FY())
	mo := p.Month.String()
	return []tableLink{
		{Label: p.T("tables_fy") + " " + p.FYName(p.Month.FY()), HTML: base + fy + ".html", CSV: base + fy + ".csv"},
		{Label: p.T("tables_month") + " " + p.MonthName(p.Month), HTML: base + mo + ".html", CSV: base + mo + ".csv"},
	}
}

func (h *Handler) alertRows(p *Page, match func(board, school string) bool) []alertRow {
	rows := make([]alertRow, len(alertGroups))
	for i, g := range alertGroups {
		rows[i].Label = pick(g.Names, true, g.Key, p.Lang)
	}
	for _, a := range h.d.Alerts.OpenAlerts() {
		if match(a.Board, a.School) && periodMonth(a.Period) == p.Month {
			rows[alertGroup(a.Rule)].Open++
		}
	}
	for _, c := range h.d.Alerts.AlertCounts(p.Month) {
		if match(c.Board, c.School) {
			i := alertGroup(c.Rule)
			rows[i].Raised += c.Raised
			rows[i].Cleared += c.Cleared
		}
	}
	return rows
}

// distChart draws the DOMAIN.md §6 buckets of a group.
func distChart(p *Page, c cell) template.HTML {
	if c.Hidden || c.Empty {
		return ""
	}
	keys := [4]string{"b_lt45", "b_45_80", "b_80_100", "b_ge100"}
	classes := [4]string{"ok", "warn", "high", "critical"}
	ch := chart{Title: p.T("distribution"), Unit: "", Height: 220}
	for i, n := range c.Buckets {
		ch.Bars = append(ch.Bars, bar{Label: p.T(keys[i]), Value: float64(n), Text: strconv.Itoa(n), Class: classes[i]})
	}
	return ch.SVG()
}

// trendCharts draws a group's mean overtime (hours, with the 45 h line)
// and share over 45 h for the months of tr.
func trendCharts(p *Page, tr []trendPoint) (template.HTML, template.HTML) {
	mean := chart{Title: p.T("mean_trend"), Unit: "h", Refs: []ref{{Value: 45, Label: p.T("ref45"), Class: "r45"}}}
	share := chart{Title: p.T("share_trend"), Unit: "%"}
	for _, t := range tr {
		lab := p.ShortMonth(t.Month)
		if t.Cell.Hidden || t.Cell.Empty {
			mark := ""
			if t.Cell.Hidden {
				mark = "＊"
			}
			mean.Bars = append(mean.Bars, bar{Label: lab, Missing: true, Mark: mark})
			share.Bars = append(share.Bars, bar{Label: lab, Missing: true, Mark: mark})
			continue
		}
		mean.Bars = append(mean.Bars, bar{Label: lab, Value: t.Cell.MeanMin / 60, Text: t.Cell.Mean, Class: levelClass(t.Cell.MeanMin)})
		share.Bars = append(share.Bars, bar{Label: lab, Value: t.Cell.SharePct, Text: t.Cell.Share})
	}
	return mean.SVG(), share.SVG()
}

// levelClass colours a month's overtime by the bounds it passes.
func levelClass(min float64) string {
	switch {
	case min >= min100:
		return "critical"
	case min > min80:
		return "high"
	case min > min45:
		return "warn"
	}
	return "ok"
}

type openAlert struct {
	Staff, Name, Href, Rule, Level, Period string
	Value, Threshold                       string
}

type schoolBody struct {
	School, Type, Board string
	BoardHref           string
	Full                bool
	All                 cell
	Roles               []cell
	Dist                template.HTML
	MeanTrend           template.HTML
	Forecast            forecastView
	Staff               []staffRow
	Alerts              []alertRow
	AlertsHidden        bool
	OpenAlerts          []openAlert
}

// schoolPage is a school's month: its staff by name for its principal and
// an admin, its aggregates for its board.
func (h *Handler) schoolPage(r *http.Request, p *Page, cv *coreView) (string, int) {
	school := r.PathValue("school")
	sc, ok := schoolOf(cv.data, school)
	if !ok {
		return "", http.StatusNotFound
	}
	acc := p.User.school(cv.data, school)
	if acc == accessNone {
		return "", http.StatusForbidden
	}
	full := acc == accessFull
	hide := !full
	keep := func(s *roster.Staff) bool { return s.School == school }
	g := collect(cv.core, cv.data, p.Month, keep)
	b := schoolBody{School: school, Type: p.TypeName(string(sc.Type)), Board: sc.Board, Full: full}
	if p.User.board(cv.data, sc.Board) != accessNone {
		b.BoardHref = "/board/" + url.PathEscape(sc.Board) + monthQuery(p)
	}
	b.All = makeCell(p.T("all"), &g.all, hide)
	for _, role := range sortRoles(sortedKeys(g.byRole)) {
		b.Roles = append(b.Roles, makeCell(p.RoleName(role), g.byRole[role], hide))
	}
	b.Dist = distChart(p, b.All)
	b.MeanTrend, _ = trendCharts(p, trend(cv.core, cv.data, p.Month, 12, keep, hide))
	link := func(id string) string { return "/staff/" + url.PathEscape(id) + monthQuery(p) }
	if full {
		b.Staff = staffRows(cv.core, cv.data, g.members, p.Month, p.Today, link)
	}
	if p.IsCurrent() {
		b.Forecast = forecast(cv.core, cv.data, g.members, p.Today, full, hide, link)
	}
	b.AlertsHidden = hide && g.all.Headcount < MinGroup
	if !b.AlertsHidden {
		b.Alerts = h.alertRows(p, func(_, s string) bool { return s == school })
	}
	if full {
		b.OpenAlerts = h.openAlerts(p, cv.data, func(a alertKey) bool { return a.School == school }, link)
	}
	p.Title = school + " " + p.MonthName(p.Month)
	p.Body = b
	h.live(p, cv, scope{School: school})
	return "school", http.StatusOK
}

type alertKey struct{ Board, School, Staff string }

// maxOpenAlerts bounds the list of open alerts a page prints.
const maxOpenAlerts = 100

// openAlerts lists the raised alerts about the month shown (a monthly
// rule's month, a day-level rule's date in it) that match, the most serious
// first.
func (h *Handler) openAlerts(p *Page, data *roster.Data, match func(alertKey) bool, link func(string) string) []openAlert {
	var alerts []journal.Alert
	for _, a := range h.d.Alerts.OpenAlerts() {
		if match(alertKey{a.Board, a.School, a.Staff}) && periodMonth(a.Period) == p.Month {
			alerts = append(alerts, a)
		}
	}
	// The most serious first; of a level, the month's limits before the
	// day-level findings; the latest first.
	sort.SliceStable(alerts, func(i, j int) bool {
		li, lj := levelRank(alerts[i].Level), levelRank(alerts[j].Level)
		if li != lj {
			return li > lj
		}
		if mi, mj := len(alerts[i].Period) == 7, len(alerts[j].Period) == 7; mi != mj {
			return mi
		}
		return alerts[i].Period > alerts[j].Period
	})
	var out []openAlert
	for _, a := range alerts {
		if len(out) == maxOpenAlerts {
			break
		}
		o := openAlert{Staff: a.Staff, Href: link(a.Staff), Rule: p.RuleName(a.Rule), Level: a.Level, Period: a.Period,
			Value: alertValue(a.Rule, a.Value), Threshold: alertValue(a.Rule, a.Threshold)}
		if si, ok := data.StaffIndex(a.Staff); ok {
			o.Name = data.Staff()[si].Name
		}
		out = append(out, o)
	}
	return out
}

func levelRank(level string) int {
	switch level {
	case "critical":
		return 3
	case "warn":
		return 2
	case "info":
		return 1
	}
	return 0
}

// periodMonth is the month of an alert's period: YYYY-MM of a monthly
// rule, YYYY-MM-DD of a day-level one.
func periodMonth(period string) civil.Month {
	if len(period) >= 7 {
		if m, err := civil.ParseMonth(period[:7]); err == nil {
			return m
		}
	}
	return -1
}

// alertValue writes an alert's value the way its rule counts: months for
// over45_6, taps for missing_punch and clock_untrusted, minutes of the day
// as a time for lock_time, else minutes as h:mm.
func alertValue(rule string, v float64) string {
	switch rule {
	case "over45_6", "missing_punch", "clock_untrusted":
		return strconv.FormatFloat(v, 'f', -1, 64)
	case "lock_time":
		m := int64(math.Round(v))
		return hmm(m)
	}
	return hmmF(v)
}

type monthRow struct {
	Label, Href string
	R           overtime.MonthResult
	Avg         [7]string
	MaxAvg      string
	Breaches    []string
	Selected    bool
	OnRecord    bool
}

type dayRow struct {
	Label string
	D     overtime.DayResult
	Flags []string
}

type staffBody struct {
	ID, Name, Role, School, SchoolType string
	SchoolHref                         string
	Month                              monthRow
	Forecast                           *overtime.Forecast
	ForecastWarn                       []string
	MonthsChart, DaysChart             template.HTML
	Months                             []monthRow
	Days                               []dayRow
	Alerts                             []openAlert
}

// staffPage is one staff member's record: the month, the months around
// it with their rolling averages, and the days.
func (h *Handler) staffPage(r *http.Request, p *Page, cv *coreView) (string, int) {
	id := r.PathValue("staff")
	si, ok := cv.data.StaffIndex(id)
	if !ok {
		return "", http.StatusNotFound
	}
	if !p.User.staff(cv.data, si) {
		return "", http.StatusForbidden
	}
	s := &cv.data.Staff()[si]
	b := staffBody{ID: s.ID, Name: s.Name, Role: p.RoleName(string(s.Role)), School: s.School,
		SchoolType: p.TypeName(string(s.SchoolType))}
	if p.User.school(cv.data, s.School) == accessFull {
		b.SchoolHref = "/school/" + url.PathEscape(s.School) + monthQuery(p)
	}
	self := "/staff/" + url.PathEscape(s.ID)
	months := chart{Title: p.T("monthly_chart"), Unit: "h", LineLabel: p.T("max_avg"), Refs: []ref{
		{Value: 45, Label: p.T("ref45"), Class: "r45"}, {Value: 80, Label: p.T("ref80"), Class: "r80"},
		{Value: 100, Label: p.T("ref100"), Class: "r100"}}}
	for mo := p.Month - 11; mo <= p.Month; mo++ {
		m := cv.core.Month(si, mo)
		row := monthRow{Label: p.MonthName(mo), Href: self + "?month=" + mo.String(), R: m,
			Breaches: ruleNamesOf(p, cv.core.BreachIDs(nil, m.Breaches)), Selected: mo == p.Month, OnRecord: m.OnRecord}
		for n := 2; n <= 6; n++ {
			row.Avg[n] = "—"
			if v, ok := m.Avg(n); ok {
				row.Avg[n] = hmmF(v)
			}
		}
		row.MaxAvg = "—"
		line := math.NaN()
		if v, ok := maxAvg(m); ok {
			row.MaxAvg, line = hmmF(v), v/60
		}
		months.Line = append(months.Line, line)
		if !m.OnRecord {
			months.Bars = append(months.Bars, bar{Label: p.ShortMonth(mo), Missing: true})
		} else {
			months.Bars = append(months.Bars, bar{Label: p.ShortMonth(mo), Value: float64(m.Overtime) / 60,
				Text: hmm(m.Overtime), Class: levelClass(float64(m.Overtime))})
			b.Months = append(b.Months, row)
		}
		if mo == p.Month {
			b.Month = row
		}
	}
	b.MonthsChart = months.SVG()
	if p.IsCurrent() {
		f := cv.core.Forecast(si, p.Today)
		b.Forecast, b.ForecastWarn = &f, ruleNamesOf(p, f.Warn)
	}
	days := chart{Title: p.T("daily_chart"), Unit: "h", Width: 1000, Height: 220}
	byDate := map[civil.Date]overtime.DayResult{}
	for d := range cv.core.Days(si, p.Month.First(), p.Month.Last()) {
		byDate[d.Date] = d
		b.Days = append(b.Days, dayRow{Label: p.DayName(d.Date), D: d, Flags: dayFlags(p, d)})
	}
	for d := p.Month.First(); d <= p.Month.Last(); d++ {
		_, _, day := d.YMD()
		x := byDate[d]
		days.Bars = append(days.Bars, bar{Label: strconv.Itoa(day), Value: float64(x.Overtime) / 60,
			Text: hmm(int64(x.Overtime)), Class: dayClass(x)})
	}
	b.DaysChart = days.SVG()
	b.Alerts = h.openAlerts(p, cv.data, func(a alertKey) bool { return a.Staff == s.ID },
		func(string) string { return "" })
	p.Title = s.Name + " " + p.MonthName(p.Month)
	p.Body = b
	h.live(p, cv, scope{Staff: s.ID})
	return "staff", http.StatusOK
}

func ruleNamesOf(p *Page, ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, p.RuleName(id))
	}
	return out
}

func dayFlags(p *Page, d overtime.DayResult) []string {
	var f []string
	if d.Incomplete {
		f = append(f, p.T("flag_incomplete"))
	}
	if d.LockBreach {
		f = append(f, p.T("flag_lock"))
	}
	if d.IntervalBreach {
		f = append(f, p.T("flag_interval"))
	}
	if d.Unsynced {
		f = append(f, p.T("flag_unsynced"))
	}
	if d.Takehome > 0 {
		f = append(f, p.T("flag_takehome")+" "+hmm(int64(d.Takehome)))
	}
	if d.Reduction > 0 {
		f = append(f, p.T("flag_reduction")+" −"+hmm(int64(d.Reduction)))
	}
	return f
}

func dayClass(d overtime.DayResult) string {
	switch {
	case d.Incomplete:
		return "incomplete"
	case d.LockBreach:
		return "warn"
	}
	return "ok"
}
