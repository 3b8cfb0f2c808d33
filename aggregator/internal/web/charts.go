package web

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Charts are drawn on the server as inline SVG: no script, no fonts or
// libraries to ship, sharp on a projector and on a phone (the viewBox
// scales to the width of the page). Colours and type come from app.css
// through classes; no inline styles, so the page's strict Content Security
// Policy holds.

// bar is one column of a chart. Missing draws no bar but keeps the slot (a
// month before the record), with Mark printed instead (＊ for a group
// hidden for privacy).
type bar struct {
	Label   string
	Value   float64
	Text    string // printed above the bar; empty prints nothing
	Class   string // extra class (warn, critical)
	Missing bool
	Mark    string
}

// ref is a horizontal reference line (45 h, 80 h, 100 h).
type ref struct {
	Value float64
	Label string
	Class string
}

// chart is a bar chart with optional reference lines and one line series.
type chart struct {
	Title     string
	Bars      []bar
	Line      []float64 // one per bar; NaN for no point
	LineLabel string
	Refs      []ref
	Unit      string // appended to axis ticks (h, %)
	Width     int    // viewBox width; 640 when 0
	Height    int    // viewBox height; 240 when 0
}

const (
	padLeft   = 46
	padRight  = 14
	padTop    = 18
	padBottom = 30
)

// SVG renders the chart.
func (c chart) SVG() template.HTML {
	w, h := c.Width, c.Height
	if w == 0 {
		w = 640
	}
	if h == 0 {
		h = 240
	}
	top := 0.0
	for _, b := range c.Bars {
		if !b.Missing {
			top = math.Max(top, b.Value)
		}
	}
	for _, v := range c.Line {
		if !math.IsNaN(v) {
			top = math.Max(top, v)
		}
	}
	for _, r := range c.Refs {
		top = math.Max(top, r.Value)
	}
	step := niceStep(top / 4)
	top = math.Max(step, math.Ceil(top*1.08/step)*step)
	plotW, plotH := float64(w-padLeft-padRight), float64(h-padTop-padBottom)
	y := func(v float64) float64 { return float64(padTop) + plotH*(1-v/top) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		w, h, html.EscapeString(c.Title))
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(c.Title))
	for v := 0.0; v <= top+step/2; v += step {
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, padLeft, w-padRight, y(v), y(v))
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%.1f" text-anchor="end">%s%s</text>`, padLeft-6, y(v)+4,
			num(v), html.EscapeString(c.Unit))
	}
	n := len(c.Bars)
	slot := plotW / float64(max(n, 1))
	bw := math.Max(2, slot*0.68)
	every := 1
	if n > 16 {
		every = (n + 15) / 16 // day charts: label every other day or so
	}
	for i, br := range c.Bars {
		x := float64(padLeft) + slot*float64(i) + (slot-bw)/2
		cx := x + bw/2
		if !br.Missing {
			fmt.Fprintf(&b, `<rect class="bar %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s %s</title></rect>`,
				html.EscapeString(br.Class), x, y(br.Value), bw, math.Max(0, y(0)-y(br.Value)),
				html.EscapeString(br.Label), html.EscapeString(br.Text))
			if br.Text != "" && n <= 14 {
				fmt.Fprintf(&b, `<text class="val" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, cx, y(br.Value)-4,
					html.EscapeString(br.Text))
			}
		} else if br.Mark != "" && n <= 14 {
			fmt.Fprintf(&b, `<text class="val muted" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, cx, y(0)-4,
				html.EscapeString(br.Mark))
		}
		if i%every == 0 {
			fmt.Fprintf(&b, `<text class="lab" x="%.1f" y="%d" text-anchor="middle">%s</text>`, cx, h-padBottom+16,
				html.EscapeString(br.Label))
		}
	}
	for _, r := range c.Refs {
		fmt.Fprintf(&b, `<line class="ref %s" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, html.EscapeString(r.Class),
			padLeft, w-padRight, y(r.Value), y(r.Value))
		fmt.Fprintf(&b, `<text class="reflab %s" x="%d" y="%.1f" text-anchor="end">%s</text>`, html.EscapeString(r.Class),
			w-padRight-2, y(r.Value)-4, html.EscapeString(r.Label))
	}
	if len(c.Line) > 0 {
		var pts []string
		for i, v := range c.Line {
			if math.IsNaN(v) {
				continue
			}
			cx := float64(padLeft) + slot*float64(i) + slot/2
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", cx, y(v)))
			fmt.Fprintf(&b, `<circle class="dot" cx="%.1f" cy="%.1f" r="3"/>`, cx, y(v))
		}
		if len(pts) > 1 {
			fmt.Fprintf(&b, `<polyline class="line" points="%s"><title>%s</title></polyline>`, strings.Join(pts, " "),
				html.EscapeString(c.LineLabel))
		}
		if c.LineLabel != "" {
			fmt.Fprintf(&b, `<text class="legend" x="%d" y="12">— %s</text>`, padLeft, html.EscapeString(c.LineLabel))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// niceStep rounds a raw step up to 1, 2, 2.5 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func num(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// barData is a forecast's horizontal bar: the month so far, the projected
// rest, and ticks at 45 h and 80 h.
type barData struct {
	SoFar, Projected, Max int64
}

// SVG renders the bar.
func (d barData) SVG() template.HTML {
	const w, h = 240, 22
	if d.Max <= 0 {
		return ""
	}
	x := func(min int64) float64 { return float64(w) * float64(min) / float64(d.Max) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="fbar" viewBox="0 0 %d %d" xmlns="http://www.w3.org/2000/svg" aria-hidden="true">`, w, h)
	fmt.Fprintf(&b, `<rect class="proj" x="0" y="5" width="%.1f" height="12"/>`, x(d.Projected))
	fmt.Fprintf(&b, `<rect class="sofar" x="0" y="5" width="%.1f" height="12"/>`, x(d.SoFar))
	for _, t := range []struct {
		min   int64
		class string
	}{{min45, "t45"}, {min80, "t80"}} {
		fmt.Fprintf(&b, `<line class="tick %s" x1="%.1f" x2="%.1f" y1="1" y2="21"/>`, t.class, x(t.min), x(t.min))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// distChart draws the DOMAIN.md §6 buckets of a group.
func distChart(p *Page, c cell) template.HTML {
	if c.Hidden || c.Empty {
		return ""
	}
	keys := [4]string{"b_lt45", "b_45_80", "b_80_100", "b_ge100"}
	classes := [4]string{"ok", "warn", "high", "critical"}
	ch := chart{Title: p.T("distribution"), Unit: "", Height: 220}
	for i, n := range c.Buckets {
		ch.Bars = append(ch.Bars, bar{Label: p.T(keys[i]), Value: float64(n), Text: strconv.Itoa(n), Class: classes[i]})
	}
	return ch.SVG()
}

// trendCharts draws a group's mean overtime (hours, with the 45 h line)
// and share over 45 h for the months of tr.
func trendCharts(p *Page, tr []trendPoint) (template.HTML, template.HTML) {
	mean := chart{Title: p.T("mean_trend"), Unit: "h", Refs: []ref{{Value: 45, Label: p.T("ref45"), Class: "r45"}}}
	share := chart{Title: p.T("share_trend"), Unit: "%"}
	for _, t := range tr {
		lab := p.ShortMonth(t.Month)
		if t.Cell.Hidden || t.Cell.Empty {
			mark := ""
			if t.Cell.Hidden {
				mark = "＊"
			}
			mean.Bars = append(mean.Bars, bar{Label: lab, Missing: true, Mark: mark})
			share.Bars = append(share.Bars, bar{Label: lab, Missing: true, Mark: mark})
			continue
		}
		mean.Bars = append(mean.Bars, bar{Label: lab, Value: t.Cell.MeanMin / 60, Text: t.Cell.Mean, Class: levelClass(t.Cell.MeanMin)})
		share.Bars = append(share.Bars, bar{Label: lab, Value: t.Cell.SharePct, Text: t.Cell.Share})
	}
	return mean.SVG(), share.SVG()
}

// levelClass colours a month's overtime by the bounds it passes.
func levelClass(min float64) string {
	switch {
	case min >= min100:
		return "critical"
	case min > min80:
		return "high"
	case min > min45:
		return "warn"
	}
	return "ok"
}
