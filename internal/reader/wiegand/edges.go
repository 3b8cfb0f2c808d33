package wiegand

import (
	"fmt"
	"strings"
	"time"
)

// Line is one of the two data lines.
type Line uint8

// The data lines: a pulse on D0 is a 0 bit, a pulse on D1 a 1 bit.
const (
	D0 Line = 0
	D1 Line = 1
)

// String returns "D0" or "D1".
func (l Line) String() string { return fmt.Sprintf("D%d", uint8(l)) }

// Edge is a falling edge, the start of a pulse, on a data line.
type Edge struct {
	Line Line
	// At is when the edge happened, as precisely as the source knows.
	At time.Time
}

// EdgeSource yields the falling edges of D0 and D1 in the order they
// happened. The Reader is its only caller; it needs no locking.
type EdgeSource interface {
	// WaitEdge waits at most timeout (always > 0) for the next edge. It
	// returns ok == false and a nil error when none came in time. An error
	// means the source is broken or closed: the Reader stops with it.
	WaitEdge(timeout time.Duration) (e Edge, ok bool, err error)
}

// assembler gathers the edges of one frame into bits. It does no I/O and
// keeps no clock: the caller decides when a silence ends the frame.
type assembler struct {
	// coincidence is the window within which edges on different lines count
	// as noise hitting both lines at once; 0 turns the check off.
	coincidence time.Duration
	// format, if not zero, is the only format accepted.
	format Format

	bits  Bits
	last  Edge
	noise int // 1 + index of the first bit hit by coincident edges; 0 if none
	gap   time.Duration
}

// push adds the bit of e to the frame.
func (a *assembler) push(e Edge) {
	if a.coincidence > 0 && a.bits.N > 0 && a.noise == 0 && e.Line != a.last.Line {
		if d := e.At.Sub(a.last.At); d < a.coincidence {
			a.noise, a.gap = a.bits.N+1, d
		}
	}
	var bit uint
	if e.Line != D0 {
		bit = 1
	}
	a.bits = a.bits.Append(bit)
	a.last = e
}

// pending reports whether a frame has begun.
func (a *assembler) pending() bool { return a.bits.N > 0 }

// end closes the frame, decodes it and starts afresh.
func (a *assembler) end() (Frame, error) {
	b, noise, gap := a.bits, a.noise, a.gap
	a.bits, a.noise, a.gap = Bits{}, 0, 0
	if noise > 0 {
		return Frame{}, &FrameError{Err: ErrNoise,
			Detail: fmt.Sprintf("edges on D0 and D1 %v apart at bit %d", gap, noise), Bits: b}
	}
	if a.format != 0 && b.N != int(a.format) {
		return Frame{}, &FrameError{Err: ErrLength,
			Detail: fmt.Sprintf("got %d bits on a %s reader", b.N, a.format), Bits: b}
	}
	return Decode(b)
}

// abandon drops the frame under way, which no silence ended, and starts
// afresh.
func (a *assembler) abandon(why string) error {
	b := a.bits
	a.bits, a.noise, a.gap = Bits{}, 0, 0
	return &FrameError{Err: ErrUnfinished, Detail: fmt.Sprintf("%s after %d bits", why, b.N), Bits: b}
}

// ParseLines splits the "D0,D1" pair of GPIO line names the gateway's
// configuration gives for a Wiegand reader, e.g. "GPIO5,GPIO6".
func ParseLines(s string) (d0, d1 string, err error) {
	d0, d1, ok := strings.Cut(s, ",")
	d0, d1 = strings.TrimSpace(d0), strings.TrimSpace(d1)
	if !ok || d0 == "" || d1 == "" || strings.Contains(d1, ",") || d0 == d1 {
		return "", "", fmt.Errorf("wiegand: lines %q: want two different GPIO line names D0,D1 (e.g. GPIO5,GPIO6)", s)
	}
	return d0, d1, nil
}
