package api

import (
	"encoding/json"
	"math"
	"net/http"
	"time"

	"timeclock/aggregator/internal/journal"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/roster"
)

// MinGroup is the smallest group a board view shows apart (DOMAIN.md §6:
// privacy): smaller groups are counted in the totals only.
const MinGroup = 5

type dayView struct {
	Date           string `json:"date"`
	PresenceMin    int    `json:"presence_min"`
	AtWorkMin      int    `json:"at_work_min"`
	RegularMin     int    `json:"regular_min"`
	OvertimeMin    int    `json:"overtime_min"`
	TakehomeMin    int    `json:"takehome_min,omitempty"`
	ReductionMin   int    `json:"reduction_min,omitempty"`
	Incomplete     bool   `json:"incomplete"`
	FirstIn        string `json:"first_in,omitempty"`
	LastOut        string `json:"last_out,omitempty"`
	LockBreach     bool   `json:"lock_breach,omitempty"`
	IntervalBreach bool   `json:"interval_breach,omitempty"`
	Unsynced       bool   `json:"clock_unsynced,omitempty"`
}

type monthView struct {
	Staff          string             `json:"staff"`
	Name           string             `json:"name"`
	Role           string             `json:"role"`
	Board          string             `json:"board"`
	School         string             `json:"school"`
	SchoolType     string             `json:"school_type"`
	Month          string             `json:"month"`
	OvertimeMin    int64              `json:"overtime_min"`
	FYMin          int64              `json:"fy_min"`
	Avg            map[string]float64 `json:"avg"`
	Over45Months   int                `json:"over45_months"`
	Level          string             `json:"level"`
	Breaches       []string           `json:"breaches"`
	DaysWorked     int                `json:"days_worked"`
	IncompleteDays int                `json:"incomplete_days"`
	ScheduledDays  int                `json:"scheduled_days"`
	TakehomeMin    int                `json:"takehome_min"`
	ReductionMin   int                `json:"reduction_min"`
	Forecast       *forecastView      `json:"forecast,omitempty"`
	Days           []dayView          `json:"days,omitempty"`
}

type forecastView struct {
	ProjectedMin int64    `json:"projected_min"`
	Remaining    int      `json:"remaining_days"`
	Warn         []string `json:"warn"`
}

func (a *API) today() civil.Date {
	d, _ := civil.WorkDate(a.d.Now().Unix(), a.d.DayStartMin)
	return d
}

func (a *API) monthOf(w http.ResponseWriter, r *http.Request) (civil.Month, bool) {
	mo, err := civil.ParseMonth(r.PathValue("month"))
	if err != nil {
		a.refuse(w, http.StatusBadRequest, err.Error())
		return 0, false
	}
	return mo, true
}

func (a *API) staffMonth(w http.ResponseWriter, r *http.Request, p Principal) {
	id := r.PathValue("staff")
	if p.Role == RoleStaff && p.Scope != id {
		a.refuse(w, http.StatusForbidden, "staff may read only their own record")
		return
	}
	mo, ok := a.monthOf(w, r)
	if !ok {
		return
	}
	var v monthView
	found, allowed := false, false
	today := a.today()
	a.d.Engine().View(func(core *overtime.Engine, data *roster.Data) {
		si, ok := data.StaffIndex(id)
		if !ok {
			return
		}
		found = true
		if allowed = p.SeesStaff(&data.Staff()[si]); !allowed {
			return
		}
		v = month(core, data, si, mo, today)
		for d := range core.Days(si, mo.First(), mo.Last()) {
			v.Days = append(v.Days, day(d))
		}
	})
	switch {
	case !found && p.Role == RoleAdmin:
		writeError(w, http.StatusNotFound, "no staff "+id+" on the roster")
	case !allowed:
		// Unknown and out of scope look the same: the answer does not tell
		// which staff ids exist elsewhere.
		a.refuse(w, http.StatusForbidden, "staff "+id+" is not in your scope")
	default:
		writeJSON(w, http.StatusOK, v)
	}
}

func month(core *overtime.Engine, data *roster.Data, si int, mo civil.Month, today civil.Date) monthView {
	s := &data.Staff()[si]
	m := core.Month(si, mo)
	v := monthView{Staff: s.ID, Name: s.Name, Role: string(s.Role), Board: s.Board, School: s.School,
		SchoolType: string(s.SchoolType), Month: mo.String(), OvertimeMin: m.Overtime, FYMin: m.FY,
		Avg: map[string]float64{}, Over45Months: m.Over45, Level: m.Level.String(),
		Breaches: core.BreachIDs([]string{}, m.Breaches), DaysWorked: m.DaysWorked, IncompleteDays: m.Incomplete,
		ScheduledDays: m.Scheduled, TakehomeMin: m.Takehome, ReductionMin: m.Reduction}
	for n := 2; n <= 6; n++ {
		if avg, ok := m.Avg(n); ok {
			v.Avg[string(rune('0'+n))] = avg
		}
	}
	if mo == today.Month() {
		f := core.Forecast(si, today)
		v.Forecast = &forecastView{ProjectedMin: f.Projected, Remaining: f.Remaining, Warn: append([]string{}, f.Warn...)}
	}
	return v
}

func day(d overtime.DayResult) dayView {
	v := dayView{Date: d.Date.String(), PresenceMin: d.Presence, AtWorkMin: d.AtWork, RegularMin: d.Regular,
		OvertimeMin: d.Overtime, TakehomeMin: d.Takehome, ReductionMin: d.Reduction, Incomplete: d.Incomplete,
		LockBreach: d.LockBreach, IntervalBreach: d.IntervalBreach, Unsynced: d.Unsynced}
	if d.Complete {
		v.FirstIn = d.FirstIn.Format(time.RFC3339)
		v.LastOut = d.LastOut.Format(time.RFC3339)
	}
	return v
}

type schoolView struct {
	School string      `json:"school"`
	Month  string      `json:"month"`
	Staff  []monthView `json:"staff"`
}

// schoolMonth lists the month of every staff member of a school (for its
// principal), without the days.
func (a *API) schoolMonth(w http.ResponseWriter, r *http.Request, p Principal) {
	school := r.PathValue("school")
	if !p.SeesSchool(school) {
		a.refuse(w, http.StatusForbidden, "school "+school+" is not in your scope")
		return
	}
	mo, ok := a.monthOf(w, r)
	if !ok {
		return
	}
	v := schoolView{School: school, Month: mo.String(), Staff: []monthView{}}
	today := a.today()
	a.d.Engine().View(func(core *overtime.Engine, data *roster.Data) {
		for si, s := range data.Staff() {
			if s.School == school {
				v.Staff = append(v.Staff, month(core, data, si, mo, today))
			}
		}
	})
	if len(v.Staff) == 0 {
		writeError(w, http.StatusNotFound, "no staff at school "+school)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

type groupView struct {
	SchoolType string  `json:"school_type"`
	Role       string  `json:"role"`
	Headcount  int     `json:"headcount"`
	Over45     int     `json:"over45"`
	SharePct   float64 `json:"share_over45"`
	MeanMin    float64 `json:"mean_min"`
	Buckets    [4]int  `json:"buckets"` // < 45 h, 45–80 h, 80–100 h, ≥ 100 h
	Suppressed bool    `json:"suppressed,omitempty"`
}

// MarshalJSON leaves out the figures of a suppressed group: zeros would
// read as figures.
func (g groupView) MarshalJSON() ([]byte, error) {
	if g.Suppressed {
		return json.Marshal(struct {
			SchoolType string `json:"school_type"`
			Role       string `json:"role"`
			Headcount  int    `json:"headcount"`
			Suppressed bool   `json:"suppressed"`
		}{g.SchoolType, g.Role, g.Headcount, true})
	}
	type plain groupView // without this method
	return json.Marshal(plain(g))
}

type boardView struct {
	Board  string         `json:"board"`
	Month  string         `json:"month"`
	Groups []groupView    `json:"groups"`
	Alerts map[string]int `json:"open_alerts"` // raised alerts by rule, board-wide
}

// boardMonth shows the board's monthly table (DOMAIN.md §6): groups whose
// figures would tell about fewer than MinGroup staff show only their
// headcount (see suppress).
func (a *API) boardMonth(w http.ResponseWriter, r *http.Request, p Principal) {
	board := r.PathValue("board")
	mo, ok := a.monthOf(w, r)
	if !ok {
		return
	}
	v := boardView{Board: board, Month: mo.String(), Groups: []groupView{}, Alerts: map[string]int{}}
	allowed := false
	a.d.Engine().View(func(core *overtime.Engine, data *roster.Data) {
		if allowed = p.SeesBoard(data, board); !allowed {
			return
		}
		for _, row := range core.BoardMonths(mo, mo) {
			if row.Board != board {
				continue
			}
			v.Groups = append(v.Groups, groupView{SchoolType: row.SchoolType, Role: row.Role, Headcount: row.Headcount,
				Over45: row.Over45, SharePct: row.SharePct(), MeanMin: row.MeanMin(), Buckets: row.Buckets})
		}
	})
	if !allowed {
		a.refuse(w, http.StatusForbidden, "board "+board+" is not in your scope")
		return
	}
	suppress(v.Groups)
	for _, al := range a.d.Open() {
		if al.Board == board {
			v.Alerts[al.Rule]++
		}
	}
	writeJSON(w, http.StatusOK, v)
}

// alerts lists the raised alerts, filtered by ?board= and ?school=, within
// the caller's scope: a board gets the counts per rule of its own board
// only, a principal their school's alerts, a staff member their own.
func (a *API) alerts(w http.ResponseWriter, r *http.Request, p Principal) {
	board, school := r.URL.Query().Get("board"), r.URL.Query().Get("school")
	staff := ""
	switch p.Role {
	case RoleBoard:
		if (board != "" && board != p.Scope) || school != "" {
			a.refuse(w, http.StatusForbidden, "a board reads the counts of its own board, not of a school")
			return
		}
		board = p.Scope
	case RolePrincipal:
		if school != "" && school != p.Scope {
			a.refuse(w, http.StatusForbidden, "school "+school+" is not in your scope")
			return
		}
		school = p.Scope
	case RoleStaff:
		staff = p.Scope
	}
	var out []journal.Alert
	counts := map[string]int{}
	for _, al := range a.d.Open() {
		if (board != "" && al.Board != board) || (school != "" && al.School != school) || (staff != "" && al.Staff != staff) {
			continue
		}
		out = append(out, al)
		counts[al.Rule]++
	}
	if p.Role == RoleBoard {
		writeJSON(w, http.StatusOK, map[string]any{"counts": counts})
		return
	}
	if out == nil {
		out = []journal.Alert{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"counts": counts, "alerts": out})
}

// rejected pages through the rejected payloads, newest first.
func (a *API) rejected(w http.ResponseWriter, r *http.Request, _ Principal) {
	limit, ok1 := queryInt(r, "limit", 100, 1, 1000)
	before, ok2 := queryInt(r, "before", 0, 0, math.MaxInt)
	if !ok1 || !ok2 {
		a.refuse(w, http.StatusBadRequest, "limit must be 1–1000 and before a sequence number")
		return
	}
	rs, err := a.d.Journal.Rejected(uint64(before), limit)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if rs == nil {
		rs = []journal.Rejected{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": a.d.Journal.RejectedCount(), "rejected": rs})
}

// JournalView is the state of the journal and its sinks.
type JournalView struct {
	LastSeq     uint64 `json:"last_seq"`
	Taps        uint64 `json:"taps"`
	Adjustments uint64 `json:"adjustments"`
	Alerts      uint64 `json:"alerts"`
	Statuses    uint64 `json:"statuses"`
	Reloads     uint64 `json:"reloads"`
	Rejected    uint64 `json:"rejected"`
	InfluxLag   uint64 `json:"influx_lag"`
}

func (a *API) journal(w http.ResponseWriter, _ *http.Request, _ Principal) {
	j := a.d.Journal
	writeJSON(w, http.StatusOK, JournalView{LastSeq: j.Last(), Taps: j.Count(journal.KindTap),
		Adjustments: j.Count(journal.KindAdjustment), Alerts: j.Count(journal.KindAlert),
		Statuses: j.Count(journal.KindStatus), Reloads: j.Count(journal.KindReload), Rejected: j.RejectedCount(),
		InfluxLag: a.d.InfluxLag()})
}
