package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"timeclock/internal/civil"
	"timeclock/internal/punch"
)

// Events are stored in a compact binary form rather than as their JSON
// payload: a restart replays a fiscal year of taps for every staff member
// (millions of records), and decoding this form is an order of magnitude
// cheaper than parsing JSON. The form is versioned by its first byte.
const eventCodecV1 = 1

// Entry is an accepted event as journaled: the event and when the
// aggregator received it.
type Entry struct {
	Event    punch.Event
	Received time.Time
}

// ErrCorrupt is returned for a record that does not decode.
var ErrCorrupt = errors.New("journal: corrupt record")

// AppendEvent appends the binary form of e to dst.
func AppendEvent(dst []byte, e Entry) []byte {
	dst = append(dst, eventCodecV1)
	dst = appendTime(dst, e.Received)
	switch e.Event.Type {
	case punch.TypeTap:
		t := &e.Event.Tap
		dst = append(dst, 't')
		for _, s := range [...]string{t.ID, t.Board, t.School, t.Gateway, t.Reader, t.Card, string(t.Dir), string(t.Clock)} {
			dst = appendString(dst, s)
		}
		dst = appendTime(dst, t.TS)
	default:
		a := &e.Event.Adjustment
		dst = append(dst, 'a')
		for _, s := range [...]string{a.ID, a.Staff, string(a.Kind), a.Time, string(a.Dir), a.Target, a.Author, a.Reason} {
			dst = appendString(dst, s)
		}
		dst = binary.AppendVarint(dst, int64(a.Date))
		dst = binary.AppendVarint(dst, int64(a.Minutes))
		dst = appendTime(dst, a.Created)
	}
	return dst
}

// DecodeEvent decodes a record written by AppendEvent.
func DecodeEvent(b []byte) (Entry, error) {
	d := decoder{b: b}
	if d.byte() != eventCodecV1 {
		return Entry{}, fmt.Errorf("%w: unknown event form", ErrCorrupt)
	}
	var e Entry
	e.Received = d.time()
	switch d.byte() {
	case 't':
		t := &e.Event.Tap
		e.Event.Type = punch.TypeTap
		t.ID, t.Board, t.School, t.Gateway, t.Reader, t.Card = d.str(), d.str(), d.str(), d.str(), d.str(), d.str()
		t.Dir, t.Clock = punch.Dir(d.str()), punch.Clock(d.str())
		t.TS = d.time()
	case 'a':
		a := &e.Event.Adjustment
		e.Event.Type = punch.TypeAdjustment
		a.ID, a.Staff, a.Kind, a.Time = d.str(), d.str(), punch.Kind(d.str()), d.str()
		a.Dir, a.Target, a.Author, a.Reason = punch.Dir(d.str()), d.str(), d.str(), d.str()
		date, min := d.varint(), d.varint()
		if date < math.MinInt32 || date > math.MaxInt32 || min < math.MinInt32 || min > math.MaxInt32 {
			d.fail()
		}
		a.Date, a.Minutes = civil.Date(date), int(min)
		a.Created = d.time()
	default:
		d.fail()
	}
	if d.err || len(d.b) != 0 {
		return Entry{}, fmt.Errorf("%w: event record", ErrCorrupt)
	}
	return e, nil
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// appendTime keeps the instant (Unix seconds and nanoseconds, so any year
// fits; zero stays zero) and the zone offset it was written with, so a
// decoded event reads as it came.
func appendTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, 0)
	}
	_, off := t.Zone()
	dst = append(dst, 1)
	dst = binary.AppendVarint(dst, t.Unix())
	dst = binary.AppendUvarint(dst, uint64(t.Nanosecond()))
	return binary.AppendVarint(dst, int64(off))
}

type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) fail() { d.err, d.b = true, nil }

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// skip drops the n bytes a varint took; n <= 0 (too short, or an
// overflow, when encoding/binary gives the value 0) fails the decoding.
func (d *decoder) skip(n int) {
	if n <= 0 {
		d.fail()
		return
	}
	d.b = d.b[n:]
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	d.skip(n)
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	d.skip(n)
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) time() time.Time {
	switch d.byte() {
	case 0:
		return time.Time{}
	case 1:
	default:
		d.fail()
		return time.Time{}
	}
	sec, ns, off := d.varint(), d.uvarint(), d.varint()
	if d.err || ns >= 1e9 || off < -24*3600 || off > 24*3600 {
		d.fail()
		return time.Time{}
	}
	t := time.Unix(sec, int64(ns))
	if off == 9*3600 {
		return t.In(civil.JST) // the common case: no new zone per event
	}
	return t.In(time.FixedZone("", int(off)))
}
