package frame

import (
	"bytes"
	"fmt"
)

// Command codes of the PN53x command set, which the RC-S620S (an RC-S956
// inside) shares with the PN532. Each chip's package adds its own.
const (
	CmdGetFirmwareVersion  byte = 0x02
	CmdReadRegister        byte = 0x06
	CmdWriteRegister       byte = 0x08
	CmdRFConfiguration     byte = 0x32
	CmdInDeselect          byte = 0x44
	CmdInListPassiveTarget byte = 0x4A
	CmdInRelease           byte = 0x52
)

// Baud rate and modulation types of InListPassiveTarget.
const (
	BrTy106A  byte = 0x00 // ISO/IEC 14443 Type A, 106 kbps
	BrTy212F  byte = 0x01 // FeliCa, 212 kbps
	BrTy424F  byte = 0x02 // FeliCa, 424 kbps
	feliCaPol byte = 0x01 // response code of the FeliCa Polling command
)

// RFConfiguration items both chips take.
const (
	RFItemField   byte = 0x01 // RF field on/off
	RFItemTimings byte = 0x02 // various timings
	RFItemRetries byte = 0x05 // MxRtyATR, MxRtyPSL, MxRtyPassiveActivation
)

// feliCaPoll is the InListPassiveTarget parameter block that polls one
// FeliCa target at 212 kbps for system code FFFF without request data.
var feliCaPoll = []byte{0x01, BrTy212F, 0x00, 0xFF, 0xFF, 0x00, 0x00}

// feliCaHead starts the answer to feliCaPoll with a card: NbTg 1, Tg 1,
// POL_RES length 12 (no system code: feliCaPoll asks for none), response
// code 01.
var feliCaHead = []byte{0x01, 0x01, 0x12, feliCaPol}

// parseFeliCaTarget reads the body of the answer to feliCaPoll (after the
// response code): feliCaHead, IDm[8], PMm[8]. It returns the IDm, or nil
// when no target answered. As in Sony's reference library, any other form
// is refused, the one with a system code included.
func parseFeliCaTarget(body []byte) ([]byte, error) {
	if len(body) == 1 && body[0] == 0 {
		return nil, nil
	}
	if len(body) != len(feliCaHead)+16 || !bytes.HasPrefix(body, feliCaHead) {
		return nil, fmt.Errorf("InListPassiveTarget FeliCa response % X: want 00, or 01 01 12 01 and IDm, PMm (20 bytes)", body)
	}
	return bytes.Clone(body[4:12]), nil
}

// feliCaTarget builds the response body (after the response code) for one
// emulated FeliCa card with IDm idm and PMm PMm: with rc 01 (system code
// request) a system code is appended and the POL_RES length is 0x14.
func feliCaTarget(idm []byte, rc byte) []byte {
	b := append(bytes.Clone(feliCaHead), idm...)
	b = append(b, PMm...)
	if rc == 0x01 {
		b[2] = 0x14
		b = append(b, 0x88, 0xB4) // the system code of a common FeliCa card
	}
	return b
}

// parseTypeATarget reads the body of an InListPassiveTarget response to a
// 106 kbps Type A poll (after the response code): NbTg, then Tg,
// SENS_RES[2], SEL_RES, UID length, UID [, ATS length, ATS…]. It returns the
// UID of the first target, or nil when none answered.
func parseTypeATarget(body []byte) ([]byte, error) {
	if len(body) == 1 && body[0] == 0 {
		return nil, nil
	}
	if len(body) < 6 || body[0] == 0 || body[0] > 2 {
		return nil, fmt.Errorf("InListPassiveTarget Type A response % X: want NbTg 0, 1 or 2 and a target", body)
	}
	n := int(body[5])
	if n != 4 && n != 7 && n != 10 {
		return nil, fmt.Errorf("InListPassiveTarget Type A UID length %d: want 4, 7 or 10", n)
	}
	end := 6 + n
	if len(body) < end {
		return nil, fmt.Errorf("InListPassiveTarget Type A response of %d bytes: UID of %d cut short", len(body), n)
	}
	if len(body) > end && body[1] == 1 && body[0] == 1 {
		// One target with an ATS: its length byte counts itself.
		if ats := int(body[end]); ats == 0 || len(body) != end+ats {
			return nil, fmt.Errorf("InListPassiveTarget Type A ATS length %d does not fit %d bytes left", ats, len(body)-end)
		}
	}
	return bytes.Clone(body[6:end]), nil
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
