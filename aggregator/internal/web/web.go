// Package web is the aggregator's live page, what the board, the principals
// and the staff see: taps arriving (server-sent events), each board's and
// school's current month (headcount, staff over 45 h and their share, mean
// overtime, the DOMAIN.md §6 buckets), alerts raised and cleared by rule,
// the month-end forecast, the gateways' health, a staff member's months,
// rolling averages and days, and the board's published tables (HTML and CSV,
// the very bytes `aggregator report` writes).
//
// The page is Japanese first with an English switch, drawn on the server as
// HTML with SVG charts and a small hand-written script for the live parts;
// every asset is embedded in the binary. Who sees what follows the role and
// scope of the caller's token — the aggregator's users, the same as the
// JSON API's, given as a bearer header, the page's cookie, or ?token= once
// (moved into the cookie): a board sees aggregates of its own board only,
// with groups of fewer than MinGroup staff hidden and names never shown; a
// principal sees their school's staff by name and their board's
// aggregates; a staff member sees themselves; an admin sees everything.
//
// New takes small interfaces (the engine, gateway statuses, the alert feed,
// the tap feed, the authenticator), so the page is tested without the whole
// service; package journalfeed implements the feeds from the journal.
//
// A page request goes through page.go (the credential, the language, the
// month), then, under the engine's read lock, to the page's own file —
// home.go, board.go, school.go, staff.go; group.go the figures a board's and
// a school's month share, over model.go's groups, alerts.go and charts.go —
// which fills the Body of the page's template, drawn in the frame of
// templates/layout.html with the texts of i18n/<lang>.json. live.go adds the
// taps and gateways and streams /events; tables.go serves the tables.
package web

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"timeclock/aggregator/internal/journal"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
)

// MinGroup is the smallest group shown apart to a board (DOMAIN.md §6,
// privacy): a smaller group's figures are hidden.
const MinGroup = 5

// Engine gives read access to the overtime core and its roster. fn must
// only read and must not keep them.
type Engine interface {
	View(fn func(core *overtime.Engine, data *roster.Data))
}

// ViewFunc adapts a function to Engine (the service's engine is swapped on
// a reload, so it is looked up on every view).
type ViewFunc func(fn func(core *overtime.Engine, data *roster.Data))

// View calls f(fn).
func (f ViewFunc) View(fn func(core *overtime.Engine, data *roster.Data)) { f(fn) }

// Gateways reports the latest status each gateway published (its retained
// status topic, FORMATS.md §1).
type Gateways interface {
	Gateways() []journal.Status
}

// AlertCount counts the alert transitions of one rule at one school in a
// month (of detection).
type AlertCount struct {
	Board, School, Rule string
	Raised, Cleared     int
}

// Alerts is the alert feed: what is raised now, and what was raised and
// cleared in a month.
type Alerts interface {
	OpenAlerts() []journal.Alert
	AlertCounts(month civil.Month) []AlertCount
}

// Update is one journaled record the live page may show: exactly one of
// Tap, Alert and Status is set. Seq is its journal sequence number.
type Update struct {
	Seq    uint64
	Tap    *punch.Tap
	Alert  *journal.Alert
	Status *journal.Status
}

// Taps is the live stream of the page.
type Taps interface {
	// RecentTaps returns the latest taps, oldest first, as updates.
	RecentTaps() []Update
	// Subscribe returns a channel of what is journaled from now on and a
	// function that ends the subscription. The channel is closed when the
	// feed stops, or when the subscriber falls too far behind (the page
	// then reconnects and asks for what it missed).
	Subscribe() (<-chan Update, func())
}

// Authenticator tells who sent a request.
type Authenticator interface {
	Authenticate(r *http.Request) (Principal, bool)
}

// Deps is what the page reads.
type Deps struct {
	Engine      Engine
	Gateways    Gateways
	Alerts      Alerts
	Taps        Taps
	Auth        Authenticator
	Now         func() time.Time
	DayStartMin int
	Log         *slog.Logger
}

// Handler serves the page; it is an http.Handler.
type Handler struct {
	d      Deps
	mux    *http.ServeMux
	pages  map[string]*template.Template
	static http.Handler
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// New returns the page over d.
func New(d Deps) *Handler {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	sub, _ := fs.Sub(staticFS, "static")
	h := &Handler{d: d, mux: http.NewServeMux(), pages: parseTemplates(), static: http.FileServerFS(sub)}
	h.routes()
	return h
}

// ServeHTTP serves a request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) routes() {
	h.mux.HandleFunc("GET /{$}", h.page(h.home))
	h.mux.HandleFunc("GET /login", h.loginForm)
	h.mux.HandleFunc("POST /login", h.login)
	h.mux.HandleFunc("GET /logout", h.logout)
	h.mux.Handle("GET /static/", http.StripPrefix("/static", staticCache(h.static)))
	h.mux.HandleFunc("GET /board/{board}", h.page(h.boardPage))
	h.mux.HandleFunc("GET /school/{school}", h.page(h.schoolPage))
	h.mux.HandleFunc("GET /staff/{staff}", h.page(h.staffPage))
	h.mux.HandleFunc("GET /events", h.events)
	h.mux.HandleFunc("GET /tables/{board}/{file}", h.tables)
	h.mux.HandleFunc("GET /api/v1/boards/{board}/tables/{file}", h.tables)
	h.mux.HandleFunc("/", h.notFound)
}

func staticCache(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The assets change only with the binary; an hour keeps a projector
		// from asking again on every refresh.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// today is the current work date.
func (h *Handler) today() civil.Date {
	d, _ := civil.WorkDate(h.d.Now().Unix(), h.d.DayStartMin)
	return d
}
