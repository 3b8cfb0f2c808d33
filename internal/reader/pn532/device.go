package pn532

import (
	"bytes"
	"fmt"

	"timeclock/internal/punch"
	"timeclock/internal/reader/frame"
)

// Firmware is what the emulated chip reports to GetFirmwareVersion: IC 32
// (PN532), version 1.6, ISO 14443A, 14443B and ISO 18092 supported.
var Firmware = []byte{0x32, 0x01, 0x06, 0x07}

// PMm is the manufacture parameter emulated FeliCa cards answer with.
var PMm = []byte{0x03, 0x32, 0x42, 0x82, 0x82, 0x47, 0xAA, 0xFF}

// rfItemMaxRtyCOM is the RFConfiguration item bounding retries of
// InDataExchange and InCommunicateThru.
const rfItemMaxRtyCOM byte = 0x04

// Device emulates a PN532 on its HSU. Feed it the host's bytes with Input;
// change the card in the field with Present and Remove, whose results are
// the answer of a poll that was waiting for a card, if any. A Device is not
// safe for concurrent use.
type Device struct {
	resp   *frame.Responder
	asleep bool
	card   punch.Card
	// retries is MxRtyPassiveActivation; FF (the default) makes a poll
	// wait for a card.
	retries byte
	// Polls counts the InListPassiveTarget commands answered, with or
	// without a card.
	Polls int
}

// NewDevice returns a chip just powered on (asleep) with no card in the
// field.
func NewDevice() *Device {
	d := &Device{asleep: true, retries: 0xFF}
	d.resp = frame.NewResponder(handler{d})
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
	return d.resp.Input(p)
}

// Present puts the card with id card in the field: mifare:{4, 7 or 10
// bytes} or felica:{8 bytes}.
func (d *Device) Present(card string) ([]byte, error) {
	c, err := punch.ParseCard(card)
	if err != nil {
		return nil, err
	}
	if c.Tech != punch.TechMifare && c.Tech != punch.TechFeliCa {
		return nil, fmt.Errorf("pn532: card %s: the emulated PN532 reads Mifare and FeliCa cards only", card)
	}
	d.card = c
	return d.resp.Retry(), nil
}

// Remove takes the card out of the field.
func (d *Device) Remove() []byte {
	d.card = punch.Card{}
	return nil
}

// PowerOn puts the chip back in its power-on state (asleep, retries
// unbounded), as after the reader was unplugged and plugged in again.
func (d *Device) PowerOn() {
	d.resp.Reset()
	d.asleep, d.retries = true, 0xFF
}

// NACKNext makes the chip answer the next n commands with a NACK.
func (d *Device) NACKNext(n int) { d.resp.NACKNext(n) }

// handler is the chip's command set.
type handler struct{ d *Device }

func (h handler) Cancel() {}

func (h handler) Command(cmd byte, p []byte) ([]byte, frame.Status) {
	switch cmd {
	case frame.CmdGetFirmwareVersion:
		return Firmware, frame.Answered
	case frame.CmdSAMConfiguration:
		if len(p) < 1 || len(p) > 3 || p[0] < 1 || p[0] > 4 {
			return nil, frame.Unknown
		}
		return nil, frame.Answered
	case frame.CmdRFConfiguration:
		return nil, h.rfConfiguration(p)
	case frame.CmdInListPassiveTarget:
		return h.poll(p)
	case frame.CmdInRelease, frame.CmdInDeselect:
		if len(p) != 1 {
			return nil, frame.Unknown
		}
		return []byte{0x00}, frame.Answered
	case frame.CmdPowerDown:
		if len(p) < 1 || len(p) > 2 {
			return nil, frame.Unknown
		}
		h.d.asleep = true
		return []byte{0x00}, frame.Answered
	}
	return nil, frame.Unknown
}

// rfConfiguration takes the items a host sets: RF field, timings, MaxRtyCOM
// and the retries.
func (h handler) rfConfiguration(p []byte) frame.Status {
	if len(p) == 0 || len(p) != rfItemLen(p[0]) {
		return frame.Unknown
	}
	if p[0] == frame.RFItemRetries {
		h.d.retries = p[3]
	}
	return frame.Answered
}

// rfItemLen is the parameter length (item included) of an RFConfiguration
// item the emulation takes, 0 for others.
func rfItemLen(item byte) int {
	switch item {
	case frame.RFItemField, rfItemMaxRtyCOM:
		return 2
	case frame.RFItemTimings, frame.RFItemRetries:
		return 4
	}
	return 0
}

// poll answers InListPassiveTarget for one target at 106 kbps Type A or
// at 212/424 kbps FeliCa.
func (h handler) poll(p []byte) ([]byte, frame.Status) {
	d := h.d
	if len(p) < 2 || p[0] < 1 || p[0] > 2 {
		return nil, frame.Unknown
	}
	var body []byte
	switch brty := p[1]; {
	case brty == frame.BrTy106A && (len(p) == 2 || len(p) == 6 || len(p) == 9 || len(p) == 12):
		if d.card.Tech == punch.TechMifare {
			body = typeATarget(d.card.UID)
		}
	case (brty == frame.BrTy212F || brty == frame.BrTy424F) && len(p) == 7:
		if d.card.Tech == punch.TechFeliCa {
			body = frame.FeliCaTarget(d.card.UID, PMm, p[5], [2]byte{0x88, 0xB4})
		}
	default:
		return nil, frame.Unknown
	}
	if body == nil && d.retries == 0xFF {
		return nil, frame.Pending
	}
	d.Polls++
	if body == nil {
		return []byte{0x00}, frame.Answered
	}
	return body, frame.Answered
}

// typeATarget is one Type A target: SENS_RES tells the UID size (00 04
// single, 00 44 double, 00 84 triple) and SEL_RES 08 a Mifare Classic 1K,
// 00 an Ultralight or NTAG.
func typeATarget(uid []byte) []byte {
	sens, sak := byte(0x04), byte(0x08)
	switch len(uid) {
	case 7:
		sens, sak = 0x44, 0x00
	case 10:
		sens, sak = 0x84, 0x00
	}
	b := []byte{0x01, 0x01, 0x00, sens, sak, byte(len(uid))}
	return append(b, uid...)
}
