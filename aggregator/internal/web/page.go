package web

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/roster"
)

// Page is what every template gets: the language, the viewer, the month
// shown, the live parts (taps, gateways) and the page's own Body.
type Page struct {
	translator
	Lang  string
	Title string
	User  Principal
	Who   string
	Path  string
	Month civil.Month
	Today civil.Date
	// Live is the query of the page's event stream (/events?...); empty
	// for a page without live parts.
	Live         string
	Nav          []navLink
	Taps         []tapView
	ShowTaps     bool
	Gateways     []gatewayView
	ShowGateways bool
	Body         any
	query        url.Values
}

type navLink struct {
	Href, Text string
	Current    bool
}

// LangHref is the link that switches the language, keeping the page.
func (p *Page) LangHref() string {
	other := LangEN
	if p.Lang == LangEN {
		other = LangJA
	}
	return p.href(map[string]string{"lang": other})
}

// OtherLang is the language LangHref switches to.
func (p *Page) OtherLang() string {
	if p.Lang == LangEN {
		return LangJA
	}
	return LangEN
}

// MonthHref links the same page for month m.
func (p *Page) MonthHref(m civil.Month) string {
	return p.href(map[string]string{"month": m.String()})
}

// monthQuery keeps p's month on a link to another page: none for the
// current month.
func monthQuery(p *Page) string {
	if p.IsCurrent() {
		return ""
	}
	return "?month=" + p.Month.String()
}

// PrevHref and NextHref step the month.
func (p *Page) PrevHref() string { return p.MonthHref(p.Month - 1) }

// NextHref links the next month, or nothing after the current one.
func (p *Page) NextHref() string {
	if p.Month >= p.Today.Month() {
		return ""
	}
	return p.MonthHref(p.Month + 1)
}

// IsCurrent reports whether the month shown is the current month.
func (p *Page) IsCurrent() bool { return p.Month == p.Today.Month() }

func (p *Page) href(set map[string]string) string {
	q := url.Values{}
	for k, v := range p.query {
		if k != "token" && k != "lang" {
			q[k] = v
		}
	}
	for k, v := range set {
		q.Set(k, v)
	}
	u := url.URL{Path: p.Path, RawQuery: q.Encode()}
	return u.String()
}

// The partial templates of layout.html take the page and their own data.
type (
	cellTableData struct {
		P     *Page
		Head  string
		Cells []cell
	}
	kpiTableData struct {
		P *Page
		C cell
	}
	alertTableData struct {
		P    *Page
		Rows []alertRow
	}
	openTableData struct {
		P    *Page
		Rows []openAlert
	}
	forecastData struct {
		P *Page
		F forecastView
	}
)

var funcs = template.FuncMap{
	"hmm":    func(min int64) string { return hmm(min) },
	"hmmInt": func(min int) string { return hmm(int64(min)) },
	"hmmF":   hmmF,
	"cellTable": func(p *Page, head string, cells []cell) cellTableData {
		return cellTableData{P: p, Head: head, Cells: cells}
	},
	"kpiData":    func(p *Page, c cell) kpiTableData { return kpiTableData{P: p, C: c} },
	"alertTable": func(p *Page, rows []alertRow) alertTableData { return alertTableData{P: p, Rows: rows} },
	"openTable":  func(p *Page, rows []openAlert) openTableData { return openTableData{P: p, Rows: rows} },
	"fcast":      func(p *Page, f forecastView) forecastData { return forecastData{P: p, F: f} },
}

func parseTemplates() map[string]*template.Template {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		out[base] = template.Must(template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
	}
	return out
}

// securityHeaders keeps the page to its own assets: no inline script or
// style, no framing, no referrer carrying a month or a staff id elsewhere.
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, p *Page) {
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		h.d.Log.Error("web: rendering", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// coreView is the engine and roster a page is built from, under the
// engine's read lock.
type coreView struct {
	core *overtime.Engine
	data *roster.Data
}

// pageFunc fills a page; it returns the template and the status, or
// status 403 / 404 for the error page.
type pageFunc func(r *http.Request, p *Page, core *coreView) (string, int)

// page wraps a page: it moves a ?token= into the cookie and a ?lang= into
// its cookie (redirecting to the clean address), sends a visitor without a
// valid credential to the login form, and fills the common parts.
func (h *Handler) page(fn pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Has("token") || q.Has("lang") {
			if tok := q.Get("token"); tok != "" {
				if _, ok := h.d.Auth.Authenticate(r); !ok {
					h.loginPage(w, r, lang(r), r.URL.Path, true)
					return
				}
				setTokenCookie(w, r, tok)
			}
			if q.Has("lang") {
				http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: lang(r), Path: "/", MaxAge: 365 * 24 * 3600,
					SameSite: http.SameSiteLaxMode})
			}
			u := *r.URL
			v := u.Query()
			v.Del("lang")
			u.RawQuery = v.Encode()
			http.Redirect(w, r, withoutToken(&u), http.StatusSeeOther)
			return
		}
		user, ok := h.d.Auth.Authenticate(r)
		if !ok {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		p := h.newPage(lang(r), r.URL.Path, q)
		p.User, p.Who = user, user.Name
		if m, err := civil.ParseMonth(q.Get("month")); err == nil && m <= p.Today.Month() {
			p.Month = m
		}
		var name string
		status := http.StatusOK
		h.d.Engine.View(func(core *overtime.Engine, data *roster.Data) {
			cv := &coreView{core: core, data: data}
			p.Nav = h.nav(user, data, p.translator)
			name, status = fn(r, p, cv)
		})
		switch status {
		case http.StatusOK:
		case http.StatusFound:
			http.Redirect(w, r, name, http.StatusFound)
			return
		default:
			h.errorPage(w, p, status)
			return
		}
		h.render(w, status, name, p)
	}
}

// newPage is a page in language l at path with query, of the current month.
func (h *Handler) newPage(l, path string, query url.Values) *Page {
	today := h.today()
	return &Page{translator: translator{l}, Lang: l, Path: path, Today: today, Month: today.Month(), query: query}
}

func (h *Handler) errorPage(w http.ResponseWriter, p *Page, status int) {
	key := "not_found"
	if status == http.StatusForbidden {
		key = "forbidden"
	}
	p.Title, p.Body, p.Live, p.ShowTaps, p.ShowGateways = p.T(key), nil, "", false, false
	h.render(w, status, "error", p)
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(lang(r), r.URL.Path, url.Values{})
	if user, ok := h.d.Auth.Authenticate(r); ok {
		p.User, p.Who = user, user.Name
	}
	h.errorPage(w, p, http.StatusNotFound)
}

// nav lists the viewer's places.
func (h *Handler) nav(user Principal, data *roster.Data, tr translator) []navLink {
	switch user.Role {
	case RoleAdmin:
		var out []navLink
		for _, b := range Boards(data) {
			out = append(out, navLink{Href: "/board/" + b, Text: b})
		}
		return out
	case RoleBoard:
		return []navLink{{Href: "/board/" + user.Name, Text: user.Name}}
	case RolePrincipal:
		out := []navLink{{Href: "/school/" + user.Name, Text: user.Name}}
		if sc, ok := schoolOf(data, user.Name); ok {
			out = append(out, navLink{Href: "/board/" + sc.Board, Text: sc.Board})
		}
		return out
	case RoleStaff:
		return []navLink{{Href: "/staff/" + user.Name, Text: tr.T("staff_view")}}
	}
	return nil
}

// Boards returns the boards of data's schools, sorted.
func Boards(data *roster.Data) []string {
	var out []string
	for _, sc := range data.Schools() {
		out = append(out, sc.Board)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	h.loginPage(w, r, lang(r), r.URL.Query().Get("next"), false)
}

type loginBody struct {
	Next   string
	Failed bool
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request, l, next string, failed bool) {
	p := h.newPage(l, "/login", url.Values{"next": {next}})
	p.Title = p.T("login_title")
	p.Body = loginBody{Next: safeNext(next), Failed: failed}
	status := http.StatusOK
	if failed {
		status = http.StatusUnauthorized
	}
	h.render(w, status, "login", p)
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	tok, next := r.PostForm.Get("token"), r.PostForm.Get("next")
	probe := r.Clone(r.Context())
	probe.URL = &url.URL{Path: "/"}
	probe.Header = http.Header{"Authorization": {"Bearer " + tok}}
	if _, ok := h.d.Auth.Authenticate(probe); !ok || tok == "" {
		h.loginPage(w, r, lang(r), next, true)
		return
	}
	setTokenCookie(w, r, tok)
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a redirect after login on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}
