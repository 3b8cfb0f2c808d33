package overtime

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"timeclock/internal/civil"
)

type anyEvent struct {
	tap *Tap
	adj *Adjustment
}

// randomEvents makes a random history for n staff over a few months: taps of
// every direction, duplicates, debounced repeats, and every adjustment kind.
func randomEvents(r *rand.Rand, n int) []anyEvent {
	var evs []anyEvent
	from := civil.D(2026, 2, 20)
	var adjIDs []uint64
	for i := 0; i < 60*n; i++ {
		staff := r.IntN(n)
		d := from + civil.Date(r.IntN(120))
		switch r.IntN(10) {
		case 0, 1, 2, 3, 4, 5, 6:
			min := 240 + r.IntN(1440)
			ms := d.At(min).UnixMilli() + int64(r.IntN(60_000))
			t := Tap{Staff: staff, Ms: ms, ID: HashID(fmt.Sprint("t", i)), Dir: Dir(r.IntN(3)), Unsynced: r.IntN(20) == 0}
			if r.IntN(3) > 0 {
				t.Dir = DirTap
			}
			evs = append(evs, anyEvent{tap: &t})
			if r.IntN(8) == 0 { // the gateway resends it
				evs = append(evs, anyEvent{tap: &t})
			}
			if r.IntN(8) == 0 { // a second read within the debounce window
				t2 := t
				t2.Ms += int64(r.IntN(70_000))
				t2.ID = HashID(fmt.Sprint("t", i, "b"))
				evs = append(evs, anyEvent{tap: &t2})
			}
		default:
			a := Adjustment{Staff: staff, ID: HashID(fmt.Sprint("a", i)), Date: d, Kind: Kind(1 + r.IntN(8))}
			switch a.Kind {
			case KindMissingPunch:
				a.Min, a.Dir = 240+r.IntN(1440), DirIn+Dir(r.IntN(2))
			case KindRetract:
				if len(adjIDs) == 0 {
					continue
				}
				a.Target = adjIDs[r.IntN(len(adjIDs))]
			default:
				a.Minutes = 1 + r.IntN(600)
			}
			adjIDs = append(adjIDs, a.ID)
			evs = append(evs, anyEvent{adj: &a})
		}
	}
	return evs
}

func feed(t *testing.T, e *Engine, evs []anyEvent) {
	for _, ev := range evs {
		var err error
		if ev.tap != nil {
			_, err = e.AddTap(*ev.tap)
		} else {
			_, err = e.AddAdjustment(*ev.adj)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

type snapshot struct {
	Days   []DayResult
	Months []MonthResult
}

func snap(e *Engine) []snapshot {
	out := make([]snapshot, e.Staff())
	for si := range out {
		for d := range e.Days(si, 0, civil.D(2100, 1, 1)) {
			out[si].Days = append(out[si].Days, d)
		}
		for m := civil.MonthOf(2026, time.January); m <= civil.MonthOf(2026, time.December); m++ {
			mr := e.Month(si, m)
			out[si].Months = append(out[si].Months, mr)
		}
	}
	return out
}

// TestIncrementalEqualsRecompute feeds random event sets in random order and
// compares the incremental state with the state of the same events fed in time
// order and with a from-scratch recompute.
func TestIncrementalEqualsRecompute(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		staff := []StaffInfo{teacher("A"), teacher("B"), teacher("C")}
		if seed%2 == 0 {
			staff[1].Start, staff[1].HasStart = civil.D(2026, 3, 16), true
		}
		cal := newTestCal()
		evs := randomEvents(r, len(staff))

		shuffled := newEngine(t, cal, staff...)
		order := append([]anyEvent(nil), evs...)
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		feed(t, shuffled, order)

		inOrder := newEngine(t, cal, staff...)
		feed(t, inOrder, evs)

		a, b := snap(shuffled), snap(inOrder)
		if !reflect.DeepEqual(a, b) {
			diffSnap(t, seed, "shuffled vs in order", a, b)
		}
		shuffled.Recompute()
		if c := snap(shuffled); !reflect.DeepEqual(a, c) {
			diffSnap(t, seed, "incremental vs recompute", a, c)
		}
	}
}

func diffSnap(t *testing.T, seed uint64, what string, a, b []snapshot) {
	t.Helper()
	for si := range a {
		if len(a[si].Days) != len(b[si].Days) {
			t.Fatalf("seed %d %s: staff %d has %d vs %d days", seed, what, si, len(a[si].Days), len(b[si].Days))
		}
		for i := range a[si].Days {
			if !reflect.DeepEqual(a[si].Days[i], b[si].Days[i]) {
				t.Fatalf("seed %d %s: staff %d day\n%+v\n%+v", seed, what, si, a[si].Days[i], b[si].Days[i])
			}
		}
		for i := range a[si].Months {
			if !reflect.DeepEqual(a[si].Months[i], b[si].Months[i]) {
				t.Fatalf("seed %d %s: staff %d month\n%+v\n%+v", seed, what, si, a[si].Months[i], b[si].Months[i])
			}
		}
	}
}
