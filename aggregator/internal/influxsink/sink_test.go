package influxsink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/influxdata/influxdb-client-go/v2/api/write"
	"golang.org/x/sync/errgroup"

	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/metrics"
)

// fakeWriter fails while down is set, refuses points named "bad", and
// records what it wrote.
type fakeWriter struct {
	mu       sync.Mutex
	down     bool
	failures int
	written  []string
}

func (w *fakeWriter) Write(_ context.Context, pts []*write.Point) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.down {
		w.failures++
		return errors.New("connection refused")
	}
	for _, p := range pts {
		if p.Name() == "bad" {
			return fmt.Errorf("%w: field type conflict", ErrRejected)
		}
	}
	for _, p := range pts {
		w.written = append(w.written, p.Name())
	}
	return nil
}

func (w *fakeWriter) snapshot() ([]string, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.written...), w.failures
}

// oneEach emits a point named by the record's data, and one deferred
// "total" point per flush that had records.
type oneEach struct{ pending bool }

func (b *oneEach) Points(recs []Record, emit func(*write.Point) error) error {
	for _, r := range recs {
		if err := emit(write.NewPointWithMeasurement(string(r.Data)).AddField("seq", int64(r.Seq))); err != nil {
			return err
		}
		b.pending = true
	}
	return nil
}

func (b *oneEach) Deferred(emit func(*write.Point) error) error {
	if !b.pending {
		return nil
	}
	b.pending = false
	return emit(write.NewPointWithMeasurement("total").AddField("n", int64(1)))
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
		wantRefused bool
	}{
		{"plain", []string{"a", "b", "c"}, false, []string{"a", "b", "c", "total"}, false},
		{"outage", []string{"a", "b"}, true, []string{"a", "b", "total"}, false},
		{"refused batch skipped", []string{"bad"}, false, []string{"total"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := journal.Open(filepath.Join(t.TempDir(), "j.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			w := &fakeWriter{down: tt.down}
			m := metrics.New()
			s := New(j, w, &oneEach{}, 100, time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)), m)
			s.minWait, s.maxWait = time.Millisecond, 5*time.Millisecond
			ctx, cancel := context.WithCancel(context.Background())
			var g errgroup.Group
			g.Go(func() error { return s.Run(ctx) })
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
			waitFor(t, "the cursor at the end", func() bool {
				c, _ := j.Cursor(Name)
				return c == j.Last()
			})
			cancel()
			if err := g.Wait(); err != nil {
				t.Fatal(err)
			}
			got, _ := w.snapshot()
			if fmt.Sprint(got) != fmt.Sprint(tt.wantWritten) {
				t.Errorf("written %v, want %v", got, tt.wantWritten)
			}
			if s.Lag() != 0 {
				t.Errorf("lag %d after the end", s.Lag())
			}
		})
	}
}

// Stopped while InfluxDB is down: the cursor stays, so a restart writes
// the records again.
func TestSinkStopKeepsCursor(t *testing.T) {
	j, err := journal.Open(filepath.Join(t.TempDir(), "j.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	w := &fakeWriter{down: true}
	s := New(j, w, &oneEach{}, 100, time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)), metrics.New())
	s.minWait, s.maxWait = time.Millisecond, 5*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	var g errgroup.Group
	g.Go(func() error { return s.Run(ctx) })
	appendRecs(t, j, "a", "b")
	waitFor(t, "failed attempts", func() bool { _, f := w.snapshot(); return f >= 2 })
	cancel()
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if c, _ := j.Cursor(Name); c != 0 {
		t.Errorf("cursor %d after a stop with nothing written, want 0", c)
	}
}
