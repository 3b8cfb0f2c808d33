// Package tapid provides the tap ids of FORMATS.md §2, written
// {gateway}:{boot}:{seq}. The boot counter goes up by one each time the
// gateway starts and the sequence counts the taps of one boot, both persisted
// by the spool, so an id is never given twice by the same gateway and the
// aggregator can be idempotent on it.
package tapid

import (
	"errors"
	"strconv"
	"strings"
)

// seqDigits is the minimum width of the sequence: ids of one boot then sort
// as strings for the first million taps, which is what a person reading a log
// expects ("gw-e01-a:3:000042").
const seqDigits = 6

// ID is one tap id. Boot starts at 1; Seq starts at 1 in each boot.
type ID struct {
	Gateway string
	Boot    uint32
	Seq     uint64
}

// String writes the id in its one canonical spelling.
func (id ID) String() string {
	return string(id.Append(make([]byte, 0, len(id.Gateway)+1+10+1+20)))
}

// Append appends the canonical spelling of id to b.
func (id ID) Append(b []byte) []byte {
	b = append(b, id.Gateway...)
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(id.Boot), 10)
	b = append(b, ':')
	var d [20]byte
	s := strconv.AppendUint(d[:0], id.Seq, 10)
	for i := len(s); i < seqDigits; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// Less orders ids of one gateway as they were given.
func (id ID) Less(o ID) bool {
	if id.Boot != o.Boot {
		return id.Boot < o.Boot
	}
	return id.Seq < o.Seq
}

// ErrSyntax is returned (wrapped) for a string that is not a canonical tap id.
var ErrSyntax = errors.New("not a tap id")

// Parse reads a canonical tap id. Only the one spelling String writes is
// accepted, because ids are compared as strings everywhere: "gw:3:42" and
// "gw:3:000042" must not both name a tap.
func Parse(s string) (ID, error) {
	bad := func(why string) (ID, error) {
		return ID{}, errors.Join(ErrSyntax, errors.New(strconv.Quote(s)+": "+why))
	}
	i := strings.IndexByte(s, ':')
	j := strings.LastIndexByte(s, ':')
	if i < 0 || i == j {
		return bad("want {gateway}:{boot}:{seq}")
	}
	gw, boot, seq := s[:i], s[i+1:j], s[j+1:]
	if !ValidName(gw) {
		return bad("gateway must be [a-z0-9-]{1,40}")
	}
	b, err := strconv.ParseUint(boot, 10, 32)
	if err != nil || b == 0 || boot[0] == '0' {
		return bad("boot must be a decimal number from 1, without leading zeros")
	}
	n, err := strconv.ParseUint(seq, 10, 64)
	if err != nil || n == 0 {
		return bad("seq must be a decimal number from 1")
	}
	id := ID{Gateway: gw, Boot: uint32(b), Seq: n}
	if id.String() != s {
		return bad("seq must be zero-padded to at least 6 digits, with no other leading zeros")
	}
	return id, nil
}

// ValidName reports whether s is a board, school or gateway name of
// FORMATS.md §1: lowercase [a-z0-9-]{1,40}.
func ValidName(s string) bool {
	if len(s) == 0 || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}
