package emulator

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"go.bug.st/serial"
	"go.uber.org/goleak"

	"timeclock/internal/reader"
	"timeclock/internal/reader/em4100"
	"timeclock/internal/reader/frame"
	"timeclock/internal/reader/pn532"
	"timeclock/internal/reader/rcs620s"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// host is what the tests need of a driver.
type host interface {
	Init(ctx context.Context) error
	Poll(ctx context.Context) (string, error)
}

func newHost(kind reader.Kind, p reader.Port) host {
	switch kind {
	case reader.RCS620S:
		return rcs620s.New(p, discard)
	case reader.PN532:
		return pn532.New(p, discard)
	}
	return em4100.New(p, discard)
}

func openPort(t *testing.T, path string, kind reader.Kind) serial.Port {
	t.Helper()
	p, err := serial.Open(path, &serial.Mode{BaudRate: kind.Baud()})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// pollFor polls until the host sees want, within a generous bound: the
// bound only keeps a broken test from hanging.
func pollFor(t *testing.T, h host, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		got, err := h.Poll(ctx)
		if err == nil && got == want {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("never polled %q; last %q, %v", want, got, err)
		}
	}
}

var cards = map[reader.Kind][]string{
	reader.RCS620S: {"felica:012e4cd23a1b5c6d", "felica:0101010101010101"},
	reader.PN532:   {"mifare:04a24b723c5e80", "felica:012e4cd23a1b5c6d"},
	reader.EM4100:  {"em4100:67003b51c6", "em4100:0b00123456"},
}

// TestOverPTY drives each emulated reader with its host driver over a real
// pseudo-terminal, through the symlink: cards, garbage, unplug and replug.
func TestOverPTY(t *testing.T) {
	for _, kind := range reader.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			link := filepath.Join(t.TempDir(), "reader")
			var plugged []string
			l, err := Open(Config{Name: "entrance", Kind: kind, Link: link, Logger: discard,
				OnPlug: func(p string) { plugged = append(plugged, p) }})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if target, err := os.Readlink(link); err != nil || target != l.Path() || len(plugged) != 1 || plugged[0] != target {
				t.Fatalf("link %s → %q, %v; path %q; plugged %q", link, target, err, l.Path(), plugged)
			}
			port := openPort(t, link, kind)
			h := newHost(kind, port)
			if err := h.Init(t.Context()); err != nil {
				t.Fatal(err)
			}
			l.Present(cards[kind][0])
			pollFor(t, h, cards[kind][0])
			if err := l.Garbage([]byte{0x00, 0x00, 0xFF, 0x13, 0x02, 0x37}); err != nil {
				t.Fatal(err)
			}
			l.Present(cards[kind][1])
			pollFor(t, h, cards[kind][1])
			l.Remove()
			pollFor(t, h, "")

			old := l.Path()
			if err := l.Unplug(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Lstat(link); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("link after unplug: %v, want it gone", err)
			}
			if _, err := h.Poll(t.Context()); !reader.IsIOError(err) {
				t.Errorf("Poll on an unplugged reader: %v, want an IOError", err)
			}
			if err := l.Replug(); err != nil {
				t.Fatal(err)
			}
			// The kernel may give the new pty the old number; the link is
			// what names it.
			if target, _ := os.Readlink(link); target != l.Path() || len(plugged) != 2 {
				t.Fatalf("after replug the link points to %q, path %q (was %q)", target, l.Path(), old)
			}
			h = newHost(kind, openPort(t, link, kind))
			if err := h.Init(t.Context()); err != nil {
				t.Fatal(err)
			}
			l.Present(cards[kind][0])
			pollFor(t, h, cards[kind][0])
			if st := l.Stats(); !st.Plugged || st.Card != cards[kind][0] || st.Activity == 0 {
				t.Errorf("Stats() = %+v", st)
			}
		})
	}
}

func TestNACKOverPTY(t *testing.T) {
	l, err := Open(Config{Name: "door", Kind: reader.RCS620S, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h := newHost(reader.RCS620S, openPort(t, l.Path(), reader.RCS620S))
	if err := l.NACK(2); err != nil {
		t.Fatal(err)
	}
	if err := h.Init(t.Context()); err != nil {
		t.Fatalf("Init through two NACKs: %v", err)
	}
	em, err := Open(Config{Name: "gate", Kind: reader.EM4100, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	if err := em.NACK(1); err == nil {
		t.Error("NACK on an EM4100 reader: no error")
	}
}

// TestSlowKeepsACKPrompt checks the scheduling of a slow answer: the ACK at
// once, the response after the delay.
func TestSlowKeepsACKPrompt(t *testing.T) {
	l := &Line{dev: rcs620s.NewDevice(), log: discard}
	l.Slow(300 * time.Millisecond)
	s := &session{out: make(chan chunk, 4)}
	l.emit(s, l.dev.Input(frame.Command(frame.CmdGetFirmwareVersion).Bytes()))
	ack, resp := <-s.out, <-s.out
	if !bytes.Equal(ack.b, ackBytes) || !bytes.Equal(resp.b, frame.Response(frame.CmdGetFirmwareVersion, rcs620s.Firmware...).Bytes()) {
		t.Fatalf("queued % X then % X", ack.b, resp.b)
	}
	if d := resp.at.Sub(ack.at); d != 300*time.Millisecond {
		t.Errorf("response scheduled %v after the ACK, want 300ms", d)
	}
}

func TestOpenRefusesToReplaceAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ttyUSB0")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if l, err := Open(Config{Name: "x", Kind: reader.PN532, Link: file}); err == nil {
		l.Close()
		t.Fatal("Open over a regular file: no error")
	}
	if _, err := Open(Config{Name: "x", Kind: "wiegand26"}); err == nil {
		t.Fatal("Open of a non-serial kind: no error")
	}
}

func TestTapRemovesAfterHold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &Line{dev: pn532.NewDevice(), log: discard} // unplugged: no pty needed
		if err := l.Tap("mifare:a1b2c3d4", 300*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		time.Sleep(299 * time.Millisecond)
		if card := l.Stats().Card; card != "mifare:a1b2c3d4" {
			t.Fatalf("card during the hold: %q", card)
		}
		// A new tap replaces the card and cancels the first removal.
		if err := l.Tap("mifare:04a24b723c5e80", 100*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		if card := l.Stats().Card; card != "mifare:04a24b723c5e80" {
			t.Fatalf("card after the first hold ended: %q, want the second", card)
		}
		time.Sleep(50 * time.Millisecond)
		synctest.Wait()
		if card := l.Stats().Card; card != "" {
			t.Fatalf("card after the hold: %q, want none", card)
		}
		if err := l.Tap("em4100:67003b51c6", time.Second); err == nil {
			t.Error("Tap of an EM4100 tag on a PN532: no error")
		}
	})
}
