package overtime

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"timeclock/internal/civil"
)

const benchStaff = 10_000

func benchEngine(b *testing.B) *Engine {
	staff := make([]StaffInfo, benchStaff)
	for i := range staff {
		staff[i] = teacher(fmt.Sprintf("T%05d", i))
	}
	cfg := DefaultConfig()
	e, err := New(cfg, newTestCal(), staff)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// benchTap is the i-th tap of a steady stream: every staff member taps in
// around 07:30 and out around 18:30 each day, in time order.
func benchTap(i int) Tap {
	staff := i % benchStaff
	k := i / benchStaff
	d := civil.D(2026, 4, 1) + civil.Date(k/2)
	min := 7*60 + 30 + staff%60
	if k%2 == 1 {
		min = 18*60 + 30 + staff%60
	}
	return Tap{Staff: staff, Ms: (int64(d)*86400 - 9*3600 + int64(min)*60) * 1000, ID: uint64(i + 1)}
}

// BenchmarkEngineInOrder measures taps folded per second with taps arriving
// in time order (steady state: storage reserved, 0 allocations per event).
func BenchmarkEngineInOrder(b *testing.B) { benchInOrder(b, false) }

// BenchmarkEngineInOrderTracked is the live configuration: changes and alerts
// are recorded and drained every 1000 events, as the aggregator does.
func BenchmarkEngineInOrderTracked(b *testing.B) { benchInOrder(b, true) }

func benchInOrder(b *testing.B, tracked bool) {
	e := benchEngine(b)
	if !tracked {
		e.Changes().track = false
	}
	perStaff := b.N/benchStaff + 2
	e.Reserve(perStaff, perStaff/2+2)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.AddTap(benchTap(i)); err != nil {
			b.Fatal(err)
		}
		if tracked && i%1000 == 999 {
			e.Changes().Reset()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEngineRandomOrder folds one month of 10k staff (≈ 440k taps) in
// random order.
func BenchmarkEngineRandomOrder(b *testing.B) {
	const days = 44 // 22 work days × in/out
	taps := make([]Tap, benchStaff*days)
	for i := range taps {
		taps[i] = benchTap(i)
	}
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(taps), func(i, j int) { taps[i], taps[j] = taps[j], taps[i] })
	b.ReportAllocs()
	b.ResetTimer()
	var e *Engine
	for i := 0; i < b.N; i++ {
		if i%len(taps) == 0 {
			b.StopTimer()
			e = benchEngine(b)
			e.Changes().track = false
			b.StartTimer()
		}
		if _, err := e.AddTap(taps[i%len(taps)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
