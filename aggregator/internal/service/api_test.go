package service

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"timeclock/aggregator/internal/config"
	"timeclock/aggregator/internal/web/webtest/harness"
)

func TestAPI(t *testing.T) {
	f := newFixture(t, 3)
	cfg := baseConfig(t, f, "", "")
	const (
		principal = "principal-secret-0123"
		boardTok  = "board-secret-0123456"
		staff1    = "staff-t0001-secret-01"
	)
	cfg.Tokens = append(cfg.Tokens, config.Token{Role: "principal", Name: "nakatsu-e00", Secret: principal},
		config.Token{Role: "board", Name: "nakatsu", Secret: boardTok},
		config.Token{Role: "staff", Name: "T0001", Secret: staff1})
	s := start(t, cfg)
	base := "http://" + s.HTTPAddr()
	d := workday(time.Now())
	month := d.Month().String()
	adj := func(id, staff, kind string, minutes int) string {
		return fmt.Sprintf(`{"id":%q,"staff":%q,"date":%q,"kind":%q,"minutes":%d,"reason":"引率"}`, id, staff, d, kind, minutes)
	}
	tests := []struct {
		name, method, path, token, body string
		want                            int
		contains                        string
	}{
		{"health", "GET", "/healthz", "", "", 200, "ok"},
		{"no token", "GET", "/api/v1/staff/T0001/months/" + month, "", "", 401, "bearer"},
		{"bad token", "GET", "/api/v1/staff/T0001/months/" + month, "nope-nope-nope-nope", "", 401, ""},
		{"staff reads own", "GET", "/api/v1/staff/T0001/months/" + month, staff1, "", 200, `"staff": "T0001"`},
		{"staff reads another", "GET", "/api/v1/staff/T0002/months/" + month, staff1, "", 403, "own"},
		{"board may not read staff", "GET", "/api/v1/staff/T0001/months/" + month, boardTok, "", 403, ""},
		{"unknown staff", "GET", "/api/v1/staff/T9999/months/" + month, adminToken, "", 404, ""},
		{"bad month", "GET", "/api/v1/staff/T0001/months/2026-13", adminToken, "", 400, ""},
		{"rejected is admin only", "GET", "/api/v1/rejected", principal, "", 403, ""},
		{"adjustment", "POST", "/api/v1/adjustments", principal, adj("adj-t1", "T0001", "offsite", 120), 201, `"author": "nakatsu-e00"`},
		{"same id again", "POST", "/api/v1/adjustments", principal, adj("adj-t1", "T0001", "offsite", 120), 200, `"duplicate": true`},
		{"staff for self", "POST", "/api/v1/adjustments", staff1, adj("adj-t2", "T0001", "telework", 30), 201, `"author": "T0001"`},
		{"staff for another", "POST", "/api/v1/adjustments", staff1, adj("adj-t3", "T0002", "telework", 30), 403, ""},
		{"board may not post", "POST", "/api/v1/adjustments", boardTok, adj("adj-t4", "T0001", "telework", 30), 403, ""},
		{"unknown staff refused", "POST", "/api/v1/adjustments", adminToken, adj("adj-t5", "T9999", "offsite", 10), 422, "unknown staff"},
		{"principal: unknown staff is out of scope", "POST", "/api/v1/adjustments", principal, adj("adj-t8", "T9999", "offsite", 10), 403, ""},
		{"bad kind", "POST", "/api/v1/adjustments", principal, adj("adj-t6", "T0001", "holiday", 10), 422, "kind"},
		{"zero minutes", "POST", "/api/v1/adjustments", principal, adj("adj-t7", "T0001", "offsite", 0), 422, "minutes"},
		{"unknown field", "POST", "/api/v1/adjustments", principal, `{"staff":"T0001","author":"me"}`, 400, "unknown field"},
		{"retract of nothing", "POST", "/api/v1/adjustments", principal, `{"id":"adj-r1","staff":"T0001","kind":"retract","target":"adj-none","reason":"誤入力"}`, 422, "no such adjustment"},
		{"retract of another's", "POST", "/api/v1/adjustments", principal, `{"id":"adj-r2","staff":"T0002","kind":"retract","target":"adj-t1","reason":"誤入力"}`, 422, "not of T0002"},
		{"retract", "POST", "/api/v1/adjustments", principal, `{"id":"adj-r3","staff":"T0001","kind":"retract","target":"adj-t2","reason":"誤入力"}`, 201, `"date": "` + d.String()},
		{"staff month after", "GET", "/api/v1/staff/T0001/months/" + month, adminToken, "", 200, `"at_work_min": 120`},
		{"board summary", "GET", "/api/v1/boards/nakatsu/months/" + month, boardTok, "", 200, `"suppressed": true`},
		{"school summary", "GET", "/api/v1/schools/nakatsu-e00/months/" + month, principal, "", 200, `"staff": "T0002"`},
		{"alerts for board: counts only", "GET", "/api/v1/alerts", boardTok, "", 200, `"counts"`},
		{"journal", "GET", "/api/v1/journal", adminToken, "", 200, `"adjustments": 3`},
	}
	for _, tt := range tests {
		st, body := harness.Do(t, tt.method, base+tt.path, tt.token, tt.body)
		if st != tt.want || !strings.Contains(string(body), tt.contains) {
			t.Errorf("%s: %d %s\nwant %d containing %q", tt.name, st, body, tt.want, tt.contains)
		}
	}
}

// A start that fails after the journal is open returns its error and
// releases what it took: the next start on the same state opens it.
func TestNewFailureReleasesTheState(t *testing.T) {
	f := newFixture(t, 3)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := baseConfig(t, f, "", "")
	cfg.HTTPListen = busy.Addr().String()
	if s, err := New(cfg, testLog(t), time.Now); err == nil || !strings.Contains(err.Error(), "http") {
		t.Fatalf("New with the HTTP port taken: %v, %v; want an http error", s, err)
	}
	cfg.HTTPListen = "127.0.0.1:0"
	s, err := New(cfg, testLog(t), time.Now)
	if err != nil {
		t.Fatalf("New after a failed start: %v", err)
	}
	s.Close()
}
