package wiegand

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"timeclock/internal/punch"
)

// Bits is a sequence of bits in the order they came off the wire: the first
// bit is the most significant of the N low bits of V. Only the last 64 bits
// are kept; N goes on counting past 64 so that an overlong burst is still
// reported with its true length.
type Bits struct {
	V uint64
	N int
}

// Append returns b followed by bit (0 or 1; any non-zero value is a 1).
func (b Bits) Append(bit uint) Bits {
	b.V <<= 1
	if bit != 0 {
		b.V |= 1
	}
	b.N++
	return b
}

// Bit returns the i-th bit received (0-based). It panics if i is out of the
// range of bits b still holds.
func (b Bits) Bit(i int) uint {
	if i < 0 || i >= b.N || b.N-1-i >= 64 {
		panic("wiegand: Bits.Bit index " + strconv.Itoa(i) + " out of range")
	}
	return uint(b.V>>(b.N-1-i)) & 1
}

// String writes the bits as '0' and '1' characters, first bit first. A
// sequence longer than 64 bits is written as its length only.
func (b Bits) String() string {
	if b.N > 64 {
		return strconv.Itoa(b.N) + " bits"
	}
	var s [64]byte
	for i := range b.N {
		s[i] = '0' + byte(b.V>>(b.N-1-i)&1)
	}
	return string(s[:b.N])
}

// Format is a Wiegand frame format; its value is the frame length in bits.
type Format uint8

// The two formats the gateway reads.
const (
	W26 Format = 26 // 1 even parity, 8 facility, 16 number, 1 odd parity
	W34 Format = 34 // 1 even parity, 32 data (16 facility, 16 number), 1 odd parity
)

// Valid reports whether f is W26 or W34.
func (f Format) Valid() bool { return f == W26 || f == W34 }

// String returns "W26" or "W34".
func (f Format) String() string { return "W" + strconv.Itoa(int(f)) }

// Tech returns the card technology of FORMATS.md §2 for f, "" if f is not
// valid.
func (f Format) Tech() string {
	switch f {
	case W26:
		return punch.TechWiegand26
	case W34:
		return punch.TechWiegand34
	}
	return ""
}

// dataBits is the payload width: the frame without its two parity bits.
func (f Format) dataBits() int { return int(f) - 2 }

// Frame is a decoded Wiegand frame: its format and its payload without the
// parity bits, right-aligned in Data (24 bits for W26, 32 for W34).
type Frame struct {
	Format Format
	Data   uint32
}

// Facility returns the facility code: the payload above the low 16 bits.
func (f Frame) Facility() uint16 { return uint16(f.data() >> 16) }

// Number returns the card number: the low 16 bits of the payload.
func (f Frame) Number() uint16 { return uint16(f.Data) }

// data returns Data masked to the width of the format.
func (f Frame) data() uint32 {
	if f.Format == W26 {
		return f.Data & (1<<24 - 1)
	}
	return f.Data
}

// UID returns the payload as big-endian bytes: 3 for W26, 4 for W34, nil for
// an invalid format.
func (f Frame) UID() []byte {
	d := f.data()
	switch f.Format {
	case W26:
		return []byte{byte(d >> 16), byte(d >> 8), byte(d)}
	case W34:
		return []byte{byte(d >> 24), byte(d >> 16), byte(d >> 8), byte(d)}
	}
	return nil
}

// Card returns the card id of FORMATS.md §2, e.g. "wiegand26:d41b81".
func (f Frame) Card() string { return punch.FormatCard(f.Format.Tech(), f.UID()) }

// String describes f for logs, e.g. "W26 facility 212 number 7041 (wiegand26:d41b81)".
func (f Frame) String() string {
	if !f.Format.Valid() {
		return "invalid Wiegand format " + strconv.Itoa(int(f.Format))
	}
	return fmt.Sprintf("%s facility %d number %d (%s)", f.Format, f.Facility(), f.Number(), f.Card())
}

// Encode returns the bits of f on the wire, parity included. It panics if
// f.Format is not valid: Decode only makes valid formats.
func (f Frame) Encode() Bits {
	if !f.Format.Valid() {
		panic("wiegand: Encode of " + f.String())
	}
	half := f.Format.dataBits() / 2
	d := uint64(f.data())
	even := uint64(bits.OnesCount64(d>>half) & 1)
	odd := uint64(bits.OnesCount64(d&(1<<half-1))&1) ^ 1
	n := int(f.Format)
	return Bits{V: even<<(n-1) | d<<1 | odd, N: n}
}

// Reasons a frame is rejected. A *FrameError wraps one of them; test with
// errors.Is. Decode gives ErrLength and ErrParity; the Reader also ErrNoise
// and ErrUnfinished.
var (
	ErrLength = errors.New("wiegand: frame is not 26 or 34 bits")
	ErrParity = errors.New("wiegand: parity error")
	ErrNoise  = errors.New("wiegand: both lines pulsed at once")
	// ErrUnfinished is a frame that no silence ended: the source failed or
	// the Reader was stopped while edges kept coming. Its bits may be the
	// start of a longer frame, so they are not decoded.
	ErrUnfinished = errors.New("wiegand: frame not ended by a silence")
)

// FrameError is a rejected frame: the reason (one of the Err variables), a
// detail and the bits as received.
type FrameError struct {
	Err    error
	Detail string
	Bits   Bits
}

func (e *FrameError) Error() string {
	var s strings.Builder
	s.WriteString(e.Err.Error())
	if e.Detail != "" {
		s.WriteString(": ")
		s.WriteString(e.Detail)
	}
	if e.Bits.N <= 64 {
		s.WriteString(" (bits ")
		if e.Bits.N == 0 {
			s.WriteString("none")
		}
		s.WriteString(e.Bits.String())
		s.WriteString(")")
	}
	return s.String()
}

// Unwrap returns the reason.
func (e *FrameError) Unwrap() error { return e.Err }

// Decode checks the length and both parity bits of a frame and returns its
// payload. Any length other than 26 or 34 bits is rejected with ErrLength, a
// parity mismatch with ErrParity.
func Decode(b Bits) (Frame, error) {
	f := Format(b.N)
	if b.N != int(W26) && b.N != int(W34) {
		return Frame{}, &FrameError{Err: ErrLength, Detail: "got " + strconv.Itoa(b.N) + " bits", Bits: b}
	}
	// The even parity bit and the first half of the payload have an even
	// number of ones together; the second half and the odd parity bit an
	// odd number.
	half := b.N / 2
	v := b.V & (1<<b.N - 1)
	if bits.OnesCount64(v>>(b.N-half))&1 != 0 {
		return Frame{}, &FrameError{Err: ErrParity,
			Detail: fmt.Sprintf("%s even parity (bit 1 over bits 2–%d)", f, half), Bits: b}
	}
	if bits.OnesCount64(v&(1<<(b.N-half)-1))&1 != 1 {
		return Frame{}, &FrameError{Err: ErrParity,
			Detail: fmt.Sprintf("%s odd parity (bit %d over bits %d–%d)", f, b.N, half+1, b.N-1), Bits: b}
	}
	return Frame{Format: f, Data: uint32(v >> 1 & (1<<f.dataBits() - 1))}, nil
}
