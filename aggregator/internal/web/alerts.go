package web

import (
	"math"
	"sort"
	"strconv"

	"timeclock/aggregator/internal/journal"
	"timeclock/internal/civil"
	"timeclock/internal/roster"
)

// alertGroups are the rows of the alerts table: the measures the plans
// take, each for one or more rules. A board's own monthly rule counts as a
// limit.
var alertGroups = []struct {
	Key   string
	Rules []string
}{
	{"doctor", []string{"doctor_80"}},
	{"interview", []string{"principal_3m45"}},
	{"limit", []string{"month_45", "month_100", "year_360", "year_720", "avg_80", "over45_6"}},
	{"interval", []string{"interval_11"}},
	{"lock", []string{"lock_time"}},
	{"missing", []string{"missing_punch"}},
	{"clock", []string{"clock_untrusted"}},
}

// alertGroup returns the index in alertGroups of rule.
func alertGroup(rule string) int {
	for i, g := range alertGroups {
		for _, r := range g.Rules {
			if r == rule {
				return i
			}
		}
	}
	return 2 // a board's own rule on the month or year: a limit
}

// alertRow is a row of the alerts table: open now, raised and cleared in
// the month.
type alertRow struct {
	Label                 string
	Open, Raised, Cleared int
}

func (h *Handler) alertRows(p *Page, match func(board, school string) bool) []alertRow {
	rows := make([]alertRow, len(alertGroups))
	for i, g := range alertGroups {
		rows[i].Label = p.groupName(g.Key)
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

// openAlert is an open alert about a staff member, as the page lists it.
type openAlert struct {
	Staff, Name, Href, Rule, Level, Period string
	Value, Threshold                       string
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
