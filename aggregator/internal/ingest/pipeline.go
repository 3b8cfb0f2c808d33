// Package ingest is the aggregator's single writer: it takes the MQTT
// messages of the gateways (taps and status reports) and the adjustments of
// the API, validates them, folds accepted events into the engine, appends
// everything to the journal — events, rejected payloads with their reasons,
// and the alert transitions the events caused, in the same commit — and only
// after the commit acknowledges the MQTT messages and publishes each tap's
// feedback.
//
// The work is a pipeline of three stages, so that the fsync of one commit
// overlaps the work around the next:
//
//   - prepare (Deliver, on the MQTT client's reader, or on each client's
//     reader in the embedded broker): topics parsed, payloads decoded and
//     checked;
//   - commit (Run, the single writer): every message that arrived during the
//     previous commit goes into the next one (group commit: one fsync for
//     all of them), the new taps are applied to the engine under one lock,
//     and their answers computed;
//   - answer (a goroutine of Run): the acknowledgements, in the order the
//     messages came, and the feedback of the whole commit, handed to the
//     client at once.
//
// A message that is not acknowledged (the process died before the commit)
// is delivered again by the broker; the journal is idempotent on the event
// id, so nothing is lost and nothing is counted twice. A duplicate tap is
// answered again, so the gateway can release it.
//
// Input from the gateways is bounded: a payload larger than MaxPayload is
// rejected unparsed, and each gateway has an allowance (Limits) beyond which
// its taps are held (hold.go). Every rejection and deferral is counted per
// gateway (Gateways) and in the metrics.
package ingest

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"timeclock/aggregator/internal/engine"
	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/metrics"
	"timeclock/internal/mqttclient"
	"timeclock/internal/punch"
)

// Core is the engine as the pipeline uses it.
type Core interface {
	Apply(ev punch.Event) (engine.Applied, error)
	ApplyTaps(taps []*punch.Tap, out []engine.TapResult)
	// Alerts returns the alert transitions since the last call, stamped at now.
	Alerts(now time.Time) []journal.Alert
}

// Answer is a feedback message for a gateway.
type Answer struct {
	Topic   string
	Payload []byte
}

// Output takes what a commit produced: the messages to acknowledge, in the
// order they came, and the feedback to publish (QoS 1, not retained). The
// slices are the callee's only during the call.
type Output interface {
	Done(acks []Message, answers []Answer)
}

// Message is one MQTT message to process. Ack, if not nil, is called once
// its outcome is journaled; Src is the client's own handle of it, which
// Output acknowledges.
type Message struct {
	Topic    string
	Payload  []byte
	Received time.Time
	Ack      func()
	Src      mqttclient.Message
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
	j      *journal.Journal
	core   Core
	out    Output
	boards map[string]bool
	now    func() time.Time
	log    *slog.Logger
	m      *metrics.Metrics
	in     chan []item
	items  sync.Pool // of *[]item: Deliver's slices, back from the commit stage
	reqs   chan request
	gw     *gateways
	hold   holds
	topics feedbackTopics // of Deliver

	maxBatch   int
	commit     commitState // of the commit stage
	alertsDue  bool        // taps applied since the alerts were last drained
	lastAlerts time.Time
}

// New returns a pipeline accepting taps of boards, each gateway within lim.
func New(j *journal.Journal, core Core, out Output, boards []string, lim Limits, now func() time.Time,
	log *slog.Logger, m *metrics.Metrics) *Pipeline {
	bm := map[string]bool{}
	for _, b := range boards {
		bm[b] = true
	}
	return &Pipeline{j: j, core: core, out: out, boards: bm, now: now, log: log.With("part", "ingest"), m: m,
		in: make(chan []item, 64), reqs: make(chan request, 64), maxBatch: 8192, gw: newGateways(lim),
		hold: newHolds(lim)}
}

// SetOutput sets where the commits' acknowledgements and answers go; call
// it before Run.
func (p *Pipeline) SetOutput(out Output) { p.out = out }

// Limits returns the allowance of each gateway.
func (p *Pipeline) Limits() Limits { return p.gw.lim }

// Gateways returns what each gateway sent (the gateways seen since the
// start), sorted by board, school and gateway.
func (p *Pipeline) Gateways() []GatewayStats { return p.gw.stats() }

// Deliver prepares messages and queues them for the next commit. It blocks
// while the queue is full, which holds back the broker's deliveries
// (back-pressure) instead of dropping. It may be called from several
// goroutines at once (the embedded broker delivers on each client's reader);
// the messages of one call keep their order.
func (p *Pipeline) Deliver(ctx context.Context, msgs ...Message) {
	if len(msgs) == 0 {
		return
	}
	var items []item
	if v, ok := p.items.Get().(*[]item); ok && cap(*v) >= len(msgs) {
		items = (*v)[:len(msgs)]
	} else {
		items = make([]item, len(msgs))
	}
	for i := range msgs {
		items[i].msg = msgs[i]
		p.prepare(&items[i], &p.topics)
	}
	select {
	case p.in <- items:
	case <-ctx.Done():
	}
}

// Submit journals and applies an adjustment (already validated by the
// caller); check, if not nil, runs inside the journal transaction first.
func (p *Pipeline) Submit(ctx context.Context, ev punch.Event, check func(w *journal.Writer, ev *punch.Event) error) Result {
	return p.do(ctx, request{ev: &ev, check: check})
}

// Do runs job in the writer, where no event is applied concurrently (an
// engine reload or a date change), once the answers of every message before
// it are out; the alert transitions it causes, and the record it returns
// (kind 0: none), are journaled afterwards.
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

// holdTick is how often held taps are looked at while there are any.
const holdTick = 100 * time.Millisecond

// Run processes until ctx is done. The batch in hand is finished (journaled,
// acknowledged, answered); queued messages are left to the broker, which
// delivers them again since they were not acknowledged. A journal failure is
// returned: the engine may then hold events the journal lacks, so the
// aggregator must stop and rebuild from the journal.
func (p *Pipeline) Run(ctx context.Context) error {
	if err := p.restoreHeld(); err != nil {
		return err
	}
	answers := make(chan answerJob, 4)
	answered := make(chan struct{})
	go func() { defer close(answered); p.answerLoop(answers) }()
	defer func() { close(answers); <-answered }()
	tick := time.NewTicker(holdTick)
	defer tick.Stop()
	var batch []item
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return nil
		case r := <-p.reqs:
			if err := p.request(r, answers); err != nil {
				return err
			}
			continue
		case items := <-p.in:
			batch = append(batch, items...)
			p.recycle(items)
		case <-tick.C:
			// Held taps may be due, and the alerts of the last taps must
			// not wait for the next message.
			if p.hold.empty() && !(p.alertsDue && time.Since(p.lastAlerts) >= alertSettle) {
				continue
			}
		}
	fill:
		for len(batch) < p.maxBatch {
			select {
			case items := <-p.in:
				batch = append(batch, items...)
				p.recycle(items)
			default:
				break fill
			}
		}
		job, err := p.process(batch)
		if err != nil {
			return err
		}
		answers <- job
		// Nothing holds on to the batch's items now (held ones were
		// copied, answers and acknowledgements are the job's own): the
		// next batch reuses its storage.
		clear(batch)
	}
}

// recycle gives a slice of Deliver's back once its items are copied.
func (p *Pipeline) recycle(items []item) {
	clear(items)
	items = items[:0]
	p.items.Put(&items)
}
