package wiegand_test

// Fake Wiegand data lines on periph's gpiotest pins, so a wiegand.Reader and
// the reader emulator of device_test.go can talk in one process without
// hardware.
//
// A Wire is a pair of gpiotest.Pin with unbuffered EdgesChan. The device side
// drives it through Driver (a gpio.PinOut: pulling a line from high to low
// sends gpio.Low, a falling edge, on the pin's EdgesChan); the host side reads
// it through Source (a wiegand.EdgeSource). Because the channels are
// unbuffered, an edge is handed over only when the Source takes it, so edges
// from one driving goroutine arrive in the order they were driven. Inside a
// testing/synctest bubble the timestamps and timeouts run on the bubble's
// fake clock, which makes tests of timing exact and instant.
//
// Wire.Start runs a wiegand.Reader on the Source, as the gateway does, and
// gathers what it hands out for the test to check.

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/physic"

	"timeclock/internal/reader/wiegand"
)

// ErrClosed is returned by Source and Driver once the Wire is closed.
var ErrClosed = errors.New("wire: wire closed")

// Wire is a pair of fake data lines, idle high with pull-ups.
type Wire struct {
	D0, D1 *gpiotest.Pin

	done      chan struct{}
	closeOnce sync.Once
}

// NewWire returns a Wire with both lines high.
func NewWire() *Wire {
	pin := func(name string, n int) *gpiotest.Pin {
		return &gpiotest.Pin{N: name, Num: n, L: gpio.High, P: gpio.PullUp, EdgesChan: make(chan gpio.Level)}
	}
	return &Wire{D0: pin("WIEGAND_D0", 0), D1: pin("WIEGAND_D1", 1), done: make(chan struct{})}
}

// Close makes every pending and later Driver.Out and Source.WaitEdge fail
// with ErrClosed, so neither side can block forever on the other.
func (w *Wire) Close() error {
	w.closeOnce.Do(func() { close(w.done) })
	return nil
}

// pin returns the fake pin of line l.
func (w *Wire) pin(l wiegand.Line) *gpiotest.Pin {
	if l == wiegand.D0 {
		return w.D0
	}
	return w.D1
}

// Driver returns the device end of line l.
func (w *Wire) Driver(l wiegand.Line) *Driver { return &Driver{pin: w.pin(l), done: w.done} }

// Source returns the host end of both lines. The Wire allows one Source at
// a time: two would steal each other's edges.
func (w *Wire) Source() *Source { return &Source{d0: w.D0, d1: w.D1, done: w.done} }

// Driver is the device end of one fake line. It implements gpio.PinOut.
type Driver struct {
	pin  *gpiotest.Pin
	done chan struct{}
}

var _ gpio.PinOut = (*Driver)(nil)

// String names the line.
func (d *Driver) String() string { return d.pin.String() + " driver" }

// Halt implements conn.Resource; it does nothing.
func (d *Driver) Halt() error { return nil }

// Name implements pin.Pin.
func (d *Driver) Name() string { return d.pin.Name() }

// Number implements pin.Pin.
func (d *Driver) Number() int { return d.pin.Number() }

// Function implements pin.Pin.
func (d *Driver) Function() string { return string(gpio.OUT) }

// Out sets the level of the line. Going from high to low sends a falling
// edge and waits until the Source has taken it (or the Wire is closed).
func (d *Driver) Out(l gpio.Level) error {
	d.pin.Lock()
	falling := d.pin.L == gpio.High && l == gpio.Low
	d.pin.L = l
	d.pin.Unlock()
	if !falling {
		return nil
	}
	select {
	case d.pin.EdgesChan <- gpio.Low:
		return nil
	case <-d.done:
		return ErrClosed
	}
}

// PWM implements gpio.PinOut; a data line has no use for it.
func (d *Driver) PWM(gpio.Duty, physic.Frequency) error {
	return errors.New("wire: PWM not supported on a Wiegand line")
}

// Source is the host end of a Wire: a wiegand.EdgeSource.
type Source struct {
	d0, d1 *gpiotest.Pin
	done   chan struct{}
}

var _ wiegand.EdgeSource = (*Source)(nil)

// WaitEdge implements wiegand.EdgeSource. Edges are stamped with time.Now
// when taken, which inside a synctest bubble is the time they were driven.
// Levels other than gpio.Low on EdgesChan (rising edges) are skipped.
func (s *Source) WaitEdge(timeout time.Duration) (wiegand.Edge, bool, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		var line wiegand.Line
		var l gpio.Level
		select {
		case l = <-s.d0.EdgesChan:
			line = wiegand.D0
		case l = <-s.d1.EdgesChan:
			line = wiegand.D1
		case <-t.C:
			return wiegand.Edge{}, false, nil
		case <-s.done:
			return wiegand.Edge{}, false, ErrClosed
		}
		if l == gpio.Low {
			return wiegand.Edge{Line: line, At: time.Now()}, true, nil
		}
	}
}

// Host is a wiegand.Reader running on a Wire's Source, with the cards it
// emitted and the frames it rejected. It is safe for concurrent use.
type Host struct {
	Reader *wiegand.Reader
	cancel context.CancelFunc
	done   chan error

	mu      sync.Mutex
	cards   []string
	rejects []error
}

// Start runs a Reader with cfg on the Source of w until ctx ends or Stop.
// Where cfg sets no Logger the Reader's log is discarded, and where it sets
// no Rejected the Host gathers the rejected frames.
func (w *Wire) Start(ctx context.Context, cfg wiegand.Config) *Host {
	h := &Host{done: make(chan error, 1)}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Rejected == nil {
		cfg.Rejected = func(err error) { h.mu.Lock(); h.rejects = append(h.rejects, err); h.mu.Unlock() }
	}
	h.Reader = wiegand.NewReader(w.Source(), cfg, func(c string) { h.mu.Lock(); h.cards = append(h.cards, c); h.mu.Unlock() })
	ctx, h.cancel = context.WithCancel(ctx)
	go func() { h.done <- h.Reader.Run(ctx) }()
	return h
}

// Cancel ends the context of the Reader's Run, which returns once it has
// finished the frame under way.
func (h *Host) Cancel() { h.cancel() }

// Wait returns what the Reader's Run returned.
func (h *Host) Wait() error { return <-h.done }

// Stop is Cancel, then Wait.
func (h *Host) Stop() error { h.cancel(); return <-h.done }

// Check fails tb unless the Reader emitted cards, in order, and rejected a
// frame for each of reasons, in order, each as a *wiegand.FrameError.
func (h *Host) Check(tb testing.TB, cards []string, reasons []error) {
	tb.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if !slices.Equal(h.cards, cards) {
		tb.Errorf("cards = %q, want %q", h.cards, cards)
	}
	if len(h.rejects) != len(reasons) {
		tb.Fatalf("rejected %d frames %v, want %d", len(h.rejects), h.rejects, len(reasons))
	}
	for i, err := range h.rejects {
		var fe *wiegand.FrameError
		if !errors.Is(err, reasons[i]) || !errors.As(err, &fe) {
			tb.Errorf("reject %d = %v, want a *FrameError of %v", i, err, reasons[i])
		}
	}
}
