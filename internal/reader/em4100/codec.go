// Package em4100 reads 125 kHz EM4100 tags through RDM6300-style ASCII
// readers (9600 8N1, output only) and emulates such readers.
//
// A reader sends 14 bytes per read: STX (02), ten ASCII hex digits (the
// version byte and the four tag bytes), two ASCII hex digits of checksum
// (the XOR of the five decoded bytes) and ETX (03); some readers put CR LF
// before the ETX. It repeats the frame while the tag stays in the field;
// the caller de-duplicates.
//
// Encode and Decoder are the format; Reader is the host side the gateway
// runs (no initialisation, Poll waits a bounded time for the next frame);
// Device is the side firmware-sim runs.
package em4100

import (
	"bytes"
	"errors"
	"fmt"
)

// Frame bytes.
const (
	stx = 0x02
	etx = 0x03
	// frameLen is STX, 10 id digits, 2 checksum digits, ETX.
	frameLen = 14
	// IDLen is the decoded tag id: version byte and four tag bytes.
	IDLen = 5
)

// ErrCorrupt is wrapped by every error the Decoder reports for a frame it
// dropped.
var ErrCorrupt = errors.New("corrupt EM4100 frame")

const hexDigits = "0123456789ABCDEF"

// Encode returns the frame a reader sends for tag id; crlf puts CR LF before
// the ETX as some readers do.
func Encode(id [IDLen]byte, crlf bool) []byte {
	b := make([]byte, 0, frameLen+2)
	b = append(b, stx)
	var sum byte
	for _, v := range id {
		b = append(b, hexDigits[v>>4], hexDigits[v&0x0F])
		sum ^= v
	}
	b = append(b, hexDigits[sum>>4], hexDigits[sum&0x0F])
	if crlf {
		b = append(b, '\r', '\n')
	}
	return append(b, etx)
}

// Decoder splits a byte stream into tag ids. Feed it with Write and take ids
// with Next. Anything before an STX is skipped; a frame that fails a check
// is dropped and the search goes on after its STX. Digits are accepted in
// either case. The zero Decoder is ready to use.
type Decoder struct {
	buf       []byte
	discarded int
}

// Write appends p to the bytes to decode. It never fails.
func (d *Decoder) Write(p []byte) (int, error) {
	d.buf = append(d.buf, p...)
	return len(p), nil
}

// Reset drops buffered bytes, as after flushing the port.
func (d *Decoder) Reset() { d.buf = d.buf[:0] }

// Discarded counts the bytes skipped so far as not belonging to any frame.
func (d *Decoder) Discarded() int { return d.discarded }

// Next returns the next tag id (ok true). When the buffered bytes end
// inside a frame it returns ok false and a nil error: write more. A dropped
// frame gives an error wrapping ErrCorrupt that names the failing field;
// Next can be called again.
func (d *Decoder) Next() (id [IDLen]byte, ok bool, err error) {
	i := bytes.IndexByte(d.buf, stx)
	if i < 0 {
		d.skip(len(d.buf))
		return id, false, nil
	}
	d.skip(i)
	b := d.buf
	digits := min(len(b)-1, 2*IDLen+2)
	for j := 1; j <= digits; j++ {
		if _, okDigit := unhexDigit(b[j]); !okDigit {
			return id, false, d.drop("byte %d is %02X, want an ASCII hex digit", j, b[j])
		}
	}
	if len(b) < frameLen {
		return id, false, nil
	}
	end, n := b[13], frameLen
	if end == '\r' {
		if len(b) < frameLen+2 {
			return id, false, nil
		}
		if b[14] != '\n' {
			return id, false, d.drop("byte 14 is %02X after CR, want LF", b[14])
		}
		end, n = b[15], frameLen+2
	}
	if end != etx {
		return id, false, d.drop("end byte %02X, want ETX 03", end)
	}
	var sum byte
	for k := range IDLen {
		id[k] = hexByte(b[1+2*k:])
		sum ^= id[k]
	}
	if got := hexByte(b[11:]); got != sum {
		return [IDLen]byte{}, false, d.drop("checksum %02X, want %02X", got, sum)
	}
	d.consume(n)
	return id, true, nil
}

func unhexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// hexByte decodes two digits already checked by Next.
func hexByte(b []byte) byte {
	hi, _ := unhexDigit(b[0])
	lo, _ := unhexDigit(b[1])
	return hi<<4 | lo
}

// drop skips the STX of a failed frame, so the search for the next one
// starts inside it, and returns the error describing the failure. The
// arguments are evaluated before the buffer moves.
func (d *Decoder) drop(format string, args ...any) error {
	d.skip(1)
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

func (d *Decoder) skip(n int) {
	d.discarded += n
	d.consume(n)
}

// consume removes n bytes from the front, moving the rest down so the
// buffer does not creep through memory.
func (d *Decoder) consume(n int) {
	m := copy(d.buf, d.buf[n:])
	d.buf = d.buf[:m]
}
