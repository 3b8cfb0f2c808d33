package service

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkAcceptLatency measures a card decoded → the local "accepted"
// handed to the feedback outputs (debounce, clock stamp, spool write and
// fsync, the output queue), with one reader and with four readers tapping
// at once, and reports the 50th and 99th percentile. The publisher drains
// to a fake broker meanwhile, as in service.
func BenchmarkAcceptLatency(b *testing.B) {
	for _, readers := range []int{1, 4} {
		b.Run(fmt.Sprintf("readers=%d", readers), func(b *testing.B) {
			r := newRig(b, "-clock-sync", "assume", "-debounce", "0s")
			go func() {
				for range r.wire.sent {
				}
			}()
			go func() {
				for range r.shown {
				}
			}()
			lat := make([][]time.Duration, readers)
			b.ResetTimer()
			var wg sync.WaitGroup
			for w := 0; w < readers; w++ {
				wg.Go(func() {
					for i := w; i < b.N; i += readers {
						at := time.Now()
						r.s.accept(Read{Reader: "entrance", Card: fmt.Sprintf("felica:%016x", i), At: at})
						lat[w] = append(lat[w], time.Since(at))
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			r.stop()
			all := slices.Concat(lat...)
			slices.Sort(all)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "taps/s")
			b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
