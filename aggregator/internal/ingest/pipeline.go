// Package ingest is the aggregator's single writer: it takes the MQTT
// messages of the gateways (taps and status reports) and the adjustments of
// the API, validates them, folds accepted events into the engine, appends
// everything to the journal in group commits — events, rejected payloads with
// their reasons, and the alert transitions the events caused, in the same
// commit — and only after the commit acknowledges the MQTT messages and
// publishes each tap's feedback.
//
// A message that is not acknowledged (the process died before the commit)
// is delivered again by the broker; the journal is idempotent on the event
// id, so nothing is lost and nothing is counted twice. A duplicate tap is
// answered again, so the gateway can release it.
//
// Input from the gateways is bounded: a payload larger than MaxPayload is
// rejected unparsed, and each gateway has an allowance of messages (Limits)
// beyond which its taps are deferred — acknowledged but neither journaled
// nor answered, so that the gateway sends them again later. Every
// rejection and deferral is counted per gateway (Gateways) and in the
// metrics.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"timeclock/aggregator/internal/engine"
	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/metrics"
	"timeclock/internal/civil"
	"timeclock/internal/punch"
)

// Core is the engine as the pipeline uses it.
type Core interface {
	Apply(ev punch.Event) (engine.Applied, error)
	Feedback(si int, date civil.Date) engine.Feedback
	// Alerts returns the alert transitions since the last call, stamped at now.
	Alerts(now time.Time) []journal.Alert
}

// Publisher sends a feedback message (QoS 1, not retained).
type Publisher interface {
	Publish(topic string, payload []byte)
}

// Message is one MQTT message to process. Ack is called once its outcome is
// journaled.
type Message struct {
	Topic    string
	Payload  []byte
	Received time.Time
	Ack      func()
}

// Result is the outcome of a submitted adjustment or job.
type Result struct {
	Seq       uint64 // journal sequence number of the event
	Duplicate bool   // the id was journaled before: nothing changed
	Err       error
	Event     punch.Event // the adjustment as journaled (a retract gets its target's date)
}

type request struct {
	ev    *punch.Event                                   // an adjustment to journal and apply
	job   func() (journal.Kind, []byte, error)           // work outside the transaction, and an optional record to append
	check func(w *journal.Writer, ev *punch.Event) error // extra validation inside the transaction
	done  chan Result
}

// Pipeline is the single writer.
type Pipeline struct {
	j        *journal.Journal
	core     Core
	pub      Publisher
	boards   map[string]bool
	now      func() time.Time
	log      *slog.Logger
	m        *metrics.Metrics
	in       chan Message
	reqs     chan request
	maxBatch int
	gw       *gateways

	fb  []byte
	buf []byte
}

// New returns a pipeline accepting taps of boards, each gateway within lim.
func New(j *journal.Journal, core Core, pub Publisher, boards []string, lim Limits, now func() time.Time,
	log *slog.Logger, m *metrics.Metrics) *Pipeline {
	bm := map[string]bool{}
	for _, b := range boards {
		bm[b] = true
	}
	return &Pipeline{j: j, core: core, pub: pub, boards: bm, now: now, log: log.With("part", "ingest"), m: m,
		in: make(chan Message, 8192), reqs: make(chan request, 64), maxBatch: 4096, gw: newGateways(lim)}
}

// Limits returns the allowance of each gateway.
func (p *Pipeline) Limits() Limits { return p.gw.lim }

// Gateways returns what each gateway sent (the gateways seen since the
// start), sorted by board, school and gateway.
func (p *Pipeline) Gateways() []GatewayStats { return p.gw.stats() }

// Deliver queues an MQTT message. It blocks while the queue is full, which
// holds back the broker's deliveries (back-pressure) instead of dropping.
func (p *Pipeline) Deliver(ctx context.Context, msg Message) {
	select {
	case p.in <- msg:
	case <-ctx.Done():
	}
}

// Submit journals and applies an adjustment (already validated by the
// caller); check, if not nil, runs inside the journal transaction first.
func (p *Pipeline) Submit(ctx context.Context, ev punch.Event, check func(w *journal.Writer, ev *punch.Event) error) Result {
	return p.do(ctx, request{ev: &ev, check: check})
}

// Do runs job in the writer, where no event is applied concurrently (an
// engine reload or a date change); the alert transitions it causes, and the
// record it returns (kind 0: none), are journaled afterwards.
func (p *Pipeline) Do(ctx context.Context, job func() (journal.Kind, []byte, error)) Result {
	return p.do(ctx, request{job: job})
}

func (p *Pipeline) do(ctx context.Context, r request) Result {
	r.done = make(chan Result, 1)
	select {
	case p.reqs <- r:
	case <-ctx.Done():
		return Result{Err: ctx.Err()}
	}
	select {
	case res := <-r.done:
		return res
	case <-ctx.Done():
		return Result{Err: ctx.Err()}
	}
}

// Run processes until ctx is done. The batch in hand is finished (journaled,
// acknowledged, answered); queued messages are left to the broker, which
// delivers them again since they were not acknowledged. A journal failure is
// returned: the engine may then hold events the journal lacks, so the
// aggregator must stop and rebuild from the journal.
func (p *Pipeline) Run(ctx context.Context) error {
	batch := make([]Message, 0, p.maxBatch)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return nil
		case r := <-p.reqs:
			if err := p.request(r); err != nil {
				return err
			}
			continue
		case msg := <-p.in:
			batch = append(batch, msg)
		}
	fill:
		for len(batch) < p.maxBatch {
			select {
			case msg := <-p.in:
				batch = append(batch, msg)
			default:
				break fill
			}
		}
		if err := p.process(batch); err != nil {
			return err
		}
	}
}

// outcome is what a message produced, for the acknowledgement and feedback.
type outcome struct {
	feedbackTopic string
	fb            punch.Feedback
	answer        bool
	result        string // accepted, duplicate, rejected, deferred, status
	rejectKind    string
	leaf          string // of a deferred message
}

func (p *Pipeline) process(batch []Message) error {
	now := p.now()
	outs := make([]outcome, len(batch))
	start := time.Now()
	err := p.j.Write(func(w *journal.Writer) error {
		for i := range batch {
			o, err := p.message(w, &batch[i], now)
			if err != nil {
				return err
			}
			outs[i] = o
		}
		return p.appendAlerts(w, now)
	})
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	p.m.JournalCommit.Observe(time.Since(start).Seconds())
	p.m.IngestBatch.Observe(float64(len(batch)))
	for i := range batch {
		if batch[i].Ack != nil {
			batch[i].Ack()
		}
		o := &outs[i]
		if o.result != "status" {
			p.m.Events.WithLabelValues(o.result).Inc()
		}
		if o.result == "deferred" {
			p.m.Deferred.WithLabelValues(o.leaf).Inc()
		}
		if o.rejectKind != "" {
			p.m.Rejected.WithLabelValues(o.rejectKind).Inc()
		}
		if o.answer {
			p.fb = o.fb.AppendJSON(p.fb[:0])
			p.pub.Publish(o.feedbackTopic, append([]byte(nil), p.fb...))
			p.m.Feedback.WithLabelValues(string(o.fb.Result)).Inc()
		}
	}
	return nil
}

func (p *Pipeline) appendAlerts(w *journal.Writer, now time.Time) error {
	for _, a := range p.core.Alerts(now) {
		if _, _, err := w.Append(journal.KindAlert, "", journal.Marshal(a)); err != nil {
			return err
		}
	}
	return nil
}

// message journals one MQTT message. Only journal failures are errors.
func (p *Pipeline) message(w *journal.Writer, msg *Message, now time.Time) (outcome, error) {
	t, ok := ParseTopic(msg.Topic)
	if !ok {
		return p.reject(w, msg, "topic", "not a gateway topic", Topic{}, false)
	}
	if t.Leaf != "punch" && t.Leaf != "status" {
		return p.reject(w, msg, "topic", "not a punch or status topic", t, false)
	}
	if ok, warn := p.gw.admit(t, now); !ok {
		if warn {
			p.log.Warn("gateway over its rate: messages deferred (the gateway sends taps again)",
				"board", t.Board, "school", t.School, "gateway", t.Gateway, "leaf", t.Leaf,
				"rate", p.gw.lim.Rate, "burst", p.gw.lim.Burst)
		}
		return outcome{result: "deferred", leaf: t.Leaf}, nil
	}
	if len(msg.Payload) > MaxPayload {
		return p.reject(w, msg, "size", fmt.Sprintf("payload of %d bytes (at most %d)", len(msg.Payload), MaxPayload), t, false)
	}
	if t.Leaf == "status" {
		return p.status(w, msg, t, now)
	}
	if !p.boards[t.Board] {
		return p.reject(w, msg, "board", fmt.Sprintf("board %q is not served here", t.Board), t, true)
	}
	ev, err := punch.Decode(msg.Payload, now)
	if err != nil {
		return p.reject(w, msg, punch.KindLabel(err), err.Error(), t, true)
	}
	if ev.Type != punch.TypeTap {
		return p.reject(w, msg, "type", "adjustments are entered through the API, not on a punch topic", t, true)
	}
	tap := &ev.Tap
	if tap.Board != t.Board || tap.School != t.School || tap.Gateway != t.Gateway {
		return p.reject(w, msg, "topic", fmt.Sprintf("payload %s/%s/%s differs from topic %s/%s/%s",
			tap.Board, tap.School, tap.Gateway, t.Board, t.School, t.Gateway), t, true)
	}
	o := outcome{feedbackTopic: t.Feedback(), answer: true, result: "accepted"}
	if seq, dup := w.Lookup(tap.ID); dup {
		// Answer from the journaled tap, not from this copy: the journal is
		// the record.
		o.result = "duplicate"
		if kind, data, ok := w.Get(seq); ok && kind == journal.KindTap {
			if e, err := journal.DecodeEvent(data); err == nil {
				ev = e.Event
			}
		}
	} else {
		p.buf = journal.AppendEvent(p.buf[:0], journal.Entry{Event: ev, Received: msg.Received})
		if _, _, err := w.Append(journal.KindTap, tap.ID, p.buf); err != nil {
			return o, err
		}
	}
	o.fb = p.feedback(ev)
	return o, nil
}

// feedback applies a tap (a no-op for one the engine has) and returns the
// answer for the gateway.
func (p *Pipeline) feedback(ev punch.Event) punch.Feedback {
	fb := punch.Feedback{ID: ev.Tap.ID, Result: punch.ResultOK, Level: punch.LevelOK}
	applied, err := p.core.Apply(ev)
	if applied.Staff < 0 {
		if !errors.Is(err, engine.ErrUnknownCard) {
			p.log.Error("tap not applied", "id", ev.Tap.ID, "err", err)
		}
		fb.Result = punch.ResultUnknownCard
		return fb
	}
	if err != nil {
		p.log.Error("tap not applied", "id", ev.Tap.ID, "err", err)
	}
	v := p.core.Feedback(applied.Staff, applied.Date)
	fb.Staff, fb.TodayMin, fb.MonthOvertimeMin = v.Staff, v.TodayMin, int(v.MonthOvertimeMin)
	switch v.Level {
	case "warn":
		fb.Level = punch.LevelWarn
	case "critical":
		fb.Level = punch.LevelCritical
	}
	return fb
}

func (p *Pipeline) status(w *journal.Writer, msg *Message, t Topic, now time.Time) (outcome, error) {
	st, err := punch.DecodeStatus(msg.Payload, now)
	if err != nil {
		return p.reject(w, msg, punch.KindLabel(err), err.Error(), t, false)
	}
	rec := journal.Status{Board: t.Board, School: t.School, Gateway: t.Gateway, Online: st.Online, Queue: st.Queue,
		ClockSynced: st.ClockSynced, Readers: st.Readers, Version: st.Version, TS: st.TS, Received: msg.Received}
	// A retained status is delivered again on every subscription: its
	// gateway and report time make it idempotent.
	id := fmt.Sprintf("status:%s/%s/%s@%d", t.Board, t.School, t.Gateway, st.TS.UnixNano())
	if _, _, err := w.Append(journal.KindStatus, id, journal.Marshal(rec)); err != nil {
		return outcome{}, err
	}
	return outcome{result: "status"}, nil
}

// reject keeps a payload with its reason. If the payload names a tap id the
// gateway is told, so it can show the fault and release the tap.
func (p *Pipeline) reject(w *journal.Writer, msg *Message, kind, reason string, t Topic, answer bool) (outcome, error) {
	_, err := w.Reject(journal.Rejected{Received: msg.Received, Topic: msg.Topic, Kind: kind, Reason: reason,
		Payload: string(msg.Payload)})
	if err != nil {
		return outcome{}, err
	}
	p.log.Warn("payload rejected", "topic", msg.Topic, "kind", kind, "reason", reason)
	p.gw.rejected(t)
	o := outcome{result: "rejected", rejectKind: kind}
	if answer {
		var probe struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(msg.Payload, &probe) == nil {
			if _, _, _, err := punch.ParseTapID(probe.ID); err == nil {
				o.answer, o.feedbackTopic = true, t.Feedback()
				o.fb = punch.Feedback{ID: probe.ID, Result: punch.ResultRejected, Level: punch.LevelOK}
			}
		}
	}
	return o, nil
}

// request runs an API submission or a job.
func (p *Pipeline) request(r request) error {
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
	p.buf = journal.AppendEvent(p.buf[:0], journal.Entry{Event: *ev, Received: p.now()})
	seq, _, err := w.Append(journal.KindAdjustment, id, p.buf)
	if err != nil {
		return Result{Err: err}
	}
	p.m.Events.WithLabelValues("accepted").Inc()
	return Result{Seq: seq, Event: *ev}
}
