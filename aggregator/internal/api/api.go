// Package api serves the aggregator's HTTP endpoints: /healthz, /readyz,
// Prometheus /metrics, and the JSON API under /api/v1 — a staff member's
// month, school and board summaries, alerts, rejected payloads, what each
// gateway sent, and POST of adjustments (validated, journaled and applied by
// the engine, with the author taken from the credential).
//
// Every endpoint but the health checks needs a bearer token (package auth);
// its role and scope decide, per endpoint, what the caller sees:
//
//	endpoint                                  admin  board        principal          staff
//	GET  /metrics                             yes    -            -                  -
//	GET  /api/v1/staff/{staff}/months/{m}     yes    -            staff of school    self
//	GET  /api/v1/schools/{school}/months/{m}  yes    -            own school         -
//	GET  /api/v1/boards/{board}/months/{m}    yes    own board    board of school    -
//	GET  /api/v1/alerts                       all    counts, own  own school         own
//	GET  /api/v1/rejected, journal, ingest    yes    -            -                  -
//	POST /api/v1/adjustments                  yes    -            staff of school    self
//
// No token is 401, a role or scope that does not reach is 403. Board views
// show aggregates only, and hide the figures of every group of fewer than
// MinGroup staff — and of as many more groups as it takes so that none can
// be computed back from a total. A token is accepted in the Authorization
// header (or the live page's cookie), never in the URL, which ends up in
// logs. Request bodies are bounded and parsed strictly; every refusal is
// counted in timeclock_http_refused_total.
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"timeclock/aggregator/internal/auth"
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
	Auth        Authenticator
	Gateways    func() []ingest.GatewayStats // what each gateway sent
	Limits      ingest.Limits                // each gateway's allowance
	Now         func() time.Time
	DayStartMin int
	Ready       func() []string // what keeps the service from being ready; empty when ready
	InfluxLag   func() uint64   // journal records not yet written to InfluxDB
	Metrics     *metrics.Metrics
	Log         *slog.Logger
}

// Authenticator tells who sent a request (auth.Store).
type Authenticator interface {
	Authenticate(r *http.Request) (auth.Principal, bool)
}

// API is the HTTP handler set.
type API struct {
	d Deps
}

// New returns the API over d.
func New(d Deps) *API { return &API{d: d} }

// Role names (auth's).
const (
	RoleBoard     = auth.RoleBoard
	RolePrincipal = auth.RolePrincipal
	RoleStaff     = auth.RoleStaff
	RoleAdmin     = auth.RoleAdmin
)

// Principal is the caller (auth's).
type Principal = auth.Principal

// Register mounts the endpoints on mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", a.readyz)
	metrics := promhttp.HandlerFor(a.d.Metrics.Registry, promhttp.HandlerOpts{})
	mux.Handle("GET /metrics", a.auth(func(w http.ResponseWriter, r *http.Request, _ Principal) {
		metrics.ServeHTTP(w, r)
	}, RoleAdmin))
	mux.Handle("GET /api/v1/staff/{staff}/months/{month}", a.auth(a.staffMonth, RoleAdmin, RolePrincipal, RoleStaff))
	mux.Handle("GET /api/v1/schools/{school}/months/{month}", a.auth(a.schoolMonth, RoleAdmin, RolePrincipal))
	mux.Handle("GET /api/v1/boards/{board}/months/{month}", a.auth(a.boardMonth, RoleAdmin, RolePrincipal, RoleBoard))
	mux.Handle("GET /api/v1/alerts", a.auth(a.alerts, RoleAdmin, RolePrincipal, RoleBoard, RoleStaff))
	mux.Handle("GET /api/v1/rejected", a.auth(a.rejected, RoleAdmin))
	mux.Handle("GET /api/v1/journal", a.auth(a.journal, RoleAdmin))
	mux.Handle("GET /api/v1/ingest", a.auth(a.ingest, RoleAdmin))
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

// auth wraps h: the request must carry a token of one of roles. The scope
// is h's to check.
func (a *API) auth(h func(http.ResponseWriter, *http.Request, Principal), roles ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("token") {
			a.refuse(w, http.StatusBadRequest, "send the token in the Authorization header, not in the URL")
			return
		}
		p, ok := a.d.Auth.Authenticate(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="timeclock"`)
			a.refuse(w, http.StatusUnauthorized, "a valid bearer token is required")
			return
		}
		if !slices.Contains(roles, p.Role) {
			a.refuse(w, http.StatusForbidden, "role "+p.Role+" may not do this")
			return
		}
		h(w, r, p)
	})
}

// refuse answers an error and counts the refusal.
func (a *API) refuse(w http.ResponseWriter, status int, msg string) {
	a.d.Metrics.APIRefused.WithLabelValues(strconv.Itoa(status)).Inc()
	writeError(w, status, msg)
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
