package punch

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// ValidName reports whether s is a valid board, school, gateway or reader
// name: 1 to 40 of [a-z0-9-], which is safe in a topic level and a tag.
func ValidName(s string) bool { return len(s) >= 1 && len(s) <= 40 && idChars(s, false) }

// idChars reports whether every byte of s is one of [a-z0-9-], or when
// loose of [A-Za-z0-9._-].
func idChars(s string, loose bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
		case loose && (c >= 'A' && c <= 'Z' || c == '.' || c == '_'):
		default:
			return false
		}
	}
	return true
}

func checkName(field, s string) error {
	if !ValidName(s) {
		return newError(ErrInvalid, field, quote(s)+": want 1 to 40 of [a-z0-9-]")
	}
	return nil
}

// ValidStaffID reports whether s is a valid staff id: 1 to 64 of
// [A-Za-z0-9._-] (employee numbers such as T0001).
func ValidStaffID(s string) bool { return validStaff(s) }

func validStaff(s string) bool { return len(s) >= 1 && len(s) <= 64 && idChars(s, true) }

// checkText accepts free text (author, reason): 1 to 1000 bytes of UTF-8
// without control characters, which would break CSV reports and log lines.
func checkText(field, s string) error {
	if s == "" {
		return newError(ErrInvalid, field, "empty")
	}
	if len(s) > maxTextLen {
		return newError(ErrInvalid, field, itoa(len(s))+" bytes (at most 1000)")
	}
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return newError(ErrInvalid, field, "invalid UTF-8 at byte "+itoa(i))
			}
		}
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			return newError(ErrInvalid, field, "control character "+strconv.QuoteRune(r)+" at byte "+itoa(i))
		}
	}
	return nil
}

// FormatTapID writes the tap id {gateway}:{boot}:{seq} with seq padded to six
// digits, as the gateway persists boot and seq.
func FormatTapID(gateway string, boot, seq uint64) string {
	b := make([]byte, 0, len(gateway)+24)
	b = append(b, gateway...)
	b = append(b, ':')
	b = strconv.AppendUint(b, boot, 10)
	b = append(b, ':')
	var digits [20]byte
	d := strconv.AppendUint(digits[:0], seq, 10)
	for n := len(d); n < 6; n++ {
		b = append(b, '0')
	}
	return string(append(b, d...))
}

// ParseTapID splits a tap id {gateway}:{boot}:{seq}: gateway a valid name,
// boot and seq decimal numbers of 1 to 20 digits that fit in a uint64.
func ParseTapID(id string) (gateway string, boot, seq uint64, err error) {
	i := strings.IndexByte(id, ':')
	j := -1
	if i >= 0 {
		j = strings.IndexByte(id[i+1:], ':')
	}
	if i < 0 || j < 0 {
		return "", 0, 0, newError(ErrID, "id", quote(id)+": want {gateway}:{boot}:{seq}")
	}
	j += i + 1
	gateway = id[:i]
	if !ValidName(gateway) {
		return "", 0, 0, newError(ErrID, "id", quote(id)+": gateway part "+quote(gateway)+
			" is not 1 to 40 of [a-z0-9-]")
	}
	boot, ok1 := decimal(id[i+1 : j])
	seq, ok2 := decimal(id[j+1:])
	if !ok1 || !ok2 {
		return "", 0, 0, newError(ErrID, "id", quote(id)+": boot and seq must be decimal numbers below 2^64")
	}
	return gateway, boot, seq, nil
}

// tapIDGateway returns the part of a tap id before its first colon.
func tapIDGateway(id string) string {
	if i := strings.IndexByte(id, ':'); i >= 0 {
		return id[:i]
	}
	return id
}

// decimal reads 1 to 20 decimal digits (no sign) that fit in a uint64.
func decimal(s string) (uint64, bool) {
	if len(s) > 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// ValidAdjustmentID reports whether s is an adjustment id: "adj-" and 1 to 60
// of [a-z0-9-], e.g. adj-000123 or adj-2026-0603-0001.
func ValidAdjustmentID(s string) bool {
	return len(s) >= 5 && len(s) <= 64 && s[:4] == "adj-" && idChars(s[4:], false)
}

// WorkMinute returns the minute of the work date a missing_punch time "HH:MM"
// stands for, counted from 00:00 of the work date: hours 00–03 are the next
// calendar morning, so "01:30" is 1530 and "07:40" is 460.
func WorkMinute(hhmm string) (int, error) {
	if len(hhmm) != 5 || hhmm[2] != ':' || !isDigit(hhmm[0]) || !isDigit(hhmm[1]) ||
		!isDigit(hhmm[3]) || !isDigit(hhmm[4]) {
		return 0, newError(ErrInvalid, "time", quote(hhmm)+": want HH:MM")
	}
	h := int(hhmm[0]-'0')*10 + int(hhmm[1]-'0')
	m := int(hhmm[3]-'0')*10 + int(hhmm[4]-'0')
	if h > 23 || m > 59 {
		return 0, newError(ErrInvalid, "time", quote(hhmm)+": not a time of day")
	}
	if h < 4 {
		h += 24
	}
	return h*60 + m, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func quote(s string) string { return strconv.Quote(s) }

func itoa(n int) string { return strconv.Itoa(n) }
