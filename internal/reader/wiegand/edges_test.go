package wiegand

import (
	"errors"
	"testing"
	"time"
)

// edgesOf returns the edges of the bits b, one every interval from t0.
func edgesOf(b Bits, t0 time.Time, interval time.Duration) []Edge {
	es := make([]Edge, b.N)
	for i := range b.N {
		es[i] = Edge{Line: Line(b.Bit(i)), At: t0.Add(time.Duration(i) * interval)}
	}
	return es
}

func TestAssembler(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 7, 40, 0, 0, time.UTC)
	good := edgesOf(W26Card(0xD4, 0x1B81).Encode(), t0, 2*time.Millisecond)
	w34 := edgesOf(Frame{Format: W34, Data: 0x89D41B81}.Encode(), t0, 300*time.Microsecond)
	// insert returns es with e placed before index i.
	insert := func(es []Edge, i int, e Edge) []Edge {
		out := append([]Edge(nil), es[:i]...)
		out = append(out, e)
		return append(out, es[i:]...)
	}
	at := func(es []Edge, i int, d time.Duration) time.Time { return es[i].At.Add(d) }
	tests := []struct {
		name        string
		coincidence time.Duration
		format      Format
		edges       []Edge
		card        string
		reason      error
	}{
		{"W26", 10 * time.Microsecond, 0, good, "wiegand26:d41b81", nil},
		{"W34 at a fast reader's pace", 10 * time.Microsecond, 0, w34, "wiegand34:89d41b81", nil},
		{"stray glitch mid-frame", 10 * time.Microsecond, 0, insert(good, 10, Edge{Line: D1, At: at(good, 9, time.Millisecond)}), "", ErrLength},
		{"both lines at once", 10 * time.Microsecond, 0, insert(good, 4, Edge{Line: 1 - good[3].Line, At: at(good, 3, 2*time.Microsecond)}), "", ErrNoise},
		// The second edge of a coincident pair replaces a bit of a frame cut
		// short by one: the length is right, only the timing tells.
		{"both lines at once, right length", 10 * time.Microsecond, 0,
			insert(good[:25], 4, Edge{Line: 1 - good[3].Line, At: at(good, 3, 0)}), "", ErrNoise},
		{"coincidence check off", 0, 0,
			insert(good[:25], 4, Edge{Line: 1 - good[3].Line, At: at(good, 3, 0)}), "", ErrParity},
		{"same line twice quickly is no coincidence", 10 * time.Microsecond, 0,
			insert(good[:25], 4, Edge{Line: good[3].Line, At: at(good, 3, time.Microsecond)}), "", ErrParity},
		{"edges just outside the window", 10 * time.Microsecond, 0,
			edgesOf(mustBits(t, "1 110101000001101110000001 0"), t0, 10*time.Microsecond), "wiegand26:d41b81", nil},
		{"cut short", 10 * time.Microsecond, 0, good[:20], "", ErrLength},
		{"single glitch", 10 * time.Microsecond, 0, good[:1], "", ErrLength},
		{"W26 on a W26 reader", 0, W26, good, "wiegand26:d41b81", nil},
		{"W34 on a W34 reader", 0, W34, w34, "wiegand34:89d41b81", nil},
		{"W34 on a W26 reader", 0, W26, w34, "", ErrLength},
		{"W26 on a W34 reader", 0, W34, good, "", ErrLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := assembler{coincidence: tt.coincidence, format: tt.format}
			if a.pending() {
				t.Fatal("pending before any edge")
			}
			for _, e := range tt.edges {
				a.push(e)
			}
			if !a.pending() {
				t.Fatal("not pending after edges")
			}
			f, err := a.end()
			if tt.reason != nil {
				if !errors.Is(err, tt.reason) {
					t.Fatalf("end = %v, %v; want %v", f, err, tt.reason)
				}
			} else if err != nil || f.Card() != tt.card {
				t.Fatalf("end = %v, %v; want %s", f, err, tt.card)
			}
			if a.pending() {
				t.Error("still pending after end")
			}
			// The assembler starts afresh: a good frame right after decodes.
			a.format = 0
			for _, e := range good {
				a.push(e)
			}
			if f, err := a.end(); err != nil || f.Card() != "wiegand26:d41b81" {
				t.Errorf("next frame = %v, %v", f, err)
			}
		})
	}
}

func TestParseLines(t *testing.T) {
	tests := []struct {
		in     string
		d0, d1 string
		ok     bool
	}{
		{"GPIO5,GPIO6", "GPIO5", "GPIO6", true},
		{" GPIO5 , GPIO6 ", "GPIO5", "GPIO6", true},
		{"GPIO5", "", "", false},
		{"GPIO5,", "", "", false},
		{",GPIO6", "", "", false},
		{"GPIO5,GPIO5", "", "", false},
		{"GPIO5,GPIO6,GPIO7", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		d0, d1, err := ParseLines(tt.in)
		if (err == nil) != tt.ok || d0 != tt.d0 || d1 != tt.d1 {
			t.Errorf("ParseLines(%q) = %q, %q, %v; want %q, %q, ok=%v", tt.in, d0, d1, err, tt.d0, tt.d1, tt.ok)
		}
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want Format
		ok   bool
	}{
		{"wiegand26", W26, true},
		{"wiegand34", W34, true},
		{"W26", W26, true},
		{"W34", W34, true},
		{"wiegand37", 0, false},
		{"26", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
