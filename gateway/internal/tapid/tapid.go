// Package tapid provides the tap ids of FORMATS.md §2, written
// {gateway}:{boot}:{seq}. The boot counter goes up by one each time the
// gateway starts and the sequence counts the taps of one boot, both persisted
// by the spool, so an id is never given twice by the same gateway and the
// aggregator can be idempotent on it.
package tapid

import (
	"errors"
	"math"
	"strconv"

	"timeclock/internal/punch"
)

// ID is one tap id. Boot starts at 1; Seq starts at 1 in each boot.
type ID struct {
	Gateway string
	Boot    uint32
	Seq     uint64
}

// String writes the id in its one canonical spelling (punch.FormatTapID).
func (id ID) String() string { return punch.FormatTapID(id.Gateway, uint64(id.Boot), id.Seq) }

// Less orders ids of one gateway as they were given.
func (id ID) Less(o ID) bool {
	if id.Boot != o.Boot {
		return id.Boot < o.Boot
	}
	return id.Seq < o.Seq
}

// ErrSyntax is returned (wrapped) for a string that is not a canonical tap id.
var ErrSyntax = errors.New("not a tap id")

// Parse reads a tap id in the one spelling String writes. punch.ParseTapID
// accepts any decimal spelling; a gateway matching an answer to its spool must
// not, because ids are compared as strings everywhere: "gw:3:42" and
// "gw:3:000042" do not name the same tap.
func Parse(s string) (ID, error) {
	gw, boot, seq, err := punch.ParseTapID(s)
	if err != nil {
		return ID{}, errors.Join(ErrSyntax, err)
	}
	id := ID{Gateway: gw, Boot: uint32(boot), Seq: seq}
	if boot == 0 || boot > math.MaxUint32 || seq == 0 || id.String() != s {
		return ID{}, errors.Join(ErrSyntax, errors.New(strconv.Quote(s)+
			": boot 1 to 4294967295 without leading zeros, seq from 1 zero-padded to 6 digits"))
	}
	return id, nil
}
