package readerloop

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"timeclock/internal/reader"
	"timeclock/internal/reader/emulator"
)

// BenchmarkReadLatency measures the time from a card appearing in an
// emulated reader's field to its decoded id reaching OnRead, over a real
// pseudo-terminal paced at the module's line speed (115200 baud for the
// RC-S620S and PN532, 9600 for EM4100), with the default poll interval.
// Cards are presented at a random phase of the poll cycle; each op is one
// presentation. It reports the median and the 99th percentile in ms; use
// -benchtime=300x or more for a stable p99.
func BenchmarkReadLatency(b *testing.B) {
	pairs := map[reader.Kind][2]string{
		reader.RCS620S: {"felica:012e4cd23a1b5c6d", "felica:0101010101010101"},
		reader.PN532:   {"mifare:04a24b723c5e80", "mifare:a1b2c3d4"},
		reader.EM4100:  {"em4100:67003b51c6", "em4100:0b00123456"},
	}
	for _, kind := range reader.Kinds {
		b.Run(string(kind), func(b *testing.B) {
			lat := benchLatency(b, kind, pairs[kind])
			slices.Sort(lat)
			ms := func(q float64) float64 {
				return float64(lat[int(q*float64(len(lat)-1))]) / float64(time.Millisecond)
			}
			b.ReportMetric(ms(0.5), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
		})
	}
}

func benchLatency(b *testing.B, kind reader.Kind, cards [2]string) []time.Duration {
	link := filepath.Join(b.TempDir(), "reader")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	em, err := emulator.Open(emulator.Config{Name: "bench", Kind: kind, Link: link, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	defer em.Close()
	reads := make(chan time.Time, 1)
	loop, err := New(Config{Name: "bench", Kind: kind, Path: link, Logger: log,
		OnRead: func(Read) { reads <- time.Now() }})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { loop.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	next := func(card string) time.Time {
		if err := em.Present(card); err != nil {
			b.Fatal(err)
		}
		select {
		case t := <-reads:
			return t
		case <-time.After(patience):
			b.Fatalf("no read of %s", card)
		}
		return time.Time{}
	}
	next(cards[1]) // warm up: the reader is open and polling
	rng := rand.New(rand.NewPCG(4, 100))
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		// A new card differs from the one held, so it is reported without
		// waiting for the old one's release; the random pause puts its
		// arrival at any phase of the poll cycle.
		time.Sleep(time.Duration(rng.Int64N(int64(DefaultInterval))))
		b.StartTimer()
		start := time.Now()
		lat = append(lat, next(cards[i%2]).Sub(start))
	}
	return lat
}
