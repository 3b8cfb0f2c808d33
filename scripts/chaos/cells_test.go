package chaos

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// faultCells are the cells that break a component under load.
func faultCells(sz size) []cell {
	ext := stackOptions{gateways: sz.gateways}
	emb := stackOptions{gateways: sz.gateways, embedded: true}
	down := func(stop, start func(s *stack)) func(s *stack) time.Time {
		return func(s *stack) time.Time {
			stop(s)
			s.load(sz)
			time.Sleep(sz.outage)
			back := time.Now()
			start(s)
			return back
		}
	}
	// midBurst kills while the second half of the load is being written,
	// waits, then starts again.
	midBurst := func(kill, start func(s *stack), wait time.Duration) func(s *stack) time.Time {
		return func(s *stack) time.Time {
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); s.burst(sz.burst, sz.gap) }()
			time.Sleep(time.Duration(sz.burst) * sz.gap / 2)
			kill(s)
			time.Sleep(wait)
			back := time.Now()
			start(s)
			wg.Wait()
			return back
		}
	}
	killGateways := func(s *stack) {
		for _, g := range s.gws {
			g.kill9()
		}
	}
	startGateways := func(s *stack) {
		for _, g := range s.gws {
			g.start()
		}
	}
	return []cell{
		{name: "baseline", fault: "none", run: loadCell(sz, ext, nil)},
		{name: "broker down", fault: "Mosquitto stopped under load for " + sz.outage.String() + ", then started",
			run: loadCell(sz, ext, down(func(s *stack) { s.broker.Stop() }, func(s *stack) { s.broker.Restart() }))},
		{name: "InfluxDB down", fault: "influxd stopped under load for " + sz.outage.String() + ", then started",
			run: loadCell(sz, ext, down(func(s *stack) { s.influx.Stop() }, func(s *stack) { s.influx.Restart() }))},
		{name: "gateway kill -9", fault: "kill -9 of every gateway mid-burst, started again after 1 s",
			run: loadCell(sz, ext, midBurst(killGateways, startGateways, time.Second))},
		{name: "aggregator kill -9", fault: "kill -9 of the aggregator mid-burst, started again after " + sz.outage.String(),
			run: loadCell(sz, ext, midBurst(func(s *stack) { s.agg.kill9() }, func(s *stack) { s.agg.start() }, sz.outage))},
		{name: "power cut", fault: "kill -9 of the gateways and the aggregator at once mid-burst, all started again after " + sz.outage.String(),
			run: loadCell(sz, ext, midBurst(func(s *stack) { s.agg.kill9(); killGateways(s) },
				func(s *stack) { s.agg.start(); startGateways(s) }, sz.outage))},
		{name: "network cut", fault: "the gateways' link to the broker carries nothing, either way, under load for " + sz.outage.String() +
			" (no close, no reset: each side learns it from its own timeouts), then carries again",
			run: networkCutCell(sz, "gateways")},
		{name: "network cut: aggregator", fault: "the aggregator's link to the broker carries nothing, either way, under load for " +
			sz.outage.String() + " (no close, no reset), then carries again", run: networkCutCell(sz, "aggregator")},
		{name: "embedded broker: aggregator kill -9", fault: "the aggregator with its embedded broker: kill -9 mid-burst, started again after " + sz.outage.String(),
			run: loadCell(sz, emb, midBurst(func(s *stack) { s.agg.kill9() }, func(s *stack) { s.agg.start() }, sz.outage))},
		{name: "embedded broker: restart", fault: "the aggregator with its embedded broker stopped (SIGTERM) under load for " + sz.outage.String(),
			run: loadCell(sz, emb, down(func(s *stack) { s.agg.stop() }, func(s *stack) { s.agg.start() }))},
		{name: "roster change across a restart", fault: "aggregator stopped, a teacher whose card was tapped as unknown added to roster.csv, started again",
			run: loadCell(sz, ext, rosterChange(sz))},
		{name: "reader unplug/replug", fault: "gw-00's RC-S620S unplugged for 2 s under load, plugged back", run: unplugCell(sz)},
		{name: "gateway clock jump", fault: "gw-00's clock set an hour back by hand under load, then two hours ahead, then right again by its time server",
			run: clockJumpCell(sz)},
		{name: "spool disk full", fault: "broker down, gw-00's spool file system filled to the last byte under load, then space freed and the broker back", run: diskFullCell(sz)},
		{name: "journal disk full", fault: "the aggregator's state file system filled to the last byte under load for " + sz.outage.String() + ", then space freed",
			run: journalDiskFullCell(sz)},
		{name: "gateway flood 10×", fault: "gw-00 sends 10× the aggregator's -ingest-rate (20/s) while the others tap", run: floodCell(sz)},
	}
}

// load is one half of a cell's load: a burst at every gateway's lines
// input and a tap at each emulated reader.
func (s *stack) load(sz size) {
	for g := range s.opt.gateways {
		s.simTap(g, s.taps%staffPerSchool)
	}
	s.burst(sz.burst, sz.gap)
}

// loadCell runs a cell of the usual shape: half the load, the fault (which
// puts the other half through while it lasts and returns when the system
// was recovered), then settles and counts.
func loadCell(sz size, opt stackOptions, fault func(s *stack) time.Time) func(t *testing.T) row {
	return func(t *testing.T) row {
		s := startStack(t, opt)
		s.load(sz)
		var recovered time.Time
		if fault == nil {
			s.load(sz)
			recovered = time.Now()
		} else {
			recovered = fault(s)
		}
		c := s.settle(sz.drain, recovered)
		r := row{c: c, ok: c.lost == 0 && c.doubled == 0 && c.accepted > 0 && c.months == "equal"}
		if c.months == "equal" {
			r.note = "staff months equal the report"
		} else {
			r.note = "staff months differ: " + c.months
		}
		return r
	}
}

// rosterChange taps a card no one holds, stops the aggregator, gives the
// card to a new teacher and starts it again: the taps made before count for
// the teacher, live as in the report.
func rosterChange(sz size) func(s *stack) time.Time {
	return func(s *stack) time.Time {
		newCard := card(0, staffPerSchool)
		for range 4 {
			fmt.Fprintln(s.lines[0], newCard)
			s.taps++
			time.Sleep(50 * time.Millisecond)
		}
		s.burst(sz.burst, sz.gap)
		s.drain(sz.drain)
		s.agg.stop()
		f, err := os.OpenFile(filepath.Join(s.dir, "data", "roster.csv"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			s.t.Fatal(err)
		}
		fmt.Fprintf(f, "%s,新任,teacher,%s,%s,elementary,std,%s,2026-04-01,\n", staffID(0, staffPerSchool), board, school(0), newCard)
		f.Close()
		s.extraStaff = append(s.extraStaff, staffID(0, staffPerSchool))
		back := time.Now()
		s.agg.start()
		return back
	}
}

// tapAt writes one tap to gateway g's lines input.
func (s *stack) tapAt(g int) {
	k := s.next[g] % staffPerSchool
	s.next[g]++
	s.taps++
	if _, err := fmt.Fprintln(s.lines[g], card(g, k)); err != nil {
		s.t.Fatal(err)
	}
}

// acceptedAt counts the taps gateway g recorded from reader.
func (s *stack) acceptedAt(g int, reader string) int {
	n := 0
	for _, l := range logLines(s.t, s.gws[g].log) {
		if l["msg"] == "tap recorded" && l["reader"] == reader {
			n++
		}
	}
	return n
}

// unplugCell pulls gw-00's reader out under load and measures how long the
// gateway takes, once it is plugged back, to take a tap from it again.
func unplugCell(sz size) func(t *testing.T) row {
	return func(t *testing.T) row {
		s := startStack(t, stackOptions{gateways: sz.gateways})
		s.load(sz)
		before := s.acceptedAt(0, "entrance")
		fmt.Fprintln(s.simIn, gatewayID(0)+" unplug")
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); s.burst(sz.burst, sz.gap) }()
		time.Sleep(2 * time.Second)
		fmt.Fprintln(s.simIn, gatewayID(0)+" replug")
		plugged := time.Now()
		// Tapped at the reader while the burst goes on at the lines inputs
		// (the burst counts its taps, these are added after it).
		var back time.Duration
		tapped := 0
		for k := 0; time.Since(plugged) < 30*time.Second; k++ {
			s.simWrite(0, k%staffPerSchool)
			tapped++
			time.Sleep(300 * time.Millisecond)
			if s.acceptedAt(0, "entrance") > before {
				back = time.Since(plugged)
				break
			}
		}
		wg.Wait()
		s.taps += tapped
		c := s.settle(sz.drain, plugged)
		r := row{c: c, ok: c.lost == 0 && c.doubled == 0 && back > 0 && c.months == "equal"}
		switch {
		case back == 0:
			r.note = "the reader took no tap within 30 s of being plugged back"
		case back < 5*time.Second:
			r.note = fmt.Sprintf("the reader takes taps %.1f s after it is plugged back (goal < 5 s)", back.Seconds())
		default: // a goal, not a loss: a loaded machine may miss it
			r.note = fmt.Sprintf("the reader takes taps only %.1f s after it is plugged back (goal < 5 s: missed)", back.Seconds())
		}
		return r
	}
}

// floodCell: gw-00 sends ten times the aggregator's per-gateway allowance
// while the other gateways tap at a quarter of it; their taps must not wait
// for gw-00's backlog.
func floodCell(sz size) func(t *testing.T) row {
	const rate = 20
	return func(t *testing.T) row {
		s := startStack(t, stackOptions{gateways: sz.gateways, aggArgs: []string{"-ingest-rate", "20", "-ingest-burst", "20"}})
		floodFor := 3 * time.Second
		if sz.name == "full" {
			floodFor = 60 * time.Second
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		tap := func(g int, every time.Duration) {
			defer wg.Done()
			for start := time.Now(); time.Since(start) < floodFor; time.Sleep(every) {
				mu.Lock()
				k := s.next[g] % staffPerSchool
				s.next[g]++
				s.taps++
				mu.Unlock()
				fmt.Fprintln(s.lines[g], card(g, k))
			}
		}
		wg.Add(sz.gateways)
		go tap(0, time.Second/(10*rate))
		for g := 1; g < sz.gateways; g++ {
			go tap(g, time.Second/(rate/4))
		}
		wg.Wait()
		ended := time.Now()
		others := s.drainOf(sz.drain, func(id string) bool { return !isOf(id, 0) })
		c := s.settle(sz.drain, ended)
		r := row{c: c, ok: c.lost == 0 && c.doubled == 0 && c.months == "equal"}
		r.note = fmt.Sprintf("the other gateways' taps all in InfluxDB %.1f s after the flood, gw-00's backlog %.1f s after it",
			others.Seconds(), c.recovery.Seconds())
		return r
	}
}

func isOf(id string, g int) bool { return len(id) > 6 && id[:6] == gatewayID(g)+":" }

// diskFullCell fills the file system of gw-00's spool: the gateway refuses
// taps with the reader's error feedback (never confirms what it could not
// write), loses none it confirmed before, and takes taps again once there
// is room.
func diskFullCell(sz size) func(t *testing.T) row {
	return func(t *testing.T) row {
		s := startStack(t, stackOptions{gateways: sz.gateways, tmpfs: true})
		s.load(sz)
		s.drain(sz.drain)
		// With the broker away the spool must grow; the file system is full.
		s.broker.Stop()
		filler := fill(t, filepath.Join(s.dir, "spool-"+gatewayID(0)))
		refused := 0
		for n := 0; refused == 0 && n < 20000; n++ {
			s.tapAt(0)
			if n%50 == 49 {
				time.Sleep(200 * time.Millisecond)
				refused = s.gws[0].logged("tap not recorded")
			}
		}
		s.burst(sz.burst/4, sz.gap) // the other gateways go on; gw-00 refuses
		time.Sleep(time.Second)
		refused = s.gws[0].logged("tap not recorded")
		os.Remove(filler)
		freed := time.Now()
		before := s.acceptedAt(0, "bulk")
		s.burst(10, 50*time.Millisecond)
		time.Sleep(time.Second)
		again := s.acceptedAt(0, "bulk") - before
		s.broker.Restart()
		c := s.settle(sz.drain, freed)
		r := row{c: c, ok: c.lost == 0 && c.doubled == 0 && refused > 0 && again > 0 && c.months == "equal"}
		r.note = fmt.Sprintf("%d taps refused while the disk was full (error feedback, log line \"tap not recorded\"), "+
			"%d of 10 accepted once space was freed; staff months %s", refused, again, c.months)
		return r
	}
}

// networkCutCell cuts the link of one side — the gateways or the
// aggregator — to the broker under load (the relay of partition_test.go).
// The gateways keep what is tapped meanwhile, the broker what it could not
// deliver; a connection that outlives the cut carries on, one that timed
// out is opened again; either way every tap arrives once.
func networkCutCell(sz size, side string) func(t *testing.T) row {
	return func(t *testing.T) row {
		s := startStack(t, stackOptions{gateways: sz.gateways, cut: side})
		s.load(sz)
		s.drain(sz.drain)
		procs := s.gws
		if side == "aggregator" {
			procs = []*proc{s.agg}
		}
		before := make([]int, len(procs))
		for i, p := range procs {
			before[i] = p.logged("mqtt connection lost")
		}
		s.relay.setCut(true)
		s.load(sz)
		time.Sleep(sz.outage)
		s.relay.setCut(false)
		healed := time.Now()
		c := s.settle(sz.drain, healed)
		reconnected := 0
		for i, p := range procs {
			if p.logged("mqtt connection lost") > before[i] {
				reconnected++
			}
		}
		r := row{c: c, ok: c.lost == 0 && c.doubled == 0 && c.months == "equal"}
		if side == "aggregator" {
			r.note = "the aggregator's connection outlived the cut"
			if reconnected > 0 {
				r.note = "the aggregator found its connection dead and opened a new one"
			}
		} else {
			r.note = fmt.Sprintf("%d of %d gateways found their connection dead and opened a new one, the others' outlived the cut",
				reconnected, len(procs))
		}
		r.note += "; staff months " + c.months
		return r
	}
}

// fill writes a file in dir until its file system is full to the last byte
// and returns the file's path.
func fill(t *testing.T, dir string) string {
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	for block := make([]byte, 16<<10); err == nil; {
		_, err = f.Write(block)
	}
	f.Close()
	return filler
}

// journalDiskFullCell fills the file system of the aggregator's state
// directory (its journal) under load, for longer than an outage. A commit
// that cannot be written ends the aggregator before anything of it is
// acknowledged or answered; a supervisor starts it again every 2 s, as
// systemd does with the shipped unit, until space is freed. The gateways
// keep every tap meanwhile and send it again.
func journalDiskFullCell(sz size) func(t *testing.T) row {
	return func(t *testing.T) row {
		s := startStack(t, stackOptions{gateways: sz.gateways, stateFS: true})
		s.load(sz)
		s.drain(sz.drain)
		filler := fill(t, filepath.Join(s.dir, "state"))
		stop := make(chan struct{})
		type supervised struct {
			starts int
			err    error
		}
		sup := make(chan supervised, 1)
		go func() { n, err := s.agg.supervise(stop); sup <- supervised{n, err} }()
		s.load(sz)
		time.Sleep(sz.outage)
		os.Remove(filler)
		freed := time.Now()
		// Supervised until it has been ready for 3 s with space again.
		var since time.Time
		for ; since.IsZero() || time.Since(since) < 3*time.Second; time.Sleep(100 * time.Millisecond) {
			if s.readyz() != nil {
				since = time.Time{}
			} else if since.IsZero() {
				since = time.Now()
			}
			if time.Since(freed) > sz.drain {
				close(stop)
				<-sup // the cleanup stops the aggregator: no restart behind it
				t.Fatalf("the aggregator not ready %v after space was freed; its log %s:\n%s", sz.drain, s.agg.log, tail(s.agg.log))
			}
		}
		close(stop)
		res := <-sup
		if res.err != nil {
			t.Fatal(res.err)
		}
		// What DEPLOY.md §5.6 tells a technician to look for.
		full := s.agg.loggedErr("ERROR", "aggregator stopped", "no space left on device")
		c := s.settle(sz.drain, freed)
		r := row{c: c, ok: c.lost == 0 && c.doubled == 0 && full > 0 && res.starts > 0 && c.months == "equal"}
		r.note = fmt.Sprintf("the aggregator stopped %d times on the journal's \"no space left on device\" (an ERROR line) "+
			"and was started again %d times (every 2 s, as systemd's Restart=always does); once space was freed it took "+
			"the taps the gateways had kept; staff months %s", full, res.starts, c.months)
		return r
	}
}

// clockJumpCell steps gw-00's wall clock by hand under load — an hour back,
// then an hour ahead of the true time — the kernel marking it unsynchronised
// as it does a clock set by hand. First for longer than the gateway's
// -unsynced-hold (5 s here): those taps go out marked unsynced; then for
// less, its time server setting the clock right meanwhile: those taps are
// corrected before they go out. Every tap must be journaled once, at the
// true time it was made (within 2 s), none earlier than the tap before.
func clockJumpCell(sz size) func(t *testing.T) row {
	return func(t *testing.T) row {
		s := startStack(t, stackOptions{gateways: sz.gateways, clock: true})
		s.load(sz)
		s.setClock("-1h unsynced")
		s.burst(sz.burst/2, sz.gap)
		s.setClock("1h unsynced")
		s.burst(sz.burst-sz.burst/2, sz.gap)
		s.drain(sz.drain) // out after the hold, marked unsynced
		s.setClock("-1h unsynced")
		s.burst(10, sz.gap)
		s.setClock("0 synced")
		c := s.settle(sz.drain, time.Now())
		events := s.exported()
		var last time.Time
		var flagged, corrected, reordered, off int
		for _, l := range logLines(t, s.gws[0].log) {
			id, _ := l["id"].(string)
			e, ok := events[id]
			if l["msg"] != "tap recorded" || !ok {
				continue
			}
			switch {
			case e.Clock == "unsynced":
				flagged++
			case l["synced"] == false:
				corrected++
			}
			if e.TS.Before(last) {
				reordered++
			}
			last = e.TS
			if at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(l["time"])); err != nil || e.TS.Sub(at).Abs() > 2*time.Second {
				off++
			}
		}
		jumps := s.gws[0].logged("wall clock jumped")
		r := row{c: c, ok: c.lost == 0 && c.doubled == 0 && c.months == "equal" && flagged > 0 && corrected > 0 &&
			reordered == 0 && off == 0}
		r.note = fmt.Sprintf("gw-00 logged %d jumps; of the taps made while its clock was off %d went out marked unsynced "+
			"and %d corrected at the sync; %d earlier than the tap before, %d more than 2 s from the true time",
			jumps, flagged, corrected, reordered, off)
		if c.months != "equal" {
			r.note += "; staff months differ: " + c.months
		}
		return r
	}
}
