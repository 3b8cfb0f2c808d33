package rcs620s

import (
	"bytes"
	"fmt"

	"timeclock/internal/punch"
	"timeclock/internal/reader/frame"
)

// Firmware is what the emulated module reports to GetFirmwareVersion: IC
// 33 (RC-S956), version 1.30, all card types supported.
var Firmware = []byte{0x33, 0x01, 0x30, 0x07}

// PMm is the manufacture parameter the emulated card answers with (the one
// of READERS.md's example).
var PMm = []byte{0x03, 0x32, 0x42, 0x82, 0x82, 0x47, 0xAA, 0xFF}

// FeliCa commands the emulated card answers through CommunicateThruEX.
const (
	feliCaPolling         byte = 0x00
	feliCaRequestResponse byte = 0x04
	thruTimeout           byte = 0x01 // status of CommunicateThruEX: the card did not answer
)

// Device emulates an RC-S620S. Feed it the host's bytes with Input; change
// the card in the field with Present and Remove, whose results are the
// answer of a poll that was waiting for a card, if any. A Device is not safe
// for concurrent use.
type Device struct {
	resp *frame.Responder
	st   state
	// Polls counts the InListPassiveTarget commands answered, with or
	// without a card.
	Polls int
}

// state is what a Reset (or a power cycle) clears, plus the card.
type state struct {
	idm        []byte
	rfOn       bool
	retries    byte // MxRtyPassiveActivation; FF: a poll waits for a card
	resetArmed bool // a Reset was answered; the host's ACK completes it
}

// NewDevice returns a module just powered on, with no card in the field.
func NewDevice() *Device {
	d := &Device{st: state{retries: 0xFF}}
	d.resp = frame.NewResponder(handler{d})
	return d
}

// Input takes bytes from the host and returns the module's answer.
func (d *Device) Input(p []byte) []byte { return d.resp.Input(p) }

// Present puts the FeliCa card with id card (felica:{16 hex}) in the field.
func (d *Device) Present(card string) ([]byte, error) {
	c, err := punch.ParseCard(card)
	if err != nil {
		return nil, err
	}
	if c.Tech != punch.TechFeliCa {
		return nil, fmt.Errorf("rcs620s: card %s: the emulated RC-S620S reads FeliCa cards only", card)
	}
	d.st.idm = c.UID
	return d.resp.Retry(), nil
}

// Remove takes the card out of the field.
func (d *Device) Remove() []byte {
	d.st.idm = nil
	return nil
}

// PowerOn makes the module forget everything but the card, as after the
// reader was unplugged and plugged in again.
func (d *Device) PowerOn() {
	d.resp.Reset()
	d.st = state{idm: d.st.idm, retries: 0xFF}
}

// NACKNext makes the module answer the next n commands with a NACK.
func (d *Device) NACKNext(n int) { d.resp.NACKNext(n) }

// handler is the module's command set.
type handler struct{ d *Device }

func (h handler) Cancel() {
	if h.d.st.resetArmed {
		h.d.st = state{idm: h.d.st.idm, retries: 0xFF}
	}
}

func (h handler) Command(cmd byte, p []byte) ([]byte, frame.Status) {
	st := &h.d.st
	st.resetArmed = false
	switch cmd {
	case frame.CmdGetFirmwareVersion:
		return Firmware, frame.Answered
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
	case frame.CmdReset:
		if len(p) != 1 {
			return nil, frame.Unknown
		}
		st.resetArmed = true
		return nil, frame.Answered
	case frame.CmdRFConfiguration:
		return nil, h.rfConfiguration(p)
	case frame.CmdInListPassiveTarget:
		return h.poll(p)
	case frame.CmdCommunicateThruEX:
		return h.thru(p)
	}
	return nil, frame.Unknown
}

func (h handler) rfConfiguration(p []byte) frame.Status {
	st := &h.d.st
	if len(p) == 0 || rfItemLen(p[0]) != len(p) {
		return frame.Unknown
	}
	switch p[0] {
	case frame.RFItemField:
		st.rfOn = p[1]&1 != 0
	case frame.RFItemRetries:
		st.retries = p[3]
	}
	return frame.Answered
}

// rfItemLen is the parameter length (item included) of an RFConfiguration
// item the module knows, 0 for others.
func rfItemLen(item byte) int {
	switch item {
	case frame.RFItemField, frame.RFItemExtraWait:
		return 2
	case frame.RFItemTimings, frame.RFItemRetries:
		return 4
	}
	return 0
}

// poll answers InListPassiveTarget for FeliCa at 212 or 424 kbps; a Type A
// poll finds nothing, as no Type A card is ever presented.
func (h handler) poll(p []byte) ([]byte, frame.Status) {
	st := &h.d.st
	if len(p) < 2 || p[0] != 1 {
		return nil, frame.Unknown
	}
	feliCa := p[1] == frame.BrTy212F || p[1] == frame.BrTy424F
	if feliCa && len(p) != 7 || p[1] == frame.BrTy106A && len(p) != 2 {
		return nil, frame.Unknown
	}
	st.rfOn = true
	if feliCa && st.idm != nil {
		h.d.Polls++
		sc := [2]byte{0x88, 0xB4} // the system code of a common FeliCa card
		return frame.FeliCaTarget(st.idm, PMm, p[5], sc), frame.Answered
	}
	if st.retries == 0xFF {
		return nil, frame.Pending
	}
	h.d.Polls++
	return []byte{0x00}, frame.Answered
}

// thru answers CommunicateThruEX (TOlo TOhi N+1 command…) for the FeliCa
// Polling and Request Response commands of the card in the field.
func (h handler) thru(p []byte) ([]byte, frame.Status) {
	st := &h.d.st
	if len(p) < 4 || int(p[2]) != len(p)-2 {
		return nil, frame.Unknown
	}
	cmd := p[3:]
	var res []byte
	switch {
	case st.idm == nil || !st.rfOn:
	case cmd[0] == feliCaPolling && len(cmd) == 5:
		res = append(append([]byte{0x01}, st.idm...), PMm...)
	case cmd[0] == feliCaRequestResponse && len(cmd) == 9 && bytes.Equal(cmd[1:], st.idm):
		res = append(append([]byte{0x05}, st.idm...), 0x00)
	}
	if res == nil {
		return []byte{thruTimeout}, frame.Answered
	}
	return append([]byte{0x00, byte(len(res) + 1)}, res...), frame.Answered
}
