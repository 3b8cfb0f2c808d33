package punch

import (
	"encoding/hex"
	"strconv"
	"strings"
)

// Card technologies of FORMATS.md §2, the prefix of a card id.
const (
	TechFeliCa    = "felica"    // FeliCa IDm, 8 bytes
	TechMifare    = "mifare"    // ISO 14443A UID, 4, 7 or 10 bytes
	TechEM4100    = "em4100"    // 125 kHz EM4100, 5 bytes (version + tag)
	TechWiegand26 = "wiegand26" // 24 payload bits without parity, 3 bytes
	TechWiegand34 = "wiegand34" // 32 payload bits without parity, 4 bytes
)

// Card is a parsed card id: the technology and the raw UID bytes.
type Card struct {
	Tech string
	UID  []byte
}

// FormatCard writes the card id {tech}:{lowercase hex} of UID b. It does not
// check tech or length: readers produce the right sizes by construction, and
// the aggregator checks every id it receives with ParseCard.
func FormatCard(tech string, b []byte) string {
	buf := make([]byte, len(tech)+1+2*len(b))
	n := copy(buf, tech)
	buf[n] = ':'
	hex.Encode(buf[n+1:], b)
	return string(buf)
}

// String writes c in the canonical form FormatCard makes.
func (c Card) String() string { return FormatCard(c.Tech, c.UID) }

// MarshalText writes the canonical card id.
func (c Card) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText parses a card id with ParseCard.
func (c *Card) UnmarshalText(b []byte) error {
	p, err := ParseCard(string(b))
	if err != nil {
		return err
	}
	*c = p
	return nil
}

// ParseCard reads a card id {tech}:{lowercase hex}, checking the technology
// and the UID length it allows. Upper-case hex is rejected: ids are compared
// as strings everywhere, so one card must have exactly one spelling.
func ParseCard(s string) (Card, error) {
	tech, n, err := checkCard(s)
	if err != nil {
		return Card{}, err
	}
	uid := make([]byte, n)
	hex.Decode(uid, []byte(s[len(tech)+1:])) // checked by checkCard
	return Card{Tech: tech, UID: uid}, nil
}

// Byte lengths each technology allows; package variables so checking a card
// does not allocate.
var (
	lenFeliCa    = []int{8}
	lenMifare    = []int{4, 7, 10}
	lenEM4100    = []int{5}
	lenWiegand26 = []int{3}
	lenWiegand34 = []int{4}
)

// uidLengths lists the byte lengths tech allows, nil for an unknown tech.
func uidLengths(tech string) []int {
	switch tech {
	case TechFeliCa:
		return lenFeliCa
	case TechMifare:
		return lenMifare
	case TechEM4100:
		return lenEM4100
	case TechWiegand26:
		return lenWiegand26
	case TechWiegand34:
		return lenWiegand34
	}
	return nil
}

// checkCard validates s without allocating on success and returns the
// technology (a constant, not a substring of s) and the UID length in bytes.
func checkCard(s string) (string, int, error) {
	i := strings.IndexByte(s, ':')
	if i < 0 {
		return "", 0, newError(ErrCard, "card", strconv.Quote(s)+": want {tech}:{hex}")
	}
	var tech string
	switch s[:i] {
	case TechFeliCa:
		tech = TechFeliCa
	case TechMifare:
		tech = TechMifare
	case TechEM4100:
		tech = TechEM4100
	case TechWiegand26:
		tech = TechWiegand26
	case TechWiegand34:
		tech = TechWiegand34
	default:
		return "", 0, newError(ErrCard, "card", strconv.Quote(s)+": unknown tech "+strconv.Quote(s[:i])+
			" (want felica, mifare, em4100, wiegand26 or wiegand34)")
	}
	h := s[i+1:]
	for j := 0; j < len(h); j++ {
		c := h[j]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", 0, newError(ErrCard, "card", strconv.Quote(s)+": want lowercase hex digits after "+
				strconv.Quote(tech+":"))
		}
	}
	if len(h)%2 != 0 {
		return "", 0, newError(ErrCard, "card", strconv.Quote(s)+": odd number of hex digits")
	}
	n := len(h) / 2
	for _, want := range uidLengths(tech) {
		if n == want {
			return tech, n, nil
		}
	}
	return "", 0, newError(ErrCard, "card", strconv.Quote(s)+": "+tech+" UID of "+strconv.Itoa(n)+
		" bytes (want "+lengthList(uidLengths(tech))+")")
}

func lengthList(ls []int) string {
	var b strings.Builder
	for i, l := range ls {
		if i > 0 {
			if i == len(ls)-1 {
				b.WriteString(" or ")
			} else {
				b.WriteString(", ")
			}
		}
		b.WriteString(strconv.Itoa(l))
	}
	return b.String()
}
