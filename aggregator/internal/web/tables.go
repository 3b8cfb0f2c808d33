package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"timeclock/aggregator/internal/report"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/roster"
)

// tablePeriod is what a tables file name asks for: FY2026 (the fiscal year
// from April up to the current month, or ?from= / ?to= inside it) or
// 2026-06 (one month).
type tablePeriod struct {
	FY       int
	From, To civil.Month
}

func parseTablePeriod(name string, q map[string][]string, current civil.Month) (tablePeriod, error) {
	if rest, ok := strings.CutPrefix(name, "FY"); ok {
		fy, err := strconv.Atoi(rest)
		if err != nil || fy < 1900 || fy > 9999 {
			return tablePeriod{}, fmt.Errorf("fiscal year %q", name)
		}
		p := tablePeriod{FY: fy, From: civil.FYStart(fy), To: min(civil.FYStart(fy)+11, current)}
		for _, b := range []struct {
			key string
			dst *civil.Month
		}{{"from", &p.From}, {"to", &p.To}} {
			if v := first(q[b.key]); v != "" {
				m, err := civil.ParseMonth(v)
				if err != nil || m.FY() != fy {
					return tablePeriod{}, fmt.Errorf("%s=%s is not a month of FY%d", b.key, v, fy)
				}
				*b.dst = m
			}
		}
		if p.To < p.From {
			return tablePeriod{}, fmt.Errorf("FY%d has no month from %s to %s", fy, p.From, p.To)
		}
		return p, nil
	}
	m, err := civil.ParseMonth(name)
	if err != nil {
		return tablePeriod{}, err
	}
	return tablePeriod{FY: m.FY(), From: m, To: m}, nil
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// tables serves the board's published tables (DOMAIN.md §6) as printable
// HTML or CSV: the same writers and the same bytes as `aggregator report`
// for the same months (tables_{board}_FY{fy}.html / .csv).
func (h *Handler) tables(w http.ResponseWriter, r *http.Request) {
	user, ok := h.d.Auth.Authenticate(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="timeclock"`)
		http.Error(w, "a valid token is required", http.StatusUnauthorized)
		return
	}
	board, file := r.PathValue("board"), r.PathValue("file")
	name, ext, _ := strings.Cut(file, ".")
	if ext != "html" && ext != "csv" {
		http.NotFound(w, r)
		return
	}
	per, err := parseTablePeriod(name, r.URL.Query(), h.today().Month())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var buf bytes.Buffer
	status := http.StatusOK
	h.d.Engine.View(func(core *overtime.Engine, data *roster.Data) {
		switch {
		case !boardExists(data, board):
			status = http.StatusNotFound
		case user.board(data, board) == accessNone:
			status = http.StatusForbidden
		default:
			t := report.BuildFYTables(core, board, per.FY, per.From, per.To)
			if ext == "html" {
				err = t.WriteHTML(&buf)
			} else {
				err = t.WriteCSV(&buf)
			}
		}
	})
	if status != http.StatusOK {
		http.Error(w, http.StatusText(status), status)
		return
	}
	if err != nil {
		h.d.Log.Error("web: tables", "board", board, "file", file, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	// The printable page is report's template, with its own inline style.
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	fname := fmt.Sprintf("tables_%s_%s.%s", board, name, ext)
	if ext == "html" {
		hd.Set("Content-Type", "text/html; charset=utf-8")
		hd.Set("Content-Disposition", `inline; filename="`+fname+`"`)
	} else {
		hd.Set("Content-Type", "text/csv; charset=utf-8")
		hd.Set("Content-Disposition", `attachment; filename="`+fname+`"`)
	}
	w.Write(buf.Bytes())
}
