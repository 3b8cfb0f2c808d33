package rcs620s

import (
	"bytes"
	"testing"

	"timeclock/internal/reader/frame"
	"timeclock/internal/reader/readertest"
)

// The tests the RC-S620S shares with the PN532 (READERS.md's vectors, the
// host session) run over both chips in package frame's chips_test.go.

// TestDeviceThru checks CommunicateThruEX: the card answers only with the
// RF field on, Polling with its IDm and PMm, Request Response when it is
// addressed by its IDm.
func TestDeviceThru(t *testing.T) {
	idm := readertest.Unhex(t, "01 2E 4C D2 3A 1B 5C 6D")
	thru := func(cmd ...byte) []byte { // TOlo TOhi (1000 × 0.5 ms) N+1 cmd…
		return frame.Command(CmdCommunicateThruEX, append([]byte{0xE8, 0x03, byte(len(cmd) + 1)}, cmd...)...).Bytes()
	}
	answer := func(body ...byte) []byte {
		return append(frame.Frame{Kind: frame.ACK}.Bytes(), frame.Response(CmdCommunicateThruEX, body...).Bytes()...)
	}
	polling := []byte{0x00, 0xFF, 0xFF, 0x00, 0x00}
	steps := []struct {
		name      string
		rf        byte // RF field: 1 on
		host, out []byte
	}{
		{"Polling, RF off", 0, thru(polling...), answer(thruTimeout)},
		{"Polling", 1, thru(polling...),
			answer(append(append([]byte{0x00, 0x12, 0x01}, idm...), frame.PMm...)...)},
		{"Request Response", 1, thru(append([]byte{0x04}, idm...)...),
			answer(append(append([]byte{0x00, 0x0B, 0x05}, idm...), 0x00)...)},
		{"Request Response to another card", 1, thru(0x04, 1, 2, 3, 4, 5, 6, 7, 8), answer(thruTimeout)},
		{"length byte off", 1, frame.Command(CmdCommunicateThruEX, 0xE8, 0x03, 0x07, 0x00).Bytes(),
			append(frame.Frame{Kind: frame.ACK}.Bytes(), frame.Frame{Kind: frame.Error}.Bytes()...)},
	}
	d := NewDevice()
	if _, err := d.Present("felica:012e4cd23a1b5c6d"); err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		d.Input(frame.Command(frame.CmdRFConfiguration, frame.RFItemField, s.rf).Bytes())
		if got := d.Input(s.host); !bytes.Equal(got, s.out) {
			t.Errorf("%s: answered % X, want % X", s.name, got, s.out)
		}
	}
}
