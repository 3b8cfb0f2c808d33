package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Who may open what: each role sees its own scope and nothing else.
func TestAccessByRole(t *testing.T) {
	f := newFixture(t)
	e01 := f.staffOf("nakatsu-e01")
	u01 := f.staffOf("usa-e01")
	self, colleague, other := e01[3].ID, e01[1].ID, u01[3].ID
	tests := []struct {
		name, role, who, path string
		want                  int
		location              string // for redirects
	}{
		{"no credential: to the login form", "", "", "/board/nakatsu", http.StatusSeeOther, "/login?next=%2Fboard%2Fnakatsu"},
		{"login form", "", "", "/login", http.StatusOK, ""},
		{"admin home lists boards", RoleAdmin, "ops", "/", http.StatusOK, ""},
		{"admin any board", RoleAdmin, "ops", "/board/usa", http.StatusOK, ""},
		{"admin any school", RoleAdmin, "ops", "/school/usa-e01", http.StatusOK, ""},
		{"admin any staff", RoleAdmin, "ops", "/staff/" + other, http.StatusOK, ""},
		{"board home", RoleBoard, "nakatsu", "/", http.StatusFound, "/board/nakatsu"},
		{"board own", RoleBoard, "nakatsu", "/board/nakatsu", http.StatusOK, ""},
		{"board another", RoleBoard, "nakatsu", "/board/usa", http.StatusForbidden, ""},
		{"board own school", RoleBoard, "nakatsu", "/school/nakatsu-e01", http.StatusOK, ""},
		{"board another's school", RoleBoard, "nakatsu", "/school/usa-e01", http.StatusForbidden, ""},
		{"board no staff", RoleBoard, "nakatsu", "/staff/" + self, http.StatusForbidden, ""},
		{"principal home", RolePrincipal, "nakatsu-e01", "/", http.StatusFound, "/school/nakatsu-e01"},
		{"principal own school", RolePrincipal, "nakatsu-e01", "/school/nakatsu-e01", http.StatusOK, ""},
		{"principal another school", RolePrincipal, "nakatsu-e01", "/school/nakatsu-e02", http.StatusForbidden, ""},
		{"principal own staff", RolePrincipal, "nakatsu-e01", "/staff/" + colleague, http.StatusOK, ""},
		{"principal another's staff", RolePrincipal, "nakatsu-e01", "/staff/" + other, http.StatusForbidden, ""},
		{"principal's board: aggregates", RolePrincipal, "nakatsu-e01", "/board/nakatsu", http.StatusOK, ""},
		{"principal another board", RolePrincipal, "nakatsu-e01", "/board/usa", http.StatusForbidden, ""},
		{"staff home", RoleStaff, self, "/", http.StatusFound, "/staff/" + self},
		{"staff self", RoleStaff, self, "/staff/" + self, http.StatusOK, ""},
		{"staff colleague", RoleStaff, self, "/staff/" + colleague, http.StatusForbidden, ""},
		{"staff no school", RoleStaff, self, "/school/nakatsu-e01", http.StatusForbidden, ""},
		{"staff no board", RoleStaff, self, "/board/nakatsu", http.StatusForbidden, ""},
		{"unknown board", RoleAdmin, "ops", "/board/nowhere", http.StatusNotFound, ""},
		{"unknown staff", RoleAdmin, "ops", "/staff/X999", http.StatusNotFound, ""},
		{"unknown page", RoleAdmin, "ops", "/nothing/here", http.StatusNotFound, ""},
		{"tables: own board", RoleBoard, "nakatsu", "/tables/nakatsu/FY2026.csv", http.StatusOK, ""},
		{"tables: API path", RoleBoard, "nakatsu", "/api/v1/boards/nakatsu/tables/2026-10.html", http.StatusOK, ""},
		{"tables: another board", RoleBoard, "nakatsu", "/tables/usa/FY2026.csv", http.StatusForbidden, ""},
		{"tables: principal of the board", RolePrincipal, "nakatsu-e01", "/tables/nakatsu/2026-10.csv", http.StatusOK, ""},
		{"tables: principal of another board", RolePrincipal, "nakatsu-e01", "/tables/usa/2026-10.csv", http.StatusForbidden, ""},
		{"tables: staff", RoleStaff, self, "/tables/nakatsu/2026-10.csv", http.StatusForbidden, ""},
		{"tables: no credential", "", "", "/tables/nakatsu/2026-10.csv", http.StatusUnauthorized, ""},
		{"tables: bad period", RoleAdmin, "ops", "/tables/nakatsu/FY20x6.csv", http.StatusBadRequest, ""},
		{"tables: month outside the FY", RoleAdmin, "ops", "/tables/nakatsu/FY2026.csv?to=2027-04", http.StatusBadRequest, ""},
		{"tables: other format", RoleAdmin, "ops", "/tables/nakatsu/FY2026.pdf", http.StatusNotFound, ""},
		{"tables: unknown board", RoleAdmin, "ops", "/tables/nowhere/FY2026.csv", http.StatusNotFound, ""},
		{"events: board own", RoleBoard, "nakatsu", "/events?board=usa", http.StatusForbidden, ""},
		{"events: board everything", RoleBoard, "nakatsu", "/events?all=1", http.StatusForbidden, ""},
		{"events: staff another", RoleStaff, self, "/events?staff=" + colleague, http.StatusForbidden, ""},
		{"events: principal another school", RolePrincipal, "nakatsu-e01", "/events?school=nakatsu-e02", http.StatusForbidden, ""},
		{"events: no credential", "", "", "/events?board=nakatsu", http.StatusUnauthorized, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := f.get(tt.path, tt.role, tt.who)
			if resp.StatusCode != tt.want {
				t.Fatalf("GET %s as %s %s: %d, want %d\n%.300s", tt.path, tt.role, tt.who, resp.StatusCode, tt.want, body)
			}
			if tt.location != "" && resp.Header.Get("Location") != tt.location {
				t.Errorf("Location %q, want %q", resp.Header.Get("Location"), tt.location)
			}
		})
	}
}

// A board never sees a name or a staff id, on any page it may open or in
// the taps; a principal sees their staff by name.
func TestBoardSeesNoNames(t *testing.T) {
	f := newFixture(t)
	for _, s := range f.district.Staff {
		f.feed.push(Update{Seq: uint64(len(f.feed.recent) + 1), Tap: tapOf(s, 1, f.now, "entrance")})
	}
	for _, path := range []string{"/board/nakatsu", "/school/nakatsu-e01", "/school/nakatsu-e02",
		"/board/nakatsu?month=2026-10", "/tables/nakatsu/FY2026.html", "/tables/nakatsu/FY2026.csv"} {
		resp, body := f.get(path, RoleBoard, "nakatsu")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		for _, s := range f.district.Staff {
			if strings.Contains(body, s.Name) || strings.Contains(body, s.ID) {
				t.Errorf("%s shows %s %s to the board", path, s.ID, s.Name)
			}
		}
	}
	_, body := f.get("/board/nakatsu", RoleBoard, "nakatsu")
	if !strings.Contains(body, `<span class="who">職員</span>`) {
		t.Errorf("the board's taps are not shown anonymously")
	}
	_, body = f.get("/school/nakatsu-e01", RolePrincipal, "nakatsu-e01")
	for _, s := range f.staffOf("nakatsu-e01") {
		if !strings.Contains(body, s.Name) {
			t.Errorf("the principal's page lacks their staff member %s %s", s.ID, s.Name)
		}
	}
	for _, s := range f.staffOf("usa-e01") {
		if strings.Contains(body, s.ID) {
			t.Errorf("the principal's page shows %s of another school", s.ID)
		}
	}
}

// Groups of fewer than MinGroup staff show their headcount only to a
// board; an admin sees their figures.
func TestSmallGroupsHidden(t *testing.T) {
	f := newFixture(t)
	_, board := f.get("/school/nakatsu-e01?month=2026-10", RoleBoard, "nakatsu")
	_, admin := f.get("/school/nakatsu-e01?month=2026-10", RoleAdmin, "ops")
	kpiBoard := between(board, `id="kpi"`, `</section>`)
	if strings.Contains(kpiBoard, `data-kpi="mean"`) || !strings.Contains(kpiBoard, "＊") {
		t.Errorf("a school of 4 shows its figures to the board:\n%s", kpiBoard)
	}
	if strings.Contains(board, `<svg class="chart" viewBox="0 0 640 220"`) {
		t.Errorf("a school of 4 shows its distribution to the board")
	}
	if !strings.Contains(between(board, `id="alerts"`, `</section>`), "＊") {
		t.Errorf("a school of 4 shows its alert counts to the board")
	}
	if !strings.Contains(between(admin, `id="kpi"`, `</section>`), `data-kpi="mean"`) {
		t.Errorf("the admin does not see the school's figures")
	}
	// On the board's page the board as a whole and its one school type (8
	// staff each) show; its schools (4 staff) and roles (2) do not.
	_, page := f.get("/board/nakatsu?month=2026-10", RoleBoard, "nakatsu")
	if !strings.Contains(between(page, `id="kpi"`, `</section>`), `data-kpi="mean"`) {
		t.Errorf("the board's own figures are hidden")
	}
	schools := between(page, `id="schools"`, `</section>`)
	if strings.Count(schools, `<tr class="hidden">`) != 2+4 || strings.Count(schools, "<tr>\n<th class=\"l\">") != 1 {
		t.Errorf("want 2 schools and 4 roles hidden, the school type shown:\n%s", schools)
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

// ?token= moves into an HttpOnly cookie and out of the address; a bad one
// gets the login form.
func TestTokenInQuery(t *testing.T) {
	f := newFixture(t)
	resp, _ := f.get("/board/nakatsu?month=2026-10&token="+url.QueryEscape(token(RoleBoard, "nakatsu")), "", "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/board/nakatsu?month=2026-10" {
		t.Fatalf("%d to %q, want 303 to the address without the token", resp.StatusCode, resp.Header.Get("Location"))
	}
	c := cookie(resp, CookieName)
	if c == nil || c.Value != token(RoleBoard, "nakatsu") || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie %+v", c)
	}
	resp, body := f.get("/board/nakatsu", "", "", "Cookie", CookieName+"="+c.Value)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "nakatsu") {
		t.Errorf("with the cookie: %d", resp.StatusCode)
	}
	resp, body = f.get("/board/nakatsu?token=wrong", "", "", "Cookie", CookieName+"="+c.Value)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `name="token"`) {
		t.Errorf("a wrong token: %d, want 401 and the login form", resp.StatusCode)
	}
}

func TestLogin(t *testing.T) {
	f := newFixture(t)
	post := func(tok, next string) *http.Response {
		resp, err := noRedirect.PostForm(f.srv.URL+"/login", url.Values{"token": {tok}, "next": {next}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := post(token(RolePrincipal, "nakatsu-e02"), "/school/nakatsu-e02?month=2026-10")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/school/nakatsu-e02?month=2026-10" {
		t.Errorf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if len(resp.Cookies()) != 1 || resp.Cookies()[0].Value != token(RolePrincipal, "nakatsu-e02") {
		t.Errorf("login cookies %v", resp.Cookies())
	}
	if resp := post("nope", "/"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a wrong token: %d, want 401", resp.StatusCode)
	}
	if resp := post("", "/"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", resp.StatusCode)
	}
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil", ""} {
		if resp := post(token(RoleAdmin, "ops"), next); resp.Header.Get("Location") != "/" {
			t.Errorf("next %q: redirected to %q, want /", next, resp.Header.Get("Location"))
		}
	}
	resp, _ = f.get("/logout", "", "")
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 || resp.Cookies()[0].MaxAge >= 0 {
		t.Errorf("logout: %d %v", resp.StatusCode, resp.Cookies())
	}
}
