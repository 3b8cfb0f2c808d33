package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"timeclock/aggregator/internal/metrics"
)

// InlineBroker is a broker in the aggregator's own process (package broker):
// its subscribers are called on the publishing client's reader, and what it
// publishes goes to its clients' subscriptions.
type InlineBroker interface {
	Subscribe(filter string, fn func(topic string, payload []byte)) error
	Publish(topic string, payload []byte) error
}

// Inline is the aggregator's side of an embedded broker: the pipeline is
// subscribed in the broker's process, without a connection to itself.
// A message is handed to the pipeline by the publishing gateway's reader
// after the broker's PUBACK to it, and that reader waits while the
// pipeline's queue is full. Nothing is acknowledged: the broker keeps no
// message for the aggregator (nothing waits in its store, nothing is
// redelivered by it). A message lost with the process before its commit
// is sent again by its gateway, whose spool holds every tap until the
// aggregator's answer, which comes after the journal's fsync — as it is
// for the messages the broker's store held before a crash.
type Inline struct {
	b      InlineBroker
	p      *Pipeline
	boards []string
	log    *slog.Logger
	m      *metrics.Metrics

	ctx atomic.Pointer[context.Context] // Run's, while it runs
}

// NewInline returns the pipeline's subscription to b for boards' topics;
// make it p's Output (SetOutput). Subscribe with Run.
func NewInline(b InlineBroker, p *Pipeline, boards []string, log *slog.Logger, m *metrics.Metrics) *Inline {
	return &Inline{b: b, p: p, boards: boards, log: log.With("part", "mqtt"), m: m}
}

// Connected reports whether the pipeline is subscribed.
func (c *Inline) Connected() bool { return c.ctx.Load() != nil }

// Run subscribes and delivers until ctx is done. The subscriptions stay
// with the broker, which stops with the same context: a message arriving
// after it is not delivered.
func (c *Inline) Run(ctx context.Context) error {
	for _, f := range Filters(c.boards, "") {
		if err := c.b.Subscribe(f, c.deliver); err != nil {
			return fmt.Errorf("mqtt: subscribe %s in the embedded broker: %w", f, err)
		}
	}
	c.ctx.Store(&ctx)
	c.log.Info("mqtt subscribed in the embedded broker", "boards", len(c.boards))
	<-ctx.Done()
	return nil
}

func (c *Inline) deliver(topic string, payload []byte) {
	ctx := c.ctx.Load()
	if ctx == nil || (*ctx).Err() != nil {
		return
	}
	// The broker reuses nothing of the packet, but the pipeline keeps the
	// payload until the commit: it is the aggregator's own copy.
	c.p.Deliver(*ctx, Message{Topic: topic, Payload: append([]byte(nil), payload...), Received: time.Now()})
}

// Done publishes a commit's feedback with QoS 1 (there is nothing to
// acknowledge). What cannot be published is counted, as Client does.
func (c *Inline) Done(_ []Message, answers []Answer) {
	failed := 0
	var last error
	for _, a := range answers {
		if err := c.b.Publish(a.Topic, a.Payload); err != nil {
			failed, last = failed+1, err
		}
	}
	if failed > 0 {
		c.m.FeedbackErrors.Add(float64(failed))
		c.log.Debug("feedback not sent", "messages", failed, "err", last)
	}
}
