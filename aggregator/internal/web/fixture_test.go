package web

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"timeclock/aggregator/internal/auth"
	"timeclock/aggregator/internal/engine"
	"timeclock/aggregator/internal/journal"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
	"timeclock/internal/simdata"
)

// fixture is the page over a simdata district folded straight into an
// engine, with fake feeds, at a fixed "now": no broker, no journal.
type fixture struct {
	t        *testing.T
	district *simdata.District
	eng      *engine.Engine
	feed     *fakeFeed
	h        *Handler
	srv      *httptest.Server
	now      time.Time
}

// Two boards of two schools of four staff: every school is below
// MinGroup, every board above it.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := simdata.NewDistrict(simdata.Config{Seed: 5, Boards: []string{"nakatsu", "usa"}, SchoolsPerBoard: 2,
		StaffPerSchool: 4, From: civil.D(2026, 8, 1), To: civil.D(2026, 11, 18)})
	dir := t.TempDir()
	if _, err := d.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	data, errs := roster.LoadDir(dir)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	eng, err := engine.New(data, overtime.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Events(func(ev punch.Event) error { _, err := eng.Apply(ev); return err }); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, district: d, eng: eng, feed: newFakeFeed(), now: civil.D(2026, 11, 20).At(12 * 60)}
	var users []auth.User
	seen := map[string]bool{}
	add := func(role, scope string) {
		if !seen[role+scope] {
			seen[role+scope] = true
			users = append(users, auth.User{Name: role + "-" + scope, Role: role, Scope: scope,
				Hash: auth.HashToken(token(role, scope))})
		}
	}
	users = append(users, auth.User{Name: "ops", Role: RoleAdmin, Hash: auth.HashToken(token(RoleAdmin, "ops"))})
	for _, s := range d.Staff {
		add(RoleBoard, s.Board)
		add(RolePrincipal, s.School)
		add(RoleStaff, s.ID)
	}
	store, err := auth.NewStore("", users)
	if err != nil {
		t.Fatal(err)
	}
	f.h = New(Deps{Engine: eng, Gateways: f.feed, Alerts: f.feed, Taps: f.feed, Auth: storeAuth{store},
		Now: func() time.Time { return f.now }, DayStartMin: 240})
	f.srv = httptest.NewServer(f.h)
	t.Cleanup(f.srv.Close)
	return f
}

// token is the credential of role for name: 256 bits, as package auth
// issues them.
func token(role, name string) string {
	return fmt.Sprintf("%x", sha256.Sum256([]byte(role+"/"+name)))
}

// storeAuth reads the aggregator's users as the service gives them to the
// page: Name is the scope, an admin's the user.
type storeAuth struct{ s *auth.Store }

func (a storeAuth) Authenticate(r *http.Request) (Principal, bool) {
	p, ok := a.s.Authenticate(r)
	if !ok {
		return Principal{}, false
	}
	if p.Role == RoleAdmin {
		return Principal{Role: p.Role, Name: p.User}, true
	}
	return Principal{Role: p.Role, Name: p.Scope}, true
}

// get fetches path with the credential of role/name (none if role is
// empty), without following redirects.
func (f *fixture) get(path, role, name string, header ...string) (*http.Response, string) {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+token(role, name))
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// cookie returns the last cookie called name that resp sets, or nil.
func cookie(resp *http.Response, name string) *http.Cookie {
	var c *http.Cookie
	for _, x := range resp.Cookies() {
		if x.Name == name {
			c = x
		}
	}
	return c
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// staffOf returns the district's staff of a school.
func (f *fixture) staffOf(school string) []simdata.Staff {
	var out []simdata.Staff
	for _, s := range f.district.Staff {
		if s.School == school {
			out = append(out, s)
		}
	}
	return out
}

// fakeFeed is a settable Gateways, Alerts and Taps.
type fakeFeed struct {
	mu       sync.Mutex
	gateways []journal.Status
	open     []journal.Alert
	counts   map[civil.Month][]AlertCount
	recent   []Update
	subs     []chan Update
	closed   bool
}

func newFakeFeed() *fakeFeed { return &fakeFeed{counts: map[civil.Month][]AlertCount{}} }

func (f *fakeFeed) Gateways() []journal.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]journal.Status(nil), f.gateways...)
}

func (f *fakeFeed) OpenAlerts() []journal.Alert {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]journal.Alert(nil), f.open...)
}

func (f *fakeFeed) AlertCounts(m civil.Month) []AlertCount {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]AlertCount(nil), f.counts[m]...)
}

func (f *fakeFeed) RecentTaps() []Update {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Update(nil), f.recent...)
}

func (f *fakeFeed) Subscribe() (<-chan Update, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan Update, 64)
	if f.closed {
		close(ch)
		return ch, func() {}
	}
	f.subs = append(f.subs, ch)
	return ch, func() {}
}

// subscribers returns how many streams are open.
func (f *fakeFeed) subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// push journals an update: it joins the recent taps and goes to every
// subscriber.
func (f *fakeFeed) push(u Update) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u.Tap != nil {
		f.recent = append(f.recent, u)
	}
	for _, ch := range f.subs {
		ch <- u
	}
}

// close ends every subscription, as the feed does when the service stops.
func (f *fakeFeed) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for _, ch := range f.subs {
		close(ch)
	}
	f.subs = nil
}

// tapOf is a tap of staff member s at hh:mm on d.
func tapOf(s simdata.Staff, seq uint64, at time.Time, reader string) *punch.Tap {
	return &punch.Tap{ID: punch.FormatTapID(s.Gateway, 9, seq), Board: s.Board, School: s.School, Gateway: s.Gateway,
		Reader: reader, Card: s.Card, Dir: punch.DirIn, TS: at, Clock: punch.ClockSynced}
}

// contains reports whether body has every one of subs.
func contains(body string, subs ...string) (string, bool) {
	for _, s := range subs {
		if !strings.Contains(body, s) {
			return s, false
		}
	}
	return "", true
}
