package rcs620s

import (
	"bytes"

	"timeclock/internal/reader"
	"timeclock/internal/reader/frame"
)

// Firmware is what the emulated module reports to GetFirmwareVersion: IC
// 33 (RC-S956), version 1.30, all card types supported.
var Firmware = []byte{0x33, 0x01, 0x30, 0x07}

// FeliCa commands the emulated card answers through CommunicateThruEX.
const (
	feliCaPolling         byte = 0x00
	feliCaRequestResponse byte = 0x04
	thruTimeout           byte = 0x01 // status of CommunicateThruEX: the card did not answer
)

// Device emulates an RC-S620S: the Module of the shared commands and the
// module's own. Feed it the host's bytes with Input; change the card in the
// field with Present and Remove. A Device is not safe for concurrent use.
type Device struct{ *frame.Module }

// NewDevice returns a module just powered on, with no card in the field.
func NewDevice() *Device {
	d := &Device{}
	d.Module = frame.NewModule(frame.Chip{Kind: reader.RCS620S, Firmware: Firmware, MaxTg: 1,
		RFItems: map[byte]int{RFItemExtraWait: 2}, Commands: d.command})
	return d
}

// command answers the RC-S620S's own commands.
func (d *Device) command(cmd byte, p []byte) ([]byte, frame.Status) {
	switch cmd {
	case frame.CmdReadRegister:
		if len(p) == 0 || len(p)%2 != 0 {
			return nil, frame.Unknown
		}
		return make([]byte, len(p)/2), frame.Answered
	case frame.CmdWriteRegister:
		if len(p) == 0 || len(p)%3 != 0 {
			return nil, frame.Unknown
		}
		return nil, frame.Answered
	case CmdReset:
		if len(p) != 1 {
			return nil, frame.Unknown
		}
		d.ResetOnACK() // the host's ACK after the answer makes the module reset
		return nil, frame.Answered
	case CmdCommunicateThruEX:
		return d.thru(p)
	}
	return nil, frame.Unknown
}

// thru answers CommunicateThruEX (TOlo TOhi N+1 command…) for the FeliCa
// Polling and Request Response commands of the card in the field.
func (d *Device) thru(p []byte) ([]byte, frame.Status) {
	if len(p) < 4 || int(p[2]) != len(p)-2 {
		return nil, frame.Unknown
	}
	cmd, idm := p[3:], d.Card.UID
	var res []byte
	switch {
	case idm == nil || !d.RFOn:
	case cmd[0] == feliCaPolling && len(cmd) == 5:
		res = append(append([]byte{0x01}, idm...), frame.PMm...)
	case cmd[0] == feliCaRequestResponse && len(cmd) == 9 && bytes.Equal(cmd[1:], idm):
		res = append(append([]byte{0x05}, idm...), 0x00)
	}
	if res == nil {
		return []byte{thruTimeout}, frame.Answered
	}
	return append([]byte{0x00, byte(len(res) + 1)}, res...), frame.Answered
}
