package wiegand

import (
	"fmt"

	"timeclock/internal/punch"
)

// Constructors and parsers for the tests of this directory (package wiegand
// and wiegand_test): the gateway builds frames only by decoding edges.

// ParseBits reads a bit string such as "1 110101000001101110000001 0": '0'
// and '1' are bits, spaces and underscores are ignored, at most 64 bits.
func ParseBits(s string) (Bits, error) {
	var b Bits
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '0', '1':
			if b.N == 64 {
				return Bits{}, fmt.Errorf("wiegand: bit string %q is longer than 64 bits", s)
			}
			b = b.Append(uint(c - '0'))
		case ' ', '_':
		default:
			return Bits{}, fmt.Errorf("wiegand: bit string %q: unexpected %q at offset %d", s, c, i)
		}
	}
	return b, nil
}

// ParseFormat reads a format as configuration names it: the card technology
// ("wiegand26", "wiegand34", as in the gateway's reader kinds) or "W26",
// "W34".
func ParseFormat(s string) (Format, error) {
	switch s {
	case punch.TechWiegand26, "W26":
		return W26, nil
	case punch.TechWiegand34, "W34":
		return W34, nil
	}
	return 0, fmt.Errorf("wiegand: format %q: want wiegand26 or wiegand34", s)
}

// W26Card returns the W26 frame of a facility code and card number.
func W26Card(facility uint8, number uint16) Frame {
	return Frame{Format: W26, Data: uint32(facility)<<16 | uint32(number)}
}

// W34Card returns the W34 frame of a 16-bit facility code and card number
// (the common H10306 layout).
func W34Card(facility, number uint16) Frame {
	return Frame{Format: W34, Data: uint32(facility)<<16 | uint32(number)}
}

// ParseCard returns the frame of a wiegand26 or wiegand34 card id, the
// inverse of Frame.Card.
func ParseCard(id string) (Frame, error) {
	c, err := punch.ParseCard(id)
	if err != nil {
		return Frame{}, err
	}
	var f Frame
	switch c.Tech {
	case punch.TechWiegand26:
		f.Format = W26
	case punch.TechWiegand34:
		f.Format = W34
	default:
		return Frame{}, fmt.Errorf("wiegand: card %q is not a Wiegand card", id)
	}
	for _, b := range c.UID { // ParseCard checked the length: 3 or 4 bytes
		f.Data = f.Data<<8 | uint32(b)
	}
	return f, nil
}
