package spool

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"timeclock/gateway/internal/tapid"
)

// BenchmarkAppend measures fsynced taps per second. "serial" is one reader
// tapping alone (one fsync per tap); "burst" is 16 concurrent callers, where
// group commit shares each fsync.
func BenchmarkAppend(b *testing.B) {
	for _, bc := range []struct {
		name    string
		writers int
	}{{"serial", 1}, {"burst16", 16}} {
		b.Run(bc.name, func(b *testing.B) {
			s := open(b, filepath.Join(b.TempDir(), "spool.db"))
			defer s.Close()
			ctx := context.Background()
			tp := tap("felica:0123456789abcdef", 1)
			b.ResetTimer()
			if bc.writers == 1 {
				for i := 0; i < b.N; i++ {
					if _, err := s.Append(ctx, tp); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				b.SetParallelism(bc.writers / runtime.GOMAXPROCS(0))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := s.Append(ctx, tp); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "taps/s")
			b.ReportMetric(float64(b.N)/float64(s.Commits()), "taps/commit")
		})
	}
}

// BenchmarkDrain measures scanning and removing acknowledged taps in pages,
// the publisher's side of the spool.
func BenchmarkDrain(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "spool.db"))
	defer s.Close()
	ctx := context.Background()
	batch := make([]Tap, 1000)
	for i := range batch {
		batch[i] = tap("felica:0123456789abcdef", i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Append(ctx, batch...); err != nil {
			b.Fatal(err)
		}
		for {
			page, err := s.Scan(tapid.ID{}, 100)
			if err != nil {
				b.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			del := make([]tapid.ID, len(page))
			for j := range page {
				del[j] = page[j].ID
			}
			if err := s.Remove(ctx, del...); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "taps/s")
}
