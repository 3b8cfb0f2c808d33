package influxsink

import (
	"context"
	"errors"
	"time"

	"timeclock/aggregator/internal/lineproto"
)

// recordBatch is a batch of the record stream: the points of the records up
// to last.
type recordBatch struct {
	buf  *lineproto.Buffer
	last uint64
}

// runRecords is the record stream: it reads and encodes batches while the
// previous one is being written, and hands a batch over as soon as the
// writer is free, filled with whatever the journal holds by then (at most
// batch records), so that under load every request is full.
func (s *Sink) runRecords(ctx context.Context, done uint64) error {
	batches := make(chan recordBatch)
	free := make(chan *lineproto.Buffer, 2)
	free <- new(lineproto.Buffer)
	free <- new(lineproto.Buffer)
	stopped := make(chan struct{}) // the writer gave up (ctx ended while InfluxDB failed)
	var writeErr error
	wdone := make(chan struct{})
	go func() {
		defer close(wdone)
		writeErr = s.writeRecords(ctx, batches, free, done, stopped)
	}()
	err := s.readRecords(ctx, done, batches, free, stopped)
	close(batches)
	<-wdone
	return errors.Join(err, writeErr)
}

// minWrite is the shortest time between two writes of the record stream
// that are not full batches.
const minWrite = 25 * time.Millisecond

// readRecords fills batches from the journal until ctx is done, then hands
// over what it holds.
func (s *Sink) readRecords(ctx context.Context, read uint64, batches chan<- recordBatch, free <-chan *lineproto.Buffer,
	stopped <-chan struct{}) error {
	buf := <-free
	sent := read
	var handed time.Time // when the last batch went to the writer
	linger := time.NewTimer(time.Hour)
	defer linger.Stop()
	for {
		changed := s.j.Changed()
		full := buf.Len() >= s.batch || read-sent >= uint64(s.batch)
		if s.j.Last() > read && !full {
			last, err := s.scan(read, s.batch-int(read-sent), func(r Record) error { return s.rec.Record(r, buf) })
			if err != nil {
				return err
			}
			read = last
			continue
		}
		if read == sent {
			select {
			case <-changed:
				continue
			case <-stopped:
				return nil
			case <-ctx.Done():
				return nil
			}
		}
		// Records arriving back to back (a burst, a backlog draining): a
		// partial batch waits until minWrite after the last handover, so
		// InfluxDB gets fewer, larger writes; a lone tap goes at once.
		if wait := minWrite - time.Since(handed); !full && wait > 0 {
			linger.Reset(wait)
			select {
			case <-linger.C:
			case <-changed:
				linger.Stop()
			case <-stopped:
				return nil
			case <-ctx.Done():
				linger.Stop()
				select {
				case batches <- recordBatch{buf: buf, last: read}:
				case <-stopped:
				}
				return nil
			}
			continue
		}
		select {
		case batches <- recordBatch{buf: buf, last: read}:
			sent, handed = read, time.Now()
			select {
			case buf = <-free:
			case <-stopped:
				return nil
			}
		case <-changed:
		case <-stopped:
			return nil
		case <-ctx.Done():
			// Hand over the batch in hand: the writer tries it once.
			select {
			case batches <- recordBatch{buf: buf, last: read}:
			case <-stopped:
			}
			return nil
		}
	}
}

// writeRecords writes the batches in order and moves the stream's cursor,
// saving it at most every flush interval (and once more when the stream
// falls idle, and at the end).
func (s *Sink) writeRecords(ctx context.Context, batches <-chan recordBatch, free chan<- *lineproto.Buffer, saved uint64,
	stopped chan<- struct{}) error {
	lastSave := time.Now()
	done := saved
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	save := func() error {
		if done == saved {
			return nil
		}
		if err := s.j.SetCursor(Name, done); err != nil {
			return err
		}
		saved, lastSave = done, time.Now()
		return nil
	}
	for {
		var b recordBatch
		var ok bool
		if done != saved {
			timer.Reset(max(s.flushEvery-time.Since(lastSave), 0))
			select {
			case b, ok = <-batches:
			case <-timer.C:
				if err := save(); err != nil {
					close(stopped)
					for range batches {
					}
					return err
				}
				continue
			}
			timer.Stop()
		} else {
			b, ok = <-batches
		}
		if !ok {
			return save()
		}
		if !s.write(ctx, b.buf) {
			close(stopped)
			for range batches {
			}
			return save()
		}
		done = b.last
		s.recDone.Store(done)
		b.buf.Reset()
		free <- b.buf
		if time.Since(lastSave) >= s.flushEvery {
			if err := save(); err != nil {
				close(stopped)
				for range batches {
				}
				return err
			}
		}
	}
}
