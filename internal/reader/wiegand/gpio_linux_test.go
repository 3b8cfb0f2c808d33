package wiegand

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// The success path needs a GPIO chip (a Raspberry Pi, or the kernel's
// gpio-sim); every machine can check that bad configurations fail clearly.
func TestOpenGPIOErrors(t *testing.T) {
	tests := []struct {
		name   string
		d0, d1 string
		want   string
	}{
		{"missing D0", "", "GPIO6", "need two different GPIO lines"},
		{"missing D1", "GPIO5", "", "need two different GPIO lines"},
		{"same line twice", "GPIO5", "GPIO5", "need two different GPIO lines"},
		{"no such lines", "TIMECLOCK_NO_SUCH_LINE_D0", "TIMECLOCK_NO_SUCH_LINE_D1", "GPIO chip / line not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := OpenGPIO(tt.d0, tt.d1)
			if err == nil {
				s.Close()
				t.Fatalf("OpenGPIO(%q, %q) succeeded", tt.d0, tt.d1)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("OpenGPIO(%q, %q) = %v, want %q", tt.d0, tt.d1, err, tt.want)
			}
		})
	}
}

// fakeLineSet plays scripted answers to WaitForEdge on the synctest clock.
type fakeLineSet struct {
	script []answer
	waits  []time.Duration // the timeouts WaitForEdge was called with
	closed int
}

type answer struct {
	after  time.Duration // when the answer comes; past the timeout: a timeout
	number int
	edge   gpio.Edge
	err    error
}

func (f *fakeLineSet) WaitForEdge(timeout time.Duration) (int, gpio.Edge, error) {
	f.waits = append(f.waits, timeout)
	if timeout <= 0 {
		panic("WaitForEdge with a timeout that is not positive")
	}
	if len(f.script) == 0 || f.script[0].after > timeout {
		if len(f.script) > 0 {
			f.script[0].after -= timeout
		}
		time.Sleep(timeout)
		return 0, gpio.NoEdge, fmt.Errorf("read gpio-lineset: %w", os.ErrDeadlineExceeded)
	}
	a := f.script[0]
	f.script = f.script[1:]
	time.Sleep(a.after)
	return a.number, a.edge, a.err
}

func (f *fakeLineSet) Close() error { f.closed++; return nil }

func TestGPIOSourceWaitEdge(t *testing.T) {
	ms := time.Millisecond
	broken := errors.New("EIO")
	type result struct {
		line Line
		ok   bool
		err  error
		took time.Duration
	}
	tests := []struct {
		name    string
		timeout time.Duration
		script  []answer
		want    result
		waits   []time.Duration
	}{
		{"D0", 25 * ms, []answer{{after: 2 * ms, number: 5, edge: gpio.FallingEdge}},
			result{D0, true, nil, 2 * ms}, []time.Duration{25 * ms}},
		{"D1", 25 * ms, []answer{{after: 0, number: 6, edge: gpio.FallingEdge}},
			result{D1, true, nil, 0}, []time.Duration{25 * ms}},
		{"timeout looks once more", 25 * ms, nil,
			result{0, false, nil, 26 * ms}, []time.Duration{25 * ms, recheck}},
		{"an edge found on the second look", 25 * ms, []answer{{after: 25*ms + recheck/2, number: 6, edge: gpio.FallingEdge}},
			result{D1, true, nil, 25*ms + recheck/2}, []time.Duration{25 * ms, recheck}},
		{"rising edges and other lines are skipped", 25 * ms, []answer{
			{after: ms, number: 5, edge: gpio.RisingEdge},
			{after: ms, number: 7, edge: gpio.FallingEdge},
			{after: ms, number: 5, edge: gpio.FallingEdge},
		}, result{D0, true, nil, 3 * ms}, []time.Duration{25 * ms, 24 * ms, 23 * ms}},
		{"a failing read", 25 * ms, []answer{{after: ms, err: broken}},
			result{0, false, broken, ms}, []time.Duration{25 * ms}},
		{"a timeout that is not positive", 0, nil,
			result{0, false, nil, 2 * recheck}, []time.Duration{recheck, recheck}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ls := &fakeLineSet{script: tt.script}
				s := &GPIOSource{ls: ls, d0: 5, d1: 6, name: "fake"}
				start := time.Now()
				e, ok, err := s.WaitEdge(tt.timeout)
				got := result{e.Line, ok, err, time.Since(start)}
				if got.ok != tt.want.ok || got.line != tt.want.line || got.took != tt.want.took ||
					!errors.Is(got.err, tt.want.err) || (tt.want.err == nil) != (got.err == nil) {
					t.Errorf("WaitEdge = %+v, want %+v", got, tt.want)
				}
				if ok && !e.At.Equal(time.Now()) {
					t.Errorf("edge stamped %v, read at %v", e.At, time.Now())
				}
				if !slices.Equal(ls.waits, tt.waits) {
					t.Errorf("WaitForEdge timeouts %v, want %v", ls.waits, tt.waits)
				}
				s.Close()
				s.Close()
				if ls.closed != 1 {
					t.Errorf("line set closed %d times", ls.closed)
				}
			})
		})
	}
}
