package service

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"timeclock/aggregator/internal/engine"
	"timeclock/aggregator/internal/journal"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
)

// The raised set read from the engine's state is the one its transitions
// lead to, whatever the events (shuffled, late, incomplete, unsynced, with
// adjustments and missing punches) — so a rebuild journals no spurious
// raise or clear.
func TestRaisedFromStateMatchesTransitions(t *testing.T) {
	f := newFixture(t, 40) // more than 32: the staff are read in two halves
	data, errs := roster.LoadDir(f.dir)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	now := time.Now()
	for seed := range uint64(5) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			e, err := engine.New(data, overtime.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			e.Advance(now)
			folded := map[string]journal.Alert{}
			d0 := workday(now) - 100
			var evs []punch.Event
			seq := map[string]uint64{}
			for i := range 40 {
				for k := range 120 {
					d := d0 + civil.Date(k)
					switch r := rng.IntN(10); {
					case r == 0: // absent
					case r == 1: // one tap only: incomplete
						seq[gateway(i)]++
						evs = append(evs, punch.Event{Type: punch.TypeTap, Tap: tap(i, seq[gateway(i)], d.At(7*60+rng.IntN(120)))})
					default:
						for _, m := range []int{6*60 + rng.IntN(180), 16*60 + rng.IntN(360)} {
							seq[gateway(i)]++
							tp := tap(i, seq[gateway(i)], d.At(m))
							if rng.IntN(50) == 0 {
								tp.Clock = punch.ClockUnsynced
							}
							evs = append(evs, punch.Event{Type: punch.TypeTap, Tap: tp})
						}
					}
					if rng.IntN(15) == 0 {
						evs = append(evs, punch.Event{Type: punch.TypeAdjustment, Adjustment: punch.Adjustment{
							ID: fmt.Sprintf("adj-%d-%d", i, k), Staff: staffID(i), Date: d, Kind: punch.KindMissingPunch,
							Time: "18:30", Dir: punch.DirOut, Author: "p", Reason: "r", Created: now}})
					}
				}
			}
			rng.Shuffle(len(evs), func(a, b int) { evs[a], evs[b] = evs[b], evs[a] })
			for i, ev := range evs {
				if _, err := e.Apply(ev); err != nil {
					t.Fatal(err)
				}
				if i%100 == 0 || i == len(evs)-1 {
					for _, a := range drain(e, now) {
						fold(folded, a)
					}
				}
			}
			today, _ := civil.WorkDate(now.Unix(), 240)
			var state map[string]journal.Alert
			e.View(func(core *overtime.Engine, data *roster.Data) {
				state = raisedFromState(core, data, overtime.DefaultConfig(), today, now, 0)
			})
			if got, want := keys(state), keys(folded); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("from state %d alerts, from transitions %d\nonly in state: %v\nonly in transitions: %v",
					len(got), len(want), minus(state, folded), minus(folded, state))
			}
			if len(folded) == 0 {
				t.Fatal("the scenario raised nothing: it tests nothing")
			}
			// A restart's diff, found without building the state's set, is
			// the full diff: for the set as journaled, one missing alerts,
			// one holding an alert the state does not imply, and none.
			missing, extra := map[string]journal.Alert{}, map[string]journal.Alert{}
			i := 0
			for k, a := range folded {
				if i++; i%3 != 0 {
					missing[k] = a
				}
				extra[k] = a
			}
			bogus := journal.Alert{Staff: staffID(0), Rule: overtime.RuleLockTime, Period: "2001-01-01", Raised: true}
			extra[bogus.Key()] = bogus
			e.View(func(core *overtime.Engine, data *roster.Data) {
				for name, have := range map[string]map[string]journal.Alert{
					"as journaled": folded, "missing": missing, "extra": extra, "empty": {}} {
					got := raisedDiff(core, data, overtime.DefaultConfig(), today, now, have)
					want := diff(have, state)
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("%s: raisedDiff %d transitions, diff %d:\n%v\n%v", name, len(got), len(want), got, want)
					}
					if name != "as journaled" && len(want) == 0 {
						t.Errorf("%s: no transitions: the case tests nothing", name)
					}
					// Only an alert to clear needs the full diff.
					if _, ok := raises(core, data, overtime.DefaultConfig(), today, now, have); ok != (name != "extra") {
						t.Errorf("%s: raises found have complete: %v", name, ok)
					}
				}
			})
		})
	}
}

func keys(m map[string]journal.Alert) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func minus(a, b map[string]journal.Alert) []string {
	var out []string
	for k, v := range a {
		if _, ok := b[k]; !ok {
			out = append(out, v.Staff+"/"+v.Rule+"/"+v.Period)
		}
	}
	sort.Strings(out)
	return out
}
