package em4100

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"timeclock/internal/reader/readertest"
)

func unhex(t testing.TB, s string) []byte { return readertest.Unhex(t, s) }

// vector is READERS.md's: tag 67003B51C6, checksum CB.
const vector = "02 36 37 30 30 33 42 35 31 43 36 43 42 03"

var vectorID = [IDLen]byte{0x67, 0x00, 0x3B, 0x51, 0xC6}

func TestEncode(t *testing.T) {
	if got, want := Encode(vectorID, false), unhex(t, vector); !bytes.Equal(got, want) {
		t.Errorf("Encode = % X, want % X", got, want)
	}
	if got, want := Encode(vectorID, true), unhex(t, "02 36 37 30 30 33 42 35 31 43 36 43 42 0D 0A 03"); !bytes.Equal(got, want) {
		t.Errorf("Encode with CR LF = % X, want % X", got, want)
	}
}

func TestDecode(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want []string // decoder events in order, see decodeAll
	}{
		{"vector", unhex(t, vector), []string{"id 67003b51c6"}},
		{"CR LF", Encode(vectorID, true), []string{"id 67003b51c6"}},
		{"lower case", []byte("\x0267003b51c6cb\x03"), []string{"id 67003b51c6"}},
		{"noise first", append([]byte("\x13\x37\xFF"), unhex(t, vector)...), []string{"id 67003b51c6"}},
		{"bad checksum", []byte("\x0267003B51C6CC\x03"), []string{"dropped: checksum CC, want CB"}},
		{"bad end", []byte("\x0267003B51C6CB\x04"), []string{"dropped: end byte 04, want ETX 03"}},
		{"CR without LF", []byte("\x0267003B51C6CB\r\r\x03"), []string{"dropped: byte 14 is 0D after CR, want LF"}},
		{"not hex", []byte("\x0267003G51C6CB\x03"), []string{"dropped: byte 6 is 47, want an ASCII hex digit"}},
		{"cut by a new frame", append([]byte("\x026700"), unhex(t, vector)...),
			[]string{"dropped: byte 5 is 02, want an ASCII hex digit", "id 67003b51c6"}},
	}
	for _, c := range cases {
		if got := decodeAll(c.in, len(c.in)); strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s: decoded %q, want %q", c.name, got, c.want)
		}
	}
}

// decodeAll decodes in, written in two parts cut at cut, and returns what
// the decoder did in order: "id {hex}" for a tag, "dropped: {reason}" for
// a corrupt frame.
func decodeAll(in []byte, cut int) []string {
	var d Decoder
	var events []string
	for _, part := range [][]byte{in[:cut], in[cut:]} {
		d.Write(part)
		for {
			id, ok, err := d.Next()
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					panic(err)
				}
				events = append(events, "dropped: "+strings.TrimPrefix(err.Error(), ErrCorrupt.Error()+": "))
				continue
			}
			if !ok {
				break
			}
			events = append(events, "id "+hex.EncodeToString(id[:]))
		}
	}
	return events
}

// TestRecordedStream decodes a recorded stream (two readers' styles, line
// noise, a frame cut off by power loss) cut at every place, and compares
// the result with the golden listing.
func TestRecordedStream(t *testing.T) {
	text, err := os.ReadFile("testdata/stream.hex")
	if err != nil {
		t.Fatal(err)
	}
	var clean strings.Builder
	for line := range strings.Lines(string(text)) {
		line, _, _ = strings.Cut(line, "#")
		clean.WriteString(line)
	}
	in := unhex(t, strings.Join(strings.Fields(clean.String()), ""))
	events := decodeAll(in, len(in))
	readertest.Golden(t, "stream.golden", strings.Join(events, "\n")+"\n")
	for cut := range len(in) {
		if got := decodeAll(in, cut); strings.Join(got, "|") != strings.Join(events, "|") {
			t.Fatalf("cut at %d: %q, want %q", cut, got, events)
		}
	}
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestHostPoll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := NewDevice(true)
		port := readertest.NewPort(d.Input)
		r := New(port, discard)
		port.Feed([]byte("stale\x02"))
		if err := r.Init(t.Context()); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if card, err := r.Poll(t.Context()); card != "" || err != nil || time.Since(start) != DefaultWindow {
			t.Fatalf("Poll on a quiet line = %q, %v after %v; want nothing after one window", card, err, time.Since(start))
		}
		out, err := d.Present("em4100:67003b51c6")
		if err != nil {
			t.Fatal(err)
		}
		port.Feed(out[:5])
		port.Feed(out[5:])
		port.Feed(d.Repeat())
		for range 2 {
			if card, err := r.Poll(t.Context()); card != "em4100:67003b51c6" || err != nil {
				t.Fatalf("Poll = %q, %v; want the tag", card, err)
			}
		}
		port.Feed([]byte("\x0267003B51C6CC\x03 noise"))
		if card, err := r.Poll(t.Context()); card != "" || !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Poll on noise = %q, %v; want ErrCorrupt", card, err)
		}
		readertest.Golden(t, "session.golden", port.Transcript())
	})
}

func TestDevice(t *testing.T) {
	d := NewDevice(false)
	if out := d.Repeat(); out != nil {
		t.Fatalf("Repeat with no tag = % X", out)
	}
	out, err := d.Present("em4100:67003b51c6")
	if err != nil || !bytes.Equal(out, unhex(t, vector)) || !bytes.Equal(d.Repeat(), out) || d.Frames != 2 {
		t.Fatalf("Present = % X, %v; Frames %d", out, err, d.Frames)
	}
	d.Remove()
	if out := d.Repeat(); out != nil {
		t.Fatalf("Repeat after Remove = % X", out)
	}
	if _, err := d.Present("felica:012e4cd23a1b5c6d"); err == nil {
		t.Error("Present of a FeliCa card: no error")
	}
}

// FuzzDecoder checks the decoder on arbitrary bytes: no panic, every id is
// in the input as a frame, and cutting the input anywhere changes nothing.
func FuzzDecoder(f *testing.F) {
	f.Add(unhex(f, vector), uint8(4))
	f.Add(Encode(vectorID, true), uint8(13))
	f.Add([]byte("\x02\x0267003b51c6cb\r\n\x03\x02"), uint8(1))
	f.Fuzz(func(t *testing.T, in []byte, cut uint8) {
		events := decodeAll(in, len(in))
		if split := decodeAll(in, int(cut)%(len(in)+1)); strings.Join(events, "|") != strings.Join(split, "|") {
			t.Fatalf("one write: %q; two: %q", events, split)
		}
		upper := bytes.ToUpper(in)
		for _, e := range events {
			id, ok := strings.CutPrefix(e, "id ")
			if !ok {
				continue
			}
			raw := [IDLen]byte(unhex(t, id))
			if !bytes.Contains(upper, Encode(raw, false)) && !bytes.Contains(upper, Encode(raw, true)) {
				t.Fatalf("id %s is not framed in the input", id)
			}
		}
	})
}
