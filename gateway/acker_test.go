package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"timeclock/internal/mqttclient"
	"timeclock/internal/mqttwire"
	"timeclock/internal/punch"
)

// Acker is a minimal acknowledging aggregator for the gateway's tests: it
// subscribes to every punch topic of a board (QoS 1, persistent session),
// checks each tap against FORMATS.md §2, records the order in which ids
// first arrive, and answers each with the feedback message of FORMATS.md §1
// (result ok), as the real aggregator does once a tap is in its journal.
type Acker struct {
	c *mqttclient.Client

	mu      sync.Mutex
	first   []string       // ids in order of first arrival
	count   map[string]int // arrivals per id
	taps    map[string]punch.Tap
	bad     []error // payloads that broke the contract
	paused  bool
	held    []mqttclient.Outgoing // the answers not given while paused
	changed chan struct{}
}

// startAcker connects an Acker for board to the broker at url and waits until
// it is subscribed. It disconnects when the test ends.
func startAcker(tb testing.TB, url, board string) *Acker {
	tb.Helper()
	a := &Acker{count: map[string]int{}, taps: map[string]punch.Tap{}, changed: make(chan struct{}, 1)}
	up := make(chan struct{}, 1)
	a.c = mqttclient.New(mqttclient.Options{
		URL: url, ClientID: "acker-" + board, MinReconnectDelay: 200 * time.Millisecond,
		MaxReconnectDelay: time.Second,
		Subscriptions:     []mqttwire.Subscription{{Filter: punch.PunchSubscription(board), QoS: 1}},
		OnConnect: func() {
			select {
			case up <- struct{}{}:
			default:
			}
		},
		AutoAck: true,
		Deliver: a.onTaps,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.c.Run(ctx) }()
	tb.Cleanup(func() { cancel(); <-done })
	select {
	case <-up:
	case <-time.After(30 * time.Second):
		tb.Fatalf("acker: not connected and subscribed to %s within 30s", url)
	}
	return a
}

func (a *Acker) onTaps(msgs []mqttclient.Message) {
	answers := make([]mqttclient.Outgoing, 0, len(msgs))
	a.mu.Lock()
	for _, m := range msgs {
		ev, err := punch.Decode(m.Payload, time.Now())
		if err == nil && ev.Type != punch.TypeTap {
			err = fmt.Errorf("not a tap: %s", m.Payload)
		}
		var topic punch.Topic
		if err == nil {
			if topic, err = punch.ParseTopic(m.Topic); err == nil {
				err = punch.CheckTopic(topic, ev.Tap)
			}
		}
		if err != nil {
			a.bad = append(a.bad, fmt.Errorf("%s: %s: %w", m.Topic, m.Payload, err))
			continue
		}
		id := ev.Tap.ID
		if a.count[id] == 0 {
			a.first = append(a.first, id)
			a.taps[id] = ev.Tap
		}
		a.count[id]++
		fb := punch.Feedback{ID: id, Result: punch.ResultOK, Staff: "T0001", TodayMin: 480, MonthOvertimeMin: 750,
			Level: punch.LevelOK}
		answers = append(answers, mqttclient.Outgoing{
			Topic: punch.FeedbackTopic(topic.Board, topic.School, topic.Gateway), Payload: fb.AppendJSON(nil)})
	}
	if a.paused {
		a.held = append(a.held, answers...)
		answers = nil
	}
	a.mu.Unlock()
	select {
	case a.changed <- struct{}{}:
	default:
	}
	a.publish(answers)
}

// publish answers at once; what cannot go out now (not connected) is
// dropped, as the gateway publishes an unanswered tap again. It must not
// wait: it runs on the client's reader.
func (a *Acker) publish(answers []mqttclient.Outgoing) {
	if len(answers) > 0 {
		_, _ = a.c.PublishAll(1, answers)
	}
}

// Pause stops (true) or resumes (false) answering. Taps keep being
// recorded; those that came while paused stay unanswered, as with an
// aggregator that lost them: the gateway must publish them again.
func (a *Acker) Pause(p bool) {
	a.mu.Lock()
	a.paused = p
	a.held = nil
	a.mu.Unlock()
}

// Resume resumes answering and answers at once every tap that came while
// paused, as an aggregator back from an outage answers the taps its
// persistent session kept.
func (a *Acker) Resume() {
	a.mu.Lock()
	a.paused = false
	held := a.held
	a.held = nil
	a.mu.Unlock()
	a.publish(held)
}

// WaitDistinct waits until n distinct ids have arrived or ctx ends.
func (a *Acker) WaitDistinct(ctx context.Context, n int) error {
	for {
		a.mu.Lock()
		got := len(a.first)
		a.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("acker: %d distinct taps arrived, want %d: %w", got, n, ctx.Err())
		case <-a.changed:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// WaitIDs waits until every id in ids has arrived or ctx ends. Prefer it to
// WaitDistinct when the sender may also send ids the test does not know of
// (a tap spooled just before a SIGKILL whose log line was never written).
func (a *Acker) WaitIDs(ctx context.Context, ids []string) error {
	for {
		a.mu.Lock()
		missing := ""
		for _, id := range ids {
			if _, ok := a.taps[id]; !ok {
				missing = id
				break
			}
		}
		a.mu.Unlock()
		if missing == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("acker: tap %s has not arrived: %w", missing, ctx.Err())
		case <-a.changed:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// First returns the ids in order of first arrival.
func (a *Acker) First() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.first...)
}

// Tap returns the tap first received under id.
func (a *Acker) Tap(id string) (punch.Tap, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.taps[id]
	return t, ok
}

// Arrivals returns how often id arrived (QoS 1 delivers at least once).
func (a *Acker) Arrivals(id string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.count[id]
}

// Bad returns the payloads that broke the contract.
func (a *Acker) Bad() []error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]error(nil), a.bad...)
}
