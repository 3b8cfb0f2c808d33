package service

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"timeclock/aggregator/internal/api"
	"timeclock/aggregator/internal/config"
	"timeclock/internal/civil"
	"timeclock/internal/daemontest"
	"timeclock/internal/influxtest"
	"timeclock/internal/mosquittotest"
	"timeclock/internal/punch"
)

// childEnv makes the test binary run as `aggregator serve` with the flags
// in the variable (JSON array): the kill -9 test needs a real process.
const childEnv = "TIMECLOCK_SERVICE_TEST_CHILD"

func TestMain(m *testing.M) {
	if args := os.Getenv(childEnv); args != "" {
		os.Exit(child(args))
	}
	os.Exit(m.Run())
}

func child(argsJSON string) int {
	var args []string
	if err := json.Unmarshal([]byte(argsJSON), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	cfg, err := config.Parse("serve", args, func(string) string { return "" }, os.Stderr)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := New(cfg, log, time.Now)
	if err == nil {
		err = s.Run(ctx)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// burst is taps of n staff over days working days from d: in at 07:xx, out
// at 18:xx–21:xx, so months have real overtime.
func burst(n, days int, d civil.Date) []punch.Tap {
	var taps []punch.Tap
	seq := map[string]uint64{}
	for k := 0; k < days; k++ {
		day := d + civil.Date(k)
		for i := range n {
			for _, m := range []int{7*60 + i%50, 18*60 + (i*7+k*13)%180} {
				gw := gateway(i)
				seq[gw]++
				taps = append(taps, tap(i, seq[gw], day.At(m)))
			}
		}
	}
	return taps
}

// InfluxDB stopped for a while under load: every point arrives once it is back.
func TestInfluxOutage(t *testing.T) {
	db := influxtest.Start(t, influxtest.WithoutFlux())
	broker := mosquittotest.Start(t)
	f := newFixture(t, 50)
	s := start(t, baseConfig(t, f, broker.URL(), db.URL()))
	gw := mqttClient(t, broker.URL(), "gw-load")
	// Let the first writes through (the database is created), then stop it.
	first := tap(0, 100000, at(workday(time.Now())-3, 7, 0))
	publish(t, gw, topicOf(first), first.AppendJSON(nil))
	waitDB(t, db)
	eventually(t, "the first point", func() (bool, string) {
		n := count(t, db, `SELECT count(id) FROM punch`)
		return n == 1, fmt.Sprintf("%d points", n)
	})
	db.Stop()
	taps := burst(50, 5, workday(time.Now()))
	for _, tp := range taps {
		publish(t, gw, topicOf(tp), tp.AppendJSON(nil))
	}
	eventually(t, "every tap journaled", func() (bool, string) {
		n := s.Journal().Count(1)
		return n == uint64(len(taps)+1), fmt.Sprintf("%d of %d journaled", n, len(taps)+1)
	})
	if s.InfluxLag() == 0 {
		t.Fatal("no lag while InfluxDB is down: the points went nowhere")
	}
	db.Restart()
	eventually(t, "every punch point after the restart", func() (bool, string) {
		n := count(t, db, `SELECT count(id) FROM punch`)
		return n == len(taps)+1 && s.InfluxLag() == 0, fmt.Sprintf("%d of %d points, lag %d", n, len(taps)+1, s.InfluxLag())
	})
	// the work days of every staff member and day are there too
	if n := count(t, db, `SELECT count(overtime_min) FROM workday`); n != 50*5+1 {
		t.Errorf("%d workday points, want %d", n, 50*5+1)
	}
}

// kill -9 of the aggregator in the middle of a burst: no event lost, none
// counted twice — the engine's totals equal `aggregator report` on the same
// events.
func TestKillMidBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes; skipped under -short")
	}
	broker := mosquittotest.Start(t)
	const staff = 40
	f := newFixture(t, staff)
	state := t.TempDir()
	httpAddr := daemontest.Addr(daemontest.FreePort(t))
	// No rate limit: the test publishes faster than any gateway would.
	args, _ := json.Marshal([]string{"-data", f.dir, "-state", state, "-mqtt-url", broker.URL(),
		"-http-listen", httpAddr, "-users", usersFile(t, adminToken), "-ingest-rate", "0", "-log-level", "warn"})
	logf, _ := os.Create(filepath.Join(t.TempDir(), "child.log"))
	startChild := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+string(args))
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		eventually(t, "the aggregator is ready", func() (bool, string) {
			st, body := get(t, "http://"+httpAddr+"/readyz", "")
			return st == 200, body
		})
		return cmd
	}
	journaled := func() uint64 {
		var v api.JournalView
		getJSON(t, "http://"+httpAddr+"/api/v1/journal", &v)
		return v.Taps
	}
	cmd := startChild()

	taps := burst(staff, 60, workday(time.Now())-70)
	gw := mqttClient(t, broker.URL(), "gw-burst")
	// The first half goes out without waiting for the broker; the kill
	// comes while it is being journaled; the second half is published while
	// the aggregator is down and waits in the broker.
	half := len(taps) / 2
	for _, tp := range taps[:half] {
		gw.Publish(topicOf(tp), 1, false, tp.AppendJSON(nil))
	}
	eventually(t, "a tenth of the burst journaled", func() (bool, string) {
		n := journaled()
		return n >= uint64(len(taps)/10), fmt.Sprintf("%d journaled", n)
	})
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	for _, tp := range taps[half:] {
		publish(t, gw, topicOf(tp), tp.AppendJSON(nil))
	}
	startChild()
	eventually(t, "the whole burst journaled", func() (bool, string) {
		n := journaled()
		return n == uint64(len(taps)), fmt.Sprintf("%d of %d journaled", n, len(taps))
	})

	// The same events through `aggregator report`.
	var lines []string
	for _, tp := range taps {
		lines = append(lines, string(punch.Event{Type: punch.TypeTap, Tap: tp}.AppendJSON(nil)))
	}
	writeFile(t, filepath.Join(f.dir, "events.jsonl"), strings.Join(lines, "\n")+"\n")
	matchesReport(t, "http://"+httpAddr, f.dir, taps, staff)
}

// A card unknown to the roster is answered unknown_card; once the roster
// lists it and is reloaded, the tap counts (it stayed in the journal) and
// its work day reaches InfluxDB.
func TestRosterReload(t *testing.T) {
	db := influxtest.Start(t, influxtest.WithoutFlux())
	f := newFixture(t, 3)
	f.writeRoster(t, 3, 1) // staff 1 has no card yet
	s := start(t, baseConfig(t, f, "", db.URL()))
	fb := watchFeedback(t, s.MQTTURL())
	gw := mqttClient(t, s.MQTTURL(), "gw-e00")
	d := workday(time.Now())
	in, out := tap(1, 1, at(d, 8, 0)), tap(1, 2, at(d, 18, 0))
	publish(t, gw, topicOf(in), in.AppendJSON(nil), out.AppendJSON(nil))
	eventually(t, "unknown_card answers", func() (bool, string) {
		got, _ := fb.get(out.ID)
		return got.Result == punch.ResultUnknownCard, fmt.Sprintf("%+v", got)
	})
	month := d.Month().String()
	var v struct {
		OvertimeMin int64 `json:"overtime_min"`
	}
	getJSON(t, "http://"+s.HTTPAddr()+"/api/v1/staff/T0001/months/"+month, &v)
	if v.OvertimeMin != 0 {
		t.Fatalf("before the reload: %d overtime minutes", v.OvertimeMin)
	}

	f.writeRoster(t, 3, -1)
	s.Reload()
	// 08:00–18:00: 600 − 45 break − 465 regular = 90
	eventually(t, "the tap counted after the reload", func() (bool, string) {
		getJSON(t, "http://"+s.HTTPAddr()+"/api/v1/staff/T0001/months/"+month, &v)
		return v.OvertimeMin == 90, fmt.Sprintf("%d overtime minutes", v.OvertimeMin)
	})
	waitDB(t, db)
	q := fmt.Sprintf(`SELECT overtime_min FROM workday WHERE staff='T0001' AND time = '%s'`, d.Time().UTC().Format(time.RFC3339))
	eventually(t, "the work day in InfluxDB", func() (bool, string) {
		rows := db.Query(t, "timeclock", q)
		return len(rows) == 1 && rows[0].Values["overtime_min"] == json.Number("90"), fmt.Sprint(rows)
	})
	// the taps' punch points, written while the card was unknown, name the
	// teacher now, and are not doubled
	eventually(t, "the punch points naming T0001", func() (bool, string) {
		rows := db.Query(t, "timeclock", `SELECT count(id) FROM punch WHERE staff='T0001'`)
		return len(rows) == 1 && rows[0].Values["count"] == json.Number("2"), fmt.Sprint(rows)
	})
	if rows := db.Query(t, "timeclock", `SELECT count(id) FROM punch`); len(rows) != 1 || rows[0].Values["count"] != json.Number("2") {
		t.Errorf("punch points: %v, want the 2 taps", rows)
	}
	// a broken roster is refused; the data in force stays
	writeFile(t, filepath.Join(f.dir, "roster.csv"), "staff_id,name\nbroken\n")
	s.Reload()
	eventually(t, "the refused reload counted", func() (bool, string) {
		_, m := get(t, "http://"+s.HTTPAddr()+"/metrics", adminToken)
		return strings.Contains(m, `timeclock_reference_reloads_total{result="error"} 1`), "no error reload in metrics"
	})
	getJSON(t, "http://"+s.HTTPAddr()+"/api/v1/staff/T0001/months/"+month, &v)
	if v.OvertimeMin != 90 {
		t.Errorf("after a refused reload: %d overtime minutes, want 90", v.OvertimeMin)
	}
}

// A staff member moved to another school by a roster change (an annual
// transfer), read while running or at a start: the work day and month series
// under the old school are dropped, so a dashboard summing a board counts
// them once, under the new school.
func TestRosterTransferDropsTheOldSeries(t *testing.T) {
	for _, stopped := range []bool{false, true} {
		t.Run(map[bool]string{false: "reload", true: "while stopped"}[stopped], func(t *testing.T) {
			db := influxtest.Start(t, influxtest.WithoutFlux())
			f := newFixture(t, 12)
			cfg := baseConfig(t, f, "", db.URL())
			s := start(t, cfg)
			gw := mqttClient(t, s.MQTTURL(), "gw-e00")
			d := workday(time.Now())
			in, out := tap(1, 1, at(d, 8, 0)), tap(1, 2, at(d, 18, 0))
			other := tap(2, 3, at(d, 8, 5))
			publish(t, gw, topicOf(in), in.AppendJSON(nil), out.AppendJSON(nil), other.AppendJSON(nil))
			waitDB(t, db)
			series := func() string {
				var keys []string
				for _, r := range db.Query(t, "timeclock", `SHOW SERIES FROM workday, overtime_month WHERE staff='T0001'`) {
					keys = append(keys, fmt.Sprint(r.Values["key"]))
				}
				slices.Sort(keys)
				return strings.Join(keys, " ")
			}
			const before = "overtime_month,board=nakatsu,role=teacher,school=nakatsu-e00,school_type=elementary,staff=T0001 " +
				"workday,board=nakatsu,role=teacher,school=nakatsu-e00,school_type=elementary,staff=T0001"
			eventually(t, "T0001's series at nakatsu-e00", func() (bool, string) { got := series(); return got == before, got })

			if stopped {
				gw.Disconnect(0)
				s.stop()
			}
			b, err := os.ReadFile(filepath.Join(f.dir, "roster.csv"))
			if err != nil {
				t.Fatal(err)
			}
			moved := strings.Replace(string(b), "T0001,教員 1,teacher,nakatsu,nakatsu-e00,", "T0001,教員 1,teacher,nakatsu,nakatsu-e01,", 1)
			if moved == string(b) {
				t.Fatal("the roster line of T0001 not found")
			}
			writeFile(t, filepath.Join(f.dir, "roster.csv"), moved)
			if stopped {
				start(t, cfg)
			} else {
				s.Reload()
			}
			after := strings.ReplaceAll(before, "school=nakatsu-e00", "school=nakatsu-e01")
			eventually(t, "T0001's series at nakatsu-e01 only", func() (bool, string) { got := series(); return got == after, got })
			// the series of T0002, who stays, are untouched
			if rows := db.Query(t, "timeclock", `SHOW SERIES FROM workday, overtime_month WHERE school='nakatsu-e00'`); len(rows) != 2 {
				t.Errorf("series left at nakatsu-e00: %v, want T0002's work day and month", rows)
			}
		})
	}
}

// A start date moved later makes a month's two-month average no longer
// evaluable: after the reload the stored average is gone, not left over
// from the earlier rewrite (a write adds fields, it never removes one).
func TestStartDateMovedDropsTheStaleAverage(t *testing.T) {
	db := influxtest.Start(t, influxtest.WithoutFlux())
	f := newFixture(t, 12)
	s := start(t, baseConfig(t, f, "", db.URL()))
	gw := mqttClient(t, s.MQTTURL(), "gw-e00")
	d := workday(time.Now())
	e := (d.Month() + 1).First()
	for !scheduled(e) {
		e++
	}
	taps := []punch.Tap{tap(1, 1, at(d, 8, 0)), tap(1, 2, at(d, 18, 0)), tap(1, 3, at(e, 8, 0)), tap(1, 4, at(e, 18, 0))}
	var payloads [][]byte
	for _, tp := range taps {
		payloads = append(payloads, tp.AppendJSON(nil))
	}
	publish(t, gw, topicOf(taps[0]), payloads...)
	waitDB(t, db)
	q := `SELECT "avg2", "month_min" FROM "overtime_month" WHERE "staff" = 'T0001' AND time = '` +
		e.Month().First().Time().Format(time.RFC3339) + `'`
	point := func() (avg2, monthMin any) {
		rows := db.Query(t, "timeclock", q)
		if len(rows) != 1 {
			return "no point", nil
		}
		return rows[0].Values["avg2"], rows[0].Values["month_min"]
	}
	eventually(t, "T0001's second month with its two-month average", func() (bool, string) {
		a, m := point()
		return a != nil && a != "no point" && fmt.Sprint(m) == "90", fmt.Sprint(a, " ", m)
	})

	b, err := os.ReadFile(filepath.Join(f.dir, "roster.csv"))
	if err != nil {
		t.Fatal(err)
	}
	line := "T0001,教員 1,teacher,nakatsu,nakatsu-e00,elementary,std," + card(1) + ",,"
	moved := strings.Replace(string(b), line, strings.TrimSuffix(line, ",")+e.Month().First().String()+",", 1)
	if moved == string(b) {
		t.Fatal("the roster line of T0001 not found")
	}
	writeFile(t, filepath.Join(f.dir, "roster.csv"), moved)
	s.Reload()
	eventually(t, "T0001's second month without an average", func() (bool, string) {
		a, m := point()
		return a == nil && fmt.Sprint(m) == "90", fmt.Sprint(a, " ", m)
	})
}
