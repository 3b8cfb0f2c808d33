// Package webtest runs a whole aggregator in the test process, fed with a
// simdata district's history through the real ingest path — taps published
// over MQTT to the aggregator's embedded broker, adjustments posted to its
// JSON API — for the tests of what the board sees: the live page in a real
// browser, the published tables compared with `aggregator report` on the
// same events, and the Grafana panels' queries against a real influxd.
//
// The history ends two days before today, so every tap is in the past for
// the ingest's clock check whatever the hour; the same events are written to
// DataDir/events.jsonl for `aggregator report`. Its parts that do not
// need the service are in package harness.
package webtest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/sync/errgroup"

	"timeclock/aggregator/internal/config"
	"timeclock/aggregator/internal/report"
	"timeclock/aggregator/internal/service"
	"timeclock/aggregator/internal/web/webtest/harness"
	"timeclock/internal/civil"
	"timeclock/internal/mosquittotest"
	"timeclock/internal/punch"
	"timeclock/internal/simdata"
)

// Options say what district to generate and where the series go.
type Options struct {
	Seed            uint64
	Boards          []string // default nakatsu and usa
	SchoolsPerBoard int      // default 3
	StaffPerSchool  int      // default 8
	Months          int      // months of history before the current one; default 2
	InfluxURL       string   // empty: no series
	// EmbeddedBroker runs the aggregator's own broker instead of a private
	// Mosquitto. It syncs every message to disk before its PUBACK, which
	// makes feeding a history of thousands of taps slow on a busy disk.
	EmbeddedBroker bool
	InfluxDB       string // default "timeclock"
}

// Aggregator is a running, fed aggregator.
type Aggregator struct {
	Service  *service.Service
	URL      string // http://127.0.0.1:port
	MQTTURL  string
	DataDir  string // the reference files and events.jsonl of the history
	District *simdata.District
	From, To civil.Date // the history
	Taps     int        // taps of the history
	Adjusts  int        // adjustments of the history

	tokens []config.Token
	mqtt   paho.Client
	seq    uint64
	mu     sync.Mutex
}

// Token returns the credential of role for name (board id, school id,
// staff id; "ops" for the admin). Every board, school and staff member of
// the district has one.
func (a *Aggregator) Token(role, name string) string {
	for _, t := range a.tokens {
		if t.Role == role && t.Name == name {
			return t.Secret
		}
	}
	panic(fmt.Sprintf("webtest: no token for %s %s", role, name))
}

func secret(role, name string) string { return "tok-" + role + "-" + name + "-0123456789" }

// Start generates the district, starts the aggregator on it and feeds it
// the history; it returns once everything is journaled (and, with
// InfluxURL, written to InfluxDB). The aggregator stops when the test ends.
func Start(t testing.TB, o Options) *Aggregator {
	t.Helper()
	if len(o.Boards) == 0 {
		o.Boards = []string{"nakatsu", "usa"}
	}
	o.SchoolsPerBoard = cmp.Or(o.SchoolsPerBoard, 3)
	o.StaffPerSchool = cmp.Or(o.StaffPerSchool, 8)
	o.Months = cmp.Or(o.Months, 2)
	o.InfluxDB = cmp.Or(o.InfluxDB, "timeclock")
	today, _ := civil.WorkDate(time.Now().Unix(), 0)
	a := &Aggregator{DataDir: t.TempDir(), From: (today.Month() - civil.Month(o.Months)).First(), To: today - 2}
	a.District = simdata.NewDistrict(simdata.Config{Seed: o.Seed, Boards: o.Boards, SchoolsPerBoard: o.SchoolsPerBoard,
		StaffPerSchool: o.StaffPerSchool, From: a.From, To: a.To})
	if _, err := a.District.WriteDir(a.DataDir); err != nil {
		t.Fatal(err)
	}
	a.tokens = []config.Token{{Role: "admin", Name: "ops", Secret: secret("admin", "ops")}}
	seen := map[string]bool{}
	for _, s := range a.District.Staff {
		for _, tk := range []config.Token{{Role: "board", Name: s.Board}, {Role: "principal", Name: s.School},
			{Role: "staff", Name: s.ID}} {
			if !seen[tk.Role+tk.Name] {
				seen[tk.Role+tk.Name] = true
				tk.Secret = secret(tk.Role, tk.Name)
				a.tokens = append(a.tokens, tk)
			}
		}
	}
	mqttURL := ""
	if !o.EmbeddedBroker {
		mqttURL = mosquittotest.Start(t).URL()
	}
	a.start(t, harness.Config(t, a.DataDir, mqttURL, o.InfluxURL, o.InfluxDB, a.tokens))
	a.feed(t)
	if o.InfluxURL != "" {
		a.WaitInflux(t)
	}
	return a
}

func (a *Aggregator) start(t testing.TB, cfg *config.Config) {
	t.Helper()
	s, err := service.New(cfg, harness.Log(t), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	harness.Start(t, s)
	a.Service, a.URL, a.MQTTURL = s, "http://"+s.HTTPAddr(), s.MQTTURL()
	a.mqtt = harness.MQTTClient(t, a.MQTTURL, "webtest-gateways")
}

// feed sends the history: the taps over MQTT, the adjustments to the API.
func (a *Aggregator) feed(t testing.TB) {
	t.Helper()
	var taps []punch.Tap
	var adjs []punch.Adjustment
	err := a.District.Events(func(ev punch.Event) error {
		if ev.Type == punch.TypeTap {
			taps = append(taps, ev.Tap)
		} else {
			adjs = append(adjs, ev.Adjustment)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a.Taps, a.Adjusts = len(taps), len(adjs)
	a.Publish(t, taps...)
	var g errgroup.Group
	g.SetLimit(4)
	for _, adj := range adjs {
		g.Go(func() error { return a.postAdjustment(t, adj) })
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	a.WaitJournal(t, a.Taps, a.Adjusts)
}

func (a *Aggregator) postAdjustment(t testing.TB, adj punch.Adjustment) error {
	body, _ := json.Marshal(map[string]any{"id": adj.ID, "staff": adj.Staff, "date": adj.Date.String(),
		"kind": string(adj.Kind), "minutes": adj.Minutes, "time": adj.Time, "dir": string(adj.Dir),
		"target": adj.Target, "reason": adj.Reason})
	st, b := harness.Do(t, http.MethodPost, a.URL+"/api/v1/adjustments", a.Token("admin", "ops"), string(body))
	if st != http.StatusCreated && st != http.StatusOK {
		return fmt.Errorf("adjustment %s: status %d: %s", adj.ID, st, b)
	}
	return nil
}

// Publish sends taps as their gateways do (QoS 1 on the punch topic) and
// waits for every PUBACK.
func (a *Aggregator) Publish(t testing.TB, taps ...punch.Tap) {
	t.Helper()
	harness.PublishTaps(t, a.mqtt, taps...)
}

// PublishStatus publishes a gateway's retained status report.
func (a *Aggregator) PublishStatus(t testing.TB, board, school, gateway string, st punch.Status) {
	t.Helper()
	topic := fmt.Sprintf("timeclock/v1/%s/%s/%s/status", board, school, gateway)
	if tok := a.mqtt.Publish(topic, 1, true, st.AppendJSON(nil)); !tok.WaitTimeout(time.Minute) || tok.Error() != nil {
		t.Fatalf("publish status: %v", tok.Error())
	}
}

// NewTap returns a tap of staff member s now, on their school's gateway,
// with an id of its own (boot 2: the history uses boot 1).
func (a *Aggregator) NewTap(s simdata.Staff, dir punch.Dir, at time.Time) punch.Tap {
	a.mu.Lock()
	a.seq++
	seq := a.seq
	a.mu.Unlock()
	return punch.Tap{ID: punch.FormatTapID(s.Gateway, 2, seq), Board: s.Board, School: s.School, Gateway: s.Gateway,
		Reader: "entrance", Card: s.Card, Dir: dir, TS: at.In(civil.JST).Truncate(time.Millisecond),
		Clock: punch.ClockSynced}
}

// Journal is the aggregator's /api/v1/journal.
type Journal struct {
	Taps        uint64 `json:"taps"`
	Adjustments uint64 `json:"adjustments"`
	Alerts      uint64 `json:"alerts"`
	Statuses    uint64 `json:"statuses"`
	Rejected    uint64 `json:"rejected"`
	InfluxLag   uint64 `json:"influx_lag"`
	LastSeq     uint64 `json:"last_seq"`
}

// JournalState reads /api/v1/journal.
func (a *Aggregator) JournalState(t testing.TB) Journal {
	t.Helper()
	st, body := a.Get(t, "/api/v1/journal", a.Token("admin", "ops"))
	var j Journal
	if st != http.StatusOK || json.Unmarshal(body, &j) != nil {
		t.Fatalf("/api/v1/journal: %d %s", st, body)
	}
	return j
}

// WaitJournal waits until the journal holds taps taps and adjs adjustments.
func (a *Aggregator) WaitJournal(t testing.TB, taps, adjs int) {
	t.Helper()
	harness.Eventually(t, "the history journaled", func() (bool, string) {
		j := a.JournalState(t)
		return j.Taps == uint64(taps) && j.Adjustments == uint64(adjs) && j.Rejected == 0,
			fmt.Sprintf("journal %+v, want %d taps and %d adjustments, none rejected", j, taps, adjs)
	})
}

// WaitInflux waits until every journal record is written to InfluxDB.
func (a *Aggregator) WaitInflux(t testing.TB) {
	t.Helper()
	harness.Eventually(t, "the series written", func() (bool, string) {
		j := a.JournalState(t)
		return j.InfluxLag == 0, fmt.Sprintf("%d records not yet in InfluxDB", j.InfluxLag)
	})
}

// Get fetches path with a bearer token (none if empty).
func (a *Aggregator) Get(t testing.TB, path, token string) (int, []byte) {
	t.Helper()
	return harness.Get(t, a.URL+path, token)
}

// Report runs `aggregator report` on the history for [from, to] and
// returns its output folder.
func (a *Aggregator) Report(t testing.TB, from, to civil.Month) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "report")
	var stdout, stderr bytes.Buffer
	if err := report.Run(report.Options{Data: a.DataDir, Out: out, From: from, To: to}, &stdout, &stderr); err != nil {
		t.Fatalf("aggregator report: %v\n%s", err, stderr.String())
	}
	return out
}
