package em4100

import (
	"fmt"
	"time"

	"timeclock/internal/punch"
)

// RepeatInterval is how often the emulated reader sends the frame again
// while the tag stays in the field.
const RepeatInterval = 100 * time.Millisecond

// Device emulates an EM4100 ASCII reader. It ignores what the host sends;
// Present returns the frame for the tag, and Repeat returns it again while
// the tag stays. A Device is not safe for concurrent use.
type Device struct {
	crlf  bool
	frame []byte
	// Frames counts the frames sent.
	Frames int
}

// NewDevice returns a reader with no tag in the field; crlf makes it put
// CR LF before each ETX.
func NewDevice(crlf bool) *Device { return &Device{crlf: crlf} }

// Input ignores the host's bytes: the reader only talks.
func (d *Device) Input([]byte) []byte { return nil }

// Present puts the tag with id card (em4100:{10 hex}) in the field and
// returns its first frame.
func (d *Device) Present(card string) ([]byte, error) {
	c, err := punch.ParseCard(card)
	if err != nil {
		return nil, err
	}
	if c.Tech != punch.TechEM4100 {
		return nil, fmt.Errorf("em4100: card %s: the emulated reader reads EM4100 tags only", card)
	}
	d.frame = Encode([IDLen]byte(c.UID), d.crlf)
	return d.Repeat(), nil
}

// Remove takes the tag out of the field.
func (d *Device) Remove() []byte {
	d.frame = nil
	return nil
}

// Repeat returns the frame of the tag in the field, or nothing.
func (d *Device) Repeat() []byte {
	if d.frame == nil {
		return nil
	}
	d.Frames++
	return d.frame
}

// PowerOn changes nothing: the reader keeps no state but the tag.
func (d *Device) PowerOn() {}
