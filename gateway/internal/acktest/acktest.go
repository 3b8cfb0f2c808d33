// Package acktest provides a minimal acknowledging aggregator for the
// gateway's tests: it subscribes to every punch topic of a board (QoS 1,
// persistent session), checks each tap against FORMATS.md §2, records the
// order in which ids first arrive, and answers each with the feedback
// message of FORMATS.md §1 (result ok), as the real aggregator does once a
// tap is in its journal.
package acktest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"timeclock/internal/punch"
)

// Acker is the running subscriber.
type Acker struct {
	c mqtt.Client

	mu      sync.Mutex
	first   []string       // ids in order of first arrival
	count   map[string]int // arrivals per id
	taps    map[string]punch.Tap
	bad     []error // payloads that broke the contract
	paused  bool
	changed chan struct{}
}

// Start connects an Acker for board to the broker at url; it disconnects
// when the test ends.
func Start(tb testing.TB, url, board string) *Acker {
	tb.Helper()
	a := &Acker{count: map[string]int{}, taps: map[string]punch.Tap{}, changed: make(chan struct{}, 1)}
	filter := punch.PunchSubscription(board)
	o := mqtt.NewClientOptions().AddBroker(url).SetClientID("acktest-" + board).
		SetCleanSession(false).SetAutoReconnect(true).SetConnectRetry(true).
		SetConnectRetryInterval(200 * time.Millisecond).SetMaxReconnectInterval(time.Second).
		SetOrderMatters(true).
		SetOnConnectHandler(func(c mqtt.Client) {
			c.Subscribe(filter, 1, a.onTap)
		})
	a.c = mqtt.NewClient(o)
	tok := a.c.Connect()
	if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		tb.Fatalf("acktest: connect %s: %v", url, tok.Error())
	}
	sub := a.c.Subscribe(filter, 1, a.onTap)
	if !sub.WaitTimeout(30*time.Second) || sub.Error() != nil {
		tb.Fatalf("acktest: subscribe %s: %v", filter, sub.Error())
	}
	tb.Cleanup(func() { a.c.Disconnect(100) })
	return a
}

func (a *Acker) onTap(c mqtt.Client, m mqtt.Message) {
	ev, err := punch.Decode(m.Payload(), time.Now())
	if err == nil && ev.Type != punch.TypeTap {
		err = fmt.Errorf("not a tap: %s", m.Payload())
	}
	var topic punch.Topic
	if err == nil {
		if topic, err = punch.ParseTopic(m.Topic()); err == nil {
			err = punch.CheckTopic(topic, ev.Tap)
		}
	}
	a.mu.Lock()
	if err != nil {
		a.bad = append(a.bad, fmt.Errorf("%s: %s: %w", m.Topic(), m.Payload(), err))
		a.mu.Unlock()
		return
	}
	id := ev.Tap.ID
	if a.count[id] == 0 {
		a.first = append(a.first, id)
		a.taps[id] = ev.Tap
	}
	a.count[id]++
	paused := a.paused
	a.mu.Unlock()
	select {
	case a.changed <- struct{}{}:
	default:
	}
	if paused {
		return
	}
	fb := punch.Feedback{ID: id, Result: punch.ResultOK, Staff: "T0001", TodayMin: 480, MonthOvertimeMin: 750,
		Level: punch.LevelOK}
	c.Publish(punch.FeedbackTopic(topic.Board, topic.School, topic.Gateway), 1, false, fb.AppendJSON(nil))
}

// Pause stops answering (the aggregator is down); taps are still recorded.
func (a *Acker) Pause(p bool) {
	a.mu.Lock()
	a.paused = p
	a.mu.Unlock()
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
			return fmt.Errorf("acktest: %d distinct taps arrived, want %d: %w", got, n, ctx.Err())
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
			return fmt.Errorf("acktest: tap %s has not arrived: %w", missing, ctx.Err())
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
