package frame

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"timeclock/internal/reader/readertest"
)

// unhex reads space-separated hex as written in READERS.md.
func unhex(t testing.TB, s string) []byte { return readertest.Unhex(t, s) }

// vectors are the frames READERS.md spells out byte by byte.
var vectors = []struct {
	name string
	f    Frame
	wire string
}{
	{"ACK", Frame{Kind: ACK}, "00 00 FF 00 FF 00"},
	{"NACK", Frame{Kind: NACK}, "00 00 FF FF 00 00"},
	{"error frame", Frame{Kind: Error}, "00 00 FF 01 FF 7F 81 00"},
	{"RC-S620S reset", Command(0x18, 0x01), "00 00 FF 03 FD D4 18 01 13 00"},
	{"RC-S620S reset response", Response(0x18), "00 00 FF 02 FE D5 19 12 00"},
	{"RF timings", Command(0x32, 0x02, 0x00, 0x00, 0x00), "00 00 FF 06 FA D4 32 02 00 00 00 F8 00"},
	{"max retries 0", Command(0x32, 0x05, 0x00, 0x00, 0x00), "00 00 FF 06 FA D4 32 05 00 00 00 F5 00"},
	{"extra wait 24 ms", Command(0x32, 0x81, 0xB7), "00 00 FF 04 FC D4 32 81 B7 C2 00"},
	{"FeliCa poll", Command(0x4A, 0x01, 0x01, 0x00, 0xFF, 0xFF, 0x00, 0x00), "00 00 FF 09 F7 D4 4A 01 01 00 FF FF 00 00 E2 00"},
	{"no card", Response(0x4A, 0x00), "00 00 FF 03 FD D5 4B 00 E0 00"},
	{"RF off", Command(0x32, 0x01, 0x00), "00 00 FF 04 FC D4 32 01 00 F9 00"},
	{"FeliCa card", Response(0x4A, 0x01, 0x01, 0x12, 0x01,
		0x01, 0x2E, 0x4C, 0xD2, 0x3A, 0x1B, 0x5C, 0x6D, 0x03, 0x32, 0x42, 0x82, 0x82, 0x47, 0xAA, 0xFF),
		"00 00 FF 16 EA D5 4B 01 01 12 01 01 2E 4C D2 3A 1B 5C 6D 03 32 42 82 82 47 AA FF F5 00"},
	{"PN532 SAMConfiguration", Command(0x14, 0x01), "00 00 FF 03 FD D4 14 01 17 00"},
	{"PN532 SAMConfiguration response", Response(0x14), "00 00 FF 02 FE D5 15 16 00"},
	{"PN532 ISO14443A poll", Command(0x4A, 0x01, 0x00), "00 00 FF 04 FC D4 4A 01 00 E1 00"},
	{"PN532 7-byte UID", Response(0x4A, 0x01, 0x01, 0x00, 0x44, 0x00, 0x07, 0x04, 0xA2, 0x4B, 0x72, 0x3C, 0x5E, 0x80),
		"00 00 FF 0F F1 D5 4B 01 01 00 44 00 07 04 A2 4B 72 3C 5E 80 16 00"},
}

func TestAppendVectors(t *testing.T) {
	for _, v := range vectors {
		if got, want := v.f.Bytes(), unhex(t, v.wire); !bytes.Equal(got, want) {
			t.Errorf("%s: Bytes() = % X, want % X", v.name, got, want)
		}
	}
}

func TestDecodeVectors(t *testing.T) {
	for _, v := range vectors {
		var d Decoder
		d.Write(unhex(t, v.wire))
		f, ok, err := d.Next()
		if !ok || err != nil {
			t.Fatalf("%s: Next() = %v, %v, %v", v.name, f, ok, err)
		}
		if f.Kind != v.f.Kind || f.TFI != v.f.TFI || !bytes.Equal(f.Data, v.f.Data) {
			t.Errorf("%s: decoded %v, want %v", v.name, f, v.f)
		}
		if f, ok, err := d.Next(); ok || err != nil || d.Discarded() != 0 {
			t.Errorf("%s: then Next() = %v, %v, %v with %d bytes discarded; want nothing", v.name, f, ok, err, d.Discarded())
		}
	}
}

func TestExtendedFrame(t *testing.T) {
	data := bytes.Repeat([]byte{0xA5}, 280)
	f := Frame{Kind: Info, TFI: TFIModule, Data: data}
	wire := f.Bytes()
	n := 1 + len(data)
	if want := []byte{0x00, 0x00, 0xFF, 0xFF, 0xFF, byte(n >> 8), byte(n), -byte(n>>8) - byte(n)}; !bytes.HasPrefix(wire, want) {
		t.Fatalf("extended header % X, want % X", wire[:8], want)
	}
	var d Decoder
	d.Write(wire)
	got, ok, err := d.Next()
	if !ok || err != nil || !bytes.Equal(got.Data, data) {
		t.Fatalf("Next() = %v, %v, %v", got, ok, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name, wire, field string
	}{
		{"bad LCS", "00 00 FF 03 FC D5 4B 00 E0 00", "LCS FC"},
		{"bad DCS", "00 00 FF 03 FD D5 4B 00 E1 00", "DCS E1"},
		{"zero length", "00 00 FF 00 00 00", "LEN 0"},
		{"bad extended LCS", "00 00 FF FF FF 00 03 00 D5 4B 00 E0 00", "extended LCS 00"},
		{"overlong", "00 00 FF FF FF 10 00 F0", "LEN 4096"},
	}
	for _, c := range cases {
		var d Decoder
		d.Write(unhex(t, c.wire))
		_, ok, err := d.Next()
		if ok || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: Next() = %v, %v; want ErrCorrupt naming %q", c.name, ok, err, c.field)
		}
	}
}

// TestResync feeds frames hidden in noise, cut into every possible pair of
// writes, and expects the same frames every time.
func TestResync(t *testing.T) {
	stream := unhex(t, "55 55 00 00 00 13 FF "+ // wake-up bytes and noise
		"00 00 FF 00 FF 00 "+ // ACK
		"00 00 FF 03 FD D5 4B 00 E1 00 "+ // corrupt (DCS)
		"13 FF 37 00 00 FF 02 FE D5 33 F8 00 "+ // noise, then D5 33
		"00 00 FF 03 FD D5 4B 00 E0 "+ // no postamble…
		"00 00 FF 00 FF 00") // …before an ACK
	want := []string{"ACK", "info D5 33", "info D5 4b00", "ACK"}
	for cut := 0; cut <= len(stream); cut++ {
		frames, corrupt := decodeAll(stream, cut)
		var got []string
		for _, f := range frames {
			got = append(got, f.String())
		}
		if strings.Join(got, "|") != strings.Join(want, "|") || corrupt != 1 {
			t.Fatalf("cut at %d: frames %q, %d corrupt; want %q, 1 corrupt", cut, got, corrupt, want)
		}
	}
}

func TestDecoderKeepsNoGarbage(t *testing.T) {
	var d Decoder
	noise := bytes.Repeat([]byte{0x13, 0x37, 0x00}, 1000)
	d.Write(noise)
	if _, ok, err := d.Next(); ok || err != nil {
		t.Fatalf("Next() on noise = %v, %v", ok, err)
	}
	if d.Buffered() > 2 {
		t.Errorf("kept %d bytes of noise, want at most 2", d.Buffered())
	}
	if d.Discarded() < len(noise)-2 {
		t.Errorf("Discarded() = %d, want ≥ %d", d.Discarded(), len(noise)-2)
	}
}
