package frame_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"

	"timeclock/internal/reader"
	"timeclock/internal/reader/frame"
	"timeclock/internal/reader/pn532"
	"timeclock/internal/reader/rcs620s"
	"timeclock/internal/reader/readertest"
)

// The tests of this file run the chips of READERS.md on the frame layer,
// the same tests over each: the device side alone, and the host side against
// the device side.

func unhex(t testing.TB, s string) []byte { return readertest.Unhex(t, s) }

// cmdHex is the host's frame for cmd with params, in hex.
func cmdHex(cmd byte, params ...byte) string {
	return hex.EncodeToString(frame.Command(cmd, params...).Bytes())
}

const (
	ack      = "00 00 FF 00 FF 00 "
	answer   = ack + "00 00 FF 02 FE D5 33 F8 00" // ACK, then D5 33
	noTarget = ack + "00 00 FF 03 FD D5 4B 00 E0 00"
	pollA    = "00 00 FF 04 FC D4 4A 01 00 E1 00"
	pollF    = "00 00 FF 09 F7 D4 4A 01 01 00 FF FF 00 00 E2 00"
	cardF    = "00 00 FF 16 EA D5 4B 01 01 12 01 01 2E 4C D2 3A 1B 5C 6D 03 32 42 82 82 47 AA FF F5 00"
	cardA4   = "00 00 FF 0C F4 D5 4B 01 01 00 04 08 04 A1 B2 C3 D4 E4 00"
	felica   = "felica:012e4cd23a1b5c6d"
	classic  = "mifare:a1b2c3d4"
	ntag     = "mifare:04a24b723c5e80"
)

// device is the device side of a chip as firmware-sim uses it.
type device interface {
	Input(p []byte) []byte
	Present(card string) ([]byte, error)
	Remove() []byte
}

// host is the host side of a chip as the gateway uses it.
type host interface {
	Init(ctx context.Context) error
	Poll(ctx context.Context) (string, error)
	Firmware() string
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// step is one exchange of a device test: card is presented before it ("-"
// removes the card), host is what the host sends, want the device's answer.
type step struct{ name, card, host, want string }

// chip is one chip of the tests and what they expect of it.
type chip struct {
	name      string
	newDevice func() (device, *frame.Module)
	newHost   func(reader.Port) host
	vectors   []step // READERS.md's exchanges, in order
	polls     int    // polls answered after the vectors
	wake      string // what the chip needs before its first command
	poll      string // a poll that finds card, answered with found
	card      string
	found     string
	foreign   string   // a card the chip does not read
	session   []string // the card in the field at each poll of the host session
	finish    func(context.Context, host) error
	firmware  string // Firmware() after Init
	initStep  string // named in the error of Init on a silent line
}

var chips = []chip{
	{
		name: "pn532",
		newDevice: func() (device, *frame.Module) {
			d := pn532.NewDevice()
			return d, d.Module
		},
		newHost: func(p reader.Port) host { return pn532.New(p, discard) },
		vectors: []step{
			{name: "asleep: a command without wake-up is lost", host: "00 00 FF 03 FD D4 14 01 17 00"},
			{name: "wake-up and SAMConfiguration", host: "55 55 00 00 00 00 00 FF 03 FD D4 14 01 17 00",
				want: ack + "00 00 FF 02 FE D5 15 16 00"},
			{name: "SAMConfiguration with timeout and IRQ", host: cmdHex(0x14, 0x01, 0x14, 0x01),
				want: ack + "00 00 FF 02 FE D5 15 16 00"},
			{name: "firmware", host: "00 00 FF 02 FE D4 02 2A 00", want: ack + "00 00 FF 06 FA D5 03 32 01 06 07 E8 00"},
			{name: "unbounded retries: the poll waits", host: pollA, want: ack},
			{name: "host cancels the poll", host: "00 00 FF 00 FF 00"},
			{name: "bound the retries", host: cmdHex(0x32, 0x05, 0xFF, 0x01, 0x01), want: answer},
			{name: "Type A poll, no card", host: pollA, want: noTarget},
			{name: "Type A poll, 7-byte UID", card: ntag, host: pollA,
				want: ack + "00 00 FF 0F F1 D5 4B 01 01 00 44 00 07 04 A2 4B 72 3C 5E 80 16 00"},
			{name: "FeliCa poll, Type A card", host: pollF, want: noTarget},
			{name: "Type A poll, 4-byte UID", card: classic, host: pollA, want: ack + cardA4},
			{name: "FeliCa poll", card: felica, host: pollF, want: ack + cardF},
			{name: "InRelease", host: cmdHex(0x52, 0x00), want: ack + "00 00 FF 03 FD D5 53 00 D8 00"},
			{name: "FeliCa poll after removal", card: "-", host: pollF, want: noTarget},
			{name: "unknown command", host: "00 00 FF 02 FE D4 60 CC 00", want: ack + "00 00 FF 01 FF 7F 81 00"},
			{name: "PowerDown", host: cmdHex(0x16, 0x20), want: ack + "00 00 FF 03 FD D5 17 00 14 00"},
			{name: "asleep again", host: "00 00 FF 02 FE D4 02 2A 00"},
		},
		polls: 6,
		wake:  "55 55 00 00 00", poll: pollA, card: classic, found: cardA4, foreign: "em4100:67003b51c6",
		session:  []string{"", classic, ntag, "mifare:04112233445566778899", felica, ""},
		finish:   func(context.Context, host) error { return nil },
		firmware: "PN532 firmware 1.6", initStep: "pn532 SAMConfiguration: ",
	},
	{
		name: "rcs620s",
		newDevice: func() (device, *frame.Module) {
			d := rcs620s.NewDevice()
			return d, d.Module
		},
		newHost: func(p reader.Port) host { return rcs620s.New(p, discard) },
		vectors: []step{
			{name: "reset", host: "00 00 FF 03 FD D4 18 01 13 00", want: ack + "00 00 FF 02 FE D5 19 12 00"},
			{name: "ACK completes the reset", host: "00 00 FF 00 FF 00"},
			{name: "RF timings", host: "00 00 FF 06 FA D4 32 02 00 00 00 F8 00", want: answer},
			{name: "max retries 0", host: "00 00 FF 06 FA D4 32 05 00 00 00 F5 00", want: answer},
			{name: "extra wait 24 ms", host: "00 00 FF 04 FC D4 32 81 B7 C2 00", want: answer},
			{name: "firmware", host: "00 00 FF 02 FE D4 02 2A 00", want: ack + "00 00 FF 06 FA D5 03 33 01 30 07 BD 00"},
			{name: "poll, no card", host: pollF, want: noTarget},
			{name: "poll, card", card: felica, host: pollF, want: ack + cardF},
			{name: "NACK repeats the answer", host: "00 00 FF FF 00 00", want: cardF},
			{name: "RF off", host: "00 00 FF 04 FC D4 32 01 00 F9 00", want: answer},
			{name: "thru FeliCa polling, RF off", host: "00 00 FF 0A F6 D4 A0 E8 03 06 00 FF FF 00 00 9D 00",
				want: ack + "00 00 FF 03 FD D5 A1 01 89 00"},
			{name: "unknown command", host: "00 00 FF 02 FE D4 60 CC 00", want: ack + "00 00 FF 01 FF 7F 81 00"},
			{name: "corrupt frame is ignored", host: "00 00 FF 02 FE D4 02 2B 00"},
			{name: "poll after removal", card: "-", host: pollF, want: noTarget},
		},
		polls: 3,
		poll:  pollF, card: felica, found: cardF, foreign: "mifare:04a24b72",
		session:  []string{"", felica, felica, ""},
		finish:   func(ctx context.Context, h host) error { return h.(*rcs620s.Reader).RFOff(ctx) },
		firmware: "RC-S620S IC 33 firmware 1.30", initStep: "rcs620s reset: ",
	},
}

// TestDeviceVectors plays each chip's exchanges of READERS.md against its
// emulation and compares the answers byte for byte.
func TestDeviceVectors(t *testing.T) {
	for _, c := range chips {
		t.Run(c.name, func(t *testing.T) {
			d, m := c.newDevice()
			for _, s := range c.vectors {
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
			if m.Polls != c.polls {
				t.Errorf("Polls = %d, want %d", m.Polls, c.polls)
			}
		})
	}
}

// TestDevicePollWaitsForACard checks a poll with the retries of power-on,
// which are unbounded: only the ACK until a card is presented, whose answer
// Present returns. And Present refuses a card the chip does not read.
func TestDevicePollWaitsForACard(t *testing.T) {
	for _, c := range chips {
		t.Run(c.name, func(t *testing.T) {
			d, m := c.newDevice()
			d.Input(unhex(t, c.wake))
			if got := d.Input(unhex(t, c.poll)); !bytes.Equal(got, unhex(t, ack)) {
				t.Fatalf("poll without a card answered % X, want only the ACK", got)
			}
			if out, err := d.Present(c.card); err != nil || !bytes.Equal(out, unhex(t, c.found)) {
				t.Fatalf("Present(%s) answered % X, %v; want % X", c.card, out, err, unhex(t, c.found))
			}
			if out, err := d.Present(c.foreign); err == nil || out != nil || m.Card.String() != c.card {
				t.Errorf("Present(%s) = % X, %v with %s in the field; want an error, %s kept", c.foreign, out, err, m.Card, c.card)
			}
			if m.Polls != 1 {
				t.Errorf("Polls = %d, want 1", m.Polls)
			}
		})
	}
}

// TestHostSession runs Init and polls of each chip's host side against its
// emulation and keeps the byte stream as a golden recording.
func TestHostSession(t *testing.T) {
	for _, c := range chips {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				d, _ := c.newDevice()
				port := readertest.NewPort(d.Input)
				h := c.newHost(port)
				if err := h.Init(t.Context()); err != nil {
					t.Fatal(err)
				}
				if got := h.Firmware(); got != c.firmware {
					t.Errorf("Firmware() = %q, want %q", got, c.firmware)
				}
				for _, card := range c.session {
					if card == "" {
						d.Remove()
					} else if _, err := d.Present(card); err != nil {
						t.Fatal(err)
					}
					if got, err := h.Poll(t.Context()); err != nil || got != card {
						t.Fatalf("Poll() = %q, %v; want %q", got, err, card)
					}
				}
				if err := c.finish(t.Context(), h); err != nil {
					t.Fatal(err)
				}
				readertest.Golden(t, c.name+"-session.golden", port.Transcript())
			})
		})
	}
}

func TestHostInitSilentLine(t *testing.T) {
	for _, c := range chips {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				err := c.newHost(readertest.NewPort(nil)).Init(t.Context())
				if !errors.Is(err, reader.ErrTimeout) || !strings.Contains(err.Error(), c.initStep) {
					t.Fatalf("Init on a silent line: %v, want a timeout of %s", err, c.initStep)
				}
			})
		})
	}
}

// FuzzDevice feeds arbitrary host bytes to each chip's emulation, awake: it
// never panics and answers with well-formed frames only.
func FuzzDevice(f *testing.F) {
	for _, c := range chips {
		for _, s := range c.vectors {
			f.Add(unhex(f, s.host))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, c := range chips {
			d, _ := c.newDevice()
			d.Input(unhex(t, c.wake))
			var dec frame.Decoder
			dec.Write(d.Input(in))
			for {
				_, ok, err := dec.Next()
				if err != nil {
					t.Fatalf("%s: answered a corrupt frame: %v", c.name, err)
				}
				if !ok {
					break
				}
			}
			if dec.Discarded() != 0 || dec.Buffered() > 1 { // a last postamble may stay buffered
				t.Fatalf("%s: answered bytes outside frames: %d discarded, %d left", c.name, dec.Discarded(), dec.Buffered())
			}
		}
	})
}
