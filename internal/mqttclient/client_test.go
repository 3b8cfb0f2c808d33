package mqttclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"timeclock/internal/mosquittotest"
	"timeclock/internal/mqttwire"
)

// inbox collects what a client delivers.
type inbox struct {
	mu   sync.Mutex
	msgs []Message
	conn int // OnConnect calls
	lost int
}

func (b *inbox) deliver(m []Message) {
	b.mu.Lock()
	b.msgs = append(b.msgs, m...)
	b.mu.Unlock()
}

func (b *inbox) all() []Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Message(nil), b.msgs...)
}

func (b *inbox) take() []Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := b.msgs
	b.msgs = nil
	return m
}

func (b *inbox) connects() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.conn
}

// start runs a client until the test ends.
func start(t *testing.T, o Options, in *inbox) *Client {
	t.Helper()
	if in != nil {
		o.Deliver = in.deliver
		o.OnConnect = func() { in.mu.Lock(); in.conn++; in.mu.Unlock() }
		o.OnConnectionLost = func(error) { in.mu.Lock(); in.lost++; in.mu.Unlock() }
	}
	o.Log = slog.New(slog.DiscardHandler)
	if o.MinReconnectDelay == 0 {
		o.MinReconnectDelay, o.MaxReconnectDelay = 50*time.Millisecond, 200*time.Millisecond
	}
	c := New(o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return c
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

const topic = "timeclock/v1/b/s/g/punch"

// Messages published at QoS 1 arrive in order, in batches, and a publisher
// waiting for PUBACK gets it.
func TestPublishSubscribeInOrder(t *testing.T) {
	b := mosquittotest.Start(t)
	in := &inbox{}
	sub := start(t, Options{URL: b.URL(), ClientID: "sub", AutoAck: true,
		Subscriptions: []mqttwire.Subscription{{Filter: "timeclock/v1/+/+/+/punch", QoS: 1}}}, in)
	pub := start(t, Options{URL: b.URL(), ClientID: "pub", CleanSession: true}, nil)
	waitFor(t, "both connected", func() bool { return sub.Connected() && pub.Connected() })
	const n = 5000
	for i := range n {
		for {
			err := pub.Publish(topic, 1, false, fmt.Appendf(nil, "%06d", i))
			if err == nil {
				break
			}
			if !errors.Is(err, ErrBusy) {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond)
		}
	}
	if err := pub.PublishWait(context.Background(), topic, 1, false, []byte("last")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every message", func() bool { return len(in.all()) == n+1 })
	for i, m := range in.all()[:n] {
		if string(m.Payload) != fmt.Sprintf("%06d", i) || m.Topic != topic || m.QoS != 1 {
			t.Fatalf("message %d: %q on %s QoS %d", i, m.Payload, m.Topic, m.QoS)
		}
	}
}

// What a persistent session does not acknowledge comes again after a
// reconnect, marked as a duplicate; what it acknowledged does not.
func TestUnacknowledgedAreRedelivered(t *testing.T) {
	b := mosquittotest.Start(t)
	in := &inbox{}
	sub := start(t, Options{URL: b.URL(), ClientID: "sub", Subscriptions: []mqttwire.Subscription{{Filter: topic, QoS: 1}}}, in)
	pub := start(t, Options{URL: b.URL(), ClientID: "pub", CleanSession: true}, nil)
	waitFor(t, "both connected", func() bool { return sub.Connected() && pub.Connected() })
	for _, p := range []string{"a", "b", "c"} {
		if err := pub.PublishWait(context.Background(), topic, 1, false, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "three messages", func() bool { return len(in.all()) == 3 })
	got := in.take()
	sub.Ack(got[0]) // a is done; b and c are not
	// The session ends without a DISCONNECT (as in a crash), and the
	// client connects again.
	if err := pub.PublishWait(context.Background(), "x", 1, false, nil); err != nil { // a round trip: the PUBACK is in
		t.Fatal(err)
	}
	sub.session().conn.Close()
	waitFor(t, "reconnected", func() bool { return in.connects() == 2 && sub.Connected() })
	waitFor(t, "the redelivery", func() bool { return len(in.all()) == 2 })
	again := in.take()
	if string(again[0].Payload) != "b" || string(again[1].Payload) != "c" || !again[0].Dup {
		t.Errorf("redelivered %q %q (dup %v), want b and c marked dup", again[0].Payload, again[1].Payload, again[0].Dup)
	}
	// An acknowledgement of the old connection is passed over: it must not
	// acknowledge whatever has the same packet id on the new one.
	sub.Ack(got[1])
	sub.Ack(again...)
}

// A connection that dies (no DISCONNECT) makes the broker publish the will.
func TestWill(t *testing.T) {
	b := mosquittotest.Start(t)
	in := &inbox{}
	watch := start(t, Options{URL: b.URL(), ClientID: "watch", CleanSession: true, AutoAck: true,
		Subscriptions: []mqttwire.Subscription{{Filter: "status/#", QoS: 1}}}, in)
	will := &Will{Topic: "status/gw", Payload: []byte("offline"), QoS: 1, Retain: true}
	gw := start(t, Options{URL: b.URL(), ClientID: "gw", Will: will}, nil)
	waitFor(t, "connected", func() bool { return watch.Connected() && gw.Connected() })
	gw.session().conn.Close()
	waitFor(t, "the will", func() bool { return len(in.all()) >= 1 })
	if m := in.all()[0]; string(m.Payload) != "offline" || m.Topic != "status/gw" {
		t.Errorf("got %q on %s", m.Payload, m.Topic)
	}
}

// The broker goes away and comes back: the client reconnects by itself,
// resubscribes, and is not connected in between.
func TestBrokerRestart(t *testing.T) {
	b := mosquittotest.Start(t)
	in := &inbox{}
	sub := start(t, Options{URL: b.URL(), ClientID: "sub", AutoAck: true,
		Subscriptions: []mqttwire.Subscription{{Filter: topic, QoS: 1}}}, in)
	waitFor(t, "connected", sub.Connected)
	b.Stop()
	waitFor(t, "the loss noticed", func() bool { return !sub.Connected() })
	if err := sub.Publish(topic, 1, false, []byte("x")); !errors.Is(err, ErrNotConnected) {
		t.Errorf("publish while the broker is down: %v", err)
	}
	b.Restart()
	waitFor(t, "reconnected", func() bool { return sub.Connected() && in.connects() == 2 })
	pub := start(t, Options{URL: b.URL(), ClientID: "pub", CleanSession: true}, nil)
	waitFor(t, "pub connected", pub.Connected)
	if err := pub.PublishWait(context.Background(), topic, 1, false, []byte("after")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the message after the restart", func() bool { return len(in.all()) == 1 })
}

// Refused credentials: the client keeps trying and is never connected.
func TestRefused(t *testing.T) {
	b := mosquittotest.Start(t, mosquittotest.WithConfig("listener {{PORT}} 127.0.0.1\nallow_anonymous false\n"))
	c := start(t, Options{URL: b.URL(), ClientID: "nobody"}, nil)
	time.Sleep(300 * time.Millisecond)
	if c.Connected() {
		t.Fatal("connected without credentials")
	}
	if err := c.Publish(topic, 1, false, nil); !errors.Is(err, ErrNotConnected) {
		t.Errorf("publish: %v", err)
	}
}

// An idle connection stays up on pings alone.
func TestKeepAlive(t *testing.T) {
	b := mosquittotest.Start(t)
	in := &inbox{}
	c := start(t, Options{URL: b.URL(), ClientID: "idle", KeepAlive: time.Second}, in)
	waitFor(t, "connected", c.Connected)
	time.Sleep(3500 * time.Millisecond) // over three keepalive periods
	if !c.Connected() || in.connects() != 1 || in.lost != 0 {
		t.Errorf("connected %v after %d connects and %d losses", c.Connected(), in.connects(), in.lost)
	}
}
