package service

import (
	"encoding/hex"
	"encoding/json"
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

	"timeclock/aggregator/internal/auth"
	"timeclock/aggregator/internal/config"
	"timeclock/aggregator/internal/report"
	"timeclock/aggregator/internal/web/webtest/harness"
	"timeclock/internal/civil"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
)

const (
	board      = "nakatsu"
	adminToken = "admin-secret-0123456789"
)

// fixture is a data directory with n teachers, ten per school, card
// felica:{i+1 as 16 hex digits}.
// The fixture's schedule and calendar.
const (
	fixtureSchedules = "schedule,days,start,end,break_min\nstd,Mon Tue Wed Thu Fri,08:15,16:45,45\n"
	fixtureCalendar  = "date,scope,kind,value,note\n2025-04-01,*,lock_time,19:00,施錠\n"
)

type fixture struct {
	dir   string
	staff int
}

func newFixture(t testing.TB, staff int) fixture {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "schedules.csv"), fixtureSchedules)
	writeFile(t, filepath.Join(dir, "calendar.csv"), fixtureCalendar)
	f := fixture{dir: dir, staff: staff}
	f.writeRoster(t, staff, -1)
	return f
}

// writeRoster lists staff 0..n-1, leaving out the card of staff without (-1: none).
func (f fixture) writeRoster(t testing.TB, n, without int) {
	var b strings.Builder
	b.WriteString("staff_id,name,role,board,school,school_type,schedule,cards,start_date,end_date\n")
	for i := range n {
		card := card(i)
		if i == without {
			card = ""
		}
		fmt.Fprintf(&b, "%s,教員 %d,teacher,%s,%s,elementary,std,%s,,\n", staffID(i), i, board, school(i), card)
	}
	writeFile(t, filepath.Join(f.dir, "roster.csv"), b.String())
}

func writeFile(t testing.TB, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func staffID(i int) string { return fmt.Sprintf("T%04d", i) }
func school(i int) string  { return fmt.Sprintf("nakatsu-e%02d", i/10) }
func gateway(i int) string { return fmt.Sprintf("gw-e%02d", i/10) }
func card(i int) string    { return fmt.Sprintf("felica:%016x", i+1) }

// tap is staff i's tap number seq (per gateway) at ts.
func tap(i int, seq uint64, ts time.Time) punch.Tap {
	return punch.Tap{ID: punch.FormatTapID(gateway(i), 1, seq), Board: board, School: school(i), Gateway: gateway(i),
		Reader: "entrance", Card: card(i), Dir: punch.DirTap, TS: ts.In(civil.JST), Clock: punch.ClockSynced}
}

// The helpers the service's tests share with webtest.
var (
	topicOf    = harness.TapTopic
	eventually = harness.Eventually
	mqttClient = harness.MQTTClient
	publish    = harness.Publish
	readCSV    = harness.ReadCSV
)

// workday returns a working day at least a week and at most about six weeks
// before now, so taps on it and the next days pass the future check.
func workday(now time.Time) civil.Date {
	d, _ := civil.WorkDate(now.Unix(), 240)
	d -= 35
	for !scheduled(d) {
		d++
	}
	return d
}

// scheduled reports whether d is a working day of the fixture's staff, as
// the roster resolves it from the fixture's schedule and calendar (not a
// weekend, a national holiday or the year-end break).
func scheduled(d civil.Date) bool { return !fixtureRoster().Day(0, d).DayOff }

// fixtureRoster is the roster of one staff member on the fixture's schedule
// and calendar.
var fixtureRoster = sync.OnceValue(func() *roster.Data {
	staff := "staff_id,name,role,board,school,school_type,schedule,cards,start_date,end_date\n" +
		"T0000,教員 0,teacher,nakatsu,nakatsu-e00,elementary,std,,,\n"
	data, errs := roster.Load(strings.NewReader(fixtureSchedules), strings.NewReader(staff),
		strings.NewReader(fixtureCalendar))
	if len(errs) > 0 {
		panic(fmt.Sprint("the fixture's roster: ", errs))
	}
	return data
})

// baseConfig is a configuration for a test service: state and HTTP in the
// test's directories and ports, the embedded broker unless mqttURL is set.
func baseConfig(t testing.TB, f fixture, mqttURL, influxURL string) *config.Config {
	admin := config.Token{Role: "admin", Name: "ops", Secret: adminToken}
	return harness.Config(t, f.dir, mqttURL, influxURL, "timeclock", []config.Token{admin})
}

// usersFile writes a users file with one admin, ops, holding token.
func usersFile(t testing.TB, token string) string {
	path := filepath.Join(t.TempDir(), "users.csv")
	h := auth.HashToken(token)
	writeFile(t, path, "user,role,scope,token_sha256\nops,admin,,"+hex.EncodeToString(h[:])+"\n")
	return path
}

// testLog writes the service's log to the test log when -v is given.
func testLog(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	return harness.Log(t)
}

// running is a service started in the test process.
type running struct {
	*Service
	stop func()
}

func start(t testing.TB, cfg *config.Config) *running {
	t.Helper()
	s, err := New(cfg, testLog(t), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &running{Service: s, stop: harness.Start(t, s)}
}

func get(t testing.TB, url, token string) (int, string) {
	t.Helper()
	st, b := harness.Get(t, url, token)
	return st, string(b)
}

func getJSON(t testing.TB, url string, v any) int {
	t.Helper()
	st, body := get(t, url, adminToken)
	if st == http.StatusOK {
		if err := json.Unmarshal([]byte(body), v); err != nil {
			t.Fatalf("%s: %v: %s", url, err, body)
		}
	}
	return st
}

// feedback collects the feedback messages by tap id.
type feedback struct {
	mu  sync.Mutex
	got map[string]punch.Feedback
	n   int
}

func watchFeedback(t testing.TB, url string) *feedback {
	t.Helper()
	fb := &feedback{got: map[string]punch.Feedback{}}
	c := mqttClient(t, url, "observer")
	tok := c.Subscribe("timeclock/v1/+/+/+/feedback", 1, func(_ paho.Client, m paho.Message) {
		f, err := punch.DecodeFeedback(m.Payload())
		if err != nil {
			t.Errorf("feedback %s: %v", m.Payload(), err)
			return
		}
		fb.mu.Lock()
		fb.got[f.ID] = f
		fb.n++
		fb.mu.Unlock()
	})
	if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe feedback: %v", tok.Error())
	}
	return fb
}

func (f *feedback) get(id string) (punch.Feedback, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.got[id]
	return v, ok
}

func (f *feedback) count() (distinct, total int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got), f.n
}

// matchesReport runs `aggregator report` over the months of taps on the
// reference data in dir (whose events.jsonl the caller wrote) and checks
// that the service at base serves the same overtime, days worked and
// fiscal-year total for every staff-month.
func matchesReport(t *testing.T, base, dir string, taps []punch.Tap, staff int) {
	t.Helper()
	out := t.TempDir()
	from, to := taps[0].TS.In(civil.JST), taps[len(taps)-1].TS.In(civil.JST)
	fromM, toM := civil.MonthOf(from.Year(), from.Month()), civil.MonthOf(to.Year(), to.Month())
	if err := report.Run(report.Options{Data: dir, Out: out, From: fromM, To: toM}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, filepath.Join(out, "staff_months.csv"))
	if len(rows) < staff {
		t.Fatalf("report has %d staff months", len(rows))
	}
	for _, r := range rows {
		var v struct {
			OvertimeMin int64 `json:"overtime_min"`
			DaysWorked  int   `json:"days_worked"`
			FYMin       int64 `json:"fy_min"`
		}
		getJSON(t, fmt.Sprintf("%s/api/v1/staff/%s/months/%s", base, r["staff_id"], r["month"]), &v)
		got := fmt.Sprintf("overtime %d days %d fy %d", v.OvertimeMin, v.DaysWorked, v.FYMin)
		want := fmt.Sprintf("overtime %s days %s fy %s", r["overtime_min"], r["days_worked"], r["fy_overtime_min"])
		if got != want {
			t.Errorf("%s %s: served %s, report %s", r["staff_id"], r["month"], got, want)
		}
	}
}
