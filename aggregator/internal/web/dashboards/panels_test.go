package dashboards

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/web/webtest"
	"timeclock/aggregator/internal/web/webtest/harness"
	"timeclock/internal/civil"
	"timeclock/internal/influxtest"
	"timeclock/internal/overtime"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
)

// world is what the panels are checked against: the district, its events,
// the aggregator's engine and journal, `aggregator report` on the same
// events, and the gateway statuses the test published.
type world struct {
	a        *webtest.Aggregator
	db       *influxtest.Server
	board    string
	school   string
	from     time.Time // the start of the history: the dashboards' time range
	today    civil.Date
	cur      civil.Month
	taps     []punch.Tap                                     // one per point of the punch series
	months   map[[3]string]map[civil.Month]map[string]string // board, type, role → month → board_months.csv row
	statuses map[string]punch.Status                         // by gateway@school
	// alertRecs are the alert transitions the aggregator journaled for the
	// history (none come later: the date does not change during the test).
	alertRecs []journal.Alert
}

// Every query of every dashboard — panels and template variables — runs
// against a real influxd that the aggregator filled through the real
// pipeline (simdata → MQTT → journal → InfluxDB sink), with Grafana's macros
// filled in, and returns the columns and values the engine, the journal and
// `aggregator report` give for the same events.
func TestPanelQueries(t *testing.T) {
	if testing.Short() {
		t.Skip("runs influxd and Mosquitto (skipped under -short)")
	}
	db := influxtest.Start(t, influxtest.WithoutFlux())
	a := webtest.Start(t, webtest.Options{Seed: 11, InfluxURL: db.URL()})
	w := &world{a: a, db: db, board: a.District.Cfg.Boards[0], statuses: map[string]punch.Status{}}
	w.today, _ = civil.WorkDate(time.Now().Unix(), 240)
	w.cur = w.today.Month()
	w.from = a.From.Time()
	for _, s := range a.District.Staff {
		if s.Board == w.board && w.school == "" {
			w.school = s.School
		}
	}
	// Every tap is its own punch point, even two cards read at one reader
	// in the same millisecond (simdata's taps have whole seconds).
	err := a.District.Events(func(ev punch.Event) error {
		if ev.Type == punch.TypeTap {
			w.taps = append(w.taps, ev.Tap)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	w.publishStatuses(t)
	a.WaitInflux(t)
	w.readReport(t, a.Report(t, a.From.Month(), w.cur))
	w.alertRecs = w.alerts(t)

	checks := w.checks()
	used := map[string]bool{}
	for _, d := range loadDashboards(t) {
		for _, v := range d.Templating.List {
			key := d.UID + " var " + v.Name
			used[key] = true
			check, ok := checks[key]
			if !ok {
				t.Errorf("%s: no check", key)
				continue
			}
			w.run(t, key, w.expand(v.Query, ""), check)
		}
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				key := d.UID + " " + p.Title + " " + tg.RefID
				used[key] = true
				check, ok := checks[key]
				if !ok {
					t.Errorf("%s: no check", key)
					continue
				}
				w.run(t, key, w.expand(tg.Query, p.TimeFrom), check)
			}
		}
	}
	for key := range checks {
		if !used[key] {
			t.Errorf("check %q matches no query of the dashboards", key)
		}
	}
}

// expand fills in Grafana's macros as Grafana does for this dashboard
// range: $timeFilter (the history up to now, or this month so far for a
// panel with timeFrom now/M), $__interval (a day), $board and $school.
func (w *world) expand(q, timeFrom string) string {
	from := w.from
	if timeFrom == "now/M" {
		from = w.cur.First().Time()
	}
	r := strings.NewReplacer(
		"$timeFilter", fmt.Sprintf("time >= %dms and time <= %dms", from.UnixMilli(), time.Now().Add(time.Minute).UnixMilli()),
		"$__interval", "1d", "$board", w.board, "$school", w.school)
	return r.Replace(q)
}

// run polls the query until its rows pass check: the board figures are
// written a moment after the records they come from.
func (w *world) run(t *testing.T, key, q string, check func([]influxtest.Row) error) {
	t.Helper()
	var rows []influxtest.Row
	harness.Eventually(t, key, func() (bool, string) {
		rows = w.db.Query(t, "timeclock", q)
		if err := check(rows); err != nil {
			return false, fmt.Sprintf("%v\nquery: %s\nrows: %v", err, q, head(rows))
		}
		return true, ""
	})
}

func head(rows []influxtest.Row) []influxtest.Row { return rows[:min(len(rows), 8)] }

func (w *world) publishStatuses(t *testing.T) {
	t.Helper()
	n := 0
	for _, s := range w.a.District.Staff {
		if _, ok := w.statuses[s.Gateway+"@"+s.School]; ok {
			continue
		}
		st := punch.Status{Online: n%3 != 1, Queue: n * 7, ClockSynced: n%4 != 2, TS: time.Now().Truncate(time.Millisecond),
			Readers: map[string]string{"entrance": punch.ReaderOK}, Version: "test"}
		w.statuses[s.Gateway+"@"+s.School] = st
		w.a.PublishStatus(t, s.Board, s.School, s.Gateway, st)
		n++
	}
}

func (w *world) readReport(t *testing.T, dir string) {
	t.Helper()
	w.months = map[[3]string]map[civil.Month]map[string]string{}
	for _, row := range harness.ReadCSV(t, filepath.Join(dir, "board_months.csv")) {
		k := [3]string{row["board"], row["school_type"], row["role"]}
		mo, err := civil.ParseMonth(row["month"])
		if err != nil {
			t.Fatal(err)
		}
		if w.months[k] == nil {
			w.months[k] = map[civil.Month]map[string]string{}
		}
		w.months[k][mo] = row
	}
	if len(w.months[[3]string{w.board, "*", "*"}]) == 0 {
		t.Fatalf("the report has no rows for %s", w.board)
	}
}

// view runs fn on the aggregator's engine.
func (w *world) view(fn func(core *overtime.Engine, data *roster.Data)) {
	w.a.Service.Live().Engine().View(fn)
}

// alerts returns the alert transitions the aggregator journaled.
func (w *world) alerts(t *testing.T) []journal.Alert {
	var out []journal.Alert
	_, err := w.a.Service.Journal().Scan(0, 0, func(_ uint64, kind journal.Kind, data []byte) error {
		if kind == journal.KindAlert {
			a, err := journal.DecodeAlert(data)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// number reads a column as a number (json.Number), or NaN.
func number(r influxtest.Row, col string) float64 {
	switch v := r.Values[col].(type) {
	case json.Number:
		f, err := v.Float64()
		if err == nil {
			return f
		}
	}
	return math.NaN()
}

// near compares a computed value with an expected one to the last few bits.
func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

// sameDecimal compares a value with the one-decimal figure of the report.
func sameDecimal(got float64, want string) bool {
	return strconv.FormatFloat(math.Round(got*10)/10, 'f', 1, 64) == want
}

func monthOf(tm time.Time) civil.Month {
	d, _ := civil.WorkDate(tm.Unix(), 0)
	return d.Month()
}

func dateOf(tm time.Time) civil.Date {
	d, _ := civil.WorkDate(tm.Unix(), 0)
	return d
}

// sumBy adds a column per tag value over the rows.
func sumBy(rows []influxtest.Row, tag, col string) map[string]float64 {
	out := map[string]float64{}
	for _, r := range rows {
		if v := number(r, col); !math.IsNaN(v) {
			out[r.Tags[tag]] += v
		}
	}
	return out
}

func columns(r influxtest.Row, cols ...string) error {
	for _, c := range cols {
		if _, ok := r.Values[c]; !ok {
			return fmt.Errorf("no column %q in %v", c, r)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func equalMaps(got, want map[string]float64) error {
	for _, k := range sortedKeys(want) {
		if !near(got[k], want[k]) {
			return fmt.Errorf("%s: %v, want %v (got %v)", k, got[k], want[k], got)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok && v != 0 {
			return fmt.Errorf("%s: %v, want nothing", k, v)
		}
	}
	return nil
}
