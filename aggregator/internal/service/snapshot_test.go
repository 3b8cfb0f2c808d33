package service

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/web/journalfeed"
	"timeclock/aggregator/internal/web/webtest/harness"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/roster"
)

// started is what a start built: every staff member's days and months as
// the engine holds them, the raised set, the alerts pending for the next
// drain and the live page's state.
type started struct {
	Days    [][]overtime.DayResult
	Months  [][]overtime.MonthResult
	Open    []journal.Alert
	Pending []journal.Alert
	Feed    journalfeed.State
}

func startedState(t *testing.T, s *Service) started {
	t.Helper()
	var st started
	s.live.Engine().View(func(core *overtime.Engine, data *roster.Data) {
		for si := range data.Staff() {
			var days []overtime.DayResult
			for d := range core.Days(si, 0, civil.Date(1<<30)) {
				days = append(days, d)
			}
			st.Days = append(st.Days, days)
			var months []overtime.MonthResult
			for mo := civil.MonthOf(2025, time.April); mo <= civil.MonthOf(2026, time.June); mo++ {
				months = append(months, core.Month(si, mo))
			}
			st.Months = append(st.Months, months)
		}
	})
	st.Open = s.live.Open()
	// The live page shows the raised set as the journal's alert records
	// leave it (the feed used to fold its own copy).
	journaled := map[string]journal.Alert{}
	if _, err := s.j.Scan(0, 0, func(_ uint64, kind journal.Kind, data []byte) error {
		if kind == journal.KindAlert {
			a, err := journal.DecodeAlert(data)
			if err != nil {
				return err
			}
			fold(journaled, a)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	page := pageAlerts{s.feed, s.live}.OpenAlerts()
	if fromJournal := slices.SortedFunc(maps.Values(journaled), journal.CompareAlerts); !reflect.DeepEqual(page, fromJournal) {
		t.Errorf("the page's open alerts (%d) are not the journal's raised set (%d)", len(page), len(fromJournal))
	}
	s.live.mu.Lock()
	st.Pending = append([]journal.Alert(nil), s.live.pending...)
	s.live.mu.Unlock()
	// Run's first poll: the feed reads what came after its start.
	if err := s.feed.CatchUp(); err != nil {
		t.Fatal(err)
	}
	st.Feed = s.feed.State()
	sortState(&st)
	return st
}

func sortState(st *started) {
	slices.SortFunc(st.Pending, journal.CompareAlerts)
	f := &st.Feed
	slices.SortFunc(f.Gateways, func(a, b journal.Status) int { return strings.Compare(a.Gateway, b.Gateway) })
	slices.SortFunc(f.Counts, func(a, b journalfeed.Count) int {
		return cmp.Or(strings.Compare(a.School, b.School), strings.Compare(a.Rule, b.Rule), cmp.Compare(a.Month, b.Month))
	})
}

// TestSnapshotRestartEqualsFullReplay: a start from the snapshot and the
// journal after it builds exactly what a start replaying the whole journal
// builds; a snapshot of another build, of other reference files, or ahead of
// the journal is not used.
func TestSnapshotRestartEqualsFullReplay(t *testing.T) {
	const staff = 40
	f := newFixture(t, staff)
	cfg := baseConfig(t, f, "", "")
	seq := map[string]uint64{}
	writeJournal(t, cfg, f, staff, civil.D(2025, time.April, 1), civil.D(2025, time.October, 1), seq)

	s, err := New(cfg, testLog(t), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if s.restored {
		t.Fatal("restored from a snapshot that was never written")
	}
	if err := s.saveSnapshot(); err != nil {
		t.Fatal(err)
	}
	snapAt := s.j.Last()
	s.Close()
	// The journal goes on after the snapshot: half a year more, and its
	// alerts (raised and cleared) with it.
	writeJournal(t, cfg, f, staff, civil.D(2025, time.October, 1), civil.D(2026, time.April, 1), seq)

	restored, err := New(cfg, testLog(t), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if !restored.restored {
		t.Fatal("the start did not use the snapshot")
	}
	if restored.j.Last() <= snapAt {
		t.Fatalf("journal at %d, snapshot at %d: no tail replayed", restored.j.Last(), snapAt)
	}
	got := startedState(t, restored)
	restored.Close()
	if len(got.Open) == 0 || len(got.Feed.Counts) == 0 {
		t.Fatalf("nothing raised (%d open, %d counts): the comparison would prove nothing", len(got.Open), len(got.Feed.Counts))
	}

	if err := os.Remove(filepath.Join(cfg.State, SnapshotFile)); err != nil {
		t.Fatal(err)
	}
	full, err := New(cfg, testLog(t), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if full.restored {
		t.Fatal("restored without a snapshot")
	}
	want := startedState(t, full)
	full.Close()

	for name, pair := range map[string][2]any{
		"days": {got.Days, want.Days}, "months": {got.Months, want.Months}, "raised set": {got.Open, want.Open},
		"pending alerts": {got.Pending, want.Pending}, "feed": {got.Feed, want.Feed},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			a, b := fmt.Sprintf("%+v", pair[0]), fmt.Sprintf("%+v", pair[1])
			i := 0
			for i < len(a) && i < len(b) && a[i] == b[i] {
				i++
			}
			t.Errorf("%s after a restore differ from a full replay at %q vs %q", name, a[max(0, i-80):min(len(a), i+80)], b[max(0, i-80):min(len(b), i+80)])
		}
	}
}

func TestSnapshotNotUsedWhenItDoesNotFit(t *testing.T) {
	f := newFixture(t, 10)
	cfg := baseConfig(t, f, "", "")
	writeJournal(t, cfg, f, 10, civil.D(2025, time.April, 1), civil.D(2025, time.May, 1), map[string]uint64{})
	s, err := New(cfg, testLog(t), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.saveSnapshot(); err != nil {
		t.Fatal(err)
	}
	key := s.snapKey
	last := s.j.Last()
	s.Close()
	if _, why, _ := openSnapshot(cfg.State, key, last); why != "" {
		t.Fatalf("a fitting snapshot refused: %s", why)
	}
	for name, c := range map[string]struct {
		key  string
		last uint64
	}{
		"another build or other files": {key + "x", last},
		"no key":                       {"", last},
		"ahead of the journal":         {key, last - 1},
	} {
		if snap, why, err := openSnapshot(cfg.State, c.key, c.last); snap != nil || why == "" || err != nil {
			snap.close()
			t.Errorf("%s: used (why %q, err %v)", name, why, err)
		}
	}
	// A changed roster is another key.
	rosterFile := filepath.Join(f.dir, roster.RosterFile)
	writeFile(t, rosterFile, harness.ReadFile(t, rosterFile)+"\n")
	if snapshotKey(dataDigest(f.dir), overtime.DefaultConfig()) == key {
		t.Error("the key does not change with the roster")
	}
	// A damaged engine state is found and the start replays the journal.
	p := filepath.Join(cfg.State, SnapshotFile)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b[:len(b)-10], 0o600); err != nil {
		t.Fatal(err)
	}
	writeFile(t, rosterFile, strings.TrimSuffix(harness.ReadFile(t, rosterFile), "\n"))
	s, err = New(cfg, testLog(t), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.restored {
		t.Fatal("restored from a truncated snapshot")
	}
}

// The snapshot's raised set reads back as written, alert by alert, and a
// damaged one is an error (the start then replays the journal).
func TestSnapshotAlertsRoundTrip(t *testing.T) {
	at := time.Date(2026, 6, 1, 18, 30, 0, 0, civil.JST)
	in := []journal.Alert{
		{Staff: "T1", Board: "b", School: "s1", Rule: "lock_time", Level: "warn", Raised: true, Period: "2026-06-01", Value: 1290, Threshold: 1260, At: at},
		{Staff: "T2", Board: "b", School: "s2", Rule: "month_45", Level: "warn", Raised: true, Period: "2026-06", Value: 2800.5, Threshold: 2700, At: at.Add(time.Hour)},
	}
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	if err := writeAlerts(bw, in); err != nil {
		t.Fatal(err)
	}
	bw.Flush()
	table, rec, err := readAlertSection(bufio.NewReader(bytes.NewReader(buf.Bytes())))
	if err != nil {
		t.Fatal(err)
	}
	var out []journal.Alert
	if err := decodeAlerts(table, rec, len(in), func(a journal.Alert) { out = append(out, a) }); err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("%d alerts read back, want %d", len(out), len(in))
	}
	for i := range in {
		if !in[i].At.Equal(out[i].At) {
			t.Errorf("alert %d: at %v, want %v", i, out[i].At, in[i].At)
		}
		out[i].At = in[i].At
		if out[i] != in[i] {
			t.Errorf("alert %d: %+v, want %+v", i, out[i], in[i])
		}
	}
	damaged := bytes.Clone(rec)
	damaged[0] = 0x7f // a string index past the table
	if err := decodeAlerts(table, damaged, len(in), func(journal.Alert) {}); err == nil {
		t.Error("a damaged raised set decoded without an error")
	}
	if err := decodeAlerts(table, rec, len(in)+1, func(journal.Alert) {}); err == nil {
		t.Error("one alert more than the section holds decoded without an error")
	}
}
