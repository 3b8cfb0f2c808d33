package chaos

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"timeclock/internal/daemontest"
)

// inputCells are the security and bad-input cells.
func inputCells(size) []cell {
	return []cell{
		{name: "bad MQTT payloads", fault: "malformed JSON, 1 MB, invalid UTF-8, a timestamp 10 years ahead, " +
			"a payload naming another gateway than its topic, one valid tap sent 1000 times", run: badPayloads},
		{name: "API tokens", fault: "no token, a wrong token, the principal of one school reading another's teacher", run: apiTokens},
		{name: "reference CSVs", fault: "roster.csv with a missing column, a duplicate staff id, an unknown schedule; with a BOM; with CRLF",
			run: referenceCSVs},
		{name: "broker ACL", fault: "the shipped Mosquitto configuration: connects without or with wrong credentials, " +
			"a gateway publishing on another's topic, subscribing to another school's feedback, a revoked gateway", run: brokerACL},
	}
}

type journalView struct {
	Taps     uint64 `json:"taps"`
	Rejected uint64 `json:"rejected"`
}

func (s *stack) journal() journalView {
	code, b := s.api("/api/v1/journal", s.token)
	var v journalView
	if code != http.StatusOK {
		s.t.Fatalf("journal view: %d %s", code, b)
	}
	jsonUnmarshal(s.t, b, &v)
	return v
}

func tapJSON(g int, id, gw, ts, cardID string) string {
	return fmt.Sprintf(`{"v":1,"type":"tap","id":%q,"board":%q,"school":%q,"gateway":%q,"reader":"entrance",`+
		`"card":%q,"dir":"tap","ts":%q,"clock":"synced"}`, id, board, school(g), gw, cardID, ts)
}

// badPayloads publishes what a broken or hostile client might on a
// gateway's topic: the aggregator keeps running, rejects each with one log
// line and a counter, and journals the one valid tap once.
func badPayloads(t *testing.T) row {
	s := startStack(t, stackOptions{gateways: 1})
	before := s.journal()
	now := time.Now().In(tokyo)
	ts := now.Format("2006-01-02T15:04:05.000Z07:00")
	bad := map[string]string{
		"malformed JSON":      `{"v":1,"type":"tap",`,
		"1 MB":                `{"v":1,"type":"tap","id":"` + strings.Repeat("x", 1<<20) + `"}`,
		"invalid UTF-8":       tapJSON(0, "gw-00:9:1", gatewayID(0), ts, "felica:\xff\xfe"),
		"10 years ahead":      tapJSON(0, "gw-00:9:2", gatewayID(0), now.AddDate(10, 0, 0).Format(time.RFC3339), card(0, 1)),
		"topic disagrees":     tapJSON(0, "gw-00:9:3", "gw-99", ts, card(0, 1)),
		"valid, 1000 times":   tapJSON(0, "gw-00:9:4", gatewayID(0), ts, card(0, 2)),
		"valid, unknown card": tapJSON(0, "gw-00:9:5", gatewayID(0), ts, "felica:00000000deadbeef"),
	}
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + s.brokerA).SetClientID("chaos-rogue"))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer c.Disconnect(100)
	topic := fmt.Sprintf("timeclock/v1/%s/%s/%s/punch", board, school(0), gatewayID(0))
	sent := 0
	for name, p := range bad {
		n := 1
		if name == "valid, 1000 times" {
			n = 1000
		}
		for range n {
			if tok := c.Publish(topic, 1, false, p); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
				t.Fatalf("publish %s: %v", name, tok.Error())
			}
			sent++
		}
	}
	// The valid taps are journaled and the bad payloads rejected.
	var after journalView
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if after = s.journal(); after.Taps >= before.Taps+2 && after.Rejected >= before.Rejected+5 {
			break
		}
	}
	time.Sleep(time.Second) // anything late would show now
	after = s.journal()
	ready := s.readyz() == nil
	_, metrics := s.api("/metrics", s.token)
	var causes []string
	for _, l := range logLines(t, s.agg.log) {
		if l["msg"] == "payload rejected" {
			causes = append(causes, fmt.Sprint(l["kind"]))
		}
	}
	journaled := int(after.Taps - before.Taps)
	rejected := int(after.Rejected - before.Rejected)
	r := row{c: count{taps: sent, accepted: journaled, journaled: journaled}}
	ids, _ := s.points(t.Context())
	r.c.influx = len(ids)
	r.c.doubled = max(0, journaled-2)
	r.ok = ready && journaled == 2 && rejected == 5 && len(causes) == 5 &&
		bytes.Contains(metrics, []byte("timeclock_events_rejected_total"))
	if !r.ok {
		t.Logf("journal before %+v, after %+v; the aggregator's log:\n%s", before, after, tail(s.agg.log))
	}
	r.note = fmt.Sprintf("aggregator ready %v; the 2 valid taps (one sent 1000 times, one of an unknown card) journaled once each; "+
		"%d rejected and journaled as rejected, one log line each (kinds %s), counted in timeclock_events_rejected_total",
		ready, rejected, strings.Join(causes, ", "))
	return r
}

// apiTokens asks the API what a user without the right token or scope may
// not see.
func apiTokens(t *testing.T) row {
	s := startStack(t, stackOptions{gateways: 2})
	out, err := exec.Command(bins.aggregator, "users", "add", "-file", filepath.Join(s.dir, "users.csv"),
		"-user", "principal-s00", "-role", "principal", "-scope", school(0), "-data", filepath.Join(s.dir, "data")).Output()
	if err != nil {
		t.Fatalf("users add: %v", err)
	}
	principal := strings.TrimSpace(string(out))
	s.agg.stop() // it re-reads the users file at once on start (and on SIGHUP)
	s.agg.start()
	month := time.Now().In(tokyo).Format("2006-01")
	checks := []struct {
		what, path, token string
		want              int
	}{
		{"no token", "/api/v1/staff/" + staffID(0, 0) + "/months/" + month, "", http.StatusUnauthorized},
		{"wrong token", "/api/v1/staff/" + staffID(0, 0) + "/months/" + month, strings.Repeat("0", len(principal)), http.StatusUnauthorized},
		{"other school", "/api/v1/staff/" + staffID(1, 0) + "/months/" + month, principal, http.StatusForbidden},
		{"other school's table", "/api/v1/schools/" + school(1) + "/months/" + month, principal, http.StatusForbidden},
		{"metrics without token", "/metrics", "", http.StatusUnauthorized},
		{"own school (control)", "/api/v1/staff/" + staffID(0, 0) + "/months/" + month, principal, http.StatusOK},
	}
	r := row{ok: true}
	var got []string
	for _, c := range checks {
		code, _ := s.api(c.path, c.token)
		if c.token == "" {
			code = s.get(c.path)
		}
		got = append(got, fmt.Sprintf("%s %d", c.what, code))
		r.ok = r.ok && code == c.want
		r.c.taps++
	}
	r.note = strings.Join(got, ", ")
	return r
}

// get is a GET without any token.
func (s *stack) get(path string) int {
	resp, err := http.Get("http://" + s.http + path)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// referenceCSVs checks the reference files as a technician would, with
// serve -check-config: a broken row is named by file and line; a BOM and
// CRLF line ends are accepted.
func referenceCSVs(t *testing.T) row {
	header := "staff_id,name,role,board,school,school_type,schedule,cards,start_date,end_date"
	good := "S0001,山田,teacher,chaos,chaos-s00,elementary,std,felica:0000000000000001,2026-04-01,"
	cases := []struct {
		what, roster string
		fails        bool
		want         string // in the output
	}{
		{"missing column", header + "\n" + good + "\nS0002,田中,teacher,chaos,chaos-s00,elementary,std,felica:0000000000000002\n", true, "roster.csv:3"},
		{"duplicate staff id", header + "\n" + good + "\nS0001,田中,teacher,chaos,chaos-s00,elementary,std,felica:0000000000000002,,\n", true, "roster.csv:3"},
		{"unknown schedule", header + "\n" + good + "\nS0002,田中,teacher,chaos,chaos-s00,elementary,night,felica:0000000000000002,,\n", true, "roster.csv:3"},
		{"BOM", "\ufeff" + header + "\n" + good + "\n", false, ""},
		{"CRLF", header + "\r\n" + good + "\r\n", false, ""},
	}
	r := row{ok: true}
	var got []string
	for _, c := range cases {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "roster.csv"), []byte(c.roster), 0o644)
		os.WriteFile(filepath.Join(dir, "schedules.csv"), []byte("schedule,days,start,end,break_min\nstd,Mon Tue Wed Thu Fri,08:15,16:45,45\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "calendar.csv"), []byte("date,scope,kind,value,note\n"), 0o644)
		out, err := exec.Command(bins.aggregator, "serve", "-check-config", "-data", dir, "-state", t.TempDir()).CombinedOutput()
		failed := err != nil
		line := firstLine(strings.ReplaceAll(string(out), dir+string(filepath.Separator), ""))
		ok := failed == c.fails && strings.Contains(string(out), c.want)
		if !ok {
			t.Logf("%s: exit error %v, output:\n%s", c.what, err, out)
		}
		r.ok = r.ok && ok
		r.c.taps++
		if c.fails {
			got = append(got, fmt.Sprintf("%s: refused (%s)", c.what, line))
		} else {
			got = append(got, c.what+": accepted")
		}
	}
	r.note = strings.Join(got, "; ")
	return r
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, ".csv:") {
			return strings.TrimSpace(l)
		}
	}
	return strings.TrimSpace(strings.SplitN(s, "\n", 2)[0])
}

// brokerACL runs the deploy tests that try, against the shipped Mosquitto
// configuration (TLS, passwords, ACL), what the broker must refuse.
func brokerACL(t *testing.T) row {
	root, err := daemontest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "test", "-count=1", "-v", "-run", "^(TestRefused|TestRevokedGatewayIsRefused)$", "./deploy/deploytest/")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	passed := strings.Count(string(out), "--- PASS")
	r := row{ok: err == nil, c: count{taps: strings.Count(string(out), "=== RUN")}}
	r.note = fmt.Sprintf("deploy/deploytest TestRefused and TestRevokedGatewayIsRefused: %d checks passed", passed)
	if err != nil {
		t.Logf("%s", out)
		r.note += ", some FAILED"
	}
	return r
}
