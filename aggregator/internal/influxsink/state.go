package influxsink

import (
	"context"
	"errors"
	"time"

	"timeclock/aggregator/internal/lineproto"
)

// stateScan bounds the records read in one read transaction of the state
// stream (a long read transaction keeps the journal from reusing pages).
const stateScan = 20000

// backlogPatience is how many flush intervals the state stream waits
// while the journal is busy.
const backlogPatience = 10

// runState is the state stream: at most every flush interval it notes what
// the records since its cursor touched, writes the current state of all of
// it and moves its cursor. While the journal is busy — the record stream
// more than a batch behind, or records arriving faster than a batch per
// flush interval (a backlog draining) — it waits, up to backlogPatience
// intervals: the taps go first, and the rewrite of every day and month the
// burst touched is done once at its end instead of every interval. (A
// round of rewrites for 10,000 staff costs InfluxDB more than the punch
// points of a whole drain.)
func (s *Sink) runState(ctx context.Context, done uint64) error {
	var buf lineproto.Buffer
	lastFlush := time.Now()
	tick := s.flushEvery / 4
	seen := s.j.Last() // journal end at the last look, for its growth
	var grew time.Time // when the journal last grew by a quarter batch
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		changed := s.j.Changed()
		last := s.j.Last()
		if last <= done {
			select {
			case <-changed:
				continue
			case <-ctx.Done():
				return nil
			}
		}
		since := time.Since(lastFlush)
		if last-seen > uint64(s.batch)/4 {
			grew, seen = time.Now(), last
		} else if last < seen {
			seen = last
		}
		// Busy: the record stream more than a batch behind, or more than a
		// batch since the last rewrite with the record stream not yet
		// through or the journal still growing fast within the last
		// interval: the rewrite after a burst waits until every tap of it
		// is in InfluxDB and the burst is over (one quiet tick between two
		// appends is not its end).
		recLag := lag(last, s.recDone.Load())
		busy := recLag > uint64(s.batch) ||
			(last-done > uint64(s.batch) && (recLag > 0 || time.Since(grew) < s.flushEvery))
		wait := s.flushEvery - since
		if wait <= 0 && busy && since < backlogPatience*s.flushEvery {
			wait = tick
		}
		if wait > 0 {
			timer.Reset(min(wait, tick))
			select {
			case <-timer.C:
				continue
			case <-ctx.Done():
				// Finish the work in hand: one attempt.
			}
		}
		last, ok, err := s.flushState(ctx, done, &buf)
		if err != nil || !ok {
			return err
		}
		done, lastFlush = last, time.Now()
		s.stateDone.Store(done)
		if err := s.j.SetCursor(StateName, done); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

var errStopped = errors.New("influxsink: stopped")

// flushState touches the records after from and writes what they made due.
// ok is false when ctx ended before InfluxDB took it.
func (s *Sink) flushState(ctx context.Context, from uint64, buf *lineproto.Buffer) (last uint64, ok bool, err error) {
	last = from
	for end := s.j.Last(); last < end; {
		last, err = s.scan(last, stateScan, s.state.Touch)
		if err != nil {
			return from, false, err
		}
	}
	buf.Reset()
	err = s.state.Flush(s.batch, buf, func(b *lineproto.Buffer) error {
		if !s.write(ctx, b) {
			return errStopped
		}
		b.Reset()
		return nil
	})
	if errors.Is(err, errStopped) {
		return from, false, nil
	}
	if err != nil {
		return from, false, err
	}
	s.prune(ctx)
	return last, true, nil
}
