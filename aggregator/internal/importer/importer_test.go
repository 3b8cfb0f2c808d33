package importer

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/web/webtest/harness"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
)

var now = time.Date(2026, 6, 15, 12, 0, 0, 0, time.FixedZone("JST", 9*3600))

func testRoster(t testing.TB) *roster.Data {
	return harness.Roster(t, "T0001,山田,teacher,nakatsu,nakatsu-e01,elementary,std,felica:0000000000000001,,",
		"T0002,田中,teacher,nakatsu,nakatsu-e01,elementary,std,felica:0000000000000002,,")
}

func tap(seq, card int, ts string) string {
	return fmt.Sprintf(`{"v":1,"type":"tap","id":"gw-e01:1:%06d","board":"nakatsu","school":"nakatsu-e01","gateway":"gw-e01",`+
		`"reader":"entrance","card":"felica:%016x","dir":"tap","ts":"%s","clock":"synced"}`, seq, card, ts)
}

func adjust(id, staff, kind, extra string) string {
	return `{"v":1,"type":"adjustment","id":"` + id + `","staff":"` + staff + `","date":"2026-06-02","kind":"` + kind + `",` +
		extra + `"author":"kocho","reason":"引率","created":"2026-06-03T09:00:00+09:00"}`
}

func retract(id, staff, target string) string {
	return `{"v":1,"type":"adjustment","id":"` + id + `","staff":"` + staff + `","date":"2026-06-02","kind":"retract",` +
		`"target":"` + target + `","author":"kocho","reason":"誤入力","created":"2026-06-04T09:00:00+09:00"}`
}

// events is the test file: good lines and every kind of bad one, with the
// numbers of the bad lines.
func events() (string, []int) {
	lines := []string{
		tap(1, 1, "2026-06-01T07:40:00.000+09:00"), // 1
		tap(2, 1, "2026-06-01T19:10:00.000+09:00"), // 2
		"", // 3 blank
		tap(1, 1, "2026-06-01T07:40:00.000+09:00"),             // 4 the same tap again: a duplicate
		retract("adj-r1", "T0001", "adj-o1"),                   // 5 its target comes later
		adjust("adj-o1", "T0001", "offsite", `"minutes":120,`), // 6
		tap(3, 9, "2026-06-01T08:00:00.000+09:00"),             // 7 unknown card: journaled all the same
		`{"v":1,"type":"tap",`,                                 // 8 bad: not JSON
		tap(4, 1, "2026-07-01T07:40:00.000+09:00"),             // 9 bad: in the future
		strings.Replace(tap(5, 1, "2026-06-02T07:40:00.000+09:00"), `"board":"nakatsu"`, `"board":"oita"`, 1), // 10 bad: board not on the roster
		adjust("adj-u1", "T0099", "offsite", `"minutes":30,`),                                                 // 11 bad: unknown staff
		retract("adj-r2", "T0001", "adj-none"),                                                                // 12 bad: no such target
		retract("adj-r3", "T0002", "adj-o1"),                                                                  // 13 bad: target of another staff member
		tap(2, 1, "2026-06-01T19:11:00.000+09:00"),                                                            // 14 bad: id of line 2, another event
		adjust("adj-m1", "T0002", "missing_punch", `"time":"01:30","dir":"out",`),                             // 15
		tap(6, 2, "2026-06-02T07:50:00.000+09:00") + "\r",                                                     // 16 CRLF
		`{"v":1,"type":"tap","x":"` + strings.Repeat("x", maxLine) + `"}`,                                     // 17 bad: too long
		tap(7, 2, "2026-06-02T18:00:00.000+09:00"),                                                            // 18 last line without newline
	}
	return strings.Join(lines, "\n"), []int{8, 9, 10, 11, 12, 13, 14, 17}
}

func run(t *testing.T, j *journal.Journal, body string) (Stats, []int) {
	t.Helper()
	var errs bytes.Buffer
	st, err := Import(context.Background(), j, strings.NewReader(body),
		Options{Data: testRoster(t), Now: now, Name: "events.jsonl", Errors: &errs})
	if err != nil {
		t.Fatal(err)
	}
	var bad []int
	for _, l := range strings.Split(strings.TrimSpace(errs.String()), "\n") {
		if l == "" {
			continue
		}
		var n int
		if _, err := fmt.Sscanf(l, "events.jsonl:%d:", &n); err != nil {
			t.Fatalf("error line %q does not name the file and line", l)
		}
		bad = append(bad, n)
	}
	slices.Sort(bad)
	return st, bad
}

func TestImport(t *testing.T) {
	j := harness.Journal(t)
	body, wantBad := events()
	st, bad := run(t, j, body)
	want := Stats{Lines: 17, Taps: 5, Adjustments: 3, Duplicates: 1, UnknownCards: 1, Bad: len(wantBad)}
	if st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	if !slices.Equal(bad, wantBad) {
		t.Errorf("bad lines %v, want %v", bad, wantBad)
	}
	if j.Last() != 8 || j.Count(journal.KindTap) != 5 || j.Count(journal.KindAdjustment) != 3 {
		t.Errorf("journal: %d records, %d taps, %d adjustments", j.Last(), j.Count(journal.KindTap), j.Count(journal.KindAdjustment))
	}
	// The retract sits on its target's date; the events are as in the file.
	_, _, data, ok := j.Lookup("adj-r1")
	if !ok {
		t.Fatal("the retract of a later target was not journaled")
	}
	e, err := journal.DecodeEvent(data)
	if err != nil {
		t.Fatal(err)
	}
	if a := e.Event.Adjustment; a.Target != "adj-o1" || a.Date.String() != "2026-06-02" || a.Author != "kocho" {
		t.Errorf("retract journaled as %+v", a)
	}
	if !e.Received.Equal(now) {
		t.Errorf("received %v, want the import time %v", e.Received, now)
	}
	_, _, data, _ = j.Lookup("gw-e01:1:000006")
	e, _ = journal.DecodeEvent(data)
	wantTap, _ := punch.Decode([]byte(tap(6, 2, "2026-06-02T07:50:00.000+09:00")), time.Time{})
	if !bytes.Equal(e.Event.AppendJSON(nil), wantTap.AppendJSON(nil)) {
		t.Errorf("tap journaled as %s", e.Event.AppendJSON(nil))
	}
}

// A second import of the same file changes nothing: every good line is a
// duplicate, the bad ones are bad again.
func TestImportTwice(t *testing.T) {
	j := harness.Journal(t)
	body, wantBad := events()
	first, _ := run(t, j, body)
	last := j.Last()
	var snapshot []string
	j.Scan(0, 0, func(seq uint64, kind journal.Kind, data []byte) error {
		snapshot = append(snapshot, string(data))
		return nil
	})
	second, bad := run(t, j, body)
	want := Stats{Lines: first.Lines, Duplicates: first.Taps + first.Adjustments + first.Duplicates, Bad: len(wantBad)}
	if second != want {
		t.Errorf("second import %+v, want %+v", second, want)
	}
	if !slices.Equal(bad, wantBad) {
		t.Errorf("bad lines %v, want %v", bad, wantBad)
	}
	if j.Last() != last {
		t.Errorf("journal grew from %d to %d records", last, j.Last())
	}
	var again []string
	j.Scan(0, 0, func(seq uint64, kind journal.Kind, data []byte) error {
		again = append(again, string(data))
		return nil
	})
	if !slices.Equal(again, snapshot) {
		t.Error("the journal's records changed")
	}
}

// Batches: a file of more than one commit, whose retract's target is in a
// later batch.
func TestImportBatches(t *testing.T) {
	j := harness.Journal(t)
	var lines []string
	lines = append(lines, retract("adj-r1", "T0001", "adj-o1"))
	base := time.Date(2026, 4, 1, 7, 0, 0, 0, now.Location())
	for i := range batchLines + 10 {
		ts := base.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000-07:00")
		lines = append(lines, tap(i+1, 1+i%2, ts))
	}
	lines = append(lines, adjust("adj-o1", "T0001", "offsite", `"minutes":60,`))
	st, bad := run(t, j, strings.Join(lines, "\n")+"\n")
	if len(bad) > 0 || st.Taps != batchLines+10 || st.Adjustments != 2 {
		t.Errorf("stats %+v, bad lines %v", st, bad)
	}
}

func TestImportStopsWithContext(t *testing.T) {
	j := harness.Journal(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	body, _ := events()
	_, err := Import(ctx, j, strings.NewReader(body), Options{Data: testRoster(t), Now: now, Name: "e", Errors: &bytes.Buffer{}})
	if err == nil || j.Last() != 0 {
		t.Errorf("err %v, %d records after a cancelled import", err, j.Last())
	}
}

func FuzzImport(f *testing.F) {
	body, _ := events()
	for _, l := range strings.Split(body, "\n") {
		f.Add(l)
	}
	data := testRoster(f)
	f.Fuzz(func(t *testing.T, body string) {
		j := harness.Journal(t)
		var errs bytes.Buffer
		st, err := Import(context.Background(), j, strings.NewReader(body), Options{Data: data, Now: now, Name: "f", Errors: &errs})
		if err != nil {
			t.Fatal(err)
		}
		if uint64(st.Taps+st.Adjustments) != j.Last() {
			t.Fatalf("%+v but %d records", st, j.Last())
		}
		if st.Bad != strings.Count(errs.String(), "\n") {
			t.Fatalf("%d bad, %d reported", st.Bad, strings.Count(errs.String(), "\n"))
		}
		if st.Taps+st.Adjustments+st.Duplicates+st.Bad != st.Lines {
			t.Fatalf("each line has one outcome: %+v", st)
		}
		// everything journaled decodes and validates
		j.Scan(0, 0, func(seq uint64, kind journal.Kind, rec []byte) error {
			e, err := journal.DecodeEvent(rec)
			if err != nil {
				t.Fatalf("record %d: %v", seq, err)
			}
			if err := e.Event.Validate(now); err != nil {
				t.Fatalf("record %d: %v", seq, err)
			}
			return nil
		})
	})
}
