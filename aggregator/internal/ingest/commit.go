package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"timeclock/aggregator/internal/engine"
	"timeclock/aggregator/internal/journal"
	"timeclock/internal/punch"
)

// Results of a message, as counted in timeclock_ingest_events_total.
const (
	resAccepted = iota
	resDuplicate
	resRejected
	resDeferred
	resStatus // not an event: not counted
	nResults
)

var resultLabels = [nResults]string{"accepted", "duplicate", "rejected", "deferred", "status"}

// commitState is the commit stage's scratch space, reused batch to batch.
type commitState struct {
	taps    []*punch.Tap
	idx     []int // item of each tap
	results []engine.TapResult
	outs    []outcome
	buf     []byte
}

// outcome is what an item produced, for its answer.
type outcome struct {
	result int
	answer bool
	fb     punch.Feedback
}

// process journals a batch in one commit and returns its answers.
func (p *Pipeline) process(batch []item) (answerJob, error) {
	now := p.now()
	batch = p.hold.release(now, p.gw, batch)
	cs := &p.commit
	if cap(cs.outs) < len(batch) {
		cs.outs = make([]outcome, len(batch))
	}
	outs := cs.outs[:len(batch)]
	clear(outs)
	start := time.Now()
	err := p.j.Write(func(w *journal.Writer) error {
		cs.taps, cs.idx = cs.taps[:0], cs.idx[:0]
		for i := range batch {
			if err := p.journalItem(w, &batch[i], &outs[i], i, now); err != nil {
				return err
			}
		}
		// Every tap of the commit, new or a duplicate answered again, in
		// the engine under one lock (a no-op for one the engine has).
		if cap(cs.results) < len(cs.taps) {
			cs.results = make([]engine.TapResult, len(cs.taps))
		}
		p.core.ApplyTaps(cs.taps, cs.results[:len(cs.taps)])
		for k, i := range cs.idx {
			outs[i].fb = p.feedback(cs.taps[k], &cs.results[k])
		}
		if len(cs.taps) > 0 {
			p.alertsDue = true
		}
		if !p.alertsDue || time.Since(p.lastAlerts) < alertSettle {
			return nil
		}
		return p.appendAlerts(w, now)
	})
	if err != nil {
		return answerJob{}, fmt.Errorf("journal: %w", err)
	}
	p.m.JournalCommit.Observe(time.Since(start).Seconds())
	p.m.IngestBatch.Observe(float64(len(batch)))
	job := answerJob{acks: make([]Message, 0, len(batch)), answers: make([]Answer, 0, len(cs.taps))}
	for i := range batch {
		it, o := &batch[i], &outs[i]
		if !it.acked {
			job.acks = append(job.acks, it.msg)
		}
		job.counts[o.result]++
		if o.answer {
			cs.buf = o.fb.AppendJSON(cs.buf[:0])
			job.answers = append(job.answers, Answer{Topic: it.fbTopic, Payload: append([]byte(nil), cs.buf...)})
			job.feedback[feedbackIndex(o.fb.Result)]++
		}
	}
	return job, nil
}

// journalItem journals one message. Only journal failures are errors.
func (p *Pipeline) journalItem(w *journal.Writer, it *item, o *outcome, i int, now time.Time) error {
	if it.t.Gateway == "" {
		return p.reject(w, it, o)
	}
	if !it.acked {
		switch a, err := p.admit(w, it, now); {
		case err != nil:
			return err
		case a == admitHeld || a == admitDeferred:
			o.result = resDeferred
			return nil
		}
	}
	if it.held != 0 {
		if err := w.Unhold(it.held); err != nil { // journaled in this commit
			return err
		}
	}
	switch it.kind {
	case kindReject:
		return p.reject(w, it, o)
	case kindStatus:
		return p.status(w, it, o)
	}
	tap := &it.ev.Tap
	o.result, o.answer = resAccepted, true
	if seq, dup := w.Lookup(tap.ID); dup {
		// Answer from the journaled tap, not from this copy: the journal is
		// the record.
		o.result = resDuplicate
		if kind, data, ok := w.Get(seq); ok && kind == journal.KindTap {
			if e, err := journal.DecodeEvent(data); err == nil {
				it.ev = e.Event
			}
		}
	} else {
		cs := &p.commit
		cs.buf = journal.AppendEvent(cs.buf[:0], journal.Entry{Event: it.ev, Received: it.msg.Received})
		if _, _, err := w.Append(journal.KindTap, tap.ID, cs.buf); err != nil {
			return err
		}
	}
	p.commit.taps = append(p.commit.taps, &it.ev.Tap)
	p.commit.idx = append(p.commit.idx, i)
	return nil
}

// feedback turns a tap's engine outcome into its answer.
func (p *Pipeline) feedback(t *punch.Tap, r *engine.TapResult) punch.Feedback {
	fb := punch.Feedback{ID: t.ID, Result: punch.ResultOK, Level: punch.LevelOK}
	if r.Staff < 0 {
		if !errors.Is(r.Err, engine.ErrUnknownCard) {
			p.log.Error("tap not applied", "id", t.ID, "err", r.Err)
		}
		fb.Result = punch.ResultUnknownCard
		return fb
	}
	if r.Err != nil {
		p.log.Error("tap not applied", "id", t.ID, "err", r.Err)
	}
	v := &r.Feedback
	fb.Staff, fb.TodayMin, fb.MonthOvertimeMin = v.Staff, v.TodayMin, int(v.MonthOvertimeMin)
	switch v.Level {
	case "warn":
		fb.Level = punch.LevelWarn
	case "critical":
		fb.Level = punch.LevelCritical
	}
	return fb
}

// alertSettle is how long the alert transitions of taps may settle before
// they are journaled: the taps of a late day or a backlog come in quick
// succession (the first makes the day incomplete, the next completes it),
// and a condition raised and cleared again within the interval is not an
// alert (Live.Alerts nets the transitions of a drain). A crash before they
// are journaled loses nothing: the rebuild compares the engine's state with
// the journaled alerts and journals the difference.
const alertSettle = time.Second

// appendAlerts journals the alert transitions since the last drain.
func (p *Pipeline) appendAlerts(w *journal.Writer, now time.Time) error {
	p.alertsDue, p.lastAlerts = false, time.Now()
	for _, a := range p.core.Alerts(now) {
		if _, _, err := w.Append(journal.KindAlert, "", journal.Marshal(a)); err != nil {
			return err
		}
	}
	return nil
}

func (p *Pipeline) status(w *journal.Writer, it *item, o *outcome) error {
	st, t := &it.status, it.t
	rec := journal.Status{Board: t.Board, School: t.School, Gateway: t.Gateway, Online: st.Online, Queue: st.Queue,
		ClockSynced: st.ClockSynced, Readers: st.Readers, Version: st.Version, TS: st.TS, Received: it.msg.Received}
	// A retained status is delivered again on every subscription: its
	// gateway and report time make it idempotent.
	id := fmt.Sprintf("status:%s/%s/%s@%d", t.Board, t.School, t.Gateway, st.TS.UnixNano())
	if _, _, err := w.Append(journal.KindStatus, id, journal.Marshal(rec)); err != nil {
		return err
	}
	o.result = resStatus
	return nil
}

// reject keeps a payload with its reason. If the payload names a tap id the
// gateway is told, so it can show the fault and release the tap.
func (p *Pipeline) reject(w *journal.Writer, it *item, o *outcome) error {
	msg := &it.msg
	_, err := w.Reject(journal.Rejected{Received: msg.Received, Topic: msg.Topic, Kind: it.rejectKind, Reason: it.reason,
		Payload: string(msg.Payload)})
	if err != nil {
		return err
	}
	p.log.Warn("payload rejected", "topic", msg.Topic, "kind", it.rejectKind, "reason", it.reason)
	p.gw.rejected(it.t)
	p.m.Rejected.WithLabelValues(it.rejectKind).Inc()
	o.result = resRejected
	if it.answerable {
		var probe struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(msg.Payload, &probe) == nil {
			if _, _, _, err := punch.ParseTapID(probe.ID); err == nil {
				o.answer = true
				o.fb = punch.Feedback{ID: probe.ID, Result: punch.ResultRejected, Level: punch.LevelOK}
			}
		}
	}
	return nil
}
