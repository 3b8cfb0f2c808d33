// Package frame is the PN53x layer the Sony RC-S620S (a PN533-family chip)
// and the NXP PN532 share (READERS.md), both sides of it: normal and
// extended information frames, ACK, NACK and the error frame; a streaming
// Decoder that resynchronises on garbage; on the host side the Link that
// runs one command exchange with bounded timeouts and retries, and the
// commands both chips' drivers send (configuration, firmware version,
// FeliCa and Type A polls); on the device side the Responder that answers
// like a module does, and the Module that emulates what the chips have in
// common. Packages rcs620s and pn532 add what is their chip's own.
//
// Wire layout of an information frame:
//
//	normal:   00 00 FF LEN LCS TFI data… DCS 00
//	extended: 00 00 FF FF FF LENm LENl LCS TFI data… DCS 00
//
// LEN counts TFI and data, LCS = −LEN, DCS = −Σ(TFI, data). The host sends
// TFI D4 and a command code; the module answers TFI D5 with code+1.
package frame

import (
	"encoding/hex"
	"fmt"
)

// Frame identifiers and fixed bytes.
const (
	TFIHost   byte = 0xD4 // host → module
	TFIModule byte = 0xD5 // module → host
	tfiError  byte = 0x7F // application-level error ("syntax error") frame
)

// Kind tells the frame types apart.
type Kind uint8

// The frame kinds.
const (
	Info  Kind = iota + 1 // information frame: TFI and data
	ACK                   // 00 00 FF 00 FF 00
	NACK                  // 00 00 FF FF 00 00
	Error                 // 00 00 FF 01 FF 7F 81 00
)

func (k Kind) String() string {
	switch k {
	case Info:
		return "info"
	case ACK:
		return "ACK"
	case NACK:
		return "NACK"
	case Error:
		return "error"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Frame is one decoded frame. TFI and Data are set for Info frames only; Data
// excludes the TFI (for a command, Data[0] is the command code).
type Frame struct {
	Kind Kind
	TFI  byte
	Data []byte
}

// Command builds the host's frame for command code cmd with params.
func Command(cmd byte, params ...byte) Frame {
	return Frame{Kind: Info, TFI: TFIHost, Data: append([]byte{cmd}, params...)}
}

// Response builds the module's answer to command cmd (code cmd+1) with body.
func Response(cmd byte, body ...byte) Frame {
	return Frame{Kind: Info, TFI: TFIModule, Data: append([]byte{cmd + 1}, body...)}
}

// MaxData bounds TFI+data of a frame this package writes or accepts. The
// PN532 handles at most 264 bytes; a larger length in a received header is
// noise, and refusing it keeps a garbage length from stalling the decoder.
const MaxData = 300

var (
	ackBytes   = []byte{0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00}
	nackBytes  = []byte{0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00}
	errorBytes = []byte{0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00}
)

// Append writes f in wire form after dst. Info frames up to 254 bytes of
// TFI+data use the normal form, longer ones the extended form. It panics if
// the frame exceeds MaxData: callers build frames from fixed commands.
func (f Frame) Append(dst []byte) []byte {
	switch f.Kind {
	case ACK:
		return append(dst, ackBytes...)
	case NACK:
		return append(dst, nackBytes...)
	case Error:
		return append(dst, errorBytes...)
	case Info:
	default:
		panic("frame: Append of " + f.Kind.String())
	}
	n := 1 + len(f.Data)
	if n > MaxData {
		panic(fmt.Sprintf("frame: %d bytes of TFI+data exceed MaxData", n))
	}
	dst = append(dst, 0x00, 0x00, 0xFF)
	if n <= 254 {
		dst = append(dst, byte(n), -byte(n))
	} else {
		hi, lo := byte(n>>8), byte(n)
		dst = append(dst, 0xFF, 0xFF, hi, lo, -(hi + lo))
	}
	dst = append(dst, f.TFI)
	dst = append(dst, f.Data...)
	return append(dst, dcs(f.TFI, f.Data), 0x00)
}

// Bytes returns f in wire form.
func (f Frame) Bytes() []byte { return f.Append(nil) }

// String shows the kind and, for Info frames, TFI and data in hex.
func (f Frame) String() string {
	if f.Kind != Info {
		return f.Kind.String()
	}
	return fmt.Sprintf("info %02X %s", f.TFI, hex.EncodeToString(f.Data))
}

// dcs is the data checksum: the two's complement of the byte sum.
func dcs(tfi byte, data []byte) byte {
	sum := tfi
	for _, b := range data {
		sum += b
	}
	return -sum
}
