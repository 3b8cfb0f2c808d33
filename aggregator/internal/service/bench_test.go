package service

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"timeclock/aggregator/internal/config"
	"timeclock/aggregator/internal/journal"
	"timeclock/internal/civil"
	"timeclock/internal/influxtest"
	"timeclock/internal/mosquittotest"
	"timeclock/internal/overtime"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
)

// envInt reads a benchmark size from the environment.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkThroughput publishes a burst of taps from 20 gateways through a
// real Mosquitto as fast as the broker takes them and measures sustained
// events/s until every tap is journaled (feedback sent) and until every
// point is in a real InfluxDB; it fails on any loss.
// TIMECLOCK_BENCH_EVENTS sets the burst (default 50000). Run with -benchtime=1x.
func BenchmarkThroughput(b *testing.B) {
	n := envInt("TIMECLOCK_BENCH_EVENTS", 50_000)
	db := influxtest.Start(b, influxtest.WithoutFlux())
	broker := mosquittotest.Start(b)
	const staff = 2000
	f := newFixture(b, staff)
	s := start(b, baseConfig(b, f, broker.URL(), db.URL()))
	// taps of the last month: every staff member in and out, spread over days
	d0 := workday(time.Now())
	var taps []punch.Tap
	seq := map[string]uint64{}
	for k := 0; len(taps) < n; k++ {
		i := k % staff
		day := d0 + civil.Date(k/staff/2)
		m := 7*60 + i%60
		if (k/staff)%2 == 1 {
			m = 18*60 + i%120
		}
		seq[gateway(i)]++
		taps = append(taps, tap(i, seq[gateway(i)], day.At(m)))
	}
	byGW := map[string][]punch.Tap{}
	for _, tp := range taps {
		byGW[tp.Gateway] = append(byGW[tp.Gateway], tp)
	}
	clients := map[string]paho.Client{}
	for gw := range byGW {
		clients[gw] = mqttClient(b, broker.URL(), "pub-"+gw)
	}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for gw, list := range byGW {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := clients[gw]
			var toks []paho.Token
			for _, tp := range list {
				toks = append(toks, c.Publish(topicOf(tp), 1, false, tp.AppendJSON(nil)))
			}
			for _, tok := range toks {
				tok.Wait()
			}
		}()
	}
	wg.Wait()
	published := time.Since(start)
	eventually(b, "every tap journaled", func() (bool, string) {
		c := s.Journal().Count(journal.KindTap)
		return c == uint64(n), fmt.Sprintf("%d of %d", c, n)
	})
	journaled := time.Since(start)
	eventually(b, "every point written", func() (bool, string) { return s.InfluxLag() == 0, "lag" })
	written := time.Since(start)
	b.StopTimer()
	if got := count(b, db, `SELECT count(id) FROM punch`); got != n {
		b.Fatalf("%d punch points in InfluxDB, want %d", got, n)
	}
	b.ReportMetric(float64(n)/published.Seconds(), "published/s")
	b.ReportMetric(float64(n)/journaled.Seconds(), "journaled/s")
	b.ReportMetric(float64(n)/written.Seconds(), "influx/s")
	b.ReportMetric(float64(n), "events")
}

// BenchmarkLatency publishes taps at a steady rate (TIMECLOCK_BENCH_RATE,
// default 100/s, for TIMECLOCK_BENCH_SECONDS, default 20) stamped with the
// publish time, and polls InfluxDB every 10 ms for the new punch points: the
// tap → point latency is the poll that first saw a point minus its tap time.
func BenchmarkLatency(b *testing.B) {
	rate := envInt("TIMECLOCK_BENCH_RATE", 100)
	secs := envInt("TIMECLOCK_BENCH_SECONDS", 20)
	db := influxtest.Start(b, influxtest.WithoutFlux())
	broker := mosquittotest.Start(b)
	f := newFixture(b, 500)
	s := start(b, baseConfig(b, f, broker.URL(), db.URL()))
	gw := mqttClient(b, broker.URL(), "pub-latency")
	warm := tap(0, 1, time.Now())
	publish(b, gw, topicOf(warm), warm.AppendJSON(nil))
	waitDB(b, db)
	eventually(b, "the warm-up point", func() (bool, string) { return s.InfluxLag() == 0, "lag" })

	total := rate * secs
	sent := make(map[string]time.Time, total)
	seen := make(map[string]time.Time, total)
	var mu sync.Mutex
	stop := make(chan struct{})
	pollDone := make(chan struct{})
	go func() { // the poller
		defer close(pollDone)
		since := warm.TS.Add(-time.Second) // the warm-up point too, however long the start took
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			rows := db.Query(b, "timeclock", fmt.Sprintf(`SELECT id FROM punch WHERE time >= '%s'`, since.UTC().Format(time.RFC3339Nano)))
			now := time.Now()
			mu.Lock()
			for _, r := range rows {
				id, _ := r.Values["id"].(string)
				if _, ok := seen[id]; !ok {
					seen[id] = now
				}
			}
			done := len(seen) >= total+1
			mu.Unlock()
			if done {
				return
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	b.ResetTimer()
	period := time.Second / time.Duration(rate)
	next := time.Now()
	for i := range total {
		next = next.Add(period)
		time.Sleep(time.Until(next))
		now := time.Now()
		// consecutive taps on different gateways: one reader cannot read two
		// cards in the same millisecond, and such taps would share a point
		tp := tap((i%50)*10+(i/50)%10, uint64(i+2), now)
		mu.Lock()
		sent[tp.ID] = now
		mu.Unlock()
		gw.Publish(topicOf(tp), 1, false, tp.AppendJSON(nil))
	}
	eventually(b, "every point seen", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) >= total+1, fmt.Sprintf("%d of %d seen", len(seen), total+1)
	})
	close(stop)
	<-pollDone
	b.StopTimer()
	var lat []time.Duration
	for id, t0 := range sent {
		lat = append(lat, seen[id].Sub(t0))
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Milliseconds()) }
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Milliseconds()), "max-ms")
	b.ReportMetric(float64(rate), "events/s")
}

// BenchmarkRestart builds a journal of one fiscal year of taps (every
// scheduled day, in and out) for TIMECLOCK_BENCH_STAFF staff (default
// 10000) and measures service.New: opening the journal and rebuilding the
// engine from it, i.e. the restart time before serving.
func BenchmarkRestart(b *testing.B) {
	staff := envInt("TIMECLOCK_BENCH_STAFF", 10_000)
	f := newFixture(b, staff)
	cfg := baseConfig(b, f, "", "")
	fy := civil.D(2025, time.April, 1)
	events, alerts := writeJournal(b, cfg, f, staff, fy, civil.D(2026, time.April, 1), map[string]uint64{})
	fi, _ := os.Stat(filepath.Join(cfg.State, "journal.db"))
	b.ResetTimer()
	for range b.N {
		// The first start replays the whole journal (no snapshot yet, as
		// after an upgrade); it writes the snapshot a running service
		// writes every -snapshot-every and at shutdown, and the second
		// start is restored from it.
		os.Remove(filepath.Join(cfg.State, SnapshotFile))
		start := time.Now()
		s, err := New(cfg, testLog(b), time.Now)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "replay-s")
		start = time.Now()
		if err := s.saveSnapshot(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "snapshot-write-s")
		s.Close()
		fi, err := os.Stat(filepath.Join(cfg.State, SnapshotFile))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(fi.Size())/(1<<20), "snapshot-MiB")
		start = time.Now()
		s, err = New(cfg, testLog(b), time.Now)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "restart-s")
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MiB") // what the restored service holds
		if !s.restored {
			b.Fatal("the second start was not restored from the snapshot")
		}
		s.Close()
	}
	b.ReportMetric(float64(events), "events")
	b.ReportMetric(float64(alerts), "alerts")
	b.ReportMetric(float64(fi.Size())/(1<<20), "journal-MiB")
}

// writeJournal journals every weekday's taps from..to (exclusive) of staff
// staff members, as the live service makes them: each day's taps go
// through an engine, and the alert transitions they cause are journaled
// with them. seq carries the gateways' tap numbers across calls. It
// returns the taps and the alert records written.
func writeJournal(tb testing.TB, cfg *config.Config, f fixture, staff int, from, to civil.Date, seq map[string]uint64) (events, alerts int) {
	tb.Helper()
	j, err := journal.Open(filepath.Join(cfg.State, "journal.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer j.Close()
	data, errs := roster.LoadDir(f.dir)
	if len(errs) > 0 {
		tb.Fatal(errs)
	}
	live := NewLive(overtime.DefaultConfig())
	// An engine of what the journal holds already, with its raised set.
	if _, err := live.Build(data, func(after uint64, fn func(punch.Event) error, al func(journal.Alert)) error {
		_, err := j.Scan(after, 0, func(_ uint64, kind journal.Kind, b []byte) error {
			switch kind {
			case journal.KindTap:
				e, err := journal.DecodeEvent(b)
				if err != nil {
					return err
				}
				return fn(e.Event)
			case journal.KindAlert:
				a, err := journal.DecodeAlert(b)
				if err != nil {
					return err
				}
				al(a)
			}
			return nil
		})
		return err
	}, from.At(0), true, 0, nil); err != nil {
		tb.Fatal(err)
	}
	var buf []byte
	for d := from; d < to; d++ {
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		live.Advance(d.At(4 * 60))
		err := j.Write(func(w *journal.Writer) error {
			for i := range staff {
				// in 07:30–07:59, out 16:45–19:14: about one day in ten
				// after the 19:00 lock time
				for _, m := range []int{7*60 + 30 + i%30, 16*60 + 45 + (i*7+int(d))%150} {
					gw := gateway(i)
					seq[gw]++
					tp := tap(i, seq[gw], d.At(m))
					buf = journal.AppendEvent(buf[:0], journal.Entry{Event: punch.Event{Type: punch.TypeTap, Tap: tp}, Received: tp.TS})
					if _, _, err := w.Append(journal.KindTap, tp.ID, buf); err != nil {
						return err
					}
					if _, err := live.Apply(punch.Event{Type: punch.TypeTap, Tap: tp}); err != nil {
						return err
					}
					events++
				}
			}
			for _, a := range live.Alerts(d.At(20 * 60)) {
				if _, _, err := w.Append(journal.KindAlert, "", journal.Marshal(a)); err != nil {
					return err
				}
				alerts++
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return events, alerts
}
