// Package api serves the aggregator's HTTP endpoints: /healthz, /readyz,
// Prometheus /metrics, and the JSON API under /api/v1 — a staff member's
// month, school and board summaries, alerts, rejected payloads, and POST of
// adjustments (validated, journaled and applied by the engine, with the
// author taken from the credential).
//
// Authentication is a static bearer token per role from the configuration
// (board, principal, staff, admin); what each role may see is decided here
// per endpoint. Board views show aggregates only.
package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"timeclock/aggregator/internal/config"
	"timeclock/aggregator/internal/engine"
	"timeclock/aggregator/internal/ingest"
	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/metrics"
	"timeclock/internal/punch"
)

// Deps is what the API reads and calls.
type Deps struct {
	Engine      func() *engine.Engine
	Open        func() []journal.Alert // raised alerts
	Journal     *journal.Journal
	Submit      func(ctx context.Context, ev punch.Event, check func(*journal.Writer, *punch.Event) error) ingest.Result
	Tokens      []config.Token
	Now         func() time.Time
	DayStartMin int
	Ready       func() []string // what keeps the service from being ready; empty when ready
	InfluxLag   func() uint64   // journal records not yet written to InfluxDB
	Metrics     *metrics.Metrics
	Log         *slog.Logger
}

// API is the HTTP handler set.
type API struct {
	d Deps
}

// New returns the API over d.
func New(d Deps) *API { return &API{d: d} }

// Role names.
const (
	RoleBoard     = "board"
	RolePrincipal = "principal"
	RoleStaff     = "staff"
	RoleAdmin     = "admin"
)

// Register mounts the endpoints on mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", a.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.d.Metrics.Registry, promhttp.HandlerOpts{}))
	mux.Handle("GET /api/v1/staff/{staff}/months/{month}", a.auth(a.staffMonth, RoleAdmin, RolePrincipal, RoleStaff))
	mux.Handle("GET /api/v1/schools/{school}/months/{month}", a.auth(a.schoolMonth, RoleAdmin, RolePrincipal))
	mux.Handle("GET /api/v1/boards/{board}/months/{month}", a.auth(a.boardMonth, RoleAdmin, RolePrincipal, RoleBoard))
	mux.Handle("GET /api/v1/alerts", a.auth(a.alerts, RoleAdmin, RolePrincipal, RoleBoard))
	mux.Handle("GET /api/v1/rejected", a.auth(a.rejected, RoleAdmin))
	mux.Handle("GET /api/v1/journal", a.auth(a.journal, RoleAdmin))
	mux.Handle("POST /api/v1/adjustments", a.auth(a.postAdjustment, RoleAdmin, RolePrincipal, RoleStaff))
}

func (a *API) readyz(w http.ResponseWriter, _ *http.Request) {
	problems := a.d.Ready()
	if len(problems) > 0 {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ready": false, "problems": problems})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ready": true})
}

// Principal is the caller, as its credential says.
type Principal struct {
	Role, Name string
}

type ctxKey struct{}

// auth wraps h: the bearer token must belong to one of roles.
func (a *API) auth(h func(http.ResponseWriter, *http.Request, Principal), roles ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := a.principal(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="timeclock"`)
			writeError(w, http.StatusUnauthorized, "a valid bearer token is required")
			return
		}
		for _, role := range roles {
			if p.Role == role {
				h(w, r, p)
				return
			}
		}
		writeError(w, http.StatusForbidden, "role "+p.Role+" may not do this")
	})
}

func (a *API) principal(r *http.Request) (Principal, bool) {
	const prefix = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) <= len(prefix) || h[:len(prefix)] != prefix {
		return Principal{}, false
	}
	secret := []byte(h[len(prefix):])
	found := -1
	// Compare with every token, in constant time each, so the timing does
	// not tell which (or whether one) matched.
	for i, t := range a.d.Tokens {
		if subtle.ConstantTimeCompare(secret, []byte(t.Secret)) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Principal{}, false
	}
	return Principal{Role: a.d.Tokens[found].Role, Name: a.d.Tokens[found].Name}, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func queryInt(r *http.Request, name string, def, lo, hi int) (int, bool) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}
