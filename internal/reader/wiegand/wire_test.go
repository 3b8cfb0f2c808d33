package wiegand_test

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"periph.io/x/conn/v3/gpio"

	"timeclock/internal/reader/wiegand"
)

func TestFakeWire(t *testing.T) {
	type step struct {
		line  wiegand.Line
		level gpio.Level
	}
	tests := []struct {
		name  string
		steps []step
		want  []wiegand.Line // edges the source sees
	}{
		{"one pulse", []step{{wiegand.D0, gpio.Low}, {wiegand.D0, gpio.High}}, []wiegand.Line{wiegand.D0}},
		{"low twice is one edge", []step{{wiegand.D1, gpio.Low}, {wiegand.D1, gpio.Low}, {wiegand.D1, gpio.High}}, []wiegand.Line{wiegand.D1}},
		{"high while idle is no edge", []step{{wiegand.D0, gpio.High}}, nil},
		{"order kept across lines", []step{
			{wiegand.D1, gpio.Low}, {wiegand.D0, gpio.Low}, {wiegand.D0, gpio.High}, {wiegand.D1, gpio.High},
			{wiegand.D0, gpio.Low}, {wiegand.D0, gpio.High},
		}, []wiegand.Line{wiegand.D1, wiegand.D0, wiegand.D0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := NewWire()
				src := w.Source()
				got := make(chan []wiegand.Line)
				go func() {
					var ls []wiegand.Line
					for {
						e, ok, err := src.WaitEdge(time.Millisecond)
						if err != nil || !ok {
							got <- ls
							return
						}
						if !e.At.Equal(time.Now()) {
							t.Errorf("edge stamped %v, taken at %v", e.At, time.Now())
						}
						ls = append(ls, e.Line)
					}
				}()
				for _, s := range tt.steps {
					if err := w.Driver(s.line).Out(s.level); err != nil {
						t.Fatal(err)
					}
				}
				lines := <-got
				if len(lines) != len(tt.want) {
					t.Fatalf("edges %v, want %v", lines, tt.want)
				}
				for i := range lines {
					if lines[i] != tt.want[i] {
						t.Fatalf("edges %v, want %v", lines, tt.want)
					}
				}
				if l := w.D0.Read(); l != gpio.High {
					t.Errorf("D0 left %v", l)
				}
			})
		})
	}
}

func TestFakeSourceSkipsRisingEdgesAndTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := NewWire()
		go func() {
			w.D1.EdgesChan <- gpio.High
			time.Sleep(time.Millisecond)
			w.D1.EdgesChan <- gpio.Low
		}()
		start := time.Now()
		e, ok, err := w.Source().WaitEdge(5 * time.Millisecond)
		if err != nil || !ok || e.Line != wiegand.D1 || e.At.Sub(start) != time.Millisecond {
			t.Fatalf("WaitEdge = %+v, %v, %v; want D1 after 1ms", e, ok, err)
		}
		e, ok, err = w.Source().WaitEdge(5 * time.Millisecond)
		if err != nil || ok {
			t.Fatalf("WaitEdge on a quiet wire = %+v, %v, %v", e, ok, err)
		}
		if waited := time.Since(start); waited != 6*time.Millisecond {
			t.Errorf("timed out after %v in all, want 6ms", waited)
		}
	})
}

func TestFakeWireClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := NewWire()
		blocked := make(chan error)
		go func() { blocked <- w.Driver(wiegand.D0).Out(gpio.Low) }() // nobody reads
		synctest.Wait()
		w.Close()
		w.Close()
		if err := <-blocked; !errors.Is(err, ErrClosed) {
			t.Errorf("pending Out after Close = %v", err)
		}
		if _, _, err := w.Source().WaitEdge(time.Second); !errors.Is(err, ErrClosed) {
			t.Errorf("WaitEdge after Close = %v", err)
		}
		if err := w.Driver(wiegand.D1).PWM(gpio.DutyHalf, 0); err == nil {
			t.Error("PWM on a data line succeeded")
		}
	})
}
