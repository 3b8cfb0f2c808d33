package web

import (
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"timeclock/internal/civil"
	"timeclock/internal/overtime"
)

// monthRow is a month of a staff member's record; dayRow a day.
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
