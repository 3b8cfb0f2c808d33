package wiegand_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"periph.io/x/conn/v3/gpio"

	"timeclock/internal/reader/wiegand"
)

// The full emulator (timing, faults) is in device_test.go, with the reader's
// end-to-end test (TestReaderEndToEnd: cards, faults, counters); here a few
// lines drive the fake wire for shutdown, errors, logs and formats.

const bitInterval = 2 * time.Millisecond

// pulse drives one pulse on line l of w.
func pulse(w *Wire, l wiegand.Line) error {
	d := w.Driver(l)
	if err := d.Out(gpio.Low); err != nil {
		return err
	}
	return d.Out(gpio.High)
}

// send drives the bits b, one every interval.
func send(w *Wire, b wiegand.Bits, interval time.Duration) error {
	for i := range b.N {
		if err := pulse(w, wiegand.Line(b.Bit(i))); err != nil {
			return err
		}
		time.Sleep(interval)
	}
	return nil
}

var (
	cardW26 = wiegand.W26Card(0xD4, 0x1B81)
	cardW34 = wiegand.Frame{Format: wiegand.W34, Data: 0x89D41B81}
	idW26   = "wiegand26:d41b81"
)

// A frame under way when the context ends is still finished and emitted.
func TestReaderFinishesFrameOnCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := NewWire()
		h := w.Start(t.Context(), wiegand.Config{})
		b := cardW26.Encode()
		if err := send(w, wiegand.Bits{V: b.V >> 16, N: 10}, bitInterval); err != nil {
			t.Fatal(err)
		}
		h.Cancel()
		if err := send(w, wiegand.Bits{V: b.V, N: 16}, bitInterval); err != nil {
			t.Fatal(err)
		}
		if err := h.Wait(); err != nil {
			t.Errorf("Run = %v", err)
		}
		h.Check(t, []string{idW26}, nil)
	})
}

// Lines that never go quiet cannot hold up shutdown for more than two
// silences.
func TestReaderShutdownWithNoisyLines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := NewWire()
		h := w.Start(t.Context(), wiegand.Config{})
		noise := make(chan error)
		go func() {
			for {
				if err := pulse(w, wiegand.D0); err != nil {
					noise <- err
					return
				}
				time.Sleep(bitInterval)
			}
		}()
		time.Sleep(time.Second)
		start := time.Now()
		if err := h.Stop(); err != nil {
			t.Errorf("Run = %v", err)
		}
		if took := time.Since(start); took > 2*wiegand.DefaultSilence+2*bitInterval {
			t.Errorf("Run took %v to return after cancel", took)
		}
		w.Close()
		if err := <-noise; !errors.Is(err, ErrClosed) {
			t.Errorf("driver after Close: %v", err)
		}
		h.Check(t, nil, []error{wiegand.ErrUnfinished})
	})
}

// A failing source stops Run with its error; the frame it cut is dropped,
// even one of the right length: it may be the start of a longer one.
func TestReaderSourceError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := NewWire()
		h := w.Start(t.Context(), wiegand.Config{})
		if err := send(w, cardW26.Encode(), bitInterval); err != nil {
			t.Fatal(err)
		}
		w.Close()
		if err := h.Wait(); !errors.Is(err, ErrClosed) {
			t.Errorf("Run = %v, want the source's ErrClosed", err)
		}
		h.Check(t, nil, []error{wiegand.ErrUnfinished})
	})
}

// Stray edges log at debug level, real frames that fail at warn level.
func TestReaderLogLevels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := NewWire()
		var log recordHandler
		h := w.Start(t.Context(), wiegand.Config{Logger: slog.New(&log)})
		if err := pulse(w, wiegand.D0); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		if err := send(w, wiegand.Bits{V: cardW26.Encode().V >> 1, N: 25}, bitInterval); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		h.Stop()
		want := []slog.Level{slog.LevelDebug, slog.LevelWarn}
		if !slices.Equal(log.levels(), want) {
			t.Errorf("log levels = %v, want %v", log.levels(), want)
		}
	})
}

type recordHandler struct {
	mu  sync.Mutex
	got []slog.Level
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordHandler) WithGroup(string) slog.Handler            { return h }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "wiegand frame dropped" {
		h.mu.Lock()
		h.got = append(h.got, r.Level)
		h.mu.Unlock()
	}
	return nil
}
func (h *recordHandler) levels() []slog.Level {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

// A reader configured for one format rejects the other.
func TestReaderFormat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := NewWire()
		h := w.Start(t.Context(), wiegand.Config{Format: wiegand.W26})
		for _, f := range []wiegand.Frame{cardW34, cardW26} {
			if err := send(w, f.Encode(), bitInterval); err != nil {
				t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err := h.Stop(); err != nil {
			t.Errorf("Run = %v", err)
		}
		h.Check(t, []string{idW26}, []error{wiegand.ErrLength})
	})
}
