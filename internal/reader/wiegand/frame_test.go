package wiegand

import (
	"errors"
	"strings"
	"testing"
)

// The vectors of READERS.md.
var vectors = []struct {
	name     string
	bits     string
	frame    Frame
	card     string
	facility uint16
	number   uint16
}{
	{"W26 FC=0xD4 CN=0x1B81", "1 110101000001101110000001 0", W26Card(0xD4, 0x1B81), "wiegand26:d41b81", 0xD4, 0x1B81},
	{"W26 FC=1 CN=1", "1 00000001 0000000000000001 0", W26Card(1, 1), "wiegand26:010001", 1, 1},
	{"W34 0x89D41B81", "1 10001001110101000001101110000001 1", Frame{Format: W34, Data: 0x89D41B81}, "wiegand34:89d41b81", 0x89D4, 0x1B81},
}

func mustBits(t testing.TB, s string) Bits {
	t.Helper()
	b, err := ParseBits(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			f, err := Decode(mustBits(t, v.bits))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if f != v.frame {
				t.Errorf("Decode = %+v, want %+v", f, v.frame)
			}
			if got := f.Card(); got != v.card {
				t.Errorf("Card = %q, want %q", got, v.card)
			}
			if f.Facility() != v.facility || f.Number() != v.number {
				t.Errorf("facility/number = %d/%d, want %d/%d", f.Facility(), f.Number(), v.facility, v.number)
			}
		})
	}
}

func TestEncodeVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			want := mustBits(t, v.bits)
			if got := v.frame.Encode(); got != want {
				t.Errorf("Encode = %s, want %s", got, want)
			}
			f, err := ParseCard(v.card)
			if err != nil || f != v.frame {
				t.Errorf("ParseCard(%q) = %+v, %v; want %+v", v.card, f, err, v.frame)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	w26 := mustBits(t, vectors[0].bits)
	w34 := mustBits(t, vectors[2].bits)
	flip := func(b Bits, i int) Bits { b.V ^= 1 << (b.N - 1 - i); return b }
	tests := []struct {
		name   string
		bits   Bits
		reason error
		detail string
	}{
		{"empty", Bits{}, ErrLength, "got 0 bits"},
		{"one bit", mustBits(t, "1"), ErrLength, "got 1 bits"},
		{"W26 cut short", Bits{V: w26.V >> 1, N: 25}, ErrLength, "got 25 bits"},
		{"W26 plus a bit", w26.Append(1), ErrLength, "got 27 bits"},
		{"W34 cut short", Bits{V: w34.V >> 1, N: 33}, ErrLength, "got 33 bits"},
		{"W34 plus a bit", w34.Append(0), ErrLength, "got 35 bits"},
		{"37 bits", Bits{N: 37}, ErrLength, "got 37 bits"},
		{"64 ones", Bits{V: ^uint64(0), N: 64}, ErrLength, "got 64 bits"},
		{"100 bits", Bits{N: 100}, ErrLength, "got 100 bits"},
		{"W26 even parity bit", flip(w26, 0), ErrParity, "W26 even parity (bit 1 over bits 2–13)"},
		{"W26 facility bit", flip(w26, 5), ErrParity, "W26 even parity"},
		{"W26 last bit of first half", flip(w26, 12), ErrParity, "W26 even parity"},
		{"W26 first bit of second half", flip(w26, 13), ErrParity, "W26 odd parity (bit 26 over bits 14–25)"},
		{"W26 odd parity bit", flip(w26, 25), ErrParity, "W26 odd parity"},
		{"W26 all zeros", Bits{N: 26}, ErrParity, "W26 odd parity"},
		{"W26 all ones", Bits{V: 1<<26 - 1, N: 26}, ErrParity, "W26 even parity"},
		{"W34 even parity bit", flip(w34, 0), ErrParity, "W34 even parity (bit 1 over bits 2–17)"},
		{"W34 bit 17", flip(w34, 16), ErrParity, "W34 even parity"},
		{"W34 bit 18", flip(w34, 17), ErrParity, "W34 odd parity (bit 34 over bits 18–33)"},
		{"W34 odd parity bit", flip(w34, 33), ErrParity, "W34 odd parity"},
		{"W34 all zeros", Bits{N: 34}, ErrParity, "W34 odd parity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Decode(tt.bits)
			if !errors.Is(err, tt.reason) {
				t.Fatalf("Decode(%s) = %+v, %v; want %v", tt.bits, f, err, tt.reason)
			}
			var fe *FrameError
			if !errors.As(err, &fe) || fe.Bits != tt.bits {
				t.Fatalf("error %v is not a *FrameError with the bits", err)
			}
			if !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("error %q does not say %q", err, tt.detail)
			}
		})
	}
}

// Every single-bit error of a good frame breaks one of the parities.
func TestDecodeCatchesEverySingleBitError(t *testing.T) {
	frames := []Frame{W26Card(0, 0), W26Card(0xff, 0xffff), W26Card(0xD4, 0x1B81), W34Card(0, 0),
		W34Card(0xffff, 0xffff), {Format: W34, Data: 0x89D41B81}, {Format: W34, Data: 0x12345678}}
	for _, f := range frames {
		b := f.Encode()
		if got, err := Decode(b); err != nil || got != f {
			t.Fatalf("Decode(Encode(%v)) = %v, %v", f, got, err)
		}
		for i := range b.N {
			bad := b
			bad.V ^= 1 << i
			if got, err := Decode(bad); !errors.Is(err, ErrParity) {
				t.Errorf("%v with bit %d flipped: Decode = %v, %v; want a parity error", f, b.N-i, got, err)
			}
		}
	}
}

func TestFrameHelpers(t *testing.T) {
	tests := []struct {
		frame Frame
		uid   []byte
		str   string
	}{
		{W26Card(0xD4, 0x1B81), []byte{0xd4, 0x1b, 0x81}, "W26 facility 212 number 7041 (wiegand26:d41b81)"},
		{Frame{Format: W26, Data: 0xff000001}, []byte{0, 0, 1}, "W26 facility 0 number 1 (wiegand26:000001)"},
		{W34Card(0xABCD, 0x0102), []byte{0xab, 0xcd, 0x01, 0x02}, "W34 facility 43981 number 258 (wiegand34:abcd0102)"},
		{Frame{Format: 37}, nil, "invalid Wiegand format 37"},
	}
	for _, tt := range tests {
		if got := tt.frame.UID(); string(got) != string(tt.uid) {
			t.Errorf("%+v.UID() = %x, want %x", tt.frame, got, tt.uid)
		}
		if got := tt.frame.String(); got != tt.str {
			t.Errorf("%+v.String() = %q, want %q", tt.frame, got, tt.str)
		}
	}
	if W26.Tech() != "wiegand26" || W34.Tech() != "wiegand34" || Format(0).Tech() != "" {
		t.Errorf("Tech = %q %q %q", W26.Tech(), W34.Tech(), Format(0).Tech())
	}
}

func TestEncodePanicsOnInvalidFormat(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Encode of an invalid format did not panic")
		}
	}()
	Frame{Format: 30}.Encode()
}

func TestParseBits(t *testing.T) {
	tests := []struct {
		in      string
		want    Bits
		wantErr string
	}{
		{"", Bits{}, ""},
		{"1", Bits{V: 1, N: 1}, ""},
		{"0 1_10", Bits{V: 0b0110, N: 4}, ""},
		{strings.Repeat("1", 64), Bits{V: ^uint64(0), N: 64}, ""},
		{strings.Repeat("0", 65), Bits{}, "longer than 64 bits"},
		{"10x1", Bits{}, `unexpected 'x' at offset 2`},
	}
	for _, tt := range tests {
		got, err := ParseBits(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseBits(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseBits(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
		if tt.want.N > 0 && got.String() != strings.NewReplacer(" ", "", "_", "").Replace(tt.in) {
			t.Errorf("String() = %q, not the digits of %q", got.String(), tt.in)
		}
	}
}

func TestBitsBeyond64(t *testing.T) {
	var b Bits
	for i := range 70 {
		b = b.Append(uint(i % 2))
	}
	if b.N != 70 || b.String() != "70 bits" {
		t.Errorf("70 appended bits: N=%d String=%q", b.N, b.String())
	}
	if b.Bit(69) != 1 || b.Bit(68) != 0 {
		t.Errorf("last bits = %d %d, want 0 1", b.Bit(68), b.Bit(69))
	}
	defer func() {
		if recover() == nil {
			t.Error("Bit of a bit no longer held did not panic")
		}
	}()
	b.Bit(5)
}

func TestParseCardRejects(t *testing.T) {
	for _, id := range []string{"felica:0123456789abcdef", "wiegand26:d41b", "wiegand34:D41B8100", "wiegand26", ""} {
		if f, err := ParseCard(id); err == nil {
			t.Errorf("ParseCard(%q) = %+v, want an error", id, f)
		}
	}
}

func TestFrameErrorMessage(t *testing.T) {
	_, err := Decode(mustBits(t, "101"))
	want := "wiegand: frame is not 26 or 34 bits: got 3 bits (bits 101)"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
	long := &FrameError{Err: ErrLength, Detail: "got 80 bits", Bits: Bits{N: 80}}
	if got := long.Error(); got != "wiegand: frame is not 26 or 34 bits: got 80 bits" {
		t.Errorf("long frame error = %q", got)
	}
}
