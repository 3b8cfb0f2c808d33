// Package wiegandsim emulates a Wiegand 26/34 card reader: it drives the two
// data lines D0 and D1 (idle high, an active-low pulse per bit) with the
// pulses of a frame, at a reader's timing, and can spoil a frame with the
// faults met on real wiring: a stray glitch, both lines pulsed at once, a
// frame cut short.
//
// The lines are any pair of gpio.PinOut. In tests and in-process runs they
// are the fake lines of wiegandtest (a wiegand.Reader on the other end); on a
// bench they can be two real output pins wired to the gateway's inputs
// (OpenPins; timing then depends on the Go timer, a few tens of µs of jitter, which
// Wiegand tolerates). The bits come from wiegand.Frame.Encode, so the
// emulator and the gateway share one definition of the format.
package wiegandsim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"

	"timeclock/internal/reader/wiegand"
)

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
		return fmt.Errorf("wiegandsim: pulse %v and glitch %v must be positive", t.Pulse, t.Glitch)
	case t.Interval <= t.Pulse:
		return fmt.Errorf("wiegandsim: interval %v must exceed the pulse %v", t.Interval, t.Pulse)
	case t.FrameGap < t.Interval:
		return fmt.Errorf("wiegandsim: frame gap %v must be at least the interval %v", t.FrameGap, t.Interval)
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

// New returns a Device driving d0 and d1, and sets both lines high (idle).
func New(d0, d1 gpio.PinOut, t Timing) (*Device, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if err := errors.Join(d0.Out(gpio.High), d1.Out(gpio.High)); err != nil {
		return nil, fmt.Errorf("wiegandsim: set lines idle: %w", err)
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
		return fmt.Errorf("wiegandsim: cannot present %v", f)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := sleep(ctx, time.Until(d.idle.Add(d.t.FrameGap))); err != nil {
		return err
	}
	return d.send(ctx, d.t.Frame(f))
}

// PresentCard presents the card with id card ("wiegand26:d41b81").
func (d *Device) PresentCard(ctx context.Context, card string) error {
	f, err := wiegand.ParseCard(card)
	if err != nil {
		return fmt.Errorf("wiegandsim: %w", err)
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
			err = fmt.Errorf("wiegandsim: release lines: %w", herr)
		}
		d.idle = time.Now()
	}()
	for _, p := range tr {
		if err := sleep(ctx, p.Gap); err != nil {
			return err
		}
		if err := d.drive(p.Lines, gpio.Low); err != nil {
			return err
		}
		if err := sleep(ctx, p.Width); err != nil {
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
			return fmt.Errorf("wiegandsim: drive D0 %v: %w", level, err)
		}
	}
	if ls&LineD1 != 0 {
		if err := d.d1.Out(level); err != nil {
			return fmt.Errorf("wiegandsim: drive D1 %v: %w", level, err)
		}
	}
	return nil
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
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
