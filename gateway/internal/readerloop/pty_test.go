package readerloop

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"timeclock/internal/reader"
	"timeclock/internal/reader/emulator"
)

// patience bounds every wait on the real pty: generous, so that a slow CI
// machine cannot fail the test, only a broken loop.
const patience = 15 * time.Second

var ptyCards = map[reader.Kind][3]string{
	reader.RCS620S: {"felica:012e4cd23a1b5c6d", "felica:0101010101010101", "felica:fedcba9876543210"},
	reader.PN532:   {"mifare:04a24b723c5e80", "felica:012e4cd23a1b5c6d", "mifare:a1b2c3d4"},
	reader.EM4100:  {"em4100:67003b51c6", "em4100:0b00123456", "em4100:1122334455"},
}

// garbage is line noise with a frame header that promises more bytes than
// follow, and half an EM4100 frame, so both decoders must resynchronise.
var garbage = []byte{0x13, 0x00, 0x00, 0xFF, 0x10, 0xF0, 0xD5, 0x4B, 0x02, 0x31, 0x32, 0xFF, 0x37, 0x00}

// ptyRun is a Loop reading an emulated reader over a real pseudo-terminal.
type ptyRun struct {
	t      *testing.T
	em     *emulator.Line
	loop   *Loop
	reads  chan Read
	health chan Health
	stop   func()
}

func startPTY(t *testing.T, kind reader.Kind) *ptyRun {
	t.Helper()
	link := filepath.Join(t.TempDir(), "usb-"+string(kind)+"-if00-port0")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	em, err := emulator.Open(emulator.Config{Name: "entrance", Kind: kind, Link: link, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	r := &ptyRun{t: t, em: em, reads: make(chan Read, 64), health: make(chan Health, 64)}
	r.loop, err = New(Config{Name: "entrance", Kind: kind, Path: link, Logger: log,
		OnRead: func(x Read) { r.reads <- x }, OnHealth: func(h Health) { r.health <- h }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.loop.Run(ctx) }()
	r.stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v", err)
		}
		em.Close()
	}
	return r
}

func (r *ptyRun) waitHealth(want Health) {
	r.t.Helper()
	timeout := time.After(patience)
	for {
		select {
		case h := <-r.health:
			if h == want {
				return
			}
		case <-timeout:
			r.t.Fatalf("health never became %s (now %s)", want, r.loop.Health())
		}
	}
}

func (r *ptyRun) expectRead(card string) {
	r.t.Helper()
	select {
	case x := <-r.reads:
		if x.Card != card || x.Reader != "entrance" || x.At.IsZero() {
			r.t.Fatalf("read %+v, want %s at entrance", x, card)
		}
	case <-time.After(patience):
		r.t.Fatalf("no read of %s (holding %q, stats %+v)", card, r.loop.Holding(), r.loop.Stats())
	}
}

func (r *ptyRun) expectNoRead(what string) {
	r.t.Helper()
	select {
	case x := <-r.reads:
		r.t.Fatalf("%s: unexpected read %+v", what, x)
	default:
	}
}

// until waits for cond, checking at a short interval.
func (r *ptyRun) until(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(patience)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("%s: never happened (holding %q, stats %+v)", what, r.loop.Holding(), r.loop.Stats())
		}
		<-tick.C
	}
}

// TestOverPTY runs the loop against each emulated serial reader: tap, hold,
// remove, tap again, garbage, unplug and replug.
func TestOverPTY(t *testing.T) {
	for _, kind := range reader.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			r := startPTY(t, kind)
			defer r.stop()
			c := ptyCards[kind]
			r.waitHealth(HealthOK)

			r.em.Present(c[0])
			r.expectRead(c[0])
			seen := r.loop.Stats().Seen
			r.until("five more polls see the held card", func() bool { return r.loop.Stats().Seen >= seen+5 })
			r.expectNoRead("card held")

			r.em.Remove()
			r.until("card released", func() bool { return r.loop.Holding() == "" })
			r.em.Present(c[0])
			r.expectRead(c[0])

			for range 5 {
				r.em.Garbage(garbage)
			}
			r.em.Present(c[1])
			r.expectRead(c[1])

			if err := r.em.Unplug(); err != nil {
				t.Fatal(err)
			}
			r.waitHealth(HealthAbsent)
			if err := r.em.Replug(); err != nil {
				t.Fatal(err)
			}
			r.waitHealth(HealthOK)
			r.em.Present(c[2])
			r.expectRead(c[2])
			r.expectNoRead("after the last tap")
			if s := r.loop.Stats(); s.Opens < 2 || s.Reads != 4 {
				t.Errorf("Stats() = %+v, want ≥ 2 opens and 4 reads", s)
			}
		})
	}
}

// TestSlowAndNACKingModule keeps reading through a module that NACKs and
// answers slowly, but within the poll timeout.
func TestSlowAndNACKingModule(t *testing.T) {
	for _, kind := range []reader.Kind{reader.RCS620S, reader.PN532} {
		t.Run(string(kind), func(t *testing.T) {
			r := startPTY(t, kind)
			defer r.stop()
			r.waitHealth(HealthOK)
			r.em.Slow(50 * time.Millisecond)
			if err := r.em.NACK(3); err != nil {
				t.Fatal(err)
			}
			r.em.Present(ptyCards[kind][0])
			r.expectRead(ptyCards[kind][0])
		})
	}
}
