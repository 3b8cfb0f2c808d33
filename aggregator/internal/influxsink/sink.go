// Package influxsink writes the InfluxDB series of FORMATS.md §5 from the
// journal: it follows the journal from its own cursor, turns a batch of
// records into points (through a Builder, which knows the engine), writes
// them with the client's blocking API and only then moves its cursor. While
// InfluxDB is down it retries the same batch with backoff, so an outage
// loses nothing; a restart resumes from the cursor, and since every point of
// a work day or month is rewritten at the same tags and time, writing a
// batch twice is harmless.
package influxsink

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/influxdata/influxdb-client-go/v2/api/write"

	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/metrics"
)

// Record is a journal record handed to a Builder (Data is the builder's to keep).
type Record struct {
	Seq  uint64
	Kind journal.Kind
	Data []byte
}

// Builder turns journal records into points.
type Builder interface {
	Points(recs []Record) ([]*write.Point, error)
}

// PointWriter writes one batch of points, or fails.
type PointWriter interface {
	Write(ctx context.Context, points []*write.Point) error
}

// Sink follows the journal into InfluxDB.
type Sink struct {
	name    string
	j       *journal.Journal
	w       PointWriter
	b       Builder
	batch   int
	log     *slog.Logger
	m       *metrics.Metrics
	cursor  atomic.Uint64
	minWait time.Duration
	maxWait time.Duration
}

// Name of the sink's journal cursor.
const Name = "influx"

// New returns a sink writing up to batch points per request.
func New(j *journal.Journal, w PointWriter, b Builder, batch int, log *slog.Logger, m *metrics.Metrics) *Sink {
	s := &Sink{name: Name, j: j, w: w, b: b, batch: batch, log: log.With("part", "influxsink"), m: m,
		minWait: 100 * time.Millisecond, maxWait: 10 * time.Second}
	m.LagGauge(Name, func() float64 { return float64(j.Last() - s.cursor.Load()) })
	return s
}

// Lag returns the journal records not yet written.
func (s *Sink) Lag() uint64 { return s.j.Last() - s.cursor.Load() }

// Run follows the journal until ctx is done. A write in flight when ctx ends
// is finished (bounded by its own timeout); the cursor then records exactly
// what reached InfluxDB.
func (s *Sink) Run(ctx context.Context) error {
	cur, err := s.j.Cursor(s.name)
	if err != nil {
		return err
	}
	s.cursor.Store(cur)
	for {
		changed := s.j.Changed()
		if s.j.Last() <= cur {
			select {
			case <-ctx.Done():
				return nil
			case <-changed:
				continue
			}
		}
		var recs []Record
		last, err := s.j.Scan(cur, s.batch, func(seq uint64, kind journal.Kind, data []byte) error {
			recs = append(recs, Record{Seq: seq, Kind: kind, Data: append([]byte(nil), data...)})
			return nil
		})
		if err != nil {
			return err
		}
		points, err := s.b.Points(recs)
		if err != nil {
			return err
		}
		for len(points) > 0 {
			n := min(len(points), s.batch)
			if !s.write(ctx, points[:n]) {
				return nil
			}
			points = points[n:]
		}
		if err := s.j.SetCursor(s.name, last); err != nil {
			return err
		}
		cur = last
		s.cursor.Store(cur)
	}
}

// write writes points, retrying with backoff until it succeeds. It reports
// false when ctx ended first.
func (s *Sink) write(ctx context.Context, points []*write.Point) bool {
	wait := s.minWait
	for attempt := 1; ; attempt++ {
		// The attempt itself is not cut short by ctx: what is in flight at
		// shutdown is finished.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		start := time.Now()
		err := s.w.Write(wctx, points)
		cancel()
		if err == nil {
			s.m.InfluxWrite.Observe(time.Since(start).Seconds())
			s.m.InfluxPoints.Add(float64(len(points)))
			if attempt > 1 {
				s.log.Info("influxdb writes resumed", "attempts", attempt)
			}
			return true
		}
		if errors.Is(err, ErrRejected) {
			// Repeating cannot help, and the stream must not stall behind it;
			// the journal still holds the events.
			s.m.InfluxRefused.Add(float64(len(points)))
			s.log.Error("influxdb refused points", "points", len(points), "err", err)
			return true
		}
		s.m.InfluxErrors.Inc()
		if attempt == 1 || attempt%20 == 0 {
			s.log.Warn("influxdb write failed; retrying", "attempt", attempt, "points", len(points), "err", err)
		}
		t := time.NewTimer(wait/2 + rand.N(wait/2+1))
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		wait = min(2*wait, s.maxWait)
	}
}
