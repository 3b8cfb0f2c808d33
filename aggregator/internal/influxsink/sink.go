// Package influxsink writes the InfluxDB series of FORMATS.md §5 from the
// journal, in two followers of the journal, each with its own cursor:
//
//   - the record stream (cursor "influx"): one point per journal record that
//     has one (a tap's punch, an alert transition, a gateway status), in full
//     batches as fast as InfluxDB takes them. The batch in hand is written
//     by a goroutine of its own while the next one is read and encoded.
//   - the state stream (cursor "influx-state"): the work days, months and
//     board figures the records since its cursor touched, written with the
//     engine's current values, at most every flush interval. Many taps of
//     one person in that interval make one rewrite, so a backlog drain
//     costs InfluxDB the taps and once each touched day and month, not a
//     rewrite per tap. While the record stream is behind (a backlog), the
//     state stream waits for it, up to ten flush intervals. After the
//     rewrite of a roster reload it drops the series the roster no longer
//     writes (prune.go).
//
// Each stream writes with a blocking request and only then moves its
// cursor. While InfluxDB is down it retries the same batch with backoff, so
// an outage loses nothing; a restart resumes from the cursors, and since
// every point has fixed tags and time (a record's point carries its
// sequence number in the nanoseconds; a day or month its date), writing a
// batch twice is harmless.
package influxsink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/lineproto"
	"timeclock/aggregator/internal/metrics"
	"timeclock/internal/backoff"
)

// Record is a journal record handed to a builder (Data is valid only during
// the call).
type Record struct {
	Seq  uint64
	Kind journal.Kind
	Data []byte
}

// scan hands fn the journal records after from, up to limit of them (0: no
// limit), and returns the last one read; an error of fn names its record.
func (s *Sink) scan(from uint64, limit int, fn func(Record) error) (uint64, error) {
	return s.j.Scan(from, limit, func(seq uint64, kind journal.Kind, data []byte) error {
		if err := fn(Record{Seq: seq, Kind: kind, Data: data}); err != nil {
			return fmt.Errorf("journal record %d: %w", seq, err)
		}
		return nil
	})
}

// RecordPoints turns journal records into their own points.
type RecordPoints interface {
	// Record appends the points of r (none for most kinds) to buf.
	Record(r Record, buf *lineproto.Buffer) error
}

// StatePoints writes the current state that records touched.
type StatePoints interface {
	// Touch notes what r makes due for a rewrite.
	Touch(r Record) error
	// Flush appends the points of everything due to buf, calling write
	// whenever buf holds at least batch points and once at the end; what is
	// due is forgotten only after a successful Flush.
	Flush(batch int, buf *lineproto.Buffer, write func(*lineproto.Buffer) error) error
}

// PointWriter writes one body of line protocol, or fails.
type PointWriter interface {
	Write(ctx context.Context, body []byte) error
}

// Cursor names of the two streams in the journal.
const (
	Name      = "influx"
	StateName = "influx-state"
)

// Sink follows the journal into InfluxDB.
type Sink struct {
	j          *journal.Journal
	w          PointWriter
	rec        RecordPoints
	state      StatePoints
	batch      int
	flushEvery time.Duration
	log        *slog.Logger
	m          *metrics.Metrics
	recDone    atomic.Uint64 // last record whose own points are written
	stateDone  atomic.Uint64 // last record whose touched state is written
	minWait    time.Duration
	maxWait    time.Duration
}

// New returns a sink writing up to batch points per request. The state
// stream writes at most every flushEvery; the record stream saves its
// cursor at most that often (a crash rewrites at most that much, and the
// rewrites are idempotent).
func New(j *journal.Journal, w PointWriter, rec RecordPoints, state StatePoints, batch int, flushEvery time.Duration,
	log *slog.Logger, m *metrics.Metrics) *Sink {
	s := &Sink{j: j, w: w, rec: rec, state: state, batch: batch, flushEvery: flushEvery,
		log: log.With("part", "influxsink"), m: m, minWait: 100 * time.Millisecond, maxWait: 10 * time.Second}
	m.LagGauge(Name, func() float64 { return float64(lag(j.Last(), s.recDone.Load())) })
	m.LagGauge(StateName, func() float64 { return float64(lag(j.Last(), s.stateDone.Load())) })
	return s
}

func lag(last, done uint64) uint64 {
	if done > last {
		return 0
	}
	return last - done
}

// Lag returns the journal records whose points, own or touched, are not
// all written yet.
func (s *Sink) Lag() uint64 {
	return lag(s.j.Last(), min(s.recDone.Load(), s.stateDone.Load()))
}

// Run follows the journal until ctx is done. At the end each stream
// finishes the work in hand if InfluxDB takes it at once (one attempt), and
// its cursor records what reached InfluxDB.
func (s *Sink) Run(ctx context.Context) error {
	recCur, err := s.j.Cursor(Name)
	if err != nil {
		return err
	}
	stateCur, ok, err := s.j.CursorOK(StateName)
	if err != nil {
		return err
	}
	if !ok {
		// A journal from before the state stream had its own cursor: the
		// record stream's one covered both.
		stateCur = recCur
	}
	s.recDone.Store(recCur)
	s.stateDone.Store(stateCur)
	var g errgroup.Group
	g.Go(func() error { return s.runRecords(ctx, recCur) })
	g.Go(func() error { return s.runState(ctx, stateCur) })
	return g.Wait()
}

// write writes body, retrying with backoff until it succeeds. It reports
// false when ctx ended first (after at least one attempt). A body InfluxDB
// refuses for its content is counted and skipped: repeating cannot help,
// the stream must not stall behind it, and the journal still holds the
// events.
func (s *Sink) write(ctx context.Context, buf *lineproto.Buffer) bool {
	if buf.Len() == 0 {
		return true
	}
	wait := s.minWait
	for attempt := 1; ; attempt++ {
		// An attempt is not cut short by ctx: what is in flight at shutdown
		// is finished.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		start := time.Now()
		err := s.w.Write(wctx, buf.Bytes())
		cancel()
		if err == nil {
			s.m.InfluxWrite.Observe(time.Since(start).Seconds())
			s.m.InfluxPoints.Add(float64(buf.Len()))
			if attempt > 1 {
				s.log.Info("influxdb writes resumed", "attempts", attempt)
			}
			return true
		}
		if errors.Is(err, ErrRejected) {
			s.m.InfluxRefused.Add(float64(buf.Len()))
			s.log.Error("influxdb refused points", "points", buf.Len(), "err", err)
			return true
		}
		s.m.InfluxErrors.Inc()
		if attempt == 1 || attempt%20 == 0 {
			s.log.Warn("influxdb write failed; retrying", "attempt", attempt, "points", buf.Len(), "err", err)
		}
		if !backoff.Sleep(ctx, wait) {
			return false
		}
		wait = min(2*wait, s.maxWait)
	}
}
