package web

import (
	"net/http"
	"net/url"

	"timeclock/aggregator/internal/auth"
	"timeclock/internal/roster"
)

// Roles of a credential (package auth).
const (
	RoleBoard     = auth.RoleBoard
	RolePrincipal = auth.RolePrincipal
	RoleStaff     = auth.RoleStaff
	RoleAdmin     = auth.RoleAdmin
)

// Principal is who sent a request. Name scopes what the role sees: the
// board id for a board, the school id for a principal (who also sees their
// board's aggregates), the staff id for a staff member; an admin's name is
// only a name.
type Principal struct {
	Role, Name string
}

// CookieName is the cookie the page keeps the credential in: the one the
// aggregator's authenticator reads (package auth).
const CookieName = auth.CookieName

func setTokenCookie(w http.ResponseWriter, r *http.Request, secret string) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: secret, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: 30 * 24 * 3600})
}

// withoutToken is the request's URL without its token parameter, for the
// redirect that moves a ?token= into the cookie (and out of the address bar,
// the history and the logs).
func withoutToken(u *url.URL) string {
	q := u.Query()
	q.Del("token")
	v := url.URL{Path: u.Path, RawQuery: q.Encode()}
	return v.String()
}

// access is how much of a school or board a principal may see.
type access uint8

const (
	accessNone      access = iota
	accessAggregate        // figures of groups of at least MinGroup, no names
	accessFull             // every staff member by name
)

// scoped is p as package auth answers the scope questions (an admin's name
// is no scope, but no question asks an admin's scope).
func (p Principal) scoped() auth.Principal { return auth.Principal{Role: p.Role, Scope: p.Name} }

// board is how much of board p sees: an admin everything, the board and
// the principals of its schools its aggregates, and its published tables
// (aggregates with small groups hidden).
func (p Principal) board(data *roster.Data, board string) access {
	switch {
	case p.Role == RoleAdmin:
		return accessFull
	case p.scoped().SeesBoard(data, board):
		return accessAggregate
	}
	return accessNone
}

// school is how much of school p sees: an admin and its principal every
// staff member, its board the aggregates.
func (p Principal) school(data *roster.Data, school string) access {
	if p.scoped().SeesSchool(school) {
		return accessFull
	}
	if p.Role == RoleBoard {
		if sc, ok := schoolOf(data, school); ok && sc.Board == p.Name {
			return accessAggregate
		}
	}
	return accessNone
}

// staff reports whether p may see staff member si by name.
func (p Principal) staff(data *roster.Data, si int) bool {
	return p.scoped().SeesStaff(&data.Staff()[si])
}

func schoolOf(data *roster.Data, id string) (roster.School, bool) {
	for _, sc := range data.Schools() {
		if sc.ID == id {
			return sc, true
		}
	}
	return roster.School{}, false
}
