package publisher

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"timeclock/gateway/internal/spool"
	"timeclock/gateway/internal/tapid"
)

// wire is a fake Sender that records what was sent and when (bubble time).
type wire struct {
	mu    sync.Mutex
	up    bool
	conns uint64 // connections made
	sent  []string
	at    []time.Duration
	start time.Time
	polls int
}

func (w *wire) Session() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.polls++
	if !w.up {
		return 0
	}
	return w.conns + 1
}

func (w *wire) SendTaps(taps []spool.Tap) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, t := range taps {
		w.sent = append(w.sent, fmt.Sprint(t.ID.Seq))
		w.at = append(w.at, time.Since(w.start))
	}
	return len(taps), nil
}

func (w *wire) set(up bool) {
	w.mu.Lock()
	if up && !w.up {
		w.conns++
	}
	w.up = up
	w.mu.Unlock()
}

func (w *wire) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.sent
	w.sent = nil
	return s
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// rig is a publisher over a real spool and a fake wire, inside a synctest
// bubble so its timeouts and rate run on virtual time.
type rig struct {
	t      *testing.T
	sp     *spool.Spool
	w      *wire
	p      *Publisher
	cancel context.CancelFunc
	done   chan error
}

func newRig(t *testing.T, opt Options) *rig {
	sp, err := spool.Open(filepath.Join(t.TempDir(), "spool.db"), "gw", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	w := &wire{up: true, start: time.Now()}
	r := &rig{t: t, sp: sp, w: w, p: New(sp, w, opt, quiet), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- r.p.Run(ctx) }()
	return r
}

func (r *rig) stop() {
	r.cancel()
	if err := <-r.done; err != nil {
		r.t.Fatal(err)
	}
	r.sp.Close()
}

// tap spools n taps made with the clock synchronised and kicks the publisher.
func (r *rig) tap(n int) { r.spoolTaps(n, true) }

// spoolTaps spools n taps, made with the clock synchronised or not, and
// kicks the publisher.
func (r *rig) spoolTaps(n int, synced bool) {
	for range n {
		if _, err := r.sp.Append(context.Background(), spool.Tap{Reader: "r", Card: "em4100:67003b51c6", Dir: "in",
			Time: time.Now(), Synced: synced}); err != nil {
			r.t.Fatal(err)
		}
	}
	r.p.Kick()
}

// sendThenDrop spools two taps, lets them go out and drops the connection:
// both are in flight, unanswered.
func (r *rig) sendThenDrop() {
	r.tap(2)
	r.sent("before the drop", "1", "2")
	r.w.set(false)
}

func (r *rig) ack(seqs ...int) {
	for _, s := range seqs {
		r.p.Ack(tapid.ID{Gateway: "gw", Boot: 1, Seq: uint64(s)})
	}
}

// sent waits until the bubble is idle and checks what went out since the
// last look: want, in that order.
func (r *rig) sent(what string, want ...string) {
	r.t.Helper()
	synctest.Wait()
	if got := r.w.take(); !slices.Equal(got, want) {
		r.t.Fatalf("%s: sent %v, want %v", what, got, want)
	}
}

func seqs(from, to int) []string {
	var s []string
	for i := from; i <= to; i++ {
		s = append(s, fmt.Sprint(i))
	}
	return s
}

func opts() Options {
	return Options{Window: 3, Rate: 1000, AckTimeout: 10 * time.Second, AckTimeoutMax: 40 * time.Second}
}

func TestWindowAndAcks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, opts())
		r.tap(5)
		r.sent("the first window", seqs(1, 3)...)
		r.ack(2) // out of order: frees one slot
		r.sent("after ack of 2", "4")
		r.ack(1, 3, 4)
		r.sent("after the acks of 1 3 4", "5")
		r.ack(5, 5, 99) // a repeated answer and one for a tap long gone
		synctest.Wait()
		if r.sp.Depth() != 0 {
			t.Fatalf("spool depth %d after all acks", r.sp.Depth())
		}
		if a, u := r.p.Stats.Acked.Load(), r.p.Stats.AckedUnknown.Load(); a != 5 || u != 2 {
			t.Fatalf("acked %d, unknown %d; want 5, 2", a, u)
		}
		r.stop()
	})
}

func TestRepublishBacksOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, opts())
		r.tap(2)
		time.Sleep(2 * time.Minute)
		r.w.mu.Lock()
		at := slices.Clone(r.w.at)
		sent := slices.Clone(r.w.sent)
		r.w.mu.Unlock()
		// Sent at 0, again after 10s, 20s, 40s, then every 40s (the cap), both in order.
		want := []time.Duration{0, 0, 10 * time.Second, 10 * time.Second, 30 * time.Second, 30 * time.Second,
			70 * time.Second, 70 * time.Second, 110 * time.Second, 110 * time.Second}
		if !slices.Equal(at, want) {
			t.Fatalf("send times %v, want %v", at, want)
		}
		for i := 0; i < len(sent); i += 2 {
			if sent[i] != "1" || sent[i+1] != "2" {
				t.Fatalf("resend order %v", sent)
			}
		}
		if n := r.p.Stats.Republished.Load(); n != 8 {
			t.Fatalf("republished %d, want 8", n)
		}
		r.stop()
	})
}

func TestReconnectResendsInOrderBeforeNewTaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, opts())
		r.sendThenDrop()
		r.tap(3) // arrives while down: nothing is sent
		// Off the loop's minute ticks, so the reconnect is the only wake-up.
		time.Sleep(time.Hour + 30*time.Second)
		r.sent("while disconnected")
		r.w.mu.Lock()
		polls := r.w.polls
		r.w.mu.Unlock()
		if polls > 1000 {
			t.Fatalf("%d connection checks in an hour offline: the loop spins", polls)
		}
		r.w.set(true)
		r.p.Reconnected()
		r.sent("after reconnect, the window again in order", seqs(1, 3)...)
		r.ack(1, 2, 3)
		r.sent("then the new taps", seqs(4, 5)...)
		r.stop()
	})
}

// A new tap can wake the publisher on a new connection before the
// connect callback's Reconnected does: the in-flight taps still go first.
func TestNewSessionSeenBeforeReconnectSignal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, opts())
		r.sendThenDrop()
		r.w.set(true) // a new connection, no Reconnected yet
		r.tap(1)
		r.sent("on the new connection, 1 2 again before 3", seqs(1, 3)...)
		r.stop()
	})
}

func TestRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := opts()
		o.Window, o.Rate = 1000, 50 // burst of 10, then 50/s
		r := newRig(t, o)
		r.tap(110)
		time.Sleep(time.Second)
		synctest.Wait()
		if n := len(r.w.take()); n != 10+50 {
			t.Fatalf("%d sent in the first second at 50/s with a burst of 10, want 60", n)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if n := len(r.w.take()); n != 50 {
			t.Fatalf("%d sent in the second second, want 50", n)
		}
		r.stop()
	})
}

func TestHoldKeepsOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		o := opts()
		o.Window = 10
		o.Hold = func(tp spool.Tap) time.Duration {
			if tp.Synced {
				return 0
			}
			return max(0, 30*time.Second-time.Since(start))
		}
		r := newRig(t, o)
		r.tap(1)
		r.spoolTaps(1, false)
		r.tap(1)
		r.sent("before the held tap", "1")
		r.ack(1)
		time.Sleep(29 * time.Second)
		r.sent("during the hold")
		time.Sleep(time.Second)
		r.sent("after the hold", "2", "3")
		r.stop()
	})
}

func TestRewriteReachesWindowAndSpool(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, opts())
		r.spoolTaps(2, false)
		synctest.Wait()
		shift := time.Hour
		err := r.p.RewriteUnsynced(context.Background(), func(tp *spool.Tap) bool {
			tp.Time = tp.Time.Add(shift)
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		taps, _ := r.sp.Scan(tapid.ID{}, 10)
		for _, tp := range taps {
			if !tp.Time.Equal(time.Now().Add(shift)) {
				t.Fatalf("spooled tap %s not rewritten: %v", tp.ID, tp.Time)
			}
		}
		r.stop() // the loop has returned: its window can be read
		for _, e := range r.p.window {
			if !e.tap.Time.Equal(time.Now().Add(shift)) {
				t.Fatalf("window tap %s not rewritten", e.tap.ID)
			}
		}
	})
}
