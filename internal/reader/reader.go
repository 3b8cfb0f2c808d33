// Package reader holds what the serial card reader protocols share: the
// reader kinds and their line settings, the Port a host-side driver talks
// through, bounded reads on it, and the errors that tell a driver's caller
// whether to retry on the same port or to close and reopen it.
//
// One package per protocol sits below this one (frame, rcs620s, pn532,
// em4100). Each holds both sides of the same bytes: the host side the gateway
// runs against a real module, and the device side firmware-sim runs on a
// pseudo-terminal (see package emulator), so the bytes are written once.
package reader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Kind names a serial reader model, as it appears in configuration and in
// firmware-sim's output.
type Kind string

// The serial reader kinds of READERS.md.
const (
	RCS620S Kind = "rcs620s" // Sony RC-S620S, FeliCa
	PN532   Kind = "pn532"   // NXP PN532 over HSU, ISO 14443A and FeliCa
	EM4100  Kind = "em4100"  // 125 kHz EM4100 ASCII reader (RDM6300 style)
)

// Kinds lists every serial kind in a stable order (for usage messages).
var Kinds = []Kind{RCS620S, PN532, EM4100}

// ParseKind checks a kind named in configuration.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("reader kind %q: want one of rcs620s, pn532, em4100", s)
}

// Baud is the line speed the module uses (8N1, no flow control).
func (k Kind) Baud() int {
	if k == EM4100 {
		return 9600
	}
	return 115200
}

// Polled reports whether the host must ask for cards (RC-S620S, PN532) or the
// reader pushes them on its own (EM4100).
func (k Kind) Polled() bool { return k != EM4100 }

// Reads reports whether a reader of kind k reads cards of technology tech
// (a card id prefix of FORMATS.md §2).
func (k Kind) Reads(tech string) bool {
	switch k {
	case RCS620S:
		return tech == "felica"
	case PN532:
		return tech == "felica" || tech == "mifare"
	case EM4100:
		return tech == "em4100"
	}
	return false
}

// Port is what a host-side driver needs from a serial line. go.bug.st/serial's
// Port satisfies it: a Read that times out returns (0, nil).
type Port interface {
	io.ReadWriter
	// SetReadTimeout bounds each following Read.
	SetReadTimeout(d time.Duration) error
	// ResetInputBuffer drops bytes received but not yet read.
	ResetInputBuffer() error
}

// ErrTimeout is returned (wrapped) when the module did not answer in time.
var ErrTimeout = errors.New("timeout")

// IOError reports a failure of the port itself (unplugged, EIO, closed), as
// opposed to a protocol problem. The caller should close the port and open
// it again; retrying on the same port is pointless.
type IOError struct {
	Op  string // "read", "write" or "flush"
	Err error
}

func (e *IOError) Error() string { return "serial " + e.Op + ": " + e.Err.Error() }

func (e *IOError) Unwrap() error { return e.Err }

// IsIOError reports whether err (or an error it wraps) is an *IOError.
func IsIOError(err error) bool {
	var ioe *IOError
	return errors.As(err, &ioe)
}

// readSlice caps one Read so that a cancelled context is noticed promptly
// even while a long response timeout runs.
const readSlice = 100 * time.Millisecond

// ReadSome reads at least one byte into buf, waiting until deadline at most.
// It returns ErrTimeout at the deadline, ctx.Err() when ctx ends, and an
// *IOError when the port fails.
func ReadSome(ctx context.Context, p Port, buf []byte, deadline time.Time) (int, error) {
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return 0, ErrTimeout
		}
		if err := p.SetReadTimeout(min(left, readSlice)); err != nil {
			return 0, &IOError{Op: "read", Err: err}
		}
		n, err := p.Read(buf)
		if err != nil {
			return n, &IOError{Op: "read", Err: err}
		}
		if n > 0 {
			return n, nil
		}
	}
}

// WriteAll writes all of b, looping over short writes.
func WriteAll(p Port, b []byte) error {
	for len(b) > 0 {
		n, err := p.Write(b)
		if err != nil {
			return &IOError{Op: "write", Err: err}
		}
		if n == 0 {
			return &IOError{Op: "write", Err: io.ErrShortWrite}
		}
		b = b[n:]
	}
	return nil
}

// Wait pauses for d or until ctx ends; modules need short settling pauses
// (after a reset, before polling again) that must not outlive a shutdown.
func Wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
