package deploytest

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"timeclock/internal/daemontest"
	"timeclock/internal/influxtest"
)

type influxUser struct{ name, password string }

// do sends an HTTP request to InfluxDB and returns the status and body.
func (u influxUser) do(t *testing.T, method, target, contentType, body string, token bool) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(daemontest.WaitContext(t), method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if u.name != "" {
		if token { // how the aggregator's client authenticates on 1.8
			req.Header.Set("Authorization", "Token "+u.name+":"+u.password)
		} else {
			req.SetBasicAuth(u.name, u.password)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// query runs InfluxQL; ok is false for an HTTP or a statement error.
func (u influxUser) query(t *testing.T, base, db, q string) (body string, ok bool) {
	t.Helper()
	form := url.Values{"q": {q}, "db": {db}}
	code, body := u.do(t, http.MethodPost, base+"/query", "application/x-www-form-urlencoded", form.Encode(), false)
	return body, code == http.StatusOK && !strings.Contains(body, `"error"`)
}

func (u influxUser) mustQuery(t *testing.T, base, db, q string) string {
	t.Helper()
	body, ok := u.query(t, base, db, q)
	if !ok {
		t.Fatalf("%s: %s: %s", u.name, q, body)
	}
	return body
}

// write writes line protocol as the aggregator does: the v2-compatible API
// of 1.8, bucket db (its default retention policy), token user:password.
func (u influxUser) write(t *testing.T, base, db, lines string) (int, string) {
	t.Helper()
	return u.do(t, http.MethodPost, base+"/api/v2/write?bucket="+db+"&precision=s", "text/plain", lines, true)
}

func TestInfluxSetup(t *testing.T) {
	srv := influxtest.Start(t, influxtest.WithAuth(), influxtest.WithoutFlux())
	secrets := filepath.Join(t.TempDir(), "secrets")
	setup := func() string {
		return Script(t, "deploy/influxdb/setup-influxdb.sh", "--url", srv.URL(), "--secrets", secrets)
	}
	pw := func(name string) string {
		b, err := os.ReadFile(filepath.Join(secrets, name+".password"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	out := setup()
	if !strings.Contains(out, "created the admin user admin") {
		t.Errorf("first run on a server without users:\n%s", out)
	}
	admin := influxUser{"admin", pw("admin")}
	agg := influxUser{"timeclock-aggregator", pw("timeclock-aggregator")}
	graf := influxUser{"grafana", pw("grafana")}
	anon := influxUser{}
	base := srv.URL()

	// Someone made the aggregator an admin by hand: the next run takes it back.
	admin.mustQuery(t, base, "", `GRANT ALL PRIVILEGES TO "timeclock-aggregator"`)
	out = setup()
	if !strings.Contains(out, "took admin rights from timeclock-aggregator") {
		t.Errorf("run after the aggregator became admin:\n%s", out)
	}
	if strings.Contains(out, "created") || strings.Contains(out, "generated") {
		t.Errorf("third run created something again:\n%s", out)
	}

	users := admin.mustQuery(t, base, "", "SHOW USERS")
	for _, want := range []string{`["admin",true]`, `["timeclock-aggregator",false]`, `["grafana",false]`} {
		if !strings.Contains(users, want) {
			t.Errorf("SHOW USERS lacks %s: %s", want, users)
		}
	}
	for user, want := range map[string]string{"timeclock-aggregator": `["timeclock","ALL PRIVILEGES"]`, "grafana": `["timeclock","READ"]`} {
		if g := admin.mustQuery(t, base, "", `SHOW GRANTS FOR "`+user+`"`); !strings.Contains(g, `"values":[`+want+`]`) {
			t.Errorf("grants of %s: %s, want only %s", user, g, want)
		}
	}
	if rp := admin.mustQuery(t, base, "", `SHOW RETENTION POLICIES ON "timeclock"`); !strings.Contains(rp, `["timeclock","87360h0m0s","672h0m0s",1,true]`) {
		t.Errorf("retention policies: %s; want timeclock, 520w, shards of 4w, the default", rp)
	}

	// What each may do, as InfluxDB enforces it.
	const point = "punch,board=nakatsu,school=nakatsu-e01,gateway=gw-a,reader=entrance,dir=in id=\"gw-a:1:000001\" 1780000000"
	if code, body := agg.write(t, base, "timeclock", point); code != http.StatusNoContent {
		t.Fatalf("aggregator write: %d %s", code, body)
	}
	if body, ok := graf.query(t, base, "timeclock", "SELECT count(id) FROM punch"); !ok || !strings.Contains(body, `,1]`) {
		t.Errorf("grafana reads: ok %v, %s; want the one point", ok, body)
	}
	// The aggregator reads the list of its series (to drop those a roster
	// change left).
	if body, ok := agg.query(t, base, "timeclock", "SHOW SERIES FROM punch"); !ok || !strings.Contains(body, "gateway=gw-a") {
		t.Errorf("aggregator lists its series: ok %v, %s", ok, body)
	}
	denied := []struct {
		who  string
		try  func() bool
		what string
	}{
		{"aggregator", func() bool { _, ok := agg.query(t, base, "", `CREATE DATABASE "timeclock"`); return ok }, "create a database"},
		{"aggregator", func() bool { _, ok := agg.query(t, base, "", `DROP DATABASE "timeclock"`); return ok }, "drop the database"},
		{"aggregator", func() bool { code, _ := agg.write(t, base, "_internal", point); return code == http.StatusNoContent }, "write elsewhere"},
		{"grafana", func() bool { code, _ := graf.write(t, base, "timeclock", point); return code == http.StatusNoContent }, "write"},
		{"grafana", func() bool { _, ok := graf.query(t, base, "", "SHOW USERS"); return ok }, "list users"},
		{"grafana", func() bool { _, ok := graf.query(t, base, "timeclock", `DELETE FROM punch`); return ok }, "delete points"},
		{"nobody", func() bool { _, ok := anon.query(t, base, "timeclock", "SELECT * FROM punch"); return ok }, "read"},
		{"nobody", func() bool { code, _ := anon.write(t, base, "timeclock", point); return code == http.StatusNoContent }, "write"},
		{"a wrong password", func() bool {
			_, ok := influxUser{"grafana", "0000"}.query(t, base, "timeclock", "SELECT * FROM punch")
			return ok
		}, "read"},
	}
	for _, d := range denied {
		if d.try() {
			t.Errorf("%s may %s", d.who, d.what)
		}
	}
	// The positive control of the denials: the point is still there, alone.
	if body := admin.mustQuery(t, base, "timeclock", "SELECT count(id) FROM punch"); !strings.Contains(body, `,1]`) {
		t.Errorf("after the refused attempts: %s; want the one point", body)
	}
}
