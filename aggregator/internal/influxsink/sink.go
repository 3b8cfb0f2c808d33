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
	// Points emits the points of recs, in order. Points that aggregate many
	// records (the board's monthly figures) may be kept back for Deferred.
	Points(recs []Record, emit func(*write.Point) error) error
	// Deferred emits the points kept back so far.
	Deferred(emit func(*write.Point) error) error
}

// PointWriter writes one batch of points, or fails.
type PointWriter interface {
	Write(ctx context.Context, points []*write.Point) error
}

// Sink follows the journal into InfluxDB.
type Sink struct {
	name       string
	j          *journal.Journal
	w          PointWriter
	b          Builder
	batch      int
	flushEvery time.Duration
	log        *slog.Logger
	m          *metrics.Metrics
	done       atomic.Uint64 // last record whose immediate points are written
	minWait    time.Duration
	maxWait    time.Duration
	buf        []*write.Point
}

// Name of the sink's journal cursor.
const Name = "influx"

// New returns a sink writing up to batch points per request. The deferred
// points are written, and the cursor saved, at most every flushEvery: a
// crash replays at most that much, and the rewrites are idempotent.
func New(j *journal.Journal, w PointWriter, b Builder, batch int, flushEvery time.Duration, log *slog.Logger,
	m *metrics.Metrics) *Sink {
	s := &Sink{name: Name, j: j, w: w, b: b, batch: batch, flushEvery: flushEvery, log: log.With("part", "influxsink"),
		m: m, minWait: 100 * time.Millisecond, maxWait: 10 * time.Second}
	m.LagGauge(Name, func() float64 { return float64(s.Lag()) })
	return s
}

// Lag returns the journal records whose points are not written yet.
func (s *Sink) Lag() uint64 {
	last, done := s.j.Last(), s.done.Load()
	if done > last {
		return 0
	}
	return last - done
}

// Run follows the journal until ctx is done. At the end the work in hand is
// finished if InfluxDB takes it at once (one attempt), and the cursor records
// what reached InfluxDB.
func (s *Sink) Run(ctx context.Context) error {
	cur, err := s.j.Cursor(s.name)
	if err != nil {
		return err
	}
	done := cur
	s.done.Store(done)
	lastFlush := time.Now()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		changed := s.j.Changed()
		if s.j.Last() > done {
			last, ok, err := s.records(ctx, done)
			if err != nil || !ok {
				return err
			}
			done = last
			s.done.Store(done)
		}
		if done > cur && time.Since(lastFlush) >= s.flushEvery {
			ok, err := s.flush(ctx, done)
			if err != nil || !ok {
				return err
			}
			cur, lastFlush = done, time.Now()
		}
		if s.j.Last() > done {
			continue
		}
		wait := time.Hour
		if done > cur {
			wait = s.flushEvery - time.Since(lastFlush)
		}
		timer.Reset(max(wait, 0))
		select {
		case <-ctx.Done():
			if done > cur {
				if _, err := s.flush(ctx, done); err != nil {
					return err
				}
			}
			return nil
		case <-changed:
		case <-timer.C:
		}
	}
}

// records writes the immediate points of the next batch of records after
// from and returns the last record done; ok is false when ctx ended first.
func (s *Sink) records(ctx context.Context, from uint64) (uint64, bool, error) {
	var recs []Record
	last, err := s.j.Scan(from, s.batch, func(seq uint64, kind journal.Kind, data []byte) error {
		recs = append(recs, Record{Seq: seq, Kind: kind, Data: append([]byte(nil), data...)})
		return nil
	})
	if err != nil {
		return from, false, err
	}
	ok := true
	err = s.b.Points(recs, func(p *write.Point) error { return s.add(ctx, p, &ok) })
	if errors.Is(err, errStopped) {
		err = nil
	}
	if err == nil && ok {
		ok = s.writeBuf(ctx)
	}
	return last, ok, err
}

// flush writes the deferred points and saves the cursor at done.
func (s *Sink) flush(ctx context.Context, done uint64) (bool, error) {
	ok := true
	err := s.b.Deferred(func(p *write.Point) error { return s.add(ctx, p, &ok) })
	if errors.Is(err, errStopped) {
		err = nil
	}
	if err != nil {
		return false, err
	}
	if ok {
		ok = s.writeBuf(ctx)
	}
	if !ok {
		return false, nil
	}
	return true, s.j.SetCursor(s.name, done)
}

var errStopped = errors.New("influxsink: stopped")

func (s *Sink) add(ctx context.Context, p *write.Point, ok *bool) error {
	s.buf = append(s.buf, p)
	if len(s.buf) >= s.batch {
		if !s.writeBuf(ctx) {
			*ok = false
			return errStopped
		}
	}
	return nil
}

func (s *Sink) writeBuf(ctx context.Context) bool {
	if len(s.buf) == 0 {
		return true
	}
	ok := s.write(ctx, s.buf)
	clear(s.buf)
	s.buf = s.buf[:0]
	return ok
}

// write writes points, retrying with backoff until it succeeds. It reports
// false when ctx ended first (after at least one attempt).
func (s *Sink) write(ctx context.Context, points []*write.Point) bool {
	wait := s.minWait
	for attempt := 1; ; attempt++ {
		// An attempt is not cut short by ctx: what is in flight at shutdown
		// is finished.
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
