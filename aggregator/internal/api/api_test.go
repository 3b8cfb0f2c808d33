package api

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"timeclock/aggregator/internal/auth"
	"timeclock/aggregator/internal/engine"
	"timeclock/aggregator/internal/ingest"
	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/metrics"
	"timeclock/aggregator/internal/web/webtest/harness"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
)

// The district of the tests: board nakatsu with school e00 (a principal and
// six teachers) and e01 (three teachers), board usa with school u00 (five
// teachers).
const (
	tokAdmin      = "tok-admin-0123456789"
	tokBoard      = "tok-board-nakatsu-0123"
	tokBoardUsa   = "tok-board-usa-0123456"
	tokPrincipal  = "tok-principal-e00-0123"
	tokPrincipal1 = "tok-principal-e01-0123"
	tokStaff      = "tok-staff-t0001-01234"
)

var testUsers = []auth.User{
	{Name: "ops", Role: auth.RoleAdmin, Hash: auth.HashToken(tokAdmin)},
	{Name: "boe-nakatsu", Role: auth.RoleBoard, Scope: "nakatsu", Hash: auth.HashToken(tokBoard)},
	{Name: "boe-usa", Role: auth.RoleBoard, Scope: "usa", Hash: auth.HashToken(tokBoardUsa)},
	{Name: "kocho-e00", Role: auth.RolePrincipal, Scope: "nakatsu-e00", Hash: auth.HashToken(tokPrincipal)},
	{Name: "kocho-e01", Role: auth.RolePrincipal, Scope: "nakatsu-e01", Hash: auth.HashToken(tokPrincipal1)},
	{Name: "yamada", Role: auth.RoleStaff, Scope: "T0001", Hash: auth.HashToken(tokStaff)},
}

func testRoster(t testing.TB) *roster.Data {
	t.Helper()
	var rows []string
	row := func(id, role, board, school string) {
		rows = append(rows, fmt.Sprintf("%s,名前 %s,%s,%s,%s,elementary,std,,2026-04-01,", id, id, role, board, school))
	}
	row("T0000", "principal", "nakatsu", "nakatsu-e00")
	for i := 1; i <= 6; i++ {
		row(fmt.Sprintf("T%04d", i), "teacher", "nakatsu", "nakatsu-e00")
	}
	for i := 7; i <= 9; i++ {
		row(fmt.Sprintf("T%04d", i), "teacher", "nakatsu", "nakatsu-e01")
	}
	for i := 10; i <= 14; i++ {
		row(fmt.Sprintf("T%04d", i), "teacher", "usa", "usa-u00")
	}
	return harness.Roster(t, rows...)
}

// core adapts the engine to the pipeline (the service's Live does more).
type core struct{ *engine.Engine }

func (core) Alerts(time.Time) []journal.Alert { return nil }

type fixture struct {
	srv  *httptest.Server
	m    *metrics.Metrics
	j    *journal.Journal
	open []journal.Alert
}

var testNow = time.Date(2026, 6, 15, 12, 0, 0, 0, civil.JST)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	data := testRoster(t)
	eng, err := engine.New(data, overtime.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	eng.Advance(testNow)
	j := harness.Journal(t)
	users, err := auth.NewStore("", testUsers)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return testNow }
	log := slog.New(slog.DiscardHandler)
	f := &fixture{m: metrics.New(), j: j}
	pipe := ingest.New(j, core{eng}, nil, []string{"nakatsu", "usa"}, ingest.Limits{}, now, log, f.m)
	harness.Run(t, "pipeline", pipe.Run)
	f.open = []journal.Alert{
		{Staff: "T0001", Board: "nakatsu", School: "nakatsu-e00", Rule: "month_45", Raised: true, Period: "2026-06"},
		{Staff: "T0007", Board: "nakatsu", School: "nakatsu-e01", Rule: "doctor_80", Raised: true, Period: "2026-06"},
		{Staff: "T0010", Board: "usa", School: "usa-u00", Rule: "month_45", Raised: true, Period: "2026-06"},
	}
	mux := http.NewServeMux()
	New(Deps{Engine: func() *engine.Engine { return eng }, Open: func() []journal.Alert { return f.open }, Journal: j,
		Submit: pipe.Submit, Auth: users, Gateways: pipe.Gateways, Limits: pipe.Limits(), Now: now, DayStartMin: 240,
		Ready: func() []string { return nil }, InfluxLag: func() uint64 { return 0 }, Metrics: f.m, Log: log}).Register(mux)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

type request struct {
	method, path, token, body string
	header                    map[string]string
}

func (f *fixture) do(t *testing.T, r request) (int, string) {
	t.Helper()
	req, err := http.NewRequest(r.method, f.srv.URL+r.path, strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func adj(id, staff string) string {
	return fmt.Sprintf(`{"id":%q,"staff":%q,"date":"2026-06-01","kind":"offsite","minutes":60,"reason":"引率"}`, id, staff)
}

func TestAccess(t *testing.T) {
	f := newFixture(t)
	const mo = "2026-06"
	tests := []struct {
		name string
		req  request
		want int
		has  string // in the body
	}{
		{"health needs nothing", request{"GET", "/healthz", "", "", nil}, 200, "ok"},
		{"ready needs nothing", request{"GET", "/readyz", "", "", nil}, 200, "true"},
		{"no token", request{"GET", "/api/v1/staff/T0001/months/" + mo, "", "", nil}, 401, "bearer token"},
		{"unknown token", request{"GET", "/api/v1/staff/T0001/months/" + mo, "tok-nobody-0123456789", "", nil}, 401, ""},
		{"token in the URL refused", request{"GET", "/api/v1/alerts?token=" + tokAdmin, "", "", nil}, 400, "Authorization header"},
		{"cookie works", request{"GET", "/api/v1/journal", "", "", map[string]string{"Cookie": auth.CookieName + "=" + tokAdmin}}, 200, "last_seq"},
		{"metrics: no token", request{"GET", "/metrics", "", "", nil}, 401, ""},
		{"metrics: board", request{"GET", "/metrics", tokBoard, "", nil}, 403, ""},
		{"metrics: admin", request{"GET", "/metrics", tokAdmin, "", nil}, 200, "timeclock_http_refused_total"},

		{"staff reads self", request{"GET", "/api/v1/staff/T0001/months/" + mo, tokStaff, "", nil}, 200, `"name": "名前 T0001"`},
		{"staff reads another", request{"GET", "/api/v1/staff/T0002/months/" + mo, tokStaff, "", nil}, 403, ""},
		{"principal reads own school's staff", request{"GET", "/api/v1/staff/T0002/months/" + mo, tokPrincipal, "", nil}, 200, `"staff": "T0002"`},
		{"principal reads another school's staff", request{"GET", "/api/v1/staff/T0007/months/" + mo, tokPrincipal, "", nil}, 403, ""},
		{"principal: unknown staff looks out of scope", request{"GET", "/api/v1/staff/T9999/months/" + mo, tokPrincipal, "", nil}, 403, ""},
		{"admin: unknown staff", request{"GET", "/api/v1/staff/T9999/months/" + mo, tokAdmin, "", nil}, 404, ""},
		{"board reads no staff", request{"GET", "/api/v1/staff/T0001/months/" + mo, tokBoard, "", nil}, 403, ""},

		{"principal reads own school", request{"GET", "/api/v1/schools/nakatsu-e00/months/" + mo, tokPrincipal, "", nil}, 200, `"staff": "T0006"`},
		{"principal reads another school", request{"GET", "/api/v1/schools/nakatsu-e01/months/" + mo, tokPrincipal, "", nil}, 403, ""},
		{"board reads no school list", request{"GET", "/api/v1/schools/nakatsu-e00/months/" + mo, tokBoard, "", nil}, 403, ""},
		{"staff reads no school", request{"GET", "/api/v1/schools/nakatsu-e00/months/" + mo, tokStaff, "", nil}, 403, ""},
		{"admin reads any school", request{"GET", "/api/v1/schools/usa-u00/months/" + mo, tokAdmin, "", nil}, 200, `"staff": "T0010"`},

		{"board reads own board", request{"GET", "/api/v1/boards/nakatsu/months/" + mo, tokBoard, "", nil}, 200, `"board": "nakatsu"`},
		{"board reads another board", request{"GET", "/api/v1/boards/usa/months/" + mo, tokBoard, "", nil}, 403, ""},
		{"principal reads own board", request{"GET", "/api/v1/boards/nakatsu/months/" + mo, tokPrincipal, "", nil}, 200, `"groups"`},
		{"principal reads another board", request{"GET", "/api/v1/boards/usa/months/" + mo, tokPrincipal, "", nil}, 403, ""},
		{"staff reads no board", request{"GET", "/api/v1/boards/nakatsu/months/" + mo, tokStaff, "", nil}, 403, ""},
		{"bad month", request{"GET", "/api/v1/boards/nakatsu/months/2026-13", tokBoard, "", nil}, 400, ""},

		{"board: own counts only", request{"GET", "/api/v1/alerts", tokBoard, "", nil}, 200, `"month_45": 1`},
		{"board: its own", request{"GET", "/api/v1/alerts?board=usa", tokBoardUsa, "", nil}, 200, `"month_45": 1`},
		{"board: not another board", request{"GET", "/api/v1/alerts?board=usa", tokBoard, "", nil}, 403, ""},
		{"board: not a school", request{"GET", "/api/v1/alerts?school=nakatsu-e01", tokBoard, "", nil}, 403, ""},
		{"principal: own school's alerts", request{"GET", "/api/v1/alerts", tokPrincipal, "", nil}, 200, `"staff": "T0001"`},
		{"principal: not another school", request{"GET", "/api/v1/alerts?school=nakatsu-e01", tokPrincipal, "", nil}, 403, ""},
		{"staff: own alerts", request{"GET", "/api/v1/alerts", tokStaff, "", nil}, 200, `"rule": "month_45"`},

		{"rejected: admin only", request{"GET", "/api/v1/rejected", tokPrincipal, "", nil}, 403, ""},
		{"journal: admin only", request{"GET", "/api/v1/journal", tokBoard, "", nil}, 403, ""},
		{"ingest: admin only", request{"GET", "/api/v1/ingest", tokStaff, "", nil}, 403, ""},
		{"ingest", request{"GET", "/api/v1/ingest", tokAdmin, "", nil}, 200, `"max_payload": 8192`},

		{"principal adjusts own school", request{"POST", "/api/v1/adjustments", tokPrincipal, adj("adj-p1", "T0002"), nil}, 201, `"author": "kocho-e00"`},
		{"principal adjusts another school", request{"POST", "/api/v1/adjustments", tokPrincipal, adj("adj-p2", "T0007"), nil}, 403, ""},
		{"principal adjusts unknown staff", request{"POST", "/api/v1/adjustments", tokPrincipal, adj("adj-p3", "T9999"), nil}, 403, ""},
		{"staff adjusts self", request{"POST", "/api/v1/adjustments", tokStaff, adj("adj-s1", "T0001"), nil}, 201, `"author": "yamada"`},
		{"staff adjusts another", request{"POST", "/api/v1/adjustments", tokStaff, adj("adj-s2", "T0002"), nil}, 403, ""},
		{"board adjusts no one", request{"POST", "/api/v1/adjustments", tokBoard, adj("adj-b1", "T0002"), nil}, 403, ""},
		{"admin adjusts anyone", request{"POST", "/api/v1/adjustments", tokAdmin, adj("adj-a1", "T0010"), nil}, 201, `"author": "ops"`},
		{"admin: unknown staff", request{"POST", "/api/v1/adjustments", tokAdmin, adj("adj-a2", "T9999"), nil}, 422, "unknown staff"},
		{"retract of another's", request{"POST", "/api/v1/adjustments", tokAdmin,
			`{"id":"adj-r1","staff":"T0002","kind":"retract","target":"adj-a1","reason":"誤入力"}`, nil}, 422, "not of T0002"},
		{"retract", request{"POST", "/api/v1/adjustments", tokPrincipal,
			`{"id":"adj-r2","staff":"T0002","kind":"retract","target":"adj-p1","reason":"誤入力"}`, nil}, 201, `"date": "2026-06-01"`},
		{"cookie: not JSON", request{"POST", "/api/v1/adjustments", "", adj("adj-a3", "T0001"), map[string]string{
			"Cookie": auth.CookieName + "=" + tokAdmin, "Content-Type": "application/x-www-form-urlencoded"}}, 415, ""},
		{"cookie: JSON", request{"POST", "/api/v1/adjustments", "", adj("adj-a4", "T0001"), map[string]string{
			"Cookie": auth.CookieName + "=" + tokAdmin}}, 201, `"author": "ops"`},
		{"bearer: any content type", request{"POST", "/api/v1/adjustments", tokAdmin, adj("adj-a5", "T0001"),
			map[string]string{"Content-Type": "text/plain"}}, 201, ""},
		{"unknown field", request{"POST", "/api/v1/adjustments", tokAdmin, `{"staff":"T0001","author":"someone else"}`, nil}, 400, "unknown field"},
		{"too large", request{"POST", "/api/v1/adjustments", tokAdmin,
			`{"staff":"T0001","reason":"` + strings.Repeat("あ", MaxBody) + `"}`, nil}, 413, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := f.do(t, tt.req)
			if st != tt.want || !strings.Contains(body, tt.has) {
				t.Errorf("%d %s\nwant %d with %q", st, body, tt.want, tt.has)
			}
		})
	}
	// Every refusal is counted by its status.
	for _, code := range []string{"400", "401", "403", "413", "415", "422"} {
		if n := counter(t, f.m.APIRefused.WithLabelValues(code)); n == 0 {
			t.Errorf("no refusal counted with code %s", code)
		}
	}
}

// The alerts of one scope carry nothing of another.
func TestAlertsScoped(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		token string
		want  []string // staff ids listed
	}{
		{tokAdmin, []string{"T0001", "T0007", "T0010"}},
		{tokPrincipal, []string{"T0001"}},
		{tokPrincipal1, []string{"T0007"}},
		{tokStaff, []string{"T0001"}},
		{tokBoard, nil}, // counts only
	}
	for _, tt := range tests {
		st, body := f.do(t, request{"GET", "/api/v1/alerts", tt.token, "", nil})
		if st != 200 {
			t.Fatalf("%d %s", st, body)
		}
		var v struct {
			Counts map[string]int  `json:"counts"`
			Alerts []journal.Alert `json:"alerts"`
		}
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range v.Alerts {
			got = append(got, a.Staff)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("token %s: alerts of %v, want %v", tt.token, got, tt.want)
		}
		if n := len(got); tt.want != nil && v.Counts["month_45"]+v.Counts["doctor_80"] != n {
			t.Errorf("token %s: counts %v for %d alerts", tt.token, v.Counts, n)
		}
	}
}

// Groups of fewer than MinGroup staff show their headcount only.
func TestBoardHidesSmallGroups(t *testing.T) {
	f := newFixture(t)
	// Over 45 h in June for one teacher of e01: the figure a board must not
	// see apart. (The group of teachers has nine, the principals one.)
	for _, d := range []string{"01", "02", "03"} {
		st, body := f.do(t, request{"POST", "/api/v1/adjustments", tokAdmin, fmt.Sprintf(
			`{"id":"adj-x%s","staff":"T0007","date":"2026-06-%s","kind":"offsite","minutes":1440,"reason":"x"}`, d, d), nil})
		if st != 201 {
			t.Fatalf("%d %s", st, body)
		}
	}
	st, body := f.do(t, request{"GET", "/api/v1/boards/nakatsu/months/2026-06", tokBoard, "", nil})
	if st != 200 {
		t.Fatalf("%d %s", st, body)
	}
	var v boardView
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	groups := map[string]groupView{}
	for _, g := range v.Groups {
		groups[g.SchoolType+"/"+g.Role] = g
	}
	tests := []struct {
		group      string
		headcount  int
		suppressed bool
	}{
		{"*/*", 10, false},
		{"*/teacher", 9, true},   // its total minus the principal would tell the principal
		{"*/principal", 1, true}, // fewer than five
		{"elementary/*", 10, false},
		{"elementary/principal", 1, true},
		{"elementary/teacher", 9, true},
	}
	for _, tt := range tests {
		g, ok := groups[tt.group]
		if !ok {
			t.Errorf("no group %s in %s", tt.group, body)
			continue
		}
		if g.Headcount != tt.headcount || g.Suppressed != tt.suppressed {
			t.Errorf("%s: headcount %d suppressed %v, want %d %v", tt.group, g.Headcount, g.Suppressed, tt.headcount, tt.suppressed)
		}
		if g.Suppressed && (g.Over45 != 0 || g.MeanMin != 0 || g.SharePct != 0 || g.Buckets != [4]int{}) {
			t.Errorf("%s: suppressed but shows %+v", tt.group, g)
		}
	}
	var raw struct {
		Groups []map[string]any `json:"groups"`
	}
	json.Unmarshal([]byte(body), &raw)
	for _, g := range raw.Groups {
		_, figures := g["mean_min"]
		if g["suppressed"] == true && figures {
			t.Errorf("a suppressed group carries figures: %v", g)
		}
		if g["suppressed"] != true && !figures {
			t.Errorf("a shown group lacks its figures: %v", g)
		}
	}
	if g := groups["*/*"]; g.Over45 != 1 || g.Buckets[1]+g.Buckets[2]+g.Buckets[3] != 1 {
		t.Errorf("board total %+v: want one staff over 45 h", g)
	}
}

func TestAdjustmentAuthorIsTheUser(t *testing.T) {
	f := newFixture(t)
	st, body := f.do(t, request{"POST", "/api/v1/adjustments", tokPrincipal, adj("adj-w1", "T0003"), nil})
	if st != 201 {
		t.Fatalf("%d %s", st, body)
	}
	_, kind, data, ok := f.j.Lookup("adj-w1")
	if !ok || kind != journal.KindAdjustment {
		t.Fatalf("adj-w1 not journaled: %v %v", ok, kind)
	}
	e, err := journal.DecodeEvent(data)
	if err != nil {
		t.Fatal(err)
	}
	if a := e.Event.Adjustment; a.Author != "kocho-e00" || a.Staff != "T0003" || a.Kind != punch.KindOffsite {
		t.Errorf("journaled %+v, want author kocho-e00", a)
	}
}

func counter(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
