package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"timeclock/aggregator/internal/journal"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/roster"
)

// scope is what a page shows live: one board, school or staff member, or
// (all empty) everything, for an admin.
type scope struct {
	Board, School, Staff string
}

func (sc scope) query() string {
	switch {
	case sc.Staff != "":
		return "staff=" + url.QueryEscape(sc.Staff)
	case sc.School != "":
		return "school=" + url.QueryEscape(sc.School)
	case sc.Board != "":
		return "board=" + url.QueryEscape(sc.Board)
	}
	return "all=1"
}

func scopeFrom(q url.Values) scope {
	return scope{Board: q.Get("board"), School: q.Get("school"), Staff: q.Get("staff")}
}

// holds reports whether a live record of board, school and staff member
// (empty for none) is in sc.
func (sc scope) holds(board, school, staff string) bool {
	return (sc.Board == "" || board == sc.Board) && (sc.School == "" || school == sc.School) &&
		(sc.Staff == "" || staff == sc.Staff)
}

// follows reports whether user sees a live record of board, school and
// staff member (empty for none): an admin all, a board its own, a
// principal their school's, a staff member their own.
func (p Principal) follows(board, school, staff string) bool {
	switch p.Role {
	case RoleAdmin:
		return true
	case RoleBoard:
		return board == p.Name
	case RolePrincipal:
		return school == p.Name
	case RoleStaff:
		return staff != "" && staff == p.Name
	}
	return false
}

// allowed reports whether user may follow sc.
func (sc scope) allowed(user Principal, data *roster.Data) bool {
	switch {
	case sc.Staff != "":
		si, ok := data.StaffIndex(sc.Staff)
		return ok && user.staff(data, si)
	case sc.School != "":
		return user.school(data, sc.School) != accessNone
	case sc.Board != "":
		return user.board(data, sc.Board) != accessNone
	}
	return user.Role == RoleAdmin
}

// tapView is a tap as a viewer may see it; Who is a name only for those
// who may see the staff member's record.
type tapView struct {
	Seq     uint64 `json:"seq"`
	Date    string `json:"date"`
	Time    string `json:"time"`
	School  string `json:"school"`
	Gateway string `json:"gateway"`
	Reader  string `json:"reader"`
	Dir     string `json:"dir"`
	Who     string `json:"who"`
	Href    string `json:"href,omitempty"`
	Unknown bool   `json:"unknown,omitempty"`
}

// tapFor filters and shapes a tap for user on a page of scope sc.
func tapFor(u Update, user Principal, data *roster.Data, sc scope, tr translator) (tapView, bool) {
	t := u.Tap
	if t == nil {
		return tapView{}, false
	}
	si, known := data.StaffByCard(t.Card)
	var s *roster.Staff
	id := "" // an unknown card is nobody's
	if known {
		s = &data.Staff()[si]
		id = s.ID
	}
	if !user.follows(t.Board, t.School, id) || !sc.holds(t.Board, t.School, id) {
		return tapView{}, false
	}
	ts := t.TS.In(civil.JST)
	v := tapView{Seq: u.Seq, Date: ts.Format("2006-01-02"), Time: ts.Format("15:04:05"), School: t.School,
		Gateway: t.Gateway, Reader: t.Reader, Dir: tr.DirName(string(t.Dir))}
	switch {
	case s == nil:
		v.Who, v.Unknown = tr.T("unknown_card"), true
		if user.Role == RoleAdmin {
			v.Who += " " + t.Card
		}
	case user.staff(data, si):
		v.Who, v.Href = s.Name+"（"+s.ID+"）", "/staff/"+url.PathEscape(s.ID)
	case user.Role == RolePrincipal:
		v.Who = tr.T("other_school_staff")
	default:
		v.Who = tr.T("anonymous")
	}
	return v, true
}

// gatewayView is a gateway's health as the page prints it.
type gatewayView struct {
	Board, School, Gateway string
	Online, ClockSynced    bool
	Queue                  int
	Readers                []readerView
	Version                string
	Reported               string
}

type readerView struct {
	Name, State string
	OK          bool
}

// gatewayVisible reports whether user sees gateway status st on a page of
// scope sc: a gateway is no staff member's.
func gatewayVisible(st *journal.Status, user Principal, sc scope) bool {
	return user.follows(st.Board, st.School, "") && sc.holds(st.Board, st.School, "")
}

func gatewayFor(st journal.Status, tr translator) gatewayView {
	v := gatewayView{Board: st.Board, School: st.School, Gateway: st.Gateway, Online: st.Online,
		ClockSynced: st.ClockSynced, Queue: st.Queue, Version: st.Version, Reported: tr.Stamp(st.TS)}
	for name, state := range st.Readers {
		v.Readers = append(v.Readers, readerView{Name: name, State: state, OK: state == "ok"})
	}
	sort.Slice(v.Readers, func(i, j int) bool { return v.Readers[i].Name < v.Readers[j].Name })
	return v
}

// recentTaps is how many taps a page shows when it opens.
const recentTaps = 20

// live fills the live parts of p for scope sc.
func (h *Handler) live(p *Page, cv *coreView, sc scope) {
	p.Live = sc.query()
	p.ShowTaps = true
	recent := h.d.Taps.RecentTaps()
	for i := len(recent) - 1; i >= 0 && len(p.Taps) < recentTaps; i-- {
		if v, ok := tapFor(recent[i], p.User, cv.data, sc, p.translator); ok {
			p.Taps = append(p.Taps, v)
		}
	}
	if p.User.Role == RoleStaff || sc.Staff != "" {
		return
	}
	p.ShowGateways = true
	for _, st := range h.d.Gateways.Gateways() {
		if gatewayVisible(&st, p.User, sc) {
			p.Gateways = append(p.Gateways, gatewayFor(st, p.translator))
		}
	}
	sort.Slice(p.Gateways, func(i, j int) bool {
		a, b := &p.Gateways[i], &p.Gateways[j]
		if a.School != b.School {
			return a.School < b.School
		}
		return a.Gateway < b.Gateway
	})
}

// ssePing keeps proxies from closing an idle stream.
const ssePing = 15 * time.Second

// events streams what a page shows live as server-sent events: `tap` with
// the tap as the viewer may see it, and `alert` and `gateway` (without
// details) that tell the page to refresh its figures. A reconnecting page
// sends Last-Event-ID and gets the taps it missed.
func (h *Handler) events(w http.ResponseWriter, r *http.Request) {
	user, ok := h.d.Auth.Authenticate(r)
	if !ok {
		http.Error(w, "a valid token is required", http.StatusUnauthorized)
		return
	}
	sc := scopeFrom(r.URL.Query())
	allowed := false
	h.d.Engine.View(func(_ *overtime.Engine, data *roster.Data) { allowed = sc.allowed(user, data) })
	if !allowed {
		http.Error(w, "not allowed", http.StatusForbidden)
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch, stop := h.d.Taps.Subscribe()
	defer stop()
	tr := translator{lang(r)}
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	if last, err := strconv.ParseUint(r.Header.Get("Last-Event-ID"), 10, 64); err == nil {
		for _, u := range h.d.Taps.RecentTaps() {
			if u.Seq > last {
				h.send(w, u, user, sc, tr)
			}
		}
	}
	fl.Flush()
	ping := time.NewTicker(ssePing)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
		case u, ok := <-ch:
			if !ok {
				return
			}
			h.send(w, u, user, sc, tr)
		drain:
			for {
				select {
				case u, ok := <-ch:
					if !ok {
						fl.Flush()
						return
					}
					h.send(w, u, user, sc, tr)
				default:
					break drain
				}
			}
		}
		fl.Flush()
	}
}

func (h *Handler) send(w http.ResponseWriter, u Update, user Principal, sc scope, tr translator) {
	switch {
	case u.Tap != nil:
		var v tapView
		ok := false
		h.d.Engine.View(func(_ *overtime.Engine, data *roster.Data) { v, ok = tapFor(u, user, data, sc, tr) })
		if ok {
			b, _ := json.Marshal(v)
			fmt.Fprintf(w, "id: %d\nevent: tap\ndata: %s\n\n", u.Seq, b)
		}
	case u.Alert != nil:
		if alertVisible(u.Alert, user, sc) {
			fmt.Fprintf(w, "event: alert\ndata: {}\n\n")
		}
	case u.Status != nil:
		if gatewayVisible(u.Status, user, sc) {
			fmt.Fprintf(w, "event: gateway\ndata: {}\n\n")
		}
	}
}

// alertVisible reports whether user sees alert a on a page of scope sc.
func alertVisible(a *journal.Alert, user Principal, sc scope) bool {
	return user.follows(a.Board, a.School, a.Staff) && sc.holds(a.Board, a.School, a.Staff)
}
