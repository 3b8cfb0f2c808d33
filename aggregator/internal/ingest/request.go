package ingest

import (
	"errors"
	"fmt"

	"timeclock/aggregator/internal/journal"
	"timeclock/internal/punch"
)

// request runs an API submission or a job, after the answers of every
// message before it are out.
func (p *Pipeline) request(r request, answers chan<- answerJob) error {
	flushAnswers(answers)
	var res Result
	var kind journal.Kind
	var rec []byte
	if r.job != nil {
		var err error
		if kind, rec, err = r.job(); err != nil {
			r.done <- Result{Err: err}
			return nil
		}
	}
	now := p.now()
	err := p.j.Write(func(w *journal.Writer) error {
		if r.ev != nil {
			res = p.adjustment(w, r.ev, r.check)
			if res.Err != nil && !isUserError(res.Err) {
				return res.Err
			}
		}
		if kind != 0 {
			seq, _, err := w.Append(kind, "", rec)
			if err != nil {
				return err
			}
			res.Seq = seq
		}
		return p.appendAlerts(w, now)
	})
	if err != nil {
		r.done <- Result{Err: err}
		return fmt.Errorf("journal: %w", err)
	}
	r.done <- res
	return nil
}

// userError is a submission refused for its content; the journal is fine.
type userError struct{ error }

func isUserError(err error) bool {
	var u userError
	return errors.As(err, &u)
}

// IsRefused reports whether a submission was refused for its content (as
// opposed to a failure of the aggregator).
func IsRefused(err error) bool { return isUserError(err) }

func (p *Pipeline) adjustment(w *journal.Writer, ev *punch.Event, check func(*journal.Writer, *punch.Event) error) Result {
	id := ev.Adjustment.ID
	if seq, dup := w.Lookup(id); dup {
		p.m.Events.WithLabelValues("duplicate").Inc()
		return Result{Seq: seq, Duplicate: true}
	}
	if check != nil {
		if err := check(w, ev); err != nil {
			return Result{Err: userError{err}}
		}
	}
	// Applied before it is appended: an adjustment the engine cannot place
	// (unknown staff) is refused and not journaled.
	if _, err := p.core.Apply(*ev); err != nil {
		return Result{Err: userError{err}}
	}
	cs := &p.commit
	cs.buf = journal.AppendEvent(cs.buf[:0], journal.Entry{Event: *ev, Received: p.now()})
	seq, _, err := w.Append(journal.KindAdjustment, id, cs.buf)
	if err != nil {
		return Result{Err: err}
	}
	p.m.Events.WithLabelValues("accepted").Inc()
	return Result{Seq: seq, Event: *ev}
}
