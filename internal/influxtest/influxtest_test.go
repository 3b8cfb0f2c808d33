package influxtest

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	influxdb2 "github.com/influxdata/influxdb-client-go/v2"

	"timeclock/internal/daemontest"
)

var tapTime = time.Date(2026, 6, 1, 7, 40, 0, 123e6, time.FixedZone("JST", 9*3600))

// writeTap writes one punch point through the v2-compatible API, as the
// aggregator does.
func writeTap(t *testing.T, s *Server, id string, at time.Time) {
	t.Helper()
	c := influxdb2.NewClient(s.URL(), "")
	defer c.Close()
	p := influxdb2.NewPoint("punch",
		map[string]string{"board": "nakatsu", "school": "nakatsu-e01", "gateway": "gw-e01-a", "reader": "entrance", "dir": "tap"},
		map[string]any{"id": id, "card": "felica:0123456789abcdef", "staff": "T0001", "clock_synced": true},
		at)
	if err := c.WriteAPIBlocking("", "db/autogen").WritePoint(daemontest.WaitContext(t), p); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func TestWriteAndQuery(t *testing.T) {
	s := Start(t, WithDatabases("db"))
	if want := fmt.Sprintf("http://127.0.0.1:%d", s.Port()); s.URL() != want {
		t.Errorf("URL() = %q, want %q", s.URL(), want)
	}
	writeTap(t, s, "gw-e01-a:3:000042", tapTime)

	rows := s.Query(t, "db", `SELECT * FROM punch`)
	if len(rows) != 1 {
		t.Fatalf("got %d rows, want 1: %v", len(rows), rows)
	}
	r := rows[0]
	if !r.Time.Equal(tapTime) {
		t.Errorf("time = %v, want %v", r.Time, tapTime)
	}
	want := map[string]any{
		"board": "nakatsu", "school": "nakatsu-e01", "gateway": "gw-e01-a", "reader": "entrance", "dir": "tap",
		"id": "gw-e01-a:3:000042", "card": "felica:0123456789abcdef", "staff": "T0001", "clock_synced": true,
	}
	if fmt.Sprint(r.Values) != fmt.Sprint(want) || r.Measurement != "punch" {
		t.Errorf("row = %v\nwant values %v", r, want)
	}

	// GROUP BY puts tags on the row; integers stay exact.
	rows = s.Query(t, "db", `SELECT count(id) FROM punch GROUP BY school`)
	if len(rows) != 1 || rows[0].Tags["school"] != "nakatsu-e01" || rows[0].Values["count"] != json.Number("1") {
		t.Errorf("count rows = %v", rows)
	}
}

func TestFluxQuery(t *testing.T) {
	s := Start(t, WithDatabases("db"))
	writeTap(t, s, "gw-e01-a:3:000043", tapTime)

	c := influxdb2.NewClient(s.URL(), "")
	defer c.Close()
	flux := fmt.Sprintf(`from(bucket: "db/autogen")
  |> range(start: %s, stop: %s)
  |> filter(fn: (r) => r._measurement == "punch" and r._field == "id")`,
		tapTime.Add(-time.Hour).Format(time.RFC3339), tapTime.Add(time.Hour).Format(time.RFC3339))
	res, err := c.QueryAPI("").Query(daemontest.WaitContext(t), flux)
	if err != nil {
		t.Fatalf("flux: %v", err)
	}
	var got []string
	for res.Next() {
		r := res.Record()
		got = append(got, fmt.Sprintf("%v %v %v", r.Time().UTC().Format(time.RFC3339Nano), r.ValueByKey("school"), r.Value()))
	}
	if err := res.Err(); err != nil {
		t.Fatalf("flux result: %v", err)
	}
	want := []string{tapTime.UTC().Format(time.RFC3339Nano) + " nakatsu-e01 gw-e01-a:3:000043"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("flux records = %q, want %q", got, want)
	}
}

func TestRestartKeepsDataAndPort(t *testing.T) {
	s := Start(t, WithDatabases("db"), WithoutFlux())
	url := s.URL()
	writeTap(t, s, "before", tapTime)
	s.Restart()
	if s.URL() != url {
		t.Fatalf("URL changed across restart: %s → %s", url, s.URL())
	}
	writeTap(t, s, "after", tapTime.Add(time.Second))
	rows := s.Query(t, "db", `SELECT id FROM punch`)
	var ids []string
	for _, r := range rows {
		ids = append(ids, fmt.Sprint(r.Values["id"]))
	}
	if strings.Join(ids, ",") != "before,after" {
		t.Errorf("ids after restart = %v, want [before after]", ids)
	}
}

func TestConfigStaysOnLoopback(t *testing.T) {
	s := Start(t)
	conf, err := os.ReadFile(s.Dir() + "/influxdb.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("bind-address = \"127.0.0.1:%d\"\n\n[meta]", s.rpcPort),
		fmt.Sprintf("bind-address = \"127.0.0.1:%d\"\n  auth-enabled", s.port),
		"flux-enabled = true\n", "reporting-disabled = true", `level = "warn"`,
	} {
		if !strings.Contains(string(conf), want) {
			t.Errorf("configuration lacks %q:\n%s", want, conf)
		}
	}
	// The RPC listener (backup/restore) is up on its own loopback port.
	if err := daemontest.TCPReady(s.rpcPort)(t.Context()); err != nil {
		t.Errorf("RPC port %d: %v", s.rpcPort, err)
	}
}

func TestQueryErrors(t *testing.T) {
	s := Start(t, WithoutFlux())
	ctx := daemontest.WaitContext(t)
	if _, err := s.query(ctx, "nodb", `SELECT * FROM punch`); err == nil || !strings.Contains(err.Error(), "database not found") {
		t.Errorf("query of a missing database: err = %v", err)
	}
	if _, err := s.query(ctx, "", `SELEKT 1`); err == nil || !strings.Contains(err.Error(), "error parsing query") {
		t.Errorf("bad InfluxQL: err = %v", err)
	}
	s.CreateDB(`odd "name"`)
	rows := s.Query(t, "", `SHOW DATABASES`)
	var names []string
	for _, r := range rows {
		names = append(names, fmt.Sprint(r.Values["name"]))
	}
	if fmt.Sprintf("%q", names) != `["odd \"name\""]` {
		t.Errorf("databases = %q, want just %q", names, `odd "name"`)
	}
}

func TestWithoutFlux(t *testing.T) {
	s := Start(t, WithDatabases("db"), WithoutFlux())
	conf, err := os.ReadFile(s.Dir() + "/influxdb.conf")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(conf), "flux-enabled = false\n") {
		t.Errorf("configuration keeps Flux on:\n%s", conf)
	}
	writeTap(t, s, "no-flux", tapTime) // the v2 write API works without Flux
	if rows := s.Query(t, "db", `SELECT id FROM punch`); len(rows) != 1 || rows[0].Values["id"] != "no-flux" {
		t.Errorf("rows = %v", rows)
	}
	c := influxdb2.NewClient(s.URL(), "")
	defer c.Close()
	if _, err := c.QueryAPI("").Query(daemontest.WaitContext(t), `from(bucket: "db/autogen") |> range(start: 0)`); err == nil {
		t.Error("a Flux query succeeded with Flux off")
	}
}
