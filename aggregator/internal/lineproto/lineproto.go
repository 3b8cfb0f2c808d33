// Package lineproto encodes InfluxDB line protocol straight into a byte
// buffer: one append per tag and field, no point objects, no maps. The
// aggregator writes every journal record as a point and rewrites work days
// and months continually; building and encoding them is on the live path, so
// it must cost little more than the bytes themselves.
//
// A point is written as
//
//	b.Point("punch").Tag("board", "nakatsu").Tag("dir", "tap").Str("id", id).Bool("clock_synced", true).End(ts)
//
// Tags must come in the byte order of their keys (InfluxDB's own order: it
// sorts them otherwise, at a cost on every point); the encoder checks it in
// tests through Sorted. Fields keep the order they are added in.
package lineproto

import (
	"math"
	"strconv"
	"time"
)

// Buffer holds points in line protocol, one per line.
type Buffer struct {
	b        []byte
	n        int  // complete points
	fields   bool // the current point has a field
	start    int  // offset of the current point
	lastK    string
	unsorted bool
}

// Len returns the number of complete points.
func (b *Buffer) Len() int { return b.n }

// Size returns the bytes of the complete points.
func (b *Buffer) Size() int { return len(b.b) }

// Bytes returns the encoded points; valid until the next change.
func (b *Buffer) Bytes() []byte { return b.b }

// Reset empties the buffer, keeping its memory.
func (b *Buffer) Reset() { b.b, b.n, b.fields, b.start, b.unsorted = b.b[:0], 0, false, 0, false }

// Sorted reports whether every point since the last Reset had its tags in
// key order (for tests).
func (b *Buffer) Sorted() bool { return !b.unsorted }

// Point starts a point of measurement m.
func (b *Buffer) Point(m string) *Buffer {
	b.start = len(b.b)
	b.fields = false
	b.lastK = ""
	b.b = appendEscaped(b.b, m, nameSpecial)
	return b
}

// Tag adds a tag; an empty value is left out (line protocol has no empty
// tag values).
func (b *Buffer) Tag(k, v string) *Buffer {
	if v == "" {
		return b
	}
	if k < b.lastK {
		b.unsorted = true
	}
	b.lastK = k
	b.b = append(b.b, ',')
	b.b = appendEscaped(b.b, k, keySpecial)
	b.b = append(b.b, '=')
	b.b = appendEscaped(b.b, v, keySpecial)
	return b
}

func (b *Buffer) field(k string) {
	if b.fields {
		b.b = append(b.b, ',')
	} else {
		b.b = append(b.b, ' ')
		b.fields = true
	}
	b.b = appendEscaped(b.b, k, keySpecial)
	b.b = append(b.b, '=')
}

// Str adds a string field.
func (b *Buffer) Str(k, v string) *Buffer {
	b.field(k)
	b.b = append(b.b, '"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		if e := controlEscape(c); e != 0 {
			b.b = append(b.b, '\\', e)
			continue
		}
		if c == '"' || c == '\\' {
			b.b = append(b.b, '\\')
		}
		b.b = append(b.b, c)
	}
	b.b = append(b.b, '"')
	return b
}

// Int adds an integer field.
func (b *Buffer) Int(k string, v int64) *Buffer {
	b.field(k)
	b.b = strconv.AppendInt(b.b, v, 10)
	b.b = append(b.b, 'i')
	return b
}

// Float adds a float field; NaN and infinities, which line protocol cannot
// carry, are left out.
func (b *Buffer) Float(k string, v float64) *Buffer {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return b
	}
	b.field(k)
	b.b = strconv.AppendFloat(b.b, v, 'f', -1, 64)
	return b
}

// Bool adds a boolean field.
func (b *Buffer) Bool(k string, v bool) *Buffer {
	b.field(k)
	b.b = strconv.AppendBool(b.b, v)
	return b
}

// End finishes the point at time t (nanosecond precision). A point without
// fields is dropped: InfluxDB would refuse the whole request for it.
func (b *Buffer) End(t time.Time) {
	if !b.fields {
		b.b = b.b[:b.start]
		return
	}
	b.b = append(b.b, ' ')
	b.b = strconv.AppendInt(b.b, t.UnixNano(), 10)
	b.b = append(b.b, '\n')
	b.n++
}

// Characters escaped in names, tag keys and values, and field keys; a
// measurement name keeps '=' as it is. Control characters become their
// backslash sequences, as InfluxDB's own encoder writes them.
const (
	nameSpecial = ", "
	keySpecial  = ",= "
)

func appendEscaped(dst []byte, s, special string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if e := controlEscape(c); e != 0 {
			dst = append(dst, '\\', e)
			continue
		}
		for j := 0; j < len(special); j++ {
			if c == special[j] {
				dst = append(dst, '\\')
				break
			}
		}
		dst = append(dst, c)
	}
	return dst
}

func controlEscape(c byte) byte {
	switch c {
	case '\t':
		return 't'
	case '\n':
		return 'n'
	case '\f':
		return 'f'
	case '\r':
		return 'r'
	}
	return 0
}
