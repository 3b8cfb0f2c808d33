package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"timeclock/internal/daemontest"
	"timeclock/internal/mosquittotest"
	"timeclock/internal/punch"
)

const (
	e2eBoard  = "e2e"
	e2eSchool = "e2e-s01"
)

// gatewayArgs are the flags of a gateway under test: fast timeouts so that
// faults resolve in seconds.
func gatewayArgs(broker, gw, spoolDir, fifoPath string, extra ...string) []string {
	return append([]string{
		"-board", e2eBoard, "-school", e2eSchool, "-gateway", gw, "-broker", broker,
		"-spool-dir", spoolDir, "-reader", "name=entrance kind=lines path=" + fifoPath + " dir=in",
		"-clock-sync", "assume", "-debounce", "0", "-ack-timeout", "2s", "-ack-timeout-max", "4s",
		"-publish-rate", "2000", "-window", "50", "-status-every", "500ms",
	}, extra...)
}

// e2eRun is a gateway process reading taps from a FIFO and publishing to a
// real broker, with a fake aggregator answering behind it.
type e2eRun struct {
	broker *mosquittotest.Broker
	acker  *Acker
	in     *fifo
	g      *gwProc
}

// startE2E starts the broker, the fake aggregator (paused: answering
// nothing until told) and gateway gw with the flags of gatewayArgs and extra.
func startE2E(t *testing.T, gw string, paused bool, extra ...string) *e2eRun {
	t.Helper()
	r := &e2eRun{broker: mosquittotest.Start(t), in: newFIFO(t)}
	r.acker = startAcker(t, r.broker.URL(), e2eBoard)
	r.acker.Pause(paused)
	dir := t.TempDir()
	r.g = startGateway(t, filepath.Join(dir, "gateway.log"),
		gatewayArgs(r.broker.URL(), gw, filepath.Join(dir, "spool"), r.in.path, extra...)...)
	return r
}

// TestBrokerOutageDuringBurst stops the broker in the middle of a burst of
// taps and starts it again: every accepted tap reaches the aggregator, in
// order, and leaves the spool.
func TestBrokerOutageDuringBurst(t *testing.T) {
	r := startE2E(t, "gw-outage", false)
	broker, acker, in, g, ctx := r.broker, r.acker, r.in, r.g, r.g.ctx

	in.tap(t, 100)
	if err := acker.WaitDistinct(ctx, 30); err != nil {
		t.Fatal(err)
	}
	broker.Stop()
	in.tap(t, 100)
	accepted := g.waitAccepted(200) // the person is served while the broker is away
	broker.Restart()

	if err := acker.WaitDistinct(ctx, 200); err != nil {
		t.Fatal(err)
	}
	checkDelivered(t, acker, accepted)
	waitStatus(t, ctx, broker, "gw-outage", func(st punch.Status) bool { return st.Online && st.Queue == 0 })
}

// TestKill9MidBurst kills the gateway with SIGKILL in the middle of a burst
// and starts it again on the same spool: every tap it had accepted is
// delivered, and the new boot's ids differ from the old ones.
func TestKill9MidBurst(t *testing.T) {
	r := startE2E(t, "gw-kill", true) // nothing leaves the spool before the kill
	acker, in, g, ctx := r.acker, r.in, r.g, r.g.ctx

	in.tap(t, 300)
	g.waitAccepted(120)
	g.kill9()
	before := g.accepted()
	acker.Pause(false)
	g.start()
	in.tap(t, 50)
	if err := acker.WaitDistinct(ctx, len(before)+50); err != nil {
		t.Fatal(err)
	}
	all := g.accepted()
	boots := map[int]bool{}
	for _, l := range g.lines("gateway started") {
		boots[l.Boot] = true
	}
	// The restart is the next boot of the same spool.
	if len(boots) != 2 {
		t.Fatalf("boots logged %v, want two", boots)
	}
	for b := range boots {
		if !boots[b+1] && !boots[b-1] {
			t.Fatalf("boots logged %v, want consecutive numbers", boots)
		}
	}
	// Some lines read before the kill were never accepted: they are not owed.
	if err := acker.WaitIDs(ctx, all); err != nil {
		t.Fatal(err)
	}
	checkDelivered(t, acker, all)
}

// TestStatusAndLastWill reads the retained status with mosquitto_sub: online
// with the readers while running, offline after a clean stop, and offline by
// the last will after SIGKILL. An unsynchronised clock marks the taps.
func TestStatusAndLastWill(t *testing.T) {
	r := startE2E(t, "gw-status", false, "-clock-sync", "untrusted", "-unsynced-hold", "0s")
	broker, acker, in, g, ctx := r.broker, r.acker, r.in, r.g, r.g.ctx

	st := waitStatus(t, ctx, broker, "gw-status", func(st punch.Status) bool {
		return st.Online && st.Readers["entrance"] == punch.ReaderOK
	})
	if st.ClockSynced || st.Version == "" {
		t.Errorf("status %+v: want clock_synced false and a version", st)
	}
	in.tap(t, 1)
	if err := acker.WaitDistinct(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if tap, _ := acker.Tap(acker.First()[0]); tap.Clock != punch.ClockUnsynced || tap.Dir != punch.DirIn ||
		tap.Reader != "entrance" {
		t.Errorf("tap %+v: want clock unsynced, dir in, reader entrance", tap)
	}

	g.stop()
	waitStatus(t, ctx, broker, "gw-status", func(st punch.Status) bool { return !st.Online })

	g.start()
	waitStatus(t, ctx, broker, "gw-status", func(st punch.Status) bool { return st.Online })
	g.kill9()
	waitStatus(t, ctx, broker, "gw-status", func(st punch.Status) bool { return !st.Online })
}

// checkDelivered checks that the aggregator got every accepted tap, valid,
// first copies in order.
func checkDelivered(t testing.TB, acker *Acker, accepted []string) {
	t.Helper()
	if bad := acker.Bad(); len(bad) > 0 {
		t.Fatalf("%d taps broke the contract, first: %v", len(bad), bad[0])
	}
	first := acker.First()
	for _, id := range accepted {
		if !slices.Contains(first, id) {
			t.Fatalf("accepted tap %s never reached the aggregator", id)
		}
	}
	if err := inOrder(first); err != nil {
		t.Fatalf("first arrivals out of order: %v", err)
	}
	dups := 0
	for _, id := range first {
		dups += acker.Arrivals(id) - 1
	}
	t.Logf("%d taps accepted, %d distinct delivered, %d duplicate deliveries (QoS 1, idempotent ids)",
		len(accepted), len(first), dups)
}

// waitStatus polls the retained status with mosquitto_sub until ok accepts it.
func waitStatus(t testing.TB, ctx context.Context, b *mosquittotest.Broker, gw string,
	ok func(punch.Status) bool) punch.Status {
	t.Helper()
	sub := daemontest.Binary(t, "mosquitto_sub", "TIMECLOCK_MOSQUITTO_SUB", "mosquitto_sub", "/usr/bin/mosquitto_sub")
	topic := punch.StatusTopic(e2eBoard, e2eSchool, gw)
	var last string
	for {
		out, err := exec.CommandContext(ctx, sub, "-h", "127.0.0.1", "-p", strconv.Itoa(b.Port()), "-t", topic,
			"-C", "1", "-W", "2").Output()
		if err == nil {
			last = string(out)
			st, err := punch.DecodeStatus(out, time.Time{})
			if err != nil {
				t.Fatalf("status %q: %v", out, err)
			}
			if ok(st) {
				return st
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("status on %s never as expected; last %q", topic, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
