package frame

import (
	"bytes"
	"fmt"
)

// Command codes of the PN53x command set, which the RC-S620S (an RC-S956
// inside) shares with the PN532.
const (
	CmdGetFirmwareVersion  byte = 0x02
	CmdReadRegister        byte = 0x06
	CmdWriteRegister       byte = 0x08
	CmdSAMConfiguration    byte = 0x14 // PN532 only
	CmdPowerDown           byte = 0x16 // PN532 only
	CmdReset               byte = 0x18 // RC-S620S only
	CmdRFConfiguration     byte = 0x32
	CmdInDeselect          byte = 0x44
	CmdInListPassiveTarget byte = 0x4A
	CmdInRelease           byte = 0x52
	CmdCommunicateThruEX   byte = 0xA0 // RC-S620S only
)

// Baud rate and modulation types of InListPassiveTarget.
const (
	BrTy106A  byte = 0x00 // ISO/IEC 14443 Type A, 106 kbps
	BrTy212F  byte = 0x01 // FeliCa, 212 kbps
	BrTy424F  byte = 0x02 // FeliCa, 424 kbps
	feliCaPol byte = 0x01 // response code of the FeliCa Polling command
)

// RFConfiguration items.
const (
	RFItemField     byte = 0x01 // RF field on/off
	RFItemTimings   byte = 0x02 // various timings
	RFItemRetries   byte = 0x05 // MxRtyATR, MxRtyPSL, MxRtyPassiveActivation
	RFItemExtraWait byte = 0x81 // RC-S620S: additional wait time
)

// FeliCaPoll is the InListPassiveTarget parameter block that polls one
// FeliCa target at 212 kbps for system code FFFF without request data.
var FeliCaPoll = []byte{0x01, BrTy212F, 0x00, 0xFF, 0xFF, 0x00, 0x00}

// ParseFeliCaTarget reads the body of an InListPassiveTarget response to a
// FeliCa poll (after the response code): NbTg, then Tg, POL_RES length (0x12,
// or 0x14 with a system code), response code 01, IDm[8], PMm[8] [, SC[2]].
// It returns the IDm, or nil when no target answered.
func ParseFeliCaTarget(body []byte) ([]byte, error) {
	if len(body) == 1 && body[0] == 0 {
		return nil, nil
	}
	if len(body) < 4 || body[0] != 1 {
		return nil, fmt.Errorf("InListPassiveTarget FeliCa response % X: want NbTg 0 or 1", body)
	}
	polLen := int(body[2])
	if (polLen != 0x12 && polLen != 0x14) || len(body) != 2+polLen || body[3] != feliCaPol {
		return nil, fmt.Errorf("InListPassiveTarget FeliCa response body of %d bytes, POL_RES length %02X, code %02X: "+
			"want 20 bytes, 12, 01 (22 bytes and 14 with a system code)", len(body), body[2], body[3])
	}
	return bytes.Clone(body[4:12]), nil
}

// FeliCaTarget builds the response body (after the response code) for one
// FeliCa target: with rc 01 (system code request) the system code sc is
// appended and the POL_RES length is 0x14.
func FeliCaTarget(idm, pmm []byte, rc byte, sc [2]byte) []byte {
	b := []byte{0x01, 0x01, 0x12, feliCaPol}
	b = append(b, idm...)
	b = append(b, pmm...)
	if rc == 0x01 {
		b[2] = 0x14
		b = append(b, sc[:]...)
	}
	return b
}
