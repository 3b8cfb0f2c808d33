// Package auth says who sends a request to the aggregator's HTTP server and
// what they may see. It serves both the JSON API and the live page.
//
// A user holds one bearer token and has one role with a scope:
//
//	board      the aggregates of one board (scope: board id)
//	principal  the staff of one school by name, the aggregates of its board (scope: school id)
//	staff      their own record (scope: staff id)
//	admin      everything (no scope)
//
// Users live in a CSV file (see ParseUsers) that holds only the SHA-256 of
// each token: a token is 256 random bits (NewToken), so a plain hash is as
// strong as a stretched one, and a stolen users file gives no credential.
// The file is re-read when it changes (Store.Reload), so issuing or revoking
// a token (`aggregator users`) needs no restart.
//
// The API the web package needs is small: Store.Authenticate(r) returns the
// caller's Principal (from ?token=, a bearer header, or the page's cookie
// CookieName), and the Principal's Sees… methods answer the scope questions.
package auth

import (
	"crypto/sha256"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"timeclock/internal/roster"
)

// Roles.
const (
	RoleBoard     = "board"
	RolePrincipal = "principal"
	RoleStaff     = "staff"
	RoleAdmin     = "admin"
)

// Roles lists the roles, in the order of their reach (narrowest last).
var Roles = []string{RoleAdmin, RoleBoard, RolePrincipal, RoleStaff}

// CookieName is the cookie the live page keeps the token in.
const CookieName = "timeclock_token"

// Principal is the caller, as its token says.
type Principal struct {
	User  string // the user: written as the author of what they enter
	Role  string
	Scope string // board id, school id or staff id; empty for an admin
}

// SeesStaff reports whether p may read staff member s by name: an admin,
// the principal of s's home school, or s themselves.
func (p Principal) SeesStaff(s *roster.Staff) bool {
	switch p.Role {
	case RoleAdmin:
		return true
	case RolePrincipal:
		return s.School == p.Scope
	case RoleStaff:
		return s.ID == p.Scope
	}
	return false
}

// SeesSchool reports whether p may list school's staff by name: an admin or
// the school's principal.
func (p Principal) SeesSchool(school string) bool {
	return p.Role == RoleAdmin || (p.Role == RolePrincipal && p.Scope == school)
}

// SeesBoard reports whether p may read board's aggregates (small groups
// hidden): an admin, the board itself, or a principal of one of its schools.
func (p Principal) SeesBoard(data *roster.Data, board string) bool {
	switch p.Role {
	case RoleAdmin:
		return true
	case RoleBoard:
		return p.Scope == board
	case RolePrincipal:
		for _, sc := range data.Schools() {
			if sc.ID == p.Scope {
				return sc.Board == board
			}
		}
	}
	return false
}

// Hash is the SHA-256 of a token: what the users file keeps.
type Hash [sha256.Size]byte

// HashToken returns the hash of token.
func HashToken(token string) Hash { return sha256.Sum256([]byte(token)) }

// Store answers who holds a token: the users of a file, re-read when it
// changes, and credentials given in-process (tests, embedding). It is safe
// for concurrent use.
type Store struct {
	path   string
	static []User
	cur    atomic.Pointer[table]

	mu   sync.Mutex // serialises Reload
	seen fileStat
}

type table struct {
	byHash map[Hash]Principal
	n      int
}

// NewStore reads the users file at path (none if path is empty) and adds
// static. A file with any fault is refused as a whole.
func NewStore(path string, static []User) (*Store, error) {
	s := &Store{path: path, static: slices.Clone(static)}
	var users []User
	if path != "" {
		st, err := statFile(path)
		if err != nil {
			return nil, err
		}
		if users, err = ReadUsers(path); err != nil {
			return nil, err
		}
		s.seen = st
	}
	t, err := s.build(users)
	if err != nil {
		return nil, err
	}
	s.cur.Store(t)
	return s, nil
}

func (s *Store) build(users []User) (*table, error) {
	all := append(slices.Clone(s.static), users...)
	if err := checkUsers(all, "users"); err != nil {
		return nil, err
	}
	t := &table{byHash: make(map[Hash]Principal, len(all)), n: len(all)}
	for _, u := range all {
		t.byHash[u.Hash] = Principal{User: u.Name, Role: u.Role, Scope: u.Scope}
	}
	return t, nil
}

// Path returns the users file ("" for none).
func (s *Store) Path() string { return s.path }

// Len returns the number of users.
func (s *Store) Len() int { return s.cur.Load().n }

// Reload re-reads the users file if its size or modification time changed
// since the last read (or always, with force). A file with a fault is
// refused and the users in force stay; the error says why.
func (s *Store) Reload(force bool) (changed bool, err error) {
	if s.path == "" {
		return false, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := statFile(s.path)
	if err != nil {
		return false, err
	}
	if st == s.seen && !force {
		return false, nil
	}
	s.seen = st // a broken file is not read again until it changes
	users, err := ReadUsers(s.path)
	if err != nil {
		return false, err
	}
	t, err := s.build(users)
	if err != nil {
		return false, err
	}
	s.cur.Store(t)
	return true, nil
}

// Users returns who holds a token now, sorted by user name.
func (s *Store) Users() []Principal {
	t := s.cur.Load()
	out := make([]Principal, 0, len(t.byHash))
	for _, p := range t.byHash {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Principal) int { return strings.Compare(a.User, b.User) })
	return out
}

// Lookup returns the holder of token. The map is keyed by the token's hash,
// so the time of a lookup depends on the hash, which tells nothing about
// the tokens held.
func (s *Store) Lookup(token string) (Principal, bool) {
	if token == "" || len(token) > maxTokenLen {
		return Principal{}, false
	}
	p, ok := s.cur.Load().byHash[HashToken(token)]
	return p, ok
}

// maxTokenLen bounds what is hashed per request.
const maxTokenLen = 256

// Authenticate returns the holder of the token r carries: a ?token=
// parameter first (a link handed to a projector, which the page moves into
// its cookie), then an Authorization bearer header, then the cookie.
func (s *Store) Authenticate(r *http.Request) (Principal, bool) {
	return s.Lookup(Credential(r))
}

// Credential returns the token r carries (see Authenticate), or "".
func Credential(r *http.Request) string {
	if r.URL != nil && r.URL.RawQuery != "" {
		if t := r.URL.Query().Get("token"); t != "" {
			return t
		}
	}
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:])
	}
	if c, err := r.Cookie(CookieName); err == nil {
		return c.Value
	}
	return ""
}

// OnRoster reports whether the scope of role is on the roster: the board,
// school or staff member it names exists (an admin's empty scope always
// does). A scope that is not sees nothing: a typo, or a roster not yet
// updated.
func OnRoster(role, scope string, data *roster.Data) bool {
	switch role {
	case RoleAdmin:
		return scope == ""
	case RoleStaff:
		_, ok := data.StaffIndex(scope)
		return ok
	case RoleBoard, RolePrincipal:
		for _, sc := range data.Schools() {
			if (role == RoleBoard && sc.Board == scope) || (role == RolePrincipal && sc.ID == scope) {
				return true
			}
		}
	}
	return false
}
