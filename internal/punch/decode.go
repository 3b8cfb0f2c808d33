package punch

import (
	"time"
)

// fields is the table of keys one message type knows, in the order they are
// written; a field's index is its id.
type fields []string

// lookup returns the id of key, or -1.
func (fs fields) lookup(key []byte) int {
	for i, f := range fs {
		if string(key) == f {
			return i
		}
	}
	return -1
}

// Tables of fields, selected by decoder.table. The decoder holds an index,
// not the slice: escape analysis is not field-sensitive, and a field name
// loaded through the decoder and kept in an error would make the caller's
// member array (which the decoder also points to) escape to the heap.
const (
	tableEvent = iota
	tableStatus
	tableFeedback
)

var tables = [...]fields{tableEvent: eventFields, tableStatus: statusFields, tableFeedback: feedbackFields}

// decoder holds the members of one scanned object and where each known field
// sits. It lives on the caller's stack.
type decoder struct {
	data  []byte
	ms    []member
	at    [24]int32 // 1 + index in ms of each field's first member, 0 if absent
	table int
}

// name returns the key of field id.
func (d *decoder) name(id int) string { return tables[d.table][id] }

// scanTop checks the syntax of data, which must hold exactly one object, and
// records its members.
func scanTop(data []byte, ms []member) ([]member, error) {
	s := scanner{data: data}
	if len(data) > MaxPayload {
		return ms, newError(ErrInvalid, "", "payload of "+itoa(len(data))+" bytes (at most "+itoa(MaxPayload)+")")
	}
	s.skipSpace()
	if s.pos >= len(data) {
		return ms, s.syntax("empty input, want an object")
	}
	if data[s.pos] != '{' {
		var m member
		if err := s.value(&m, 0); err != nil {
			return ms, err
		}
		s.skipSpace()
		if s.pos < len(data) {
			return ms, s.syntax(s.found() + " after the value")
		}
		return ms, newError(ErrInvalid, "", "payload is "+m.kind.String()+", want an object")
	}
	ms, err := s.object(ms, 0)
	if err != nil {
		return ms, err
	}
	s.skipSpace()
	if s.pos < len(data) {
		return ms, s.syntax(s.found() + " after the object")
	}
	return ms, nil
}

// newDecoder scans data with scanTop into ms and indexes the members by the
// keys of table. ms is an array of the caller's: kept in a decoder returned
// by value, it stays on the caller's stack (set through a pointer, it would
// move to the heap).
func newDecoder(data []byte, table int, ms []member) (decoder, error) {
	d := decoder{data: data, table: table}
	var err error
	if d.ms, err = scanTop(data, ms); err == nil {
		d.index()
	}
	return d, err
}

// index looks every key up and remembers the first member of each field.
func (d *decoder) index() {
	var tmp [64]byte
	fs := tables[d.table]
	next := 0 // keys usually come in written order: try the next one first
	for i := range d.ms {
		m := &d.ms[i]
		key := d.data[m.keyStart:m.keyEnd]
		if m.keyEsc {
			key = appendUnescaped(tmp[:0], key)
		}
		id := -1
		if next < len(fs) && string(key) == fs[next] {
			id = next
		} else {
			id = fs.lookup(key)
		}
		next = id + 1
		m.id = int8(id)
		if id >= 0 && d.at[id] == 0 {
			d.at[id] = int32(i + 1)
		}
	}
}

// key returns member i's key, unescaped, for error messages.
func (d *decoder) key(i int) string {
	m := &d.ms[i]
	return string(appendUnescaped(nil, d.data[m.keyStart:m.keyEnd]))
}

// checkKeys rejects the first member, in input order, that is unknown, not
// allowed by mask, or a repeat. what names the message for the reason.
func (d *decoder) checkKeys(mask uint32, what string) error {
	for i := range d.ms {
		id := d.ms[i].id
		if id < 0 || mask&(1<<id) == 0 {
			return newError(ErrUnknownField, d.key(i), "not a field of "+what)
		}
		if int(d.at[id]) != i+1 {
			return newError(ErrInvalid, d.key(i), "field repeated")
		}
	}
	return nil
}

// checkPresent rejects the first field of mask, in written order, that is absent.
func (d *decoder) checkPresent(mask uint32) error {
	for id, name := range tables[d.table] {
		if mask&(1<<id) != 0 && d.at[id] == 0 {
			return newError(ErrMissing, name, "required")
		}
	}
	return nil
}

// has reports whether field id is present.
func (d *decoder) has(id int) bool { return d.at[id] != 0 }

func (d *decoder) member(id int) *member { return &d.ms[d.at[id]-1] }

func (d *decoder) wrongKind(id int, want string) error {
	return newError(ErrInvalid, d.name(id), "want "+want+", got "+d.member(id).kind.String())
}

// raw returns the bytes of string field id as written, and whether they
// hold escapes. It checks UTF-8.
func (d *decoder) raw(id int) ([]byte, bool, error) {
	m := d.member(id)
	if m.kind != valString {
		return nil, false, d.wrongKind(id, "a string")
	}
	raw := d.data[m.valStart:m.valEnd]
	if !validUTF8(raw) {
		return nil, false, newError(ErrInvalid, d.name(id), "invalid UTF-8")
	}
	return raw, m.valEsc, nil
}

// text returns the unescaped bytes of string field id, using tmp when the raw
// bytes hold escapes.
func (d *decoder) text(id int, tmp []byte) ([]byte, error) {
	raw, esc, err := d.raw(id)
	if esc {
		return appendUnescaped(tmp[:0], raw), nil
	}
	return raw, err
}

// appendText appends string field id to buf, where the strings an event
// keeps are gathered to be converted to one string with one allocation.
func (d *decoder) appendText(buf []byte, id int) ([]byte, error) {
	raw, esc, err := d.raw(id)
	if esc {
		return appendUnescaped(buf, raw), nil
	}
	return append(buf, raw...), err
}

// integer returns integer field id.
func (d *decoder) integer(id int) (int, error) {
	m := d.member(id)
	if m.kind != valNumber {
		return 0, d.wrongKind(id, "an integer")
	}
	raw := d.data[m.valStart:m.valEnd]
	neg := raw[0] == '-'
	if neg {
		raw = raw[1:]
	}
	// int64 with JSON's exact-integer bound (2^53), then the platform's int:
	// a 32-bit Pi must reject what it cannot hold, not overflow.
	var n int64
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, newError(ErrInvalid, d.name(id), "want an integer, got "+string(d.data[m.valStart:m.valEnd]))
		}
		if n > (1<<53)/10 || int64(int(n)) != n {
			return 0, newError(ErrInvalid, d.name(id), string(d.data[m.valStart:m.valEnd])+" out of range")
		}
		n = n*10 + int64(c-'0')
	}
	if int64(int(n)) != n {
		return 0, newError(ErrInvalid, d.name(id), string(d.data[m.valStart:m.valEnd])+" out of range")
	}
	if neg {
		n = -n
	}
	return int(n), nil
}

// boolean returns boolean field id.
func (d *decoder) boolean(id int) (bool, error) {
	switch d.member(id).kind {
	case valTrue:
		return true, nil
	case valFalse:
		return false, nil
	}
	return false, d.wrongKind(id, "true or false")
}

// timestamp returns RFC 3339 field id in JST.
func (d *decoder) timestamp(id int) (time.Time, error) {
	var tmp [48]byte
	b, err := d.text(id, tmp[:])
	if err != nil {
		return time.Time{}, err
	}
	t, ok := parseTime(b)
	if !ok {
		return time.Time{}, newError(ErrInvalid, d.name(id), quote(string(b))+
			": want an RFC 3339 time with offset, 2026-06-01T07:40:00.123+09:00")
	}
	return t, nil
}

// enum returns string field id as one of the allowed values, without
// allocating; an unknown value is returned as a new string so Validate can
// report it in field order.
func (d *decoder) enum(id int, allowed ...string) (string, error) {
	var tmp [32]byte
	b, err := d.text(id, tmp[:])
	if err != nil {
		return "", err
	}
	for _, a := range allowed {
		if string(b) == a {
			return a, nil
		}
	}
	return string(b), nil
}
