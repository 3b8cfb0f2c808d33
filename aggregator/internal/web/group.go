package web

import (
	"html/template"
	"maps"
	"slices"

	"timeclock/internal/roster"
)

// groupView is what a board's and a school's month share (the "group"
// frame of layout.html): the figures of the staff counted, all and by role,
// their distribution and trends, the month-end forecast and the alerts.
type groupView struct {
	All                   cell
	Roles                 []cell
	Dist                  template.HTML
	MeanTrend, ShareTrend template.HTML
	Forecast              forecastView
	Alerts                []alertRow
	AlertsHidden          bool
}

// groupScope is the staff a month counts and what the viewer sees of them.
type groupScope struct {
	keep  func(s *roster.Staff) bool      // the staff counted
	alert func(board, school string) bool // the alerts counted
	hide  bool                            // groups below MinGroup hidden
	names bool                            // who is projected over 45 h named, linked by link
	link  func(id string) string
}

// group collects the month of the staff gs counts and fills the figures of
// the frame.
func (h *Handler) group(p *Page, cv *coreView, gs groupScope) (*groups, groupView) {
	g := collect(cv.core, cv.data, p.Month, gs.keep)
	v := groupView{All: makeCell(p.T("all"), &g.all, gs.hide)}
	for _, role := range sortRoles(slices.Sorted(maps.Keys(g.byRole))) {
		v.Roles = append(v.Roles, makeCell(p.RoleName(role), g.byRole[role], gs.hide))
	}
	v.Dist = distChart(p, v.All)
	v.MeanTrend, v.ShareTrend = trendCharts(p, trend(cv.core, cv.data, p.Month, 12, gs.keep, gs.hide))
	if p.IsCurrent() {
		v.Forecast = forecast(cv.core, cv.data, g.members, p.Today, gs.names, gs.hide, gs.link)
	}
	v.AlertsHidden = gs.hide && g.all.Headcount < MinGroup
	if !v.AlertsHidden {
		v.Alerts = h.alertRows(p, gs.alert)
	}
	return g, v
}
