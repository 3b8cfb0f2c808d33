package influxsink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/lineproto"
	"timeclock/aggregator/internal/metrics"
	"timeclock/aggregator/internal/web/webtest/harness"
)

// fakeWriter fails while down is set, refuses points named "bad", and
// records the measurements it wrote.
type fakeWriter struct {
	mu       sync.Mutex
	down     bool
	failures int
	written  []string
	writes   int // successful writes
}

func (w *fakeWriter) Write(_ context.Context, body []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.down {
		w.failures++
		return errors.New("connection refused")
	}
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "bad ") {
			return fmt.Errorf("%w: field type conflict", ErrRejected)
		}
	}
	for _, l := range lines {
		w.written = append(w.written, l[:strings.IndexByte(l, ' ')])
	}
	w.writes++
	return nil
}

func (w *fakeWriter) snapshot() ([]string, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.written...), w.failures
}

// oneEach gives each record a point named by its data.
type oneEach struct{}

func (oneEach) Record(r Record, buf *lineproto.Buffer) error {
	buf.Point(string(r.Data)).Int("seq", int64(r.Seq)).End(time.Unix(0, int64(r.Seq)))
	return nil
}

// total writes one "total" point per flush that had records touched.
type total struct {
	mu      sync.Mutex
	touched int
	flushes int
}

func (s *total) Touch(Record) error {
	s.mu.Lock()
	s.touched++
	s.mu.Unlock()
	return nil
}

func (s *total) Flush(_ int, buf *lineproto.Buffer, write func(*lineproto.Buffer) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.touched == 0 {
		return nil
	}
	buf.Point("total").Int("n", int64(s.touched)).End(time.Unix(0, 1))
	if err := write(buf); err != nil {
		return err
	}
	s.touched = 0
	s.flushes++
	return nil
}

func newSink(j *journal.Journal, w PointWriter, st StatePoints) *Sink {
	s := New(j, w, oneEach{}, st, 100, time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)), metrics.New())
	s.minWait, s.maxWait = time.Millisecond, 5*time.Millisecond
	return s
}

func appendRecs(t *testing.T, j *journal.Journal, names ...string) {
	t.Helper()
	err := j.Write(func(w *journal.Writer) error {
		for _, n := range names {
			if _, _, err := w.Append(journal.KindStatus, "", []byte(n)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("waiting for %s", what)
		case <-tick.C:
		}
	}
}

func TestSink(t *testing.T) {
	tests := []struct {
		name        string
		names       []string
		down        bool // InfluxDB down until every record is appended
		wantWritten []string
	}{
		{"plain", []string{"a", "b", "c"}, false, []string{"a", "b", "c", "total"}},
		{"outage", []string{"a", "b"}, true, []string{"a", "b", "total"}},
		{"refused batch skipped", []string{"bad"}, false, []string{"total"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := harness.Journal(t)
			w := &fakeWriter{down: tt.down}
			s := newSink(j, w, &total{})
			stop := harness.Run(t, "sink", s.Run)
			appendRecs(t, j, tt.names...)
			if tt.down {
				waitFor(t, "failed attempts", func() bool { _, f := w.snapshot(); return f >= 3 })
				if s.Lag() == 0 {
					t.Error("no lag while the writer is down")
				}
				w.mu.Lock()
				w.down = false
				w.mu.Unlock()
			}
			waitFor(t, "both cursors at the end", func() bool {
				c, _ := j.Cursor(Name)
				cs, _ := j.Cursor(StateName)
				return c == j.Last() && cs == j.Last()
			})
			stop()
			got, _ := w.snapshot()
			// The streams run side by side: the records' points in journal
			// order, the state's among them.
			var recs []string
			for _, n := range got {
				if n != "total" {
					recs = append(recs, n)
				}
			}
			want := tt.wantWritten[:len(tt.wantWritten)-1]
			if fmt.Sprint(recs) != fmt.Sprint(want) || len(got) != len(tt.wantWritten) {
				t.Errorf("written %v, want %v", got, tt.wantWritten)
			}
			if s.Lag() != 0 {
				t.Errorf("lag %d after the end", s.Lag())
			}
		})
	}
}

// Stopped while InfluxDB is down: the cursors stay, so a restart writes
// the records again.
func TestSinkStopKeepsCursor(t *testing.T) {
	j := harness.Journal(t)
	w := &fakeWriter{down: true}
	s := newSink(j, w, &total{})
	stop := harness.Run(t, "sink", s.Run)
	appendRecs(t, j, "a", "b")
	waitFor(t, "failed attempts", func() bool { _, f := w.snapshot(); return f >= 2 })
	stop()
	for _, name := range []string{Name, StateName} {
		if c, _ := j.Cursor(name); c != 0 {
			t.Errorf("cursor %s at %d after a stop with nothing written, want 0", name, c)
		}
	}
}

// A journal from before the state stream had its own cursor: the state
// stream starts where the record stream's cursor is, rather than rewriting
// the whole journal.
func TestStateStartsAtTheOldCursor(t *testing.T) {
	j := harness.Journal(t)
	appendRecs(t, j, "a", "b", "c")
	if err := j.SetCursor(Name, 2); err != nil {
		t.Fatal(err)
	}
	w := &fakeWriter{}
	st := &total{}
	s := newSink(j, w, st)
	stop := harness.Run(t, "sink", s.Run)
	waitFor(t, "both cursors at the end", func() bool {
		c, _ := j.Cursor(Name)
		cs, _ := j.Cursor(StateName)
		return c == 3 && cs == 3
	})
	stop()
	if got, _ := w.snapshot(); fmt.Sprint(got) != "[c total]" && fmt.Sprint(got) != "[total c]" {
		t.Errorf("written %v, want c and one total", got)
	}
	if st.flushes != 1 {
		t.Errorf("%d state flushes, want 1", st.flushes)
	}
}

// Many records in a burst are one state rewrite, not one per interval:
// while records keep coming faster than a batch per interval, the state
// stream waits.
func TestStateWaitsOutABurst(t *testing.T) {
	j := harness.Journal(t)
	w := &fakeWriter{}
	st := &total{}
	s := New(j, w, oneEach{}, st, 100, 40*time.Millisecond, slog.New(slog.DiscardHandler), metrics.New())
	stop := harness.Run(t, "sink", s.Run)
	// 200 records every 5 ms for 200 ms: more than a batch (100) per
	// interval (40 ms), five intervals long.
	names := make([]string, 200)
	for i := range names {
		names[i] = "p"
	}
	// A pause of more than a quarter interval between two appends (the
	// sink looks every quarter interval) may end the burst as the sink sees it: on a loaded machine
	// the sleeps overshoot, and each such pause may earn one rewrite.
	start := time.Now()
	pauses, prev := 0, start
	for range 40 {
		appendRecs(t, j, names...)
		now := time.Now()
		if now.Sub(prev) > 10*time.Millisecond {
			pauses++
		}
		prev = now
		time.Sleep(5 * time.Millisecond)
	}
	burst := time.Since(start)
	waitFor(t, "the state cursor at the end", func() bool { cs, _ := j.Cursor(StateName); return cs == j.Last() })
	stop()
	// One rewrite per backlogPatience intervals of burst (the burst is
	// longer on a slow machine), one per pause, one when it ends.
	want := 1 + int(burst/(backlogPatience*40*time.Millisecond)) + pauses + 1
	if st.flushes > want {
		t.Errorf("%d state flushes during a burst of %v with %d pauses, want at most %d", st.flushes, burst, pauses, want)
	}
}

func TestRecordsCoalesceABurst(t *testing.T) {
	j := harness.Journal(t)
	w := &fakeWriter{}
	// The state stream's first flush is an hour away: every write until
	// the end is the record stream's.
	s := New(j, w, oneEach{}, &total{}, 1000, time.Hour, slog.New(slog.DiscardHandler), metrics.New())
	harness.Run(t, "sink", s.Run)
	// A lone record after a quiet time goes at once, a write of its own.
	appendRecs(t, j, "r")
	waitFor(t, "the first record", func() bool { got, _ := w.snapshot(); return len(got) == 1 })
	// 200 commits of one record back to back: partial batches at most one
	// per minWrite, not one write per commit.
	start := time.Now()
	for range 200 {
		appendRecs(t, j, "r")
	}
	waitFor(t, "every record", func() bool { got, _ := w.snapshot(); return len(got) == 201 })
	took := time.Since(start)
	w.mu.Lock()
	writes := w.writes - 1
	w.mu.Unlock()
	if limit := 1 + int(took/minWrite); writes > limit {
		t.Errorf("%d writes for 200 commits in %v, want at most %d (one per %v)", writes, took, limit, minWrite)
	}
}
