package wiegand_test

// The reader emulator: it drives the two data lines D0 and D1 (idle high,
// an active-low pulse per bit) with the pulses of a frame, at a reader's
// timing, and can spoil a frame with the faults met on real wiring: a stray
// glitch, both lines pulsed at once, a frame cut short.
//
// The lines are any pair of gpio.PinOut: the fake Wire below (a
// wiegand.Reader on the other end) or recorders. The bits come from
// wiegand.Frame.Encode, so the emulator and the gateway share one
// definition of the format.
//
// Fake Wiegand data lines on periph's gpiotest pins, so a wiegand.Reader and
// the emulator can talk in one process without
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
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/physic"

	"timeclock/internal/reader/wiegand"
)

// ErrClosed is returned by Source and Driver once the Wire is closed.
var ErrClosed = errors.New("fake wire closed")

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
	return errors.New("fake wire: PWM not supported on a Wiegand line")
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

// Timing is how a reader paces its pulses. READERS.md: pulses of 20–100 µs,
// gaps of 200 µs–20 ms, typically 50 µs every 2 ms.
type Timing struct {
	Pulse    time.Duration // width of a data pulse
	Interval time.Duration // from the start of one pulse to the start of the next
	// FrameGap is the least quiet time before a frame begins; it must be
	// longer than the gateway's end-of-frame silence (25 ms).
	FrameGap time.Duration
	Glitch   time.Duration // width of a stray pulse
}

// DefaultTiming is a typical reader: 50 µs pulses every 2 ms, frames at
// least 100 ms apart, 2 µs glitches.
var DefaultTiming = Timing{
	Pulse:    50 * time.Microsecond,
	Interval: 2 * time.Millisecond,
	FrameGap: 100 * time.Millisecond,
	Glitch:   2 * time.Microsecond,
}

// Validate checks that the pulses fit their interval and frames their gap.
func (t Timing) Validate() error {
	switch {
	case t.Pulse <= 0 || t.Glitch <= 0:
		return fmt.Errorf("emulator: pulse %v and glitch %v must be positive", t.Pulse, t.Glitch)
	case t.Interval <= t.Pulse:
		return fmt.Errorf("emulator: interval %v must exceed the pulse %v", t.Interval, t.Pulse)
	case t.FrameGap < t.Interval:
		return fmt.Errorf("emulator: frame gap %v must be at least the interval %v", t.FrameGap, t.Interval)
	}
	return nil
}

// Lines selects data lines for a pulse.
type Lines uint8

// The lines a pulse can drive.
const (
	LineD0    Lines = 1 << wiegand.D0
	LineD1    Lines = 1 << wiegand.D1
	BothLines       = LineD0 | LineD1
)

// LineOf returns the Lines value of one data line.
func LineOf(l wiegand.Line) Lines { return 1 << l }

// Pulse is one pulse on the wire.
type Pulse struct {
	Lines Lines         // which lines go low
	Gap   time.Duration // quiet time before the pulse (after the previous one ended)
	Width time.Duration // how long the lines stay low
}

// Train is a sequence of pulses.
type Train []Pulse

// Bits returns the pulse train of b at timing t: a pulse on D0 for each 0,
// on D1 for each 1.
func (t Timing) Bits(b wiegand.Bits) Train {
	tr := make(Train, 0, b.N)
	for i := range b.N {
		p := Pulse{Lines: LineOf(wiegand.Line(b.Bit(i))), Gap: t.Interval - t.Pulse, Width: t.Pulse}
		if i == 0 {
			p.Gap = 0
		}
		tr = append(tr, p)
	}
	return tr
}

// Frame returns the pulse train of f, parity included.
func (t Timing) Frame(f wiegand.Frame) Train { return t.Bits(f.Encode()) }

// Cut returns the first n pulses of tr: a frame cut short.
func (tr Train) Cut(n int) Train {
	n = min(max(n, 0), len(tr))
	return append(Train(nil), tr[:n]...)
}

// WithBoth returns tr with pulse i driving both lines at once, as a
// disturbance coupled into both wires does. It panics if tr has no pulse i.
func (tr Train) WithBoth(i int) Train {
	out := append(Train(nil), tr...)
	out[i].Lines = BothLines
	return out
}

// WithGlitch returns tr with a stray pulse of the given width on l halfway
// through the gap after pulse i: i is -1 for a glitch before the first pulse;
// after the last pulse the glitch comes half the last gap later. It panics
// if i is outside -1..len(tr)-1.
func (tr Train) WithGlitch(i int, l wiegand.Line, width time.Duration) Train {
	out := make(Train, 0, len(tr)+1)
	out = append(out, tr[:i+1]...)
	g := Pulse{Lines: LineOf(l), Width: width}
	if i+1 < len(tr) {
		next := tr[i+1]
		half := (next.Gap - width) / 2
		g.Gap, next.Gap = max(half, 0), max(next.Gap-width-half, 0)
		out = append(out, g, next)
		return append(out, tr[i+2:]...)
	}
	if i >= 0 {
		g.Gap = tr[i].Gap / 2
	}
	return append(out, g)
}

// Duration returns how long tr takes on the wire.
func (tr Train) Duration() time.Duration {
	var d time.Duration
	for _, p := range tr {
		d += p.Gap + p.Width
	}
	return d
}

// Device is an emulated reader on two output lines. Its methods may be
// called from several goroutines; transmissions never overlap.
type Device struct {
	d0, d1 gpio.PinOut
	t      Timing

	mu   sync.Mutex
	idle time.Time // when the wire last went quiet
}

// newDevice returns a Device driving d0 and d1, and sets both lines high (idle).
func newDevice(d0, d1 gpio.PinOut, t Timing) (*Device, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if err := errors.Join(d0.Out(gpio.High), d1.Out(gpio.High)); err != nil {
		return nil, fmt.Errorf("emulator: set lines idle: %w", err)
	}
	return &Device{d0: d0, d1: d1, t: t, idle: time.Now()}, nil
}

// Timing returns the device's timing.
func (d *Device) Timing() Timing { return d.t }

// Present sends the frame of a card as a reader does when the card is shown:
// it first waits until the wire has been quiet for FrameGap, so the frame
// stands apart from whatever came before.
func (d *Device) Present(ctx context.Context, f wiegand.Frame) error {
	if !f.Format.Valid() {
		return fmt.Errorf("emulator: cannot present %v", f)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := sleepCtx(ctx, time.Until(d.idle.Add(d.t.FrameGap))); err != nil {
		return err
	}
	return d.send(ctx, d.t.Frame(f))
}

// PresentCard presents the card with id card ("wiegand26:d41b81").
func (d *Device) PresentCard(ctx context.Context, card string) error {
	f, err := wiegand.ParseCard(card)
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	return d.Present(ctx, f)
}

// Glitch sends one stray pulse on line l, right away.
func (d *Device) Glitch(ctx context.Context, l wiegand.Line) error {
	return d.Send(ctx, Train{{Lines: LineOf(l), Width: d.t.Glitch}})
}

// Send puts tr on the wire right away, whatever came before: the tool for
// faults and raw bit patterns.
func (d *Device) Send(ctx context.Context, tr Train) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.send(ctx, tr)
}

// send drives the pulses of tr; on return both lines are high again.
func (d *Device) send(ctx context.Context, tr Train) (err error) {
	defer func() {
		if herr := errors.Join(d.d0.Out(gpio.High), d.d1.Out(gpio.High)); herr != nil && err == nil {
			err = fmt.Errorf("emulator: release lines: %w", herr)
		}
		d.idle = time.Now()
	}()
	for _, p := range tr {
		if err := sleepCtx(ctx, p.Gap); err != nil {
			return err
		}
		if err := d.drive(p.Lines, gpio.Low); err != nil {
			return err
		}
		if err := sleepCtx(ctx, p.Width); err != nil {
			return err
		}
		if err := d.drive(p.Lines, gpio.High); err != nil {
			return err
		}
	}
	return nil
}

// drive sets the selected lines to level, D0 first.
func (d *Device) drive(ls Lines, level gpio.Level) error {
	if ls&LineD0 != 0 {
		if err := d.d0.Out(level); err != nil {
			return fmt.Errorf("emulator: drive D0 %v: %w", level, err)
		}
	}
	if ls&LineD1 != 0 {
		if err := d.d1.Out(level); err != nil {
			return fmt.Errorf("emulator: drive D1 %v: %w", level, err)
		}
	}
	return nil
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var (
	w26 = wiegand.W26Card(0xD4, 0x1B81)
	w34 = wiegand.Frame{Format: wiegand.W34, Data: 0x89D41B81}
)

// TestEndToEnd drives the emulator into the fake pins and reads them back
// through the edge source and the decoder, as the gateway does.
func TestReaderEndToEnd(t *testing.T) {
	tm := DefaultTiming
	send := func(tr Train) func(context.Context, *Device) error {
		return func(ctx context.Context, d *Device) error { return d.Send(ctx, tr) }
	}
	bits := func(s string) Train {
		b, err := wiegand.ParseBits(s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.Bits(b)
	}
	tests := []struct {
		name    string
		play    func(ctx context.Context, d *Device) error
		cards   []string
		reasons []error
	}{
		{"W26 card", func(ctx context.Context, d *Device) error { return d.Present(ctx, w26) },
			[]string{"wiegand26:d41b81"}, nil},
		{"W34 card by id", func(ctx context.Context, d *Device) error {
			return d.PresentCard(ctx, "wiegand34:89d41b81")
		}, []string{"wiegand34:89d41b81"}, nil},
		{"two cards in a row", func(ctx context.Context, d *Device) error {
			return errors.Join(d.Present(ctx, w26), d.Present(ctx, wiegand.W26Card(1, 1)))
		}, []string{"wiegand26:d41b81", "wiegand26:010001"}, nil},
		{"the same card twice", func(ctx context.Context, d *Device) error {
			return errors.Join(d.Present(ctx, w34), d.Present(ctx, w34))
		}, []string{"wiegand34:89d41b81", "wiegand34:89d41b81"}, nil},
		{"facility and number", func(ctx context.Context, d *Device) error {
			return d.Present(ctx, wiegand.W34Card(0xABCD, 0x0102))
		}, []string{"wiegand34:abcd0102"}, nil},
		{"frame cut short, then the card", func(ctx context.Context, d *Device) error {
			return errors.Join(d.Send(ctx, tm.Frame(w26).Cut(20)), d.Present(ctx, w26))
		}, []string{"wiegand26:d41b81"}, []error{wiegand.ErrLength}},
		{"a glitch inside the frame", send(tm.Frame(w34).WithGlitch(7, wiegand.D1, tm.Glitch)), nil, []error{wiegand.ErrLength}},
		{"a glitch between frames", func(ctx context.Context, d *Device) error {
			if err := d.Present(ctx, w26); err != nil {
				return err
			}
			time.Sleep(50 * time.Millisecond) // the gateway has ended the frame
			return errors.Join(d.Glitch(ctx, wiegand.D0), d.Present(ctx, w34))
		}, []string{"wiegand26:d41b81", "wiegand34:89d41b81"}, []error{wiegand.ErrLength}},
		{"both lines at once", send(tm.Frame(w26).WithBoth(12)), nil, []error{wiegand.ErrNoise}},
		{"both lines at once in a frame cut short by one", send(tm.Frame(w26).Cut(25).WithBoth(3)), nil, []error{wiegand.ErrNoise}},
		{"bad parity from raw bits", send(bits("0 110101000001101110000001 0")), nil, []error{wiegand.ErrParity}},
		{"an unsupported length", send(bits("1 0000000000000000000000000000000000 1")), nil, []error{wiegand.ErrLength}},
		{"slow reader: 100 µs pulses, 20 ms gaps", func(ctx context.Context, d *Device) error {
			slow := Timing{Pulse: 100 * time.Microsecond, Interval: 20*time.Millisecond + 100*time.Microsecond,
				FrameGap: time.Second, Glitch: time.Microsecond}
			return d.Send(ctx, slow.Frame(w34))
		}, []string{"wiegand34:89d41b81"}, nil},
		{"fast reader: 20 µs pulses, 200 µs gaps", func(ctx context.Context, d *Device) error {
			fast := Timing{Pulse: 20 * time.Microsecond, Interval: 220 * time.Microsecond,
				FrameGap: 30 * time.Millisecond, Glitch: time.Microsecond}
			return d.Send(ctx, fast.Frame(w26))
		}, []string{"wiegand26:d41b81"}, nil},
		{"two cards just over the silence apart", func(ctx context.Context, d *Device) error {
			if err := d.Send(ctx, tm.Frame(w26)); err != nil {
				return err
			}
			time.Sleep(wiegand.DefaultSilence + 5*time.Millisecond)
			return d.Send(ctx, tm.Frame(w34))
		}, []string{"wiegand26:d41b81", "wiegand34:89d41b81"}, nil},
		{"gaps longer than the silence split the frame", func(ctx context.Context, d *Device) error {
			gappy := Timing{Pulse: 50 * time.Microsecond, Interval: 30 * time.Millisecond, FrameGap: time.Second,
				Glitch: time.Microsecond}
			return d.Send(ctx, gappy.Bits(wiegand.Bits{V: 0b101, N: 3}))
		}, nil, []error{wiegand.ErrLength, wiegand.ErrLength, wiegand.ErrLength}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				wire := NewWire()
				gw := wire.Start(t.Context(), wiegand.Config{Coincidence: 10 * time.Microsecond})
				d, err := newDevice(wire.Driver(wiegand.D0), wire.Driver(wiegand.D1), tm)
				if err != nil {
					t.Fatal(err)
				}
				if err := tt.play(t.Context(), d); err != nil {
					t.Fatal(err)
				}
				time.Sleep(tm.FrameGap)
				synctest.Wait()
				if err := gw.Stop(); err != nil {
					t.Fatalf("Run = %v", err)
				}
				gw.Check(t, tt.cards, tt.reasons)
				want := wiegand.Stats{Frames: uint64(len(tt.cards) + len(tt.reasons)),
					Cards: uint64(len(tt.cards)), Rejected: uint64(len(tt.reasons))}
				if st := gw.Reader.Stats(); st != want {
					t.Errorf("Stats = %+v, want %+v", st, want)
				}
			})
		})
	}
}

// recorder is a gpio.PinOut that records every level change with its time.
type recorder struct {
	name  string
	start time.Time
	log   *[]change
	mu    *sync.Mutex
	fail  error
}

// recorders returns a pair of recorders sharing one log, their time zero now.
func recorders() (d0, d1 *recorder, log func() []change) {
	var l []change
	var mu sync.Mutex
	now := time.Now()
	d0 = &recorder{name: "D0", start: now, log: &l, mu: &mu}
	d1 = &recorder{name: "D1", start: now, log: &l, mu: &mu}
	return d0, d1, func() []change { mu.Lock(); defer mu.Unlock(); return slices.Clone(l) }
}

type change struct {
	line  string
	level gpio.Level
	at    time.Duration // since the recording started
}

func (r *recorder) String() string                        { return r.name }
func (r *recorder) Halt() error                           { return nil }
func (r *recorder) Name() string                          { return r.name }
func (r *recorder) Number() int                           { return 0 }
func (r *recorder) Function() string                      { return "OUT" }
func (r *recorder) PWM(gpio.Duty, physic.Frequency) error { return errors.New("no PWM") }
func (r *recorder) Out(l gpio.Level) error {
	if r.fail != nil {
		return r.fail
	}
	r.mu.Lock()
	*r.log = append(*r.log, change{r.name, l, time.Since(r.start)})
	r.mu.Unlock()
	return nil
}

// The pulses on the wire have the widths and spacing of the timing, the
// lines start and end idle, and a frame waits for the frame gap.
func TestTimingOnTheWire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d0, d1, recorded := recorders()
		tm := DefaultTiming
		d, err := newDevice(d0, d1, tm)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond)
		if err := d.Present(t.Context(), wiegand.W26Card(1, 1)); err != nil {
			t.Fatal(err)
		}
		bits := wiegand.W26Card(1, 1).Encode()
		log := recorded()
		// New sets both lines high; each pulse is a low and a high; the
		// end of the train sets both high again.
		if len(log) != 2+2*bits.N+2 {
			t.Fatalf("%d level changes, want %d: %v", len(log), 2+2*bits.N+2, log)
		}
		if log[0].level != gpio.High || log[1].level != gpio.High {
			t.Errorf("lines not set idle first: %v", log[:2])
		}
		pulses := log[2 : 2+2*bits.N]
		start := tm.FrameGap // the frame waited for the gap since New
		for i := range bits.N {
			want := "D0"
			if bits.Bit(i) == 1 {
				want = "D1"
			}
			lo, hi := pulses[2*i], pulses[2*i+1]
			at := start + time.Duration(i)*tm.Interval
			if lo != (change{want, gpio.Low, at}) || hi != (change{want, gpio.High, at + tm.Pulse}) {
				t.Fatalf("bit %d: %v %v, want a pulse on %s from %v to %v", i, lo, hi, want, at, at+tm.Pulse)
			}
		}
		if got := tm.Frame(wiegand.W26Card(1, 1)).Duration(); got != 25*tm.Interval+tm.Pulse {
			t.Errorf("Duration = %v", got)
		}
	})
}

func TestTrainFaults(t *testing.T) {
	tm := DefaultTiming
	frame := tm.Frame(w26)
	tests := []struct {
		name  string
		train Train
		lines []Lines // expected Lines of each pulse, nil: only length and duration checked
		n     int
		dur   time.Duration
	}{
		{"frame", frame, nil, 26, frame.Duration()},
		{"cut", frame.Cut(3), []Lines{LineD1, LineD1, LineD1}, 3, 2*tm.Interval + tm.Pulse},
		{"cut beyond the end", frame.Cut(40), nil, 26, frame.Duration()},
		{"cut to nothing", frame.Cut(-1), []Lines{}, 0, 0},
		{"both lines", frame.Cut(3).WithBoth(1), []Lines{LineD1, BothLines, LineD1}, 3, 2*tm.Interval + tm.Pulse},
		{"glitch keeps the timing", frame.Cut(2).WithGlitch(0, wiegand.D0, tm.Glitch),
			[]Lines{LineD1, LineD0, LineD1}, 3, tm.Interval + tm.Pulse},
		{"glitch before the frame", frame.Cut(1).WithGlitch(-1, wiegand.D0, tm.Glitch),
			[]Lines{LineD0, LineD1}, 2, tm.Glitch + tm.Pulse},
		{"glitch after the frame", frame.Cut(2).WithGlitch(1, wiegand.D1, tm.Glitch),
			[]Lines{LineD1, LineD1, LineD1}, 3, tm.Interval + tm.Pulse + (tm.Interval-tm.Pulse)/2 + tm.Glitch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.train) != tt.n || tt.train.Duration() != tt.dur {
				t.Fatalf("%d pulses over %v, want %d over %v", len(tt.train), tt.train.Duration(), tt.n, tt.dur)
			}
			if tt.lines != nil {
				got := make([]Lines, len(tt.train))
				for i, p := range tt.train {
					got[i] = p.Lines
				}
				if !slices.Equal(got, tt.lines) {
					t.Errorf("lines %v, want %v", got, tt.lines)
				}
			}
		})
	}
	// The faults build new trains; the frame is untouched.
	if len(frame) != 26 || frame[1].Lines != LineD1 || frame.Duration() != 25*tm.Interval+tm.Pulse {
		t.Errorf("frame changed by the faults: %v", frame)
	}
}

func TestTimingValidate(t *testing.T) {
	tests := []struct {
		name string
		tm   Timing
		ok   bool
	}{
		{"default", DefaultTiming, true},
		{"zero", Timing{}, false},
		{"pulse as long as the interval", Timing{Pulse: time.Millisecond, Interval: time.Millisecond, FrameGap: time.Second, Glitch: time.Microsecond}, false},
		{"no glitch width", Timing{Pulse: 50 * time.Microsecond, Interval: time.Millisecond, FrameGap: time.Second}, false},
		{"frame gap below the interval", Timing{Pulse: 50 * time.Microsecond, Interval: 2 * time.Millisecond, FrameGap: time.Millisecond, Glitch: time.Microsecond}, false},
	}
	for _, tt := range tests {
		err := tt.tm.Validate()
		if (err == nil) != tt.ok {
			t.Errorf("%s: Validate = %v, want ok=%v", tt.name, err, tt.ok)
		}
		d0, d1, _ := recorders()
		if _, nerr := newDevice(d0, d1, tt.tm); (nerr == nil) != tt.ok {
			t.Errorf("%s: New = %v, want ok=%v", tt.name, nerr, tt.ok)
		}
	}
}

// Cancelling mid-frame stops the train and leaves the lines idle.
func TestCancelMidFrame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d0, d1, recorded := recorders()
		d, err := newDevice(d0, d1, DefaultTiming)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond+25*time.Microsecond) // inside pulse 6
		defer cancel()
		if err := d.Send(ctx, DefaultTiming.Frame(w34)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Send = %v, want the context's error", err)
		}
		log := recorded()
		last := log[len(log)-2:]
		if last[0].level != gpio.High || last[1].level != gpio.High {
			t.Errorf("lines not released: %v", last)
		}
		if lows := countLows(log); lows != 6 {
			t.Errorf("%d pulses sent before the cancel, want 6", lows)
		}
	})
}

func countLows(log []change) int {
	n := 0
	for _, c := range log {
		if c.level == gpio.Low {
			n++
		}
	}
	return n
}

func TestDeviceErrors(t *testing.T) {
	broken := errors.New("line broken")
	d0, d1, _ := recorders()
	d1.fail = broken
	if _, err := newDevice(d0, d1, DefaultTiming); !errors.Is(err, broken) {
		t.Errorf("New with a failing line = %v", err)
	}
	d1.fail = nil
	d, err := newDevice(d0, d1, DefaultTiming)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.PresentCard(t.Context(), "felica:0123456789abcdef"); err == nil {
		t.Error("PresentCard of a FeliCa id succeeded")
	}
	if err := d.Present(t.Context(), wiegand.Frame{Format: 30}); err == nil {
		t.Error("Present of an invalid format succeeded")
	}
	d1.fail = broken
	if err := d.Send(t.Context(), Train{{Lines: BothLines, Width: time.Microsecond}}); !errors.Is(err, broken) {
		t.Errorf("Send on a failing line = %v", err)
	}
	if d.Timing() != DefaultTiming {
		t.Errorf("Timing = %+v", d.Timing())
	}
}
