package frame

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrCorrupt is wrapped by every error the Decoder reports for a frame it
// dropped: a bad length checksum, data checksum or length.
var ErrCorrupt = errors.New("corrupt frame")

var startCode = []byte{0x00, 0x00, 0xFF}

// Decoder splits a byte stream into frames. Feed it with Write and take
// frames with Next. It accepts exactly 00 00 FF as the start of a frame and
// skips anything before it, so line noise, a half frame left over from an
// aborted exchange or the PN532 wake-up preamble (55 55 00 00 00) cost no
// more than the bytes themselves. The postamble is not waited for: a frame is
// complete at its checksum, and a 00 right after it is taken as its
// postamble.
//
// The zero Decoder is ready to use.
type Decoder struct {
	buf       []byte
	discarded int
	postamble bool // the byte after the last frame may be its postamble
}

// Write appends p to the bytes to decode. It never fails.
func (d *Decoder) Write(p []byte) (int, error) {
	d.buf = append(d.buf, p...)
	return len(p), nil
}

// Reset drops buffered bytes, as after flushing the port.
func (d *Decoder) Reset() {
	d.buf = d.buf[:0]
	d.postamble = false
}

// Discarded counts the bytes skipped so far as not belonging to any frame,
// including the bytes of dropped corrupt frames' start codes.
func (d *Decoder) Discarded() int { return d.discarded }

// Buffered is the number of bytes written but not yet decoded.
func (d *Decoder) Buffered() int { return len(d.buf) }

// Next returns the next complete frame (ok true). When the buffered bytes end
// inside a frame it returns ok false and a nil error: write more. When a
// frame fails a check it is dropped and Next returns an error wrapping
// ErrCorrupt that names the failing field; the decoder has already
// resynchronised and Next can be called again.
func (d *Decoder) Next() (f Frame, ok bool, err error) {
	if !d.seek() {
		return Frame{}, false, nil
	}
	b := d.buf[len(startCode):]
	if len(b) < 2 {
		return Frame{}, false, nil
	}
	switch {
	case b[0] == 0x00 && b[1] == 0xFF:
		d.consume(len(startCode) + 2)
		return Frame{Kind: ACK}, true, nil
	case b[0] == 0xFF && b[1] == 0x00:
		d.consume(len(startCode) + 2)
		return Frame{Kind: NACK}, true, nil
	}
	n, hdr, err := header(b)
	if err != nil || hdr == 0 {
		if err != nil {
			d.drop()
		}
		return Frame{}, false, err
	}
	body := b[hdr:]
	if len(body) < n+1 {
		return Frame{}, false, nil
	}
	tfi, data, sum := body[0], body[1:n], body[n]
	if want := dcs(tfi, data); sum != want {
		d.drop()
		return Frame{}, false, fmt.Errorf("%w: DCS %02X, want %02X (TFI %02X, %d data bytes)", ErrCorrupt, sum, want, tfi, n-1)
	}
	f = Frame{Kind: Info, TFI: tfi, Data: bytes.Clone(data)}
	if tfi == tfiError && n == 1 {
		f = Frame{Kind: Error}
	}
	d.consume(len(startCode) + hdr + n + 1)
	return f, true, nil
}

// header reads the length fields after the start code: it returns the
// number of TFI+data bytes and the header size, 0 for the size when more
// bytes are needed, or an error for a header that fails its checks.
func header(b []byte) (n, size int, err error) {
	if b[0] == 0xFF && b[1] == 0xFF {
		if len(b) < 5 {
			return 0, 0, nil
		}
		hi, lo, lcs := b[2], b[3], b[4]
		if hi+lo+lcs != 0 {
			return 0, 0, fmt.Errorf("%w: extended LCS %02X, want %02X for LEN %02X%02X", ErrCorrupt, lcs, -(hi + lo), hi, lo)
		}
		n = int(hi)<<8 | int(lo)
		size = 5
	} else {
		if b[0]+b[1] != 0 {
			return 0, 0, fmt.Errorf("%w: LCS %02X, want %02X for LEN %02X", ErrCorrupt, b[1], -b[0], b[0])
		}
		n = int(b[0])
		size = 2
	}
	if n == 0 || n > MaxData {
		return 0, 0, fmt.Errorf("%w: LEN %d, want 1..%d", ErrCorrupt, n, MaxData)
	}
	return n, size, nil
}

// seek drops bytes before the first start code and reports whether one is
// buffered. Without one, up to two trailing bytes stay: they may be the
// beginning of a start code still arriving.
func (d *Decoder) seek() bool {
	if !d.skipPostamble() {
		return false
	}
	i := bytes.Index(d.buf, startCode)
	if i < 0 {
		keep := min(len(d.buf), len(startCode)-1)
		for keep > 0 && !bytes.HasPrefix(startCode, d.buf[len(d.buf)-keep:]) {
			keep--
		}
		d.discard(len(d.buf) - keep)
		return false
	}
	d.discard(i)
	return true
}

func (d *Decoder) discard(n int) {
	if n > 0 {
		d.discarded += n
		d.shift(n)
	}
}

// drop skips the first byte of a failed frame so the search for the next
// start code begins inside it: a genuine frame may hide in what looked
// like a corrupt one's body.
func (d *Decoder) drop() { d.discard(1) }

func (d *Decoder) consume(n int) {
	d.shift(n)
	d.postamble = true
}

// skipPostamble takes a 00 after the last frame as its postamble, unless it
// begins the next start code. It reports false while the buffered bytes
// cannot tell yet, so the outcome never depends on how the stream was cut
// into writes.
func (d *Decoder) skipPostamble() bool {
	if !d.postamble || len(d.buf) == 0 {
		return true
	}
	if d.buf[0] == 0x00 && len(d.buf) < len(startCode) && bytes.HasPrefix(startCode, d.buf) {
		return false
	}
	d.postamble = false
	if d.buf[0] == 0x00 && !bytes.HasPrefix(d.buf, startCode) {
		d.shift(1)
	}
	return true
}

// shift removes n bytes from the front, moving the rest down so the buffer
// does not creep through memory.
func (d *Decoder) shift(n int) {
	m := copy(d.buf, d.buf[n:])
	d.buf = d.buf[:m]
}
