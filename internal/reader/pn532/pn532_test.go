package pn532

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"

	"timeclock/internal/reader"
	"timeclock/internal/reader/frame"
	"timeclock/internal/reader/readertest"
)

func unhex(t testing.TB, s string) []byte { return readertest.Unhex(t, s) }

const (
	ack      = "00 00 FF 00 FF 00 "
	ntag     = "mifare:04a24b723c5e80"
	classic  = "mifare:a1b2c3d4"
	felica   = "felica:012e4cd23a1b5c6d"
	pollA    = "00 00 FF 04 FC D4 4A 01 00 E1 00"
	pollF    = "00 00 FF 09 F7 D4 4A 01 01 00 FF FF 00 00 E2 00"
	noTarget = ack + "00 00 FF 03 FD D5 4B 00 E0 00"
)

// TestDeviceVectors plays READERS.md's PN532 exchanges against the
// emulator, in order, and compares its answers byte for byte.
func TestDeviceVectors(t *testing.T) {
	d := NewDevice()
	steps := []struct {
		name, card, host, want string // card: presented before the step, "-" removes
	}{
		{name: "asleep: a command without wake-up is lost", host: "00 00 FF 03 FD D4 14 01 17 00"},
		{name: "wake-up and SAMConfiguration", host: "55 55 00 00 00 00 00 FF 03 FD D4 14 01 17 00",
			want: ack + "00 00 FF 02 FE D5 15 16 00"},
		{name: "SAMConfiguration with timeout and IRQ", host: frameHex(frame.Command(0x14, 0x01, 0x14, 0x01)),
			want: ack + "00 00 FF 02 FE D5 15 16 00"},
		{name: "firmware", host: "00 00 FF 02 FE D4 02 2A 00", want: ack + "00 00 FF 06 FA D5 03 32 01 06 07 E8 00"},
		{name: "unbounded retries: the poll waits", host: pollA, want: ack},
		{name: "host cancels the poll", host: "00 00 FF 00 FF 00"},
		{name: "bound the retries", host: frameHex(frame.Command(0x32, 0x05, 0xFF, 0x01, 0x01)),
			want: ack + "00 00 FF 02 FE D5 33 F8 00"},
		{name: "Type A poll, no card", host: pollA, want: noTarget},
		{name: "Type A poll, 7-byte UID", card: ntag, host: pollA,
			want: ack + "00 00 FF 0F F1 D5 4B 01 01 00 44 00 07 04 A2 4B 72 3C 5E 80 16 00"},
		{name: "FeliCa poll, Type A card", host: pollF, want: noTarget},
		{name: "Type A poll, 4-byte UID", card: classic, host: pollA,
			want: ack + "00 00 FF 0C F4 D5 4B 01 01 00 04 08 04 A1 B2 C3 D4 E4 00"},
		{name: "FeliCa poll", card: felica, host: pollF,
			want: ack + "00 00 FF 16 EA D5 4B 01 01 12 01 01 2E 4C D2 3A 1B 5C 6D 03 32 42 82 82 47 AA FF F5 00"},
		{name: "InRelease", host: frameHex(frame.Command(0x52, 0x00)), want: ack + "00 00 FF 03 FD D5 53 00 D8 00"},
		{name: "FeliCa poll after removal", card: "-", host: pollF, want: noTarget},
		{name: "unknown command", host: "00 00 FF 02 FE D4 60 CC 00", want: ack + "00 00 FF 01 FF 7F 81 00"},
		{name: "PowerDown", host: frameHex(frame.Command(0x16, 0x20)), want: ack + "00 00 FF 03 FD D5 17 00 14 00"},
		{name: "asleep again", host: "00 00 FF 02 FE D4 02 2A 00"},
	}
	for _, s := range steps {
		switch s.card {
		case "":
		case "-":
			d.Remove()
		default:
			if _, err := d.Present(s.card); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := d.Input(unhex(t, s.host)), unhex(t, s.want); !bytes.Equal(got, want) {
			t.Errorf("%s: answered % X, want % X", s.name, got, want)
		}
	}
	if d.Polls != 6 {
		t.Errorf("Polls = %d, want 6", d.Polls)
	}
}

func frameHex(f frame.Frame) string { return hex.EncodeToString(f.Bytes()) }

func TestDevicePendingPollAnsweredByPresent(t *testing.T) {
	d := NewDevice()
	d.Input(unhex(t, "55 55 00 00 00"))
	if got := d.Input(unhex(t, pollA)); !bytes.Equal(got, unhex(t, ack)) {
		t.Fatalf("poll: % X, want only the ACK", got)
	}
	out, err := d.Present(classic)
	if want := unhex(t, "00 00 FF 0C F4 D5 4B 01 01 00 04 08 04 A1 B2 C3 D4 E4 00"); err != nil || !bytes.Equal(out, want) {
		t.Fatalf("Present: % X, %v; want % X", out, err, want)
	}
	if _, err := d.Present("em4100:67003b51c6"); err == nil {
		t.Error("Present of an EM4100 tag: no error")
	}
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestHostSession runs Init and polls against the emulator and keeps the
// byte stream as a golden recording.
func TestHostSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := NewDevice()
		port := readertest.NewPort(d.Input)
		r := New(port, discard)
		if err := r.Init(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got, want := r.Firmware(), "PN532 firmware 1.6"; got != want {
			t.Errorf("Firmware() = %q, want %q", got, want)
		}
		for _, card := range []string{"", classic, ntag, "mifare:04112233445566778899", felica, ""} {
			if card == "" {
				d.Remove()
			} else {
				d.Present(card)
			}
			got, err := r.Poll(t.Context())
			if err != nil || got != card {
				t.Fatalf("Poll() = %q, %v; want %q", got, err, card)
			}
		}
		readertest.Golden(t, "session.golden", port.Transcript())
	})
}

func TestHostInitAsleepChipNeedsWakeUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := NewDevice()
		// A host that skipped the wake-up would see nothing: prove the
		// device is deaf without it, then that Init gets through.
		if out := d.Input(unhex(t, "00 00 FF 03 FD D4 14 01 17 00")); out != nil {
			t.Fatalf("asleep chip answered % X", out)
		}
		if err := New(readertest.NewPort(d.Input), discard).Init(t.Context()); err != nil {
			t.Fatal(err)
		}
		err := New(readertest.NewPort(nil), discard).Init(t.Context())
		if !errors.Is(err, reader.ErrTimeout) || !strings.Contains(err.Error(), "SAMConfiguration") {
			t.Fatalf("Init on a silent line: %v, want a SAMConfiguration timeout", err)
		}
	})
}

func TestParseTypeATarget(t *testing.T) {
	cases := []struct {
		name, body, uid, err string
	}{
		{"none", "00", "", ""},
		{"4-byte", "01 01 00 04 08 04 A1 B2 C3 D4", "a1b2c3d4", ""},
		{"7-byte", "01 01 00 44 00 07 04 A2 4B 72 3C 5E 80", "04a24b723c5e80", ""},
		{"with ATS", "01 01 00 04 20 04 A1 B2 C3 D4 05 78 80 70 02", "a1b2c3d4", ""},
		{"bad ATS length", "01 01 00 04 20 04 A1 B2 C3 D4 09 78", "", "ATS length 9"},
		{"UID length 5", "01 01 00 04 08 05 A1 B2 C3 D4 E5", "", "UID length 5"},
		{"cut short", "01 01 00 44 00 07 04 A2 4B", "", "cut short"},
		{"NbTg 3", "03 01 00 04 08 04 A1 B2 C3 D4", "", "NbTg"},
		{"empty", "", "", "NbTg"},
	}
	for _, c := range cases {
		uid, err := ParseTypeATarget(unhex(t, c.body))
		if hex.EncodeToString(uid) != c.uid || (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: ParseTypeATarget = %x, %v; want %s, error containing %q", c.name, uid, err, c.uid, c.err)
		}
	}
}

// FuzzParseTypeATarget checks the Type A parser on arbitrary bodies: no
// panic, and a UID only of an allowed length taken from the body.
func FuzzParseTypeATarget(f *testing.F) {
	f.Add(unhex(f, "01 01 00 44 00 07 04 A2 4B 72 3C 5E 80"))
	f.Add(unhex(f, "01 01 00 04 20 04 A1 B2 C3 D4 05 78 80 70 02"))
	f.Add(unhex(f, "02 01 00 04 08 04 A1 B2 C3 D4 02 00 04 08 04 01 02 03 04"))
	f.Fuzz(func(t *testing.T, body []byte) {
		uid, err := ParseTypeATarget(body)
		if err != nil || uid == nil {
			return
		}
		if n := len(uid); n != 4 && n != 7 && n != 10 || !bytes.Contains(body, uid) {
			t.Fatalf("UID % X from % X", uid, body)
		}
	})
}
