package web

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"timeclock/internal/roster"
)

// tableLink links a period's published tables.
type tableLink struct {
	Label, HTML, CSV string
}

type boardBody struct {
	groupView
	Board          string
	Types, Schools []cell
	Tables         []tableLink
	Hide           bool
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
	g, gv := h.group(p, cv, groupScope{keep: func(s *roster.Staff) bool { return s.Board == board },
		alert: func(bd, _ string) bool { return bd == board }, hide: hide})
	b := boardBody{groupView: gv, Board: board, Hide: hide}
	for _, st := range slices.Sorted(maps.Keys(g.byType)) {
		b.Types = append(b.Types, makeCell(p.TypeName(st), g.byType[st], hide))
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
