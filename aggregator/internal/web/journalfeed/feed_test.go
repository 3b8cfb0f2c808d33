package journalfeed

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/web"
	"timeclock/aggregator/internal/web/webtest/harness"
	"timeclock/internal/civil"
	"timeclock/internal/daemontest"
	"timeclock/internal/punch"
)

func tap(n int, at time.Time) punch.Tap {
	return punch.Tap{ID: punch.FormatTapID("gw-e01-a", 1, uint64(n)), Board: "nakatsu", School: "nakatsu-e01",
		Gateway: "gw-e01-a", Reader: "entrance", Card: fmt.Sprintf("felica:%016x", n), Dir: punch.DirTap, TS: at,
		Clock: punch.ClockSynced}
}

// appendRecords journals the given records in one commit.
func appendRecords(t *testing.T, j *journal.Journal, recs ...any) {
	t.Helper()
	err := j.Write(func(w *journal.Writer) error {
		for _, r := range recs {
			var err error
			switch r := r.(type) {
			case punch.Tap:
				b := journal.AppendEvent(nil, journal.Entry{Event: punch.Event{Type: punch.TypeTap, Tap: r}, Received: r.TS})
				_, _, err = w.Append(journal.KindTap, r.ID, b)
			case journal.Alert:
				_, _, err = w.Append(journal.KindAlert, "", journal.Marshal(r))
			case journal.Status:
				_, _, err = w.Append(journal.KindStatus, "", journal.Marshal(r))
			case journal.Reload:
				_, _, err = w.Append(journal.KindReload, "", journal.Marshal(r))
			default:
				t.Fatalf("record %T", r)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

var quiet = slog.New(slog.DiscardHandler)

// At start the feed holds what the journal holds: the latest status of
// each gateway, the raised alerts, the transitions per month, the last
// KeepTaps taps in order.
func TestNewScansTheJournal(t *testing.T) {
	j := harness.Journal(t)
	t0 := time.Date(2026, 10, 30, 8, 0, 0, 0, civil.JST)
	var recs []any
	for i := 1; i <= KeepTaps+50; i++ {
		recs = append(recs, tap(i, t0.Add(time.Duration(i)*time.Second)))
	}
	st := func(gw string, at time.Time, queue int) journal.Status {
		return journal.Status{Board: "nakatsu", School: "nakatsu-e01", Gateway: gw, Online: true, Queue: queue, TS: at}
	}
	al := func(staff, rule, period string, raised bool, at time.Time) journal.Alert {
		return journal.Alert{Staff: staff, Board: "nakatsu", School: "nakatsu-e01", Rule: rule, Period: period,
			Raised: raised, At: at, Level: "warn"}
	}
	oct31 := time.Date(2026, 10, 31, 23, 0, 0, 0, civil.JST) // November in UTC? No: 14:00 UTC, still October
	nov1 := time.Date(2026, 11, 1, 0, 30, 0, 0, civil.JST)   // October in UTC, November in Japan
	recs = append(recs,
		st("gw-a", t0, 1), st("gw-a", t0.Add(time.Hour), 2), st("gw-a", t0.Add(30*time.Minute), 9), // a late retained copy
		st("gw-b", t0, 5),
		al("T1", "lock_time", "2026-10-30", true, oct31),
		al("T1", "month_45", "2026-10", true, oct31),
		al("T2", "missing_punch", "2026-10-29", true, oct31),
		al("T2", "missing_punch", "2026-10-29", false, nov1),
		journal.Reload{At: nov1, Staff: 3},
	)
	appendRecords(t, j, recs...)

	f, err := New(j, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if f.Last() != j.Last() {
		t.Errorf("read up to %d, the journal ends at %d", f.Last(), j.Last())
	}
	taps := f.RecentTaps()
	if len(taps) != KeepTaps || taps[0].Tap.ID != tap(51, t0).ID || taps[KeepTaps-1].Tap.ID != tap(KeepTaps+50, t0).ID {
		t.Fatalf("%d recent taps from %s to %s, want taps 51…%d", len(taps), taps[0].Tap.ID, taps[len(taps)-1].Tap.ID, KeepTaps+50)
	}
	for i := 1; i < len(taps); i++ {
		if taps[i].Seq != taps[i-1].Seq+1 {
			t.Fatalf("taps out of order at %d", i)
		}
	}
	gws := f.Gateways()
	if len(gws) != 2 || gws[0].Gateway != "gw-a" || gws[0].Queue != 2 || gws[1].Queue != 5 {
		t.Errorf("gateways %+v, want gw-a at its latest report (queue 2) and gw-b", gws)
	}
	oct := f.AlertCounts(civil.MonthOf(2026, 10))
	want := []web.AlertCount{
		{Board: "nakatsu", School: "nakatsu-e01", Rule: "lock_time", Raised: 1},
		{Board: "nakatsu", School: "nakatsu-e01", Rule: "missing_punch", Raised: 1},
		{Board: "nakatsu", School: "nakatsu-e01", Rule: "month_45", Raised: 1},
	}
	if fmt.Sprint(oct) != fmt.Sprint(want) {
		t.Errorf("October counts %v, want %v", oct, want)
	}
	nov := f.AlertCounts(civil.MonthOf(2026, 11))
	if len(nov) != 1 || nov[0].Rule != "missing_punch" || nov[0].Cleared != 1 || nov[0].Raised != 0 {
		t.Errorf("November counts %v, want the missing_punch cleared on 1 November (JST)", nov)
	}
}

// Run follows the journal: every tap, alert and status appended reaches
// each subscriber in journal order; a subscriber that falls too far behind
// is dropped; stopping ends every subscription.
func TestRunFollows(t *testing.T) {
	j := harness.Journal(t)
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, civil.JST)
	appendRecords(t, j, tap(1, t0))
	f, err := New(j, quiet)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	ch, stop := f.Subscribe()
	defer stop()
	slow, _ := f.Subscribe() // never read

	appendRecords(t, j, tap(2, t0), journal.Alert{Staff: "T1", Board: "nakatsu", School: "nakatsu-e01",
		Rule: "doctor_80", Raised: true, Period: "2026-11", At: t0})
	appendRecords(t, j, journal.Reload{At: t0}, journal.Status{Board: "nakatsu", School: "nakatsu-e01",
		Gateway: "gw-a", Online: false, TS: t0})
	wait := daemontest.WaitContext(t)
	var got []string
	for len(got) < 3 {
		select {
		case u := <-ch:
			switch {
			case u.Tap != nil:
				got = append(got, fmt.Sprintf("%d tap %s", u.Seq, u.Tap.ID))
			case u.Alert != nil:
				got = append(got, fmt.Sprintf("%d alert %s", u.Seq, u.Alert.Rule))
			case u.Status != nil:
				got = append(got, fmt.Sprintf("%d status %s", u.Seq, u.Status.Gateway))
			}
		case <-wait.Done():
			t.Fatalf("got %v, want three updates", got)
		}
	}
	want := fmt.Sprint([]string{"2 tap " + tap(2, t0).ID, "3 alert doctor_80", "5 status gw-a"})
	if fmt.Sprint(got) != want {
		t.Errorf("updates %v, want %v", got, want)
	}

	// The slow subscriber holds 3 updates; fill its buffer and one more.
	var many []any
	for i := 0; i < SubscriberBuffer; i++ {
		many = append(many, tap(100+i, t0.Add(time.Duration(i)*time.Second)))
	}
	appendRecords(t, j, many...)
	// The feed publishes under the lock Last takes: once it has read to
	// the end, every subscriber has had its updates (or was dropped).
	for f.Last() != j.Last() {
		select {
		case <-wait.Done():
			t.Fatalf("the feed read up to %d of %d", f.Last(), j.Last())
		case <-time.After(time.Millisecond):
		}
	}
	n := 0
	for range slow {
		n++
	}
	if n != SubscriberBuffer {
		t.Errorf("the slow subscriber got %d updates before it was dropped, want %d", n, SubscriberBuffer)
	}
	for i := 0; i < SubscriberBuffer; i++ {
		select {
		case <-ch:
		case <-wait.Done():
			t.Fatalf("the reading subscriber got %d of %d taps", i, SubscriberBuffer)
		}
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, ok := <-ch; ok {
		t.Error("the subscription is open after the feed stopped")
	}
	late, _ := f.Subscribe()
	if _, ok := <-late; ok {
		t.Error("a subscription after the stop is open")
	}
}

// With no page watching, a poll decodes only the taps that stay in the ring,
// and the ring is the same as when every tap is decoded: the latest
// KeepTaps, in order, across polls.
func TestQuietPollKeepsTheLatestTaps(t *testing.T) {
	j := harness.Journal(t)
	f, err := New(j, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 10, 30, 8, 0, 0, 0, civil.JST)
	n := 0
	for _, batch := range []int{30, KeepTaps + 77, 5} {
		var recs []any
		for range batch {
			n++
			recs = append(recs, tap(n, t0.Add(time.Duration(n)*time.Second)))
		}
		appendRecords(t, j, recs...)
		if err := f.CatchUp(); err != nil {
			t.Fatal(err)
		}
	}
	taps := f.RecentTaps()
	if len(taps) != KeepTaps {
		t.Fatalf("%d recent taps, want %d", len(taps), KeepTaps)
	}
	for i, u := range taps {
		if want := tap(n-KeepTaps+1+i, t0).ID; u.Tap.ID != want {
			t.Fatalf("recent tap %d is %s, want %s", i, u.Tap.ID, want)
		}
	}
}
