package service

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"timeclock/gateway/internal/config"
	"timeclock/gateway/internal/feedback"
	"timeclock/gateway/internal/spool"
	"timeclock/internal/daemontest"
	"timeclock/internal/punch"
)

// fakeWire is a connected Sender that records the taps it is given.
type fakeWire struct {
	mu   sync.Mutex
	taps []spool.Tap
	sent chan spool.Tap
}

func (w *fakeWire) Session() uint64 { return 1 }
func (w *fakeWire) SendTaps(taps []spool.Tap) (int, error) {
	for _, t := range taps {
		w.mu.Lock()
		w.taps = append(w.taps, t)
		w.mu.Unlock()
		w.sent <- t
	}
	return len(taps), nil
}

// fakeClock is a clocktrust.Source the test moves.
type fakeClock struct {
	mu     sync.Mutex
	wall   time.Time
	boot   time.Duration
	synced bool
}

func (c *fakeClock) Now() (time.Time, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wall, c.boot
}
func (c *fakeClock) Synced() (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.synced, nil
}
func (c *fakeClock) OSBoot() [16]byte { return [16]byte{7} }

// advance lets d pass on both clocks, then steps the wall clock by step; a
// true synced marks it synchronised. It returns the wall clock after.
func (c *fakeClock) advance(d, step time.Duration, synced bool) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.boot += d
	c.wall = c.wall.Add(d + step)
	c.synced = c.synced || synced
	return c.wall
}

// recorder is a feedback output that hands events to the test.
type recorder struct{ ch chan feedback.Event }

func (r recorder) Show(_ context.Context, e feedback.Event) error {
	if e.Kind != feedback.Status {
		r.ch <- e
	}
	return nil
}

type rig struct {
	s     *Service
	wire  *fakeWire
	clock *fakeClock
	shown chan feedback.Event
	logs  *syncWriter
	stop  func()
}

func newRig(t testing.TB, args ...string) *rig {
	t.Helper()
	cfg, err := config.Load(append([]string{"-gateway", "gw-t", "-spool-dir", t.TempDir(), "-debounce", "1h",
		"-reader", "name=entrance kind=lines path=- dir=in", "-high-water", "2"}, args...),
		func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Version = "test"
	r := &rig{wire: &fakeWire{sent: make(chan spool.Tap, 100)}, shown: make(chan feedback.Event, 100),
		clock: &fakeClock{wall: time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC), boot: time.Hour}, logs: &syncWriter{w: &bytes.Buffer{}}}
	log := slog.New(slog.NewTextHandler(r.logs, nil))
	r.s, err = New(cfg, Parts{Clock: r.clock, Sender: r.wire, Outputs: []feedback.Output{recorder{r.shown}}}, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.s.Run(ctx) }()
	r.stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	return r
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) contains(b []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Contains(s.w.(*bytes.Buffer).Bytes(), b)
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (r *rig) next(t *testing.T, kind feedback.Kind) feedback.Event {
	t.Helper()
	for {
		select {
		case e := <-r.shown:
			if e.Kind == kind {
				return e
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no feedback of kind %d", kind)
		}
	}
}

// stopShowingNothing stops the service and fails if it showed anything the
// test has not taken.
func (r *rig) stopShowingNothing(t *testing.T, what string) {
	t.Helper()
	r.stop()
	select {
	case e := <-r.shown:
		t.Fatalf("%s: %+v", what, e)
	default:
	}
}

func TestAcceptThenAnswer(t *testing.T) {
	r := newRig(t, "-clock-sync", "assume")
	r.s.accept(Read{Reader: "entrance", Card: "felica:0123456789abcdef", At: time.Now()})
	acc := r.next(t, feedback.Accepted)
	// A new spool's first boot is the wall clock in Unix seconds (2026-06-01T07:00Z).
	if acc.ID != "gw-t:1780297200:000001" || acc.Dir != "in" || !acc.Synced {
		t.Fatalf("accepted %+v", acc)
	}
	sent := <-r.wire.sent
	if sent.Card != "felica:0123456789abcdef" || !sent.Synced {
		t.Fatalf("published %+v", sent)
	}
	r.s.onFeedback(punch.Feedback{ID: acc.ID, Result: punch.ResultOK, Staff: "T0001", TodayMin: 5,
		MonthOvertimeMin: 600, Level: punch.LevelWarn})
	ans := r.next(t, feedback.Answer)
	if ans.ID != acc.ID || ans.MonthOvertimeMin != 600 || ans.Level != "warn" || ans.Dir != "in" {
		t.Fatalf("answer %+v", ans)
	}
	// The same card again at once is a bounce; an answer for another
	// gateway's tap changes nothing.
	r.s.accept(Read{Reader: "entrance", Card: "felica:0123456789abcdef"})
	r.s.onFeedback(punch.Feedback{ID: "gw-other:1:000001", Result: punch.ResultOK, Staff: "T1", Level: punch.LevelOK})
	for deadline := time.Now().Add(10 * time.Second); r.s.sp.Depth() != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("spool depth %d after the answer", r.s.sp.Depth())
		}
	}
	r.stopShowingNothing(t, "unexpected feedback")
}

func TestLateAnswerIsNotShown(t *testing.T) {
	r := newRig(t, "-clock-sync", "assume", "-answer-window", "0s")
	r.s.accept(Read{Reader: "entrance", Card: "em4100:67003b51c6"})
	acc := r.next(t, feedback.Accepted)
	r.s.onFeedback(punch.Feedback{ID: acc.ID, Result: punch.ResultUnknownCard, Level: punch.LevelOK})
	r.stopShowingNothing(t, "answer shown after the answer window")
}

// TestUnsyncedTapsAreHeldAndCorrected taps while the clock is not
// synchronised (its wall time 3 hours behind), then lets NTP step it: the
// taps are published only after the correction, with the true time.
func TestUnsyncedTapsAreHeldAndCorrected(t *testing.T) {
	r := newRig(t, "-clock-sync", "kernel", "-unsynced-hold", "1h")
	r.s.accept(Read{Reader: "entrance", Card: "felica:0000000000000001"})
	r.next(t, feedback.Accepted)
	r.clock.advance(10*time.Second, 0, false)
	r.s.accept(Read{Reader: "entrance", Card: "felica:0000000000000002"})
	r.next(t, feedback.Accepted)
	select {
	case tp := <-r.wire.sent:
		t.Fatalf("unsynced tap %s published during the hold", tp.ID)
	case <-time.After(200 * time.Millisecond):
	}
	// NTP steps the clock 3 hours forward, 60 s after the first tap.
	trueFirst := r.clock.advance(50*time.Second, 3*time.Hour, true).Add(-60 * time.Second)
	r.s.trust.Stamp()
	got := []spool.Tap{<-r.wire.sent, <-r.wire.sent}
	r.stop()
	for i, tp := range got {
		want := trueFirst.Add(time.Duration(i) * 10 * time.Second)
		if !tp.Synced || !tp.Time.Equal(want) || tp.ID.Seq != uint64(i+1) {
			t.Errorf("published %s at %v synced=%v, want %v synced", tp.ID, tp.Time, tp.Synced, want)
		}
	}
	if !r.logs.contains([]byte(`msg="corrected the time of taps made before clock sync" taps=2`)) {
		t.Errorf("no correction logged")
	}
}

func TestHighWaterWarnsButAccepts(t *testing.T) {
	r := newRig(t, "-clock-sync", "assume", "-window", "1")
	for i := 0; i < 4; i++ {
		r.s.accept(Read{Reader: "entrance", Card: "felica:000000000000000" + string(rune('1'+i))})
		r.next(t, feedback.Accepted)
	}
	r.stop()
	if d := r.s.sp.Depth(); d != 4 {
		t.Fatalf("depth %d, want 4: the spool never refuses", d)
	}
	if !r.logs.contains([]byte("spool above high-water mark")) {
		t.Fatalf("no high-water warning")
	}
}

// TestMetricsExposesEveryDeclared scrapes the gateway's /metrics: every
// declared series is there with its help text.
func TestMetricsExposesEveryDeclared(t *testing.T) {
	addr := daemontest.Addr(daemontest.FreePort(t))
	r := newRig(t, "-clock-sync", "assume", "-metrics", addr)
	defer r.stop()
	r.s.accept(Read{Reader: "entrance", Card: "felica:0123456789abcdef", At: time.Now()})
	r.next(t, feedback.Accepted)
	var body []byte
	for deadline := time.Now().Add(10 * time.Second); body == nil; time.Sleep(10 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if err != nil && time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	decls := r.s.m.declared(r.s)
	if len(decls) != 14 {
		t.Errorf("%d series declared, want 14", len(decls))
	}
	for _, d := range decls {
		if want := "# HELP timeclock_gateway_" + d.Name + " " + d.Help + "\n"; !bytes.Contains(body, []byte(want)) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	for _, want := range []string{"timeclock_gateway_taps_accepted_total 1", "timeclock_gateway_clock_synced 1",
		"timeclock_gateway_connected 1", "timeclock_gateway_spool_damaged_total 0", `timeclock_gateway_accept_seconds_bucket{le="1"} 1`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// A read the spool refused (a full disk) is not a bounce for the next one:
// the person who got the error and taps again at once is tried again.
func TestRefusedReadIsNoBounce(t *testing.T) {
	r := newRig(t, "-clock-sync", "assume")
	defer r.stop()
	read := Read{Reader: "entrance", Card: "felica:0123456789abcdef"}
	if r.s.bounce(read) || !r.s.bounce(read) {
		t.Fatal("a second read at once should be a bounce")
	}
	r.s.forget(Read{Reader: "entrance", Card: "felica:00000000000000ff"})
	if !r.s.bounce(read) {
		t.Fatal("forgetting another card forgot this one")
	}
	r.s.forget(read)
	if r.s.bounce(read) {
		t.Fatal("a read again after a refused one is taken as a bounce")
	}
}

// A new spool's first boot number comes from the wall clock only when the
// clock is synchronised; otherwise it is random and above every clock seed,
// so two wipes on a Pi whose clock restarts at the same saved time (or in
// 1970) do not hand out the same ids. (Which clock counts as synchronised
// under -clock-sync is clocktrust's: TestPeekRecordsNothing.)
func TestFirstBootTrustsOnlyASyncedClock(t *testing.T) {
	set := time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC)
	if got := firstBoot(set, true); got != uint32(set.Unix()) {
		t.Errorf("synced clock: first boot %d, want %d", got, set.Unix())
	}
	seen := map[uint32]bool{}
	for _, c := range []struct {
		wall   time.Time
		synced bool
	}{
		{set, false},              // looks set (fake-hwclock), not synced
		{set, false},              // the same saved time on the next wipe
		{time.Unix(40, 0), false}, // no clock at all
		{time.Unix(40, 0), true},  // "synced" to 1970: not a seed
	} {
		got := firstBoot(c.wall, c.synced)
		if got < 1<<31 || got > 1<<32-1<<20 {
			t.Errorf("clock %v synced=%v: first boot %d outside [2^31, 2^32-2^20]", c.wall, c.synced, got)
		}
		if seen[got] {
			t.Errorf("clock %v: first boot %d repeated", c.wall, got)
		}
		seen[got] = true
	}
}

// A sync that lands between a tap's stamp and its commit (its correction
// pass runs over a spool without the tap) still gets the tap corrected.
func TestSyncBetweenStampAndCommitCorrects(t *testing.T) {
	r := newRig(t, "-clock-sync", "kernel", "-unsynced-hold", "1h")
	defer r.stop()
	st := r.s.trust.Stamp()
	if st.Synced {
		t.Fatal("clock synchronised before the tap")
	}
	want := r.clock.advance(5*time.Second, 3*time.Hour, true).Add(-5 * time.Second)
	r.s.trust.Stamp() // the clock watcher sees the sync: a pass over an empty spool
	for len(r.s.syncs) > 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	r.s.record(Read{Reader: "entrance", Card: "felica:0000000000000001"}, "in", st)
	select {
	case tp := <-r.wire.sent:
		if !tp.Synced || !tp.Time.Equal(want) {
			t.Errorf("published %s at %v synced=%v, want %v synced", tp.ID, tp.Time, tp.Synced, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the tap stayed unsynced, held from publishing")
	}
}
