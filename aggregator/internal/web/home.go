package web

import (
	"net/http"
	"net/url"

	"timeclock/internal/roster"
)

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
	for _, board := range Boards(cv.data) {
		g := collect(cv.core, cv.data, p.Month, func(s *roster.Staff) bool { return s.Board == board })
		c := makeCell(board, &g.all, false)
		c.Href = "/board/" + url.PathEscape(board) + monthQuery(p)
		b.Boards = append(b.Boards, c)
	}
	p.Title, p.Body = p.T("boards"), b
	h.live(p, cv, scope{})
	return "home", http.StatusOK
}
