package emulator

import (
	"fmt"

	"timeclock/internal/reader"
	"timeclock/internal/reader/em4100"
	"timeclock/internal/reader/pn532"
	"timeclock/internal/reader/rcs620s"
)

// Device is the device side of one reader protocol, as packages rcs620s,
// pn532 and em4100 provide it. Methods return the bytes the module sends in
// reaction, if any.
type Device interface {
	Input(p []byte) []byte
	Present(card string) ([]byte, error)
	Remove() []byte
	PowerOn()
}

// repeater is a reader that sends on its own while a tag is in the field.
type repeater interface{ Repeat() []byte }

// nacker is a module that can be made to NACK commands.
type nacker interface{ NACKNext(n int) }

// newDevice returns a freshly powered device of kind.
func newDevice(kind reader.Kind, crlf bool) (Device, error) {
	switch kind {
	case reader.RCS620S:
		return rcs620s.NewDevice(), nil
	case reader.PN532:
		return pn532.NewDevice(), nil
	case reader.EM4100:
		return em4100.NewDevice(crlf), nil
	}
	return nil, fmt.Errorf("emulator: no device for reader kind %q", kind)
}

// activity is what a device counts: polls answered, or frames sent by a
// reader that pushes.
func activity(d Device) int {
	switch d := d.(type) {
	case *rcs620s.Device:
		return d.Polls
	case *pn532.Device:
		return d.Polls
	case *em4100.Device:
		return d.Frames
	}
	return 0
}
