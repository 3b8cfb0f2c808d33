// Package harness is the part of webtest that does not need the service:
// a test configuration, running a service (or any part) in the test
// process, waiting for a condition, fetching a page, publishing over MQTT,
// reading files, the test's log; and the reference data and the journal of
// a unit test. The service's own tests, which webtest cannot serve (it
// imports the service), and the other tests of the aggregator use it too.
package harness

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/sync/errgroup"

	"timeclock/aggregator/internal/config"
	"timeclock/aggregator/internal/journal"
	"timeclock/internal/daemontest"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
)

// Config is a service's configuration for a test: the reference data in
// data, the state, the embedded broker's listener and HTTP in the test's
// own directory and ports, the broker at mqttURL (the embedded one if
// empty), the series in database db at influxURL (none if empty).
func Config(t testing.TB, data, mqttURL, influxURL, db string, tokens []config.Token) *config.Config {
	cfg := &config.Config{
		Data: data, State: t.TempDir(), MQTTURL: mqttURL, MQTTClientID: "aggregator-test",
		BrokerListen: "127.0.0.1:0", InfluxURL: influxURL, InfluxCreateDB: true, InfluxBatch: 5000,
		HTTPListen: "127.0.0.1:0", DayStartMin: 240, Debounce: time.Minute, ReloadEvery: time.Hour,
		LogLevel: "info", LogFormat: "text", Tokens: tokens,
	}
	if influxURL != "" {
		cfg.InfluxDB = db
	}
	return cfg
}

// Roster is the reference data of a unit test: the one schedule std (Monday
// to Friday, 8:15 to 16:45 with a 45-minute break), no calendar, and the
// staff of rows (lines of roster.csv, without the header).
func Roster(t testing.TB, rows ...string) *roster.Data {
	t.Helper()
	staff := strings.Join(append([]string{"staff_id,name,role,board,school,school_type,schedule,cards,start_date,end_date"}, rows...), "\n")
	data, errs := roster.Load(strings.NewReader("schedule,days,start,end,break_min\nstd,Mon Tue Wed Thu Fri,08:15,16:45,45\n"),
		strings.NewReader(staff+"\n"), strings.NewReader("date,scope,kind,value,note\n"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return data
}

// Journal opens a journal in the test's directory, closed when the test
// ends (after what Run started later has stopped).
func Journal(t testing.TB) *journal.Journal {
	t.Helper()
	j, err := journal.Open(filepath.Join(t.TempDir(), journal.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// Service is what Start runs: the aggregator's service.
type Service interface {
	Run(ctx context.Context) error
	HTTPAddr() string
}

// Start runs s until stop is called or the test ends, and returns once it
// answers /readyz. An error from its Run fails the test.
func Start(t testing.TB, s Service) (stop func()) {
	t.Helper()
	stop = Run(t, "service", s.Run)
	Eventually(t, "the service is ready", func() (bool, string) {
		st, body := Get(t, "http://"+s.HTTPAddr()+"/readyz", "")
		return st == http.StatusOK, string(body)
	})
	return stop
}

// Run runs run in a goroutine until stop is called or the test ends; stop
// returns once run has, and an error from it fails the test, named with what.
func Run(t testing.TB, what string, run func(ctx context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var g errgroup.Group
	g.Go(func() error { return run(ctx) })
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := g.Wait(); err != nil {
				t.Errorf("%s: %v", what, err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// Eventually polls cond every 50 ms until it holds; at the deadline of
// daemontest.WaitContext the test fails with cond's last message.
func Eventually(t testing.TB, what string, cond func() (bool, string)) {
	t.Helper()
	ctx := daemontest.WaitContext(t)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, msg := cond()
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %s", what, msg)
		case <-tick.C:
		}
	}
}

// Get fetches url with a bearer token (none if empty); a failed request
// is status 0 with the error as the body.
func Get(t testing.TB, url, token string) (int, []byte) {
	t.Helper()
	return Do(t, http.MethodGet, url, token, "")
}

// Do sends a request of method with body to url, as Get does.
func Do(t testing.TB, method, url, token, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// MQTTClient connects a client (a gateway or an observer) to the broker
// at url; it disconnects when the test ends.
func MQTTClient(t testing.TB, url, id string) paho.Client {
	t.Helper()
	o := paho.NewClientOptions().AddBroker(url).SetClientID(id).SetCleanSession(true).SetAutoReconnect(true).
		SetConnectRetry(true).SetConnectRetryInterval(100 * time.Millisecond).SetMaxReconnectInterval(time.Second)
	c := paho.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(time.Minute) || tok.Error() != nil {
		t.Fatalf("mqtt connect %s: %v", id, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}

// TapTopic is the topic tap's gateway publishes it on (FORMATS.md §1).
func TapTopic(tap punch.Tap) string {
	return fmt.Sprintf("timeclock/v1/%s/%s/%s/punch", tap.Board, tap.School, tap.Gateway)
}

// Publish sends payloads to topic with QoS 1 and waits for every PUBACK.
func Publish(t testing.TB, c paho.Client, topic string, payloads ...[]byte) {
	t.Helper()
	toks := make([]paho.Token, 0, len(payloads))
	for _, p := range payloads {
		toks = append(toks, c.Publish(topic, 1, false, p))
	}
	wait(t, toks)
}

// PublishTaps sends taps as their gateways do (QoS 1 on the punch topic)
// and waits for every PUBACK.
func PublishTaps(t testing.TB, c paho.Client, taps ...punch.Tap) {
	t.Helper()
	toks := make([]paho.Token, 0, len(taps))
	for _, tap := range taps {
		toks = append(toks, c.Publish(TapTopic(tap), 1, false, tap.AppendJSON(nil)))
	}
	wait(t, toks)
}

func wait(t testing.TB, toks []paho.Token) {
	t.Helper()
	for _, tok := range toks {
		if !tok.WaitTimeout(2*time.Minute) || tok.Error() != nil {
			t.Fatalf("publish: %v", tok.Error())
		}
	}
}

// ReadFile returns a file's text or fails the test.
func ReadFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ReadCSV returns the rows of a CSV file after its header, each by column.
func ReadCSV(t testing.TB, path string) []map[string]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(ReadFile(t, path))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, col := range recs[0] {
			m[col] = rec[i]
		}
		out = append(out, m)
	}
	return out
}

// Log writes a service's warnings, and with -v everything from info, to
// the test log.
func Log(t testing.TB) *slog.Logger {
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: level}))
}

type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
