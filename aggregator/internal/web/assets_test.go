package web

import (
	"encoding/xml"
	"io/fs"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"timeclock/internal/civil"
)

// Everything the page loads is in the binary: no address of another site
// in a template, the stylesheet or the script (the SVG namespace is a name,
// not a fetch).
func TestNoExternalAssets(t *testing.T) {
	url := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	for _, fsys := range []fs.FS{templateFS, staticFS} {
		err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(fsys, path)
			for _, m := range url.FindAllString(string(b), -1) {
				if m != "http://www.w3.org" {
					t.Errorf("%s refers to %s", path, m)
				}
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	f := newFixture(t)
	for _, c := range []struct{ path, ctype string }{
		{"/static/app.js", "text/javascript; charset=utf-8"},
		{"/static/app.css", "text/css; charset=utf-8"},
		{"/static/favicon.svg", "image/svg+xml"},
	} {
		resp, body := f.get(c.path, "", "")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != c.ctype || len(body) < 100 {
			t.Errorf("%s: %d %q, %d bytes", c.path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
	}
}

// The pages keep to their Content Security Policy: no inline script, no
// inline style, no event handler attributes; and every page is well-formed
// enough for an XML parser where it is SVG.
func TestPagesKeepThePolicy(t *testing.T) {
	f := newFixture(t)
	s := f.staffOf("usa-e01")[1]
	inline := regexp.MustCompile(`(?i)<script>|<script [^>]*>[^<]|<style|\sstyle=|\son[a-z]+=`)
	svg := regexp.MustCompile(`(?s)<svg .*?</svg>`)
	for _, c := range []struct{ path, role, name string }{
		{"/", RoleAdmin, "ops"}, {"/board/usa", RoleBoard, "usa"}, {"/school/usa-e01", RolePrincipal, "usa-e01"},
		{"/staff/" + s.ID, RoleStaff, s.ID}, {"/login", "", ""}, {"/nowhere", RoleAdmin, "ops"},
	} {
		resp, body := f.get(c.path, c.role, c.name)
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") ||
			!strings.Contains(csp, "style-src 'self'") {
			t.Errorf("%s: policy %q", c.path, csp)
		}
		if m := inline.FindString(body); m != "" {
			t.Errorf("%s has inline code or style: %q", c.path, m)
		}
		for _, chart := range svg.FindAllString(body, -1) {
			if err := xml.Unmarshal([]byte(chart), new(struct{})); err != nil {
				t.Errorf("%s: a chart is not well-formed: %v\n%.200s", c.path, err, chart)
			}
		}
	}
}

func TestChart(t *testing.T) {
	c := chart{Title: "月 <test> & co", Unit: "h", Bars: []bar{
		{Label: "4月", Value: 10, Text: "10:00"}, {Label: "5月", Value: 40, Text: "40:00", Class: "warn"},
		{Label: "6月", Missing: true, Mark: "＊"},
	}, Line: []float64{math.NaN(), 20, 30}, LineLabel: "avg", Refs: []ref{{Value: 45, Label: "45h", Class: "r45"}}}
	out := string(c.SVG())
	var doc struct {
		Rects []struct {
			Y      float64 `xml:"y,attr"`
			Height float64 `xml:"height,attr"`
		} `xml:"rect"`
		Texts []string `xml:"text"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, out)
	}
	if len(doc.Rects) != 2 {
		t.Fatalf("%d bars, want 2 (the missing one drawn as a mark)", len(doc.Rects))
	}
	if r := doc.Rects[1].Height / doc.Rects[0].Height; math.Abs(r-4) > 0.01 {
		t.Errorf("bar heights %v and %v: ratio %.3f, want 4", doc.Rects[0].Height, doc.Rects[1].Height, r)
	}
	if doc.Rects[0].Y+doc.Rects[0].Height != doc.Rects[1].Y+doc.Rects[1].Height {
		t.Errorf("bars do not share a base line")
	}
	if !strings.Contains(out, "月 &lt;test&gt; &amp; co") || !strings.Contains(out, "＊") ||
		strings.Count(out, "<circle") != 2 || !strings.Contains(out, `class="ref r45"`) {
		t.Errorf("chart:\n%s", out)
	}
	for _, c := range []struct{ raw, want float64 }{{0, 1}, {0.3, 0.5}, {3, 5}, {11, 20}, {24, 25}, {1300, 2000}} {
		if got := niceStep(c.raw); got != c.want {
			t.Errorf("niceStep(%v) = %v, want %v", c.raw, got, c.want)
		}
	}
	bd := barData{SoFar: 30 * 60, Projected: 60 * 60, Max: 100 * 60}
	if err := xml.Unmarshal([]byte(bd.SVG()), new(struct{})); err != nil {
		t.Errorf("forecast bar: %v", err)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{hmm(0), "0:00"}, {hmm(1815), "30:15"}, {hmm(-61), "-1:01"},
		{hmmRatio(91, 2), "0:46"}, {hmmRatio(1, 0), "—"}, {hmmF(2699.5), "45:00"},
		{pct(1, 8), "12.5%"}, {pct(1, 3), "33.3%"}, {pct(2, 3), "66.7%"}, {pct(1, 0), "—"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestTablePeriod(t *testing.T) {
	cur := civil.MonthOf(2026, 11)
	for _, c := range []struct {
		name, from, to string
		want           string // FY from to, or "error"
	}{
		{"FY2026", "", "", "2026 2026-04 2026-11"},
		{"FY2025", "", "", "2025 2025-04 2026-03"},
		{"FY2026", "2026-06", "2026-09", "2026 2026-06 2026-09"},
		{"2026-07", "", "", "2026 2026-07 2026-07"},
		{"2027-02", "", "", "2026 2027-02 2027-02"},
		{"FY2027", "", "", "error"}, // no month of it has begun
		{"FY2026", "2026-03", "", "error"},
		{"FY2026", "2026-10", "2026-08", "error"},
		{"FYx", "", "", "error"},
		{"2026-13", "", "", "error"},
	} {
		q := map[string][]string{}
		if c.from != "" {
			q["from"] = []string{c.from}
		}
		if c.to != "" {
			q["to"] = []string{c.to}
		}
		p, err := parseTablePeriod(c.name, q, cur)
		got := "error"
		if err == nil {
			got = strings.Join([]string{strconv.Itoa(p.FY), p.From.String(), p.To.String()}, " ")
		}
		if got != c.want {
			t.Errorf("%s from=%s to=%s: %s, want %s", c.name, c.from, c.to, got, c.want)
		}
	}
}
