package pn532

import (
	"bytes"

	"timeclock/internal/reader"
	"timeclock/internal/reader/frame"
)

// Firmware is what the emulated chip reports to GetFirmwareVersion: IC 32
// (PN532), version 1.6, ISO 14443A, 14443B and ISO 18092 supported.
var Firmware = []byte{0x32, 0x01, 0x06, 0x07}

// rfItemMaxRtyCOM is the RFConfiguration item of the PN532 alone: it
// bounds retries of InDataExchange and InCommunicateThru.
const rfItemMaxRtyCOM byte = 0x04

// Device emulates a PN532 on its HSU: the Module of the shared commands, a
// chip asleep until the wake-up byte 55, and the PN532's own commands.
// Feed it the host's bytes with Input; change the card in the field with
// Present and Remove. A Device is not safe for concurrent use.
type Device struct {
	*frame.Module
	asleep bool
}

// NewDevice returns a chip just powered on (asleep, retries unbounded) with
// no card in the field.
func NewDevice() *Device {
	d := &Device{asleep: true}
	d.Module = frame.NewModule(frame.Chip{Kind: reader.PN532, Firmware: Firmware, MaxTg: 2,
		RFItems: map[byte]int{rfItemMaxRtyCOM: 2}, Commands: d.command})
	return d
}

// Input takes bytes from the host and returns the chip's answer. Asleep,
// the chip ignores everything up to a wake-up byte 55.
func (d *Device) Input(p []byte) []byte {
	if d.asleep {
		i := bytes.IndexByte(p, 0x55)
		if i < 0 {
			return nil
		}
		d.asleep = false
		p = p[i:]
	}
	return d.Module.Input(p)
}

// PowerOn puts the chip back in its power-on state (asleep, retries
// unbounded), as after the reader was unplugged and plugged in again.
func (d *Device) PowerOn() {
	d.Module.PowerOn()
	d.asleep = true
}

// command answers the PN532's own commands.
func (d *Device) command(cmd byte, p []byte) ([]byte, frame.Status) {
	switch cmd {
	case CmdSAMConfiguration:
		if len(p) < 1 || len(p) > 3 || p[0] < 1 || p[0] > 4 {
			return nil, frame.Unknown
		}
		return nil, frame.Answered
	case frame.CmdInRelease, frame.CmdInDeselect:
		if len(p) != 1 {
			return nil, frame.Unknown
		}
		return []byte{0x00}, frame.Answered
	case CmdPowerDown:
		if len(p) < 1 || len(p) > 2 {
			return nil, frame.Unknown
		}
		d.asleep = true
		return []byte{0x00}, frame.Answered
	}
	return nil, frame.Unknown
}
