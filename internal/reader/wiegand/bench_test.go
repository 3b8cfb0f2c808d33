package wiegand

import (
	"testing"
	"time"
)

func BenchmarkDecode(b *testing.B) {
	for _, fr := range []Frame{W26Card(0xD4, 0x1B81), {Format: W34, Data: 0x89D41B81}} {
		bits := fr.Encode()
		b.Run(fr.Format.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(bits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFrame is the whole host-side work of one card: 26 edges through
// the assembler, decoding, and the card id.
func BenchmarkFrame(b *testing.B) {
	edges := edgesOf(W26Card(0xD4, 0x1B81).Encode(), time.Now(), 2*time.Millisecond)
	a := assembler{coincidence: 10 * time.Microsecond}
	b.ReportAllocs()
	for b.Loop() {
		for _, e := range edges {
			a.push(e)
		}
		f, err := a.end()
		if err != nil || f.Card() != "wiegand26:d41b81" {
			b.Fatal(f, err)
		}
	}
}
