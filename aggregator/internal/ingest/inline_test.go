package ingest

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"timeclock/aggregator/internal/engine"
	"timeclock/aggregator/internal/metrics"
	webharness "timeclock/aggregator/internal/web/webtest/harness"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/punch"
)

// inlineBroker records the subscriptions and what is published.
type inlineBroker struct {
	mu      sync.Mutex
	filters []string
	fn      func(topic string, payload []byte)
	out     []published
	fail    bool
}

func (b *inlineBroker) Subscribe(filter string, fn func(string, []byte)) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.filters, b.fn = append(b.filters, filter), fn
	return nil
}

func (b *inlineBroker) Publish(topic string, payload []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail {
		return errors.New("no such client")
	}
	b.out = append(b.out, published{topic, string(payload)})
	return nil
}

func (b *inlineBroker) published() []published {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.out)
}

func TestInline(t *testing.T) {
	j := webharness.Journal(t)
	eng, err := engine.New(testRoster(t), overtime.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	now := func() time.Time { return time.Date(2026, 6, 15, 19, 0, 0, 0, civil.JST) }
	p := New(j, core{eng}, nil, []string{"nakatsu"}, Limits{}, now, slog.New(slog.DiscardHandler), m)
	b := &inlineBroker{}
	in := NewInline(b, p, []string{"nakatsu"}, slog.New(slog.DiscardHandler), m)
	p.SetOutput(in)
	webharness.Run(t, "pipeline", p.Run)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	webharness.Eventually(t, "subscribed", func() (bool, string) { return in.Connected(), "" })
	if want := Filters([]string{"nakatsu"}, ""); !slices.Equal(b.filters, want) {
		t.Errorf("subscribed to %q, want %q", b.filters, want)
	}

	msg := tapMsg("gw-a", 1, 1, time.Date(2026, 6, 15, 7, 40, 0, 0, civil.JST))
	payload := slices.Clone(msg.Payload)
	b.fn(msg.Topic, payload)
	clear(payload) // the broker's buffer: the pipeline has its own copy
	webharness.Eventually(t, "the feedback", func() (bool, string) { return len(b.published()) == 1, "" })
	got := b.published()[0]
	fb, err := punch.DecodeFeedback([]byte(got.payload))
	if err != nil || got.topic != "timeclock/v1/nakatsu/nakatsu-e01/gw-a/feedback" || fb.ID != "gw-a:1:000001" ||
		fb.Result != punch.ResultOK {
		t.Errorf("feedback %s on %s (%v), want ok for gw-a:1:000001 on the gateway's feedback topic", got.payload, got.topic, err)
	}
	if j.Last() != 1 {
		t.Errorf("journal holds %d records, want the tap", j.Last())
	}

	// Feedback the broker cannot take is counted, the tap stays journaled.
	b.mu.Lock()
	b.fail = true
	b.mu.Unlock()
	b.fn(tapMsg("gw-a", 2, 2, time.Date(2026, 6, 15, 7, 41, 0, 0, civil.JST)).Topic,
		tapMsg("gw-a", 2, 2, time.Date(2026, 6, 15, 7, 41, 0, 0, civil.JST)).Payload)
	webharness.Eventually(t, "the second tap journaled and its feedback counted", func() (bool, string) {
		return j.Last() == 2 && counted(m) == 1, ""
	})

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// After the end a message is not delivered (its gateway sends it again).
	b.fn(msg.Topic, tapMsg("gw-a", 3, 1, time.Date(2026, 6, 15, 7, 42, 0, 0, civil.JST)).Payload)
	time.Sleep(50 * time.Millisecond)
	if j.Last() != 2 {
		t.Errorf("journal holds %d records after the end, want 2", j.Last())
	}
}

func counted(m *metrics.Metrics) float64 {
	var d dto.Metric
	if err := m.FeedbackErrors.Write(&d); err != nil {
		return -1
	}
	return d.GetCounter().GetValue()
}
