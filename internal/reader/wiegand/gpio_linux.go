package wiegand

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/host/v3"
	"periph.io/x/host/v3/gpioioctl"
)

// recheck is how long GPIOSource looks again after a wait timed out. Go
// reports a deadline that passed before the read even started without
// reading, so a goroutine delayed for a whole timeout between setting the
// deadline and reading would miss edges already queued in the kernel, and
// cut a frame in two.
const recheck = time.Millisecond

// GPIOSource is the EdgeSource of two GPIO lines on Linux: the GPIO
// character device through periph's gpioioctl, both lines in one line
// request with falling-edge detection and pull-ups, so the kernel queues
// their events in one stream, in order. Edges are stamped when they are
// read (periph does not pass the kernel's timestamps on).
type GPIOSource struct {
	ls     lineSet
	d0, d1 int // chip offsets of the lines, as events report them
	name   string

	closeOnce sync.Once
	closeErr  error
}

// lineSet is what GPIOSource uses of a *gpioioctl.LineSet.
type lineSet interface {
	WaitForEdge(timeout time.Duration) (number int, edge gpio.Edge, err error)
	Close() error
}

// OpenGPIO initialises periph and requests the lines named d0 and d1 (line
// names as gpioinfo shows them, e.g. "GPIO5" and "GPIO6" on a Raspberry Pi)
// as inputs with pull-ups and falling-edge events. Both must be on the same
// GPIO chip. Close releases them.
func OpenGPIO(d0, d1 string) (*GPIOSource, error) {
	if d0 == "" || d1 == "" || d0 == d1 {
		return nil, fmt.Errorf("wiegand: need two different GPIO lines for D0 and D1, got %q and %q", d0, d1)
	}
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("wiegand: periph host init: %w", err)
	}
	// host.Init succeeds on a machine without GPIO too: the lookups below
	// are where a missing chip or a misspelt line shows.
	var chip *gpioioctl.GPIOChip
	for _, c := range gpioioctl.Chips {
		if c.ByName(d0) != nil && c.ByName(d1) != nil {
			chip = c
			break
		}
	}
	if chip == nil {
		return nil, fmt.Errorf("wiegand: GPIO chip / line not found: no GPIO chip has both lines %q and %q (%d chips)",
			d0, d1, len(gpioioctl.Chips))
	}
	ls, err := chip.LineSet(gpioioctl.LineInput, gpio.FallingEdge, gpio.PullUp, d0, d1)
	if err != nil {
		return nil, fmt.Errorf("wiegand: request lines %q and %q on %s: %w", d0, d1, chip.Name(), err)
	}
	lines := ls.Lines()
	if len(lines) != 2 {
		_ = ls.Close()
		return nil, fmt.Errorf("wiegand: line request on %s gave %d lines, want 2", chip.Name(), len(lines))
	}
	return &GPIOSource{ls: ls, d0: lines[0].Number(), d1: lines[1].Number(),
		name: fmt.Sprintf("%s %s/%s", chip.Name(), d0, d1)}, nil
}

// String names the chip and the lines, for logs.
func (s *GPIOSource) String() string { return s.name }

// WaitEdge implements EdgeSource.
func (s *GPIOSource) WaitEdge(timeout time.Duration) (Edge, bool, error) {
	if timeout <= 0 {
		// periph waits forever on 0 and returns at once on a negative
		// timeout; neither is what a caller of WaitEdge means.
		timeout = recheck
	}
	deadline := time.Now().Add(timeout)
	rechecked := false
	for {
		wait := time.Until(deadline)
		if wait <= 0 {
			if rechecked {
				return Edge{}, false, nil
			}
			wait, rechecked = recheck, true
		}
		n, edge, err := s.ls.WaitForEdge(wait)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			continue
		}
		if err != nil {
			return Edge{}, false, fmt.Errorf("wait for edge on %s: %w", s.name, err)
		}
		if edge != gpio.FallingEdge {
			continue // only falling edges are requested; be strict anyway
		}
		switch n {
		case s.d0:
			return Edge{Line: D0, At: time.Now()}, true, nil
		case s.d1:
			return Edge{Line: D1, At: time.Now()}, true, nil
		}
	}
}

// Close releases the lines. It is safe to call more than once, but not
// while WaitEdge runs (stop the Reader first).
func (s *GPIOSource) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.ls.Close() })
	return s.closeErr
}
