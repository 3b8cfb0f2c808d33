package wiegand

import (
	"errors"
	"testing"
	"time"
)

// naiveCheck is an independent oracle for Decode: it counts the ones of each
// half bit by bit, as the format is written down in READERS.md.
func naiveCheck(b Bits) (data uint32, ok bool) {
	if b.N != 26 && b.N != 34 {
		return 0, false
	}
	half := b.N / 2
	ones1, ones2 := 0, 0
	for i := range b.N {
		bit := b.Bit(i)
		if i < half {
			ones1 += int(bit)
		} else {
			ones2 += int(bit)
		}
		if i > 0 && i < b.N-1 {
			data = data<<1 | uint32(bit)
		}
	}
	return data, ones1%2 == 0 && ones2%2 == 1
}

func FuzzDecode(f *testing.F) {
	for _, v := range vectors {
		b, _ := ParseBits(v.bits)
		f.Add(b.V, uint8(b.N))
	}
	f.Add(uint64(0), uint8(0))
	f.Add(^uint64(0), uint8(64))
	f.Add(uint64(0x2aaaaaa), uint8(26))
	f.Fuzz(func(t *testing.T, v uint64, n uint8) {
		b := Bits{V: v, N: int(n) % 65}
		if b.N < 64 {
			b.V &= 1<<b.N - 1
		}
		fr, err := Decode(b)
		data, ok := naiveCheck(b)
		if ok != (err == nil) {
			t.Fatalf("Decode(%s) = %v, %v; oracle says ok=%v", b, fr, err, ok)
		}
		if err != nil {
			var fe *FrameError
			if !errors.As(err, &fe) || fe.Bits != b || err.Error() == "" {
				t.Fatalf("Decode(%s): error %v is not a *FrameError of the input", b, err)
			}
			if !errors.Is(err, ErrLength) && !errors.Is(err, ErrParity) {
				t.Fatalf("Decode(%s): unexpected reason %v", b, err)
			}
			return
		}
		if fr.Data != data || int(fr.Format) != b.N {
			t.Fatalf("Decode(%s) = %+v, oracle data %#x", b, fr, data)
		}
		if got := fr.Encode(); got != b {
			t.Fatalf("Encode(Decode(%s)) = %s", b, got)
		}
		if back, err := ParseCard(fr.Card()); err != nil || back != fr {
			t.Fatalf("ParseCard(%q) = %+v, %v; want %+v", fr.Card(), back, err, fr)
		}
	})
}

// FuzzAssembler feeds arbitrary edge streams: each byte is an edge, its low
// bit the line and the rest the microseconds since the previous edge.
func FuzzAssembler(f *testing.F) {
	t0 := time.Date(2026, 6, 1, 7, 40, 0, 0, time.UTC)
	for _, v := range vectors {
		b, _ := ParseBits(v.bits)
		seed := make([]byte, b.N)
		for i := range b.N {
			seed[i] = byte(200&^1) | byte(b.Bit(i))
		}
		f.Add(seed)
	}
	f.Add([]byte{0, 1, 0, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		a := assembler{coincidence: 10 * time.Microsecond}
		at := t0
		var sent Bits
		coincident := false
		for i, c := range in {
			line := Line(c & 1)
			gap := time.Duration(c>>1) * time.Microsecond
			at = at.Add(gap)
			if i > 0 && line != Line(in[i-1]&1) && gap < 10*time.Microsecond {
				coincident = true
			}
			a.push(Edge{Line: line, At: at})
			sent = sent.Append(uint(line))
		}
		if a.pending() != (len(in) > 0) {
			t.Fatalf("pending = %v after %d edges", a.pending(), len(in))
		}
		fr, err := a.end()
		if coincident {
			if !errors.Is(err, ErrNoise) {
				t.Fatalf("coincident edges: end = %v, %v; want ErrNoise", fr, err)
			}
			return
		}
		want, wantErr := Decode(sent)
		if fr != want || (err == nil) != (wantErr == nil) {
			t.Fatalf("end = %v, %v; Decode of the bits sent = %v, %v", fr, err, want, wantErr)
		}
	})
}
