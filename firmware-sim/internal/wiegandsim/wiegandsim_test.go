package wiegandsim

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"

	"timeclock/internal/reader/wiegand"
	"timeclock/internal/reader/wiegand/wiegandtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	w26 = wiegand.W26Card(0xD4, 0x1B81)
	w34 = wiegand.Frame{Format: wiegand.W34, Data: 0x89D41B81}
)

// TestEndToEnd drives the emulator into the fake pins and reads them back
// through the edge source and the decoder, as the gateway does.
func TestEndToEnd(t *testing.T) {
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				wire := wiegandtest.NewWire()
				gw := wire.Start(t.Context(), wiegand.Config{Coincidence: 10 * time.Microsecond})
				d, err := New(wire.Driver(wiegand.D0), wire.Driver(wiegand.D1), tm)
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
		d, err := New(d0, d1, tm)
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
		if _, nerr := New(d0, d1, tt.tm); (nerr == nil) != tt.ok {
			t.Errorf("%s: New = %v, want ok=%v", tt.name, nerr, tt.ok)
		}
	}
}

// Cancelling mid-frame stops the train and leaves the lines idle.
func TestCancelMidFrame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d0, d1, recorded := recorders()
		d, err := New(d0, d1, DefaultTiming)
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

func TestErrors(t *testing.T) {
	broken := errors.New("line broken")
	d0, d1, _ := recorders()
	d1.fail = broken
	if _, err := New(d0, d1, DefaultTiming); !errors.Is(err, broken) {
		t.Errorf("New with a failing line = %v", err)
	}
	d1.fail = nil
	d, err := New(d0, d1, DefaultTiming)
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
