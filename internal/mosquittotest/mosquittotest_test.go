package mosquittotest

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"timeclock/internal/daemontest"
)

type client struct {
	mqtt.Client
	msgs chan mqtt.Message
}

// connect connects a paho client; messages of its subscriptions, and those
// a persistent session delivers on connecting, go to msgs.
func connect(t *testing.T, url, id string, clean bool) *client {
	t.Helper()
	c := &client{msgs: make(chan mqtt.Message, 100)}
	opts := mqtt.NewClientOptions().AddBroker(url).SetClientID(id).SetCleanSession(clean).
		SetAutoReconnect(true).SetConnectRetry(true).SetMaxReconnectInterval(100 * time.Millisecond).
		SetDefaultPublishHandler(func(_ mqtt.Client, m mqtt.Message) { c.msgs <- m })
	c.Client = mqtt.NewClient(opts)
	wait(t, c.Connect(), "connect "+id)
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

func wait(t *testing.T, tok mqtt.Token, what string) {
	t.Helper()
	select {
	case <-tok.Done():
	case <-daemontest.WaitContext(t).Done():
		t.Fatalf("%s: no answer from the broker", what)
	}
	if err := tok.Error(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func (c *client) subscribe(t *testing.T, topic string) {
	t.Helper()
	wait(t, c.Subscribe(topic, 1, nil), "subscribe "+topic)
}

func (c *client) publish(t *testing.T, topic, payload string) {
	t.Helper()
	wait(t, c.Publish(topic, 1, false, payload), "publish "+payload)
}

func (c *client) expect(t *testing.T, topic, payload string) {
	t.Helper()
	select {
	case m := <-c.msgs:
		if m.Topic() != topic || string(m.Payload()) != payload || m.Qos() != 1 {
			t.Fatalf("got %q on %q (QoS %d), want %q on %q (QoS 1)", m.Payload(), m.Topic(), m.Qos(), payload, topic)
		}
	case <-daemontest.WaitContext(t).Done():
		t.Fatalf("%q on %q never arrived", payload, topic)
	}
}

func TestPublishSubscribe(t *testing.T) {
	b := Start(t)
	if want := fmt.Sprintf("tcp://127.0.0.1:%d", b.Port()); b.URL() != want {
		t.Errorf("URL() = %q, want %q", b.URL(), want)
	}
	sub := connect(t, b.URL(), "sub", true)
	sub.subscribe(t, "timeclock/v1/+/+/+/punch")
	pub := connect(t, b.URL(), "pub", true)
	const topic = "timeclock/v1/nakatsu/nakatsu-e01/gw-e01-a/punch"
	payload := `{"v":1,"type":"tap","id":"gw-e01-a:3:000042"}`
	pub.publish(t, topic, payload)
	sub.expect(t, topic, payload)
}

// A persistent session survives a restart: its subscription stays, a QoS 1
// message published while the subscriber was away is delivered when it
// comes back, and clients that stayed connected reconnect on the same port.
func TestRestartKeepsPersistentSessions(t *testing.T) {
	b := Start(t)
	port := b.Port()
	const topic = "timeclock/v1/b/s/g/punch"

	sub := connect(t, b.URL(), "aggregator", false)
	sub.subscribe(t, topic)
	sub.Disconnect(250) // the session stays on the broker

	pub := connect(t, b.URL(), "gateway", true)
	pub.publish(t, topic, "while away")

	b.Restart()
	if b.Port() != port {
		t.Fatalf("port changed across restart: %d → %d", port, b.Port())
	}
	// The publisher reconnects by itself; its publish waits until it has.
	pub.publish(t, topic, "after restart")

	back := connect(t, b.URL(), "aggregator", false)
	back.expect(t, topic, "while away")
	back.expect(t, topic, "after restart")
}

func TestWithoutPersistenceLosesSessions(t *testing.T) {
	b := Start(t, WithoutPersistence())
	const topic = "t/lost"
	sub := connect(t, b.URL(), "aggregator", false)
	sub.subscribe(t, topic)
	sub.Disconnect(250)
	pub := connect(t, b.URL(), "gateway", true)
	pub.publish(t, topic, "queued in memory only")
	b.Restart()

	// With the session gone, the broker has no subscription to deliver to:
	// a marker published after a fresh subscription is the first message.
	back := connect(t, b.URL(), "aggregator", false)
	back.subscribe(t, topic)
	pub.publish(t, topic, "marker")
	back.expect(t, topic, "marker")
}

func TestConfigLinesAndNamedPorts(t *testing.T) {
	b := Start(t, WithConfigLines("listener {{PORT:second}} 127.0.0.1", "# {{DIR}} {{PORT:second}}"))
	second := b.PortOf("second")
	if second == b.Port() {
		t.Fatalf("named port %d equals the main port", second)
	}
	conf, err := os.ReadFile(b.Dir() + "/mosquitto.conf")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("# %s %d\n", b.Dir(), second); !strings.Contains(string(conf), want) {
		t.Errorf("configuration lacks %q:\n%s", want, conf)
	}
	sub := connect(t, fmt.Sprintf("tcp://127.0.0.1:%d", second), "on-second", true)
	sub.subscribe(t, "t/x")
	pub := connect(t, b.URL(), "on-main", true)
	pub.publish(t, "t/x", "across listeners")
	sub.expect(t, "t/x", "across listeners")
}

// WithConfig replaces the default body: here anonymous clients are refused.
func TestWithConfigReplacesTheBody(t *testing.T) {
	b := Start(t, WithConfig("listener {{PORT}} 127.0.0.1\nallow_anonymous false\n"))
	opts := mqtt.NewClientOptions().AddBroker(b.URL()).SetClientID("anon").SetAutoReconnect(false)
	c := mqtt.NewClient(opts)
	tok := c.Connect()
	select {
	case <-tok.Done():
	case <-daemontest.WaitContext(t).Done():
		t.Fatal("no CONNACK")
	}
	if err := tok.Error(); !errors.Is(err, packets.ErrorRefusedNotAuthorised) {
		t.Fatalf("anonymous connect: err = %v, want %v", err, packets.ErrorRefusedNotAuthorised)
	}
}
