package rcs620s

import (
	"bytes"
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
	ack    = "00 00 FF 00 FF 00 "
	card   = "felica:012e4cd23a1b5c6d"
	answer = ack + "00 00 FF 02 FE D5 33 F8 00" // ACK, then D5 33
)

// TestDeviceVectors plays READERS.md's RC-S620S exchanges against the
// emulator, in order, and compares its answers byte for byte.
func TestDeviceVectors(t *testing.T) {
	d := NewDevice()
	steps := []struct {
		name, host, want string
		card             string // presented before the step; "-" removes
	}{
		{name: "reset", host: "00 00 FF 03 FD D4 18 01 13 00", want: ack + "00 00 FF 02 FE D5 19 12 00"},
		{name: "ACK completes the reset", host: "00 00 FF 00 FF 00", want: ""},
		{name: "RF timings", host: "00 00 FF 06 FA D4 32 02 00 00 00 F8 00", want: answer},
		{name: "max retries 0", host: "00 00 FF 06 FA D4 32 05 00 00 00 F5 00", want: answer},
		{name: "extra wait 24 ms", host: "00 00 FF 04 FC D4 32 81 B7 C2 00", want: answer},
		{name: "firmware", host: "00 00 FF 02 FE D4 02 2A 00", want: ack + "00 00 FF 06 FA D5 03 33 01 30 07 BD 00"},
		{name: "poll, no card", host: "00 00 FF 09 F7 D4 4A 01 01 00 FF FF 00 00 E2 00", want: ack + "00 00 FF 03 FD D5 4B 00 E0 00"},
		{name: "poll, card", card: card, host: "00 00 FF 09 F7 D4 4A 01 01 00 FF FF 00 00 E2 00",
			want: ack + "00 00 FF 16 EA D5 4B 01 01 12 01 01 2E 4C D2 3A 1B 5C 6D 03 32 42 82 82 47 AA FF F5 00"},
		{name: "NACK repeats the answer", host: "00 00 FF FF 00 00",
			want: "00 00 FF 16 EA D5 4B 01 01 12 01 01 2E 4C D2 3A 1B 5C 6D 03 32 42 82 82 47 AA FF F5 00"},
		{name: "RF off", host: "00 00 FF 04 FC D4 32 01 00 F9 00", want: answer},
		{name: "thru FeliCa polling, RF off", host: "00 00 FF 0A F6 D4 A0 E8 03 06 00 FF FF 00 00 9D 00",
			want: ack + "00 00 FF 03 FD D5 A1 01 89 00"},
		{name: "unknown command", host: "00 00 FF 02 FE D4 60 CC 00", want: ack + "00 00 FF 01 FF 7F 81 00"},
		{name: "corrupt frame is ignored", host: "00 00 FF 02 FE D4 02 2B 00", want: ""},
		{name: "poll after removal", card: "-", host: "00 00 FF 09 F7 D4 4A 01 01 00 FF FF 00 00 E2 00",
			want: ack + "00 00 FF 03 FD D5 4B 00 E0 00"},
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
	if d.Polls != 3 {
		t.Errorf("Polls = %d, want 3", d.Polls)
	}
}

func TestDeviceThruCard(t *testing.T) {
	d := NewDevice()
	d.Present(card)
	d.Input(frame.Command(frame.CmdRFConfiguration, frame.RFItemField, 0x01).Bytes())
	idm := unhex(t, "01 2E 4C D2 3A 1B 5C 6D")
	got := d.Input(frame.Command(frame.CmdCommunicateThruEX, append([]byte{0xE8, 0x03, 0x0A, 0x04}, idm...)...).Bytes())
	want := append(unhex(t, ack), frame.Response(frame.CmdCommunicateThruEX, append(append([]byte{0x00, 0x0B, 0x05}, idm...), 0x00)...).Bytes()...)
	if !bytes.Equal(got, want) {
		t.Errorf("Request Response through CommunicateThruEX: % X, want % X", got, want)
	}
}

func TestDevicePollWaitsWithUnboundedRetries(t *testing.T) {
	d := NewDevice() // retries FF after power-on
	if got := d.Input(unhex(t, "00 00 FF 09 F7 D4 4A 01 01 00 FF FF 00 00 E2 00")); !bytes.Equal(got, unhex(t, ack)) {
		t.Fatalf("poll without a card answered % X, want only the ACK", got)
	}
	out, err := d.Present(card)
	if err != nil || !bytes.HasPrefix(out, unhex(t, "00 00 FF 16 EA D5 4B 01 01 12 01 01 2E")) {
		t.Fatalf("Present answered the waiting poll with % X, %v", out, err)
	}
	if _, err := d.Present("mifare:04a24b72"); err == nil {
		t.Error("Present of a Mifare card: no error")
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
		if got, want := r.Firmware(), "RC-S620S IC 33 firmware 1.30"; got != want {
			t.Errorf("Firmware() = %q, want %q", got, want)
		}
		for _, step := range []struct{ present, want string }{{"", ""}, {card, card}, {card, card}, {"-", ""}} {
			switch step.present {
			case "":
			case "-":
				d.Remove()
			default:
				d.Present(step.present)
			}
			got, err := r.Poll(t.Context())
			if err != nil || got != step.want {
				t.Fatalf("Poll() = %q, %v; want %q", got, err, step.want)
			}
		}
		if err := r.RFOff(t.Context()); err != nil {
			t.Fatal(err)
		}
		readertest.Golden(t, "session.golden", port.Transcript())
	})
}

// TestHostRejects feeds the host poll answers it must refuse.
func TestHostRejects(t *testing.T) {
	idmPMm := "01 2E 4C D2 3A 1B 5C 6D 03 32 42 82 82 47 AA FF"
	cases := []struct{ name, body, want string }{
		{"system code form", "01 01 14 01 " + idmPMm + " 88 B4", "want 01 01 12 01"},
		{"short", "01 01 12 01 01 2E 4C", "POL_RES"},
		{"two targets", "02 01 12 01 " + idmPMm, "want 01 01 12 01"},
		{"wrong response code", "01 01 12 03 " + idmPMm, "want 01 01 12 01"},
		{"truncated", "01 01 12 01 " + idmPMm[:20], "POL_RES"},
	}
	for _, c := range cases {
		synctest.Test(t, func(t *testing.T) {
			resp := frame.NewResponder(fixed{unhex(t, c.body)})
			r := New(readertest.NewPort(resp.Input), discard)
			got, err := r.Poll(t.Context())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: Poll() = %q, %v; want an error containing %q", c.name, got, err, c.want)
			}
		})
	}
}

// fixed answers every command with the same body.
type fixed struct{ body []byte }

func (f fixed) Command(byte, []byte) ([]byte, frame.Status) { return f.body, frame.Answered }
func (f fixed) Cancel()                                     {}

func TestHostInitSilentModule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		err := New(readertest.NewPort(nil), discard).Init(t.Context())
		if !errors.Is(err, reader.ErrTimeout) || !strings.Contains(err.Error(), "reset") {
			t.Fatalf("Init on a silent line: %v, want a reset timeout", err)
		}
	})
}
