package web

import (
	"net/http"
	"net/url"

	"timeclock/internal/roster"
)

type schoolBody struct {
	groupView
	School, Type, Board string
	BoardHref           string
	Full                bool
	Staff               []staffRow
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
	link := func(id string) string { return "/staff/" + url.PathEscape(id) + monthQuery(p) }
	g, gv := h.group(p, cv, groupScope{keep: func(s *roster.Staff) bool { return s.School == school },
		alert: func(_, s string) bool { return s == school }, hide: !full, names: full, link: link})
	b := schoolBody{groupView: gv, School: school, Type: p.TypeName(string(sc.Type)), Board: sc.Board, Full: full}
	if p.User.board(cv.data, sc.Board) != accessNone {
		b.BoardHref = "/board/" + url.PathEscape(sc.Board) + monthQuery(p)
	}
	if full {
		b.Staff = staffRows(cv.core, cv.data, g.members, p.Month, p.Today, link)
		b.OpenAlerts = h.openAlerts(p, cv.data, func(a alertKey) bool { return a.School == school }, link)
	}
	p.Title = school + " " + p.MonthName(p.Month)
	p.Body = b
	h.live(p, cv, scope{School: school})
	return "school", http.StatusOK
}
