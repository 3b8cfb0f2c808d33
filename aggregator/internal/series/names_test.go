package series

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"timeclock/aggregator/internal/influxsink"
	"timeclock/aggregator/internal/journal"
	"timeclock/internal/civil"
	"timeclock/internal/punch"
)

// InfluxDB holds staff ids, never names (DOMAIN.md §6): whatever record is
// written, no roster name appears in a point.
func TestPointsCarryNoNames(t *testing.T) {
	names := []string{"山田 花子", "Alice Example", "田中太郎", "Suzuki", "佐藤", "O'Brien"}
	var rows []string
	for i, n := range names {
		role := "teacher"
		if i == 0 {
			role = "principal"
		}
		rows = append(rows, fmt.Sprintf("T%d,%s,%s,nakatsu,nakatsu-e01,elementary,std,felica:%016x,2026-04-01,", i+1, n, role, i+1))
	}
	e := newEngine(t, rows...)
	jun1 := civil.D(2026, time.June, 1)
	var recs []influxsink.Record
	entries := map[string]journal.Entry{}
	add := func(kind journal.Kind, ev punch.Event) {
		if _, err := e.Apply(ev); err != nil {
			t.Fatal(err)
		}
		entry := journal.Entry{Event: ev, Received: jun1.At(22 * 60)}
		entries[ev.ID()] = entry
		recs = append(recs, influxsink.Record{Seq: uint64(len(recs) + 1), Kind: kind, Data: journal.AppendEvent(nil, entry)})
	}
	for i := range names {
		for k, m := range []int{7*60 + 30, 21 * 60} {
			add(journal.KindTap, punch.Event{Type: punch.TypeTap, Tap: punch.Tap{ID: fmt.Sprintf("gw-a:1:%06d", 2*i+k+1),
				Board: "nakatsu", School: "nakatsu-e01", Gateway: "gw-a", Reader: "entrance", Card: fmt.Sprintf("felica:%016x", i+1),
				Dir: punch.DirTap, TS: jun1.At(m), Clock: punch.ClockSynced}})
		}
		adj := punch.Adjustment{ID: fmt.Sprintf("adj-%d", i), Staff: fmt.Sprintf("T%d", i+1), Date: jun1, Kind: punch.KindOffsite,
			Minutes: 600, Author: "kocho", Reason: names[i] + "の引率", Created: jun1.At(22 * 60)}
		add(journal.KindAdjustment, punch.Event{Type: punch.TypeAdjustment, Adjustment: adj})
	}
	add(journal.KindAdjustment, punch.Event{Type: punch.TypeAdjustment, Adjustment: punch.Adjustment{ID: "adj-r", Staff: "T2",
		Date: jun1, Kind: punch.KindRetract, Target: "adj-1", Author: "kocho", Reason: "誤入力", Created: jun1.At(22 * 60)}})
	recs = append(recs,
		influxsink.Record{Seq: 100, Kind: journal.KindAlert, Data: journal.Marshal(journal.Alert{Staff: "T1", Board: "nakatsu",
			School: "nakatsu-e01", Rule: "lock_time", Raised: true, Period: "2026-06-01", At: jun1.At(22 * 60)})},
		influxsink.Record{Seq: 101, Kind: journal.KindStatus, Data: journal.Marshal(journal.Status{Board: "nakatsu",
			School: "nakatsu-e01", Gateway: "gw-a", Online: true, TS: jun1.At(22 * 60)})},
		influxsink.Record{Seq: 102, Kind: journal.KindReload, Data: journal.Marshal(journal.Reload{})})

	pts, kpi := build(t, e, func(id string) (journal.Entry, bool) { en, ok := entries[id]; return en, ok },
		func() time.Time { return jun1.At(23 * 60) }, recs)
	seen := map[string]int{}
	for _, l := range append(pts, kpi...) {
		seen[l[:strings.IndexByte(l, ',')]]++
		for _, n := range names {
			if strings.Contains(l, n) {
				t.Errorf("a point carries the name %q: %s", n, l)
			}
		}
	}
	// The check saw every measurement (a test that writes nothing proves nothing).
	for _, m := range []string{"punch", "workday", "overtime_month", "alert", "gateway", "kpi_month"} {
		if seen[m] == 0 {
			t.Errorf("no %s point among %v", m, seen)
		}
	}
}
