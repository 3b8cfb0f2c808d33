package punch

import (
	"encoding/binary"
	"strconv"
)

// The decoder works in two passes over a payload. scan (this file) checks the
// JSON syntax of the whole input and records the members of the top-level
// object as byte spans, without copying; the second pass (decode.go) looks the
// keys up, checks presence and order-independent rules, and copies only the
// strings an event keeps. Checking all syntax first makes the reported kind
// independent of where in a payload the first fault lies.

// valKind is the JSON type of a member's value.
type valKind uint8

const (
	valString valKind = iota + 1
	valNumber
	valTrue
	valFalse
	valNull
	valObject
	valArray
)

func (k valKind) String() string {
	return [...]string{"", "a string", "a number", "true", "false", "null", "an object", "an array"}[k]
}

// member is one key/value pair of an object. For strings, the spans exclude
// the quotes; esc says the raw bytes hold escapes and must be unescaped.
type member struct {
	keyStart, keyEnd int32 // int32 keeps a member small; MaxPayload bounds offsets
	valStart, valEnd int32
	kind             valKind
	keyEsc, valEsc   bool
	id               int8 // field id of the key, -1 if unknown; set by decoder.index
}

// MaxPayload is the largest payload the decoders read, in bytes: an event is a
// few hundred bytes, so anything near this is garbage, not an event.
const MaxPayload = 64 << 10

// maxDepth bounds the nesting scan follows. Events are flat, so deeper input
// is rejected (as invalid, not as a syntax error: it may well be valid JSON).
const maxDepth = 32

type scanner struct {
	data []byte
	pos  int
}

func (s *scanner) syntax(reason string) error {
	return newError(ErrSyntax, "", "offset "+itoa(s.pos)+": "+reason)
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// found describes the byte at pos for error messages.
func (s *scanner) found() string {
	if s.pos >= len(s.data) {
		return "unexpected end of input"
	}
	return "unexpected " + strconv.QuoteRune(rune(s.data[s.pos]))
}

// object scans an object starting at pos and appends its members to ms.
func (s *scanner) object(ms []member, depth int) ([]member, error) {
	s.pos++ // '{'
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return ms, nil
	}
	for {
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return ms, s.syntax(s.found() + ", want a string key")
		}
		var m member
		var err error
		m.keyStart, m.keyEnd, m.keyEsc, err = s.str()
		if err != nil {
			return ms, err
		}
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return ms, s.syntax(s.found() + ", want ':' after a key")
		}
		s.pos++
		s.skipSpace()
		if err := s.value(&m, depth); err != nil {
			return ms, err
		}
		ms = append(ms, m)
		s.skipSpace()
		if s.pos >= len(s.data) {
			return ms, s.syntax("unexpected end of input, want ',' or '}'")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
			s.skipSpace()
		case '}':
			s.pos++
			return ms, nil
		default:
			return ms, s.syntax(s.found() + ", want ',' or '}'")
		}
	}
}

// value scans any JSON value at pos into m's value fields.
func (s *scanner) value(m *member, depth int) error {
	if s.pos >= len(s.data) {
		return s.syntax("unexpected end of input, want a value")
	}
	start := s.pos
	var err error
	switch c := s.data[s.pos]; {
	case c == '"':
		m.kind = valString
		m.valStart, m.valEnd, m.valEsc, err = s.str()
		return err
	case c == '-' || (c >= '0' && c <= '9'):
		m.kind = valNumber
		err = s.number()
	case c == 't':
		m.kind, err = valTrue, s.literal("true")
	case c == 'f':
		m.kind, err = valFalse, s.literal("false")
	case c == 'n':
		m.kind, err = valNull, s.literal("null")
	case c == '{' || c == '[':
		m.kind = valObject
		if c == '[' {
			m.kind = valArray
		}
		err = s.nested(depth + 1)
	default:
		return s.syntax(s.found() + ", want a value")
	}
	m.valStart, m.valEnd = int32(start), int32(s.pos)
	return err
}

// nested skips an object or array, checking its syntax.
func (s *scanner) nested(depth int) error {
	if depth > maxDepth {
		return newError(ErrInvalid, "", "offset "+itoa(s.pos)+": nested deeper than "+itoa(maxDepth))
	}
	if s.data[s.pos] == '{' {
		var scratch [4]member
		_, err := s.object(scratch[:0], depth)
		return err
	}
	s.pos++ // '['
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return nil
	}
	for {
		var m member
		if err := s.value(&m, depth); err != nil {
			return err
		}
		s.skipSpace()
		if s.pos >= len(s.data) {
			return s.syntax("unexpected end of input, want ',' or ']'")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
			s.skipSpace()
		case ']':
			s.pos++
			return nil
		default:
			return s.syntax(s.found() + ", want ',' or ']'")
		}
	}
}

func (s *scanner) literal(lit string) error {
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		return s.syntax(s.found() + ", want " + lit)
	}
	s.pos += len(lit)
	return nil
}

// number scans -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *scanner) number() error {
	d := s.data
	if d[s.pos] == '-' {
		s.pos++
	}
	switch {
	case s.pos < len(d) && d[s.pos] == '0':
		s.pos++
	case s.pos < len(d) && d[s.pos] >= '1' && d[s.pos] <= '9':
		s.digits()
	default:
		return s.syntax(s.found() + ", want a digit")
	}
	if s.pos < len(d) && d[s.pos] == '.' {
		s.pos++
		if s.digits() == 0 {
			return s.syntax(s.found() + ", want a digit after '.'")
		}
	}
	if s.pos < len(d) && (d[s.pos] == 'e' || d[s.pos] == 'E') {
		s.pos++
		if s.pos < len(d) && (d[s.pos] == '+' || d[s.pos] == '-') {
			s.pos++
		}
		if s.digits() == 0 {
			return s.syntax(s.found() + ", want a digit in the exponent")
		}
	}
	return nil
}

func (s *scanner) digits() int {
	n := 0
	for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
		s.pos++
		n++
	}
	return n
}

// str scans a string at pos (on its opening quote) and returns the span of
// its raw contents and whether they hold escapes. UTF-8 is not checked here:
// invalid UTF-8 is a fault of the value, found when a string is kept.
func (s *scanner) str() (start, end int32, esc bool, err error) {
	d := s.data
	first := s.pos + 1
	for i := first; i < len(d); {
		// Most bytes are plain: skip eight at a time, then one at a time
		// with a table load each.
		for i+8 <= len(d) && !special8(binary.LittleEndian.Uint64(d[i:])) {
			i += 8
		}
		for i < len(d) && plain[d[i]] {
			i++
		}
		if i >= len(d) {
			break
		}
		switch c := d[i]; {
		case c == '"':
			s.pos = i + 1
			return int32(first), int32(i), esc, nil
		case c == '\\':
			esc = true
			n, ok := escapeLen(d[i:])
			if !ok {
				s.pos = i
				return 0, 0, false, s.syntax("invalid escape in string")
			}
			i += n
		default:
			s.pos = i
			return 0, 0, false, s.syntax("control character " + strconv.QuoteRune(rune(c)) + " in string")
		}
	}
	s.pos = len(d)
	return 0, 0, false, s.syntax("unexpected end of input in string")
}

// special8 reports whether any of the eight bytes in x is a quote, a
// backslash or a control character (the classic has-zero-byte tricks; bytes
// of 0x80 and above never match).
func special8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	hasZero := func(v uint64) uint64 { return (v - ones) & ^v & highs }
	less20 := (x - 0x20*ones) & ^x & highs
	return less20|hasZero(x^('"'*ones))|hasZero(x^('\\'*ones)) != 0
}

// plain marks the bytes a string holds as they are: not a quote, a
// backslash or a control character.
var plain = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c != '"' && c != '\\'
	}
	return t
}()

// escapeLen returns the length of the escape sequence b starts with.
func escapeLen(b []byte) (int, bool) {
	if len(b) < 2 {
		return 0, false
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, true
	case 'u':
		if len(b) < 6 {
			return 0, false
		}
		for _, c := range b[2:6] {
			if hexVal(c) < 0 {
				return 0, false
			}
		}
		return 6, true
	}
	return 0, false
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
