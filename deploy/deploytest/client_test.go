package deploytest

import (
	"crypto/tls"
	"errors"
	"fmt"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"timeclock/internal/daemontest"
)

// client is a paho client that collects what it receives and notes a lost
// connection.
type client struct {
	mqtt.Client
	name string
	msgs chan mqtt.Message
	lost chan error
}

type dialOpts struct {
	user, password string
	clientID       string // default: timeclock-<user>, as the services do
	tls            *tls.Config
	persistent     bool // clean session false, as the aggregator and gateway use
}

// dial connects once, without retries; it returns the broker's or the TLS
// layer's refusal as an error.
func dial(t *testing.T, url string, o dialOpts) (*client, error) {
	t.Helper()
	id := o.clientID
	if id == "" {
		id = "timeclock-" + o.user
	}
	c := &client{name: o.user, msgs: make(chan mqtt.Message, 1000), lost: make(chan error, 1)}
	opts := mqtt.NewClientOptions().AddBroker(url).SetClientID(id).SetCleanSession(!o.persistent).
		SetUsername(o.user).SetPassword(o.password).SetTLSConfig(o.tls).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(10 * time.Second).
		SetDefaultPublishHandler(func(_ mqtt.Client, m mqtt.Message) { c.msgs <- m }).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) {
			select {
			case c.lost <- err:
			default:
			}
		})
	c.Client = mqtt.NewClient(opts)
	if err := wait(t, c.Connect()); err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return c, nil
}

func mustDial(t *testing.T, url string, o dialOpts) *client {
	t.Helper()
	c, err := dial(t, url, o)
	if err != nil {
		t.Fatalf("%s: connect: %v", o.user, err)
	}
	return c
}

// wait waits for a token; a broker that never answers fails the test.
func wait(t *testing.T, tok mqtt.Token) error {
	t.Helper()
	select {
	case <-tok.Done():
		return tok.Error()
	case <-daemontest.WaitContext(t).Done():
		t.Fatal("no answer from the broker")
		return nil
	}
}

func (c *client) subscribe(t *testing.T, filters ...string) {
	t.Helper()
	if err := wait(t, c.SubscribeMultiple(qos1(filters), nil)); err != nil {
		t.Fatalf("%s: subscribe %v: %v", c.name, filters, err)
	}
}

// trySubscribe subscribes where the ACL may refuse: Mosquitto grants some
// subscriptions it will deliver nothing to and refuses others (SUBACK 0x80);
// either way nothing may arrive, which the caller checks.
func (c *client) trySubscribe(t *testing.T, filters ...string) {
	t.Helper()
	tok := c.SubscribeMultiple(qos1(filters), nil)
	if err := wait(t, tok); err != nil {
		t.Logf("%s: subscribe %v: %v", c.name, filters, err)
		return
	}
	if st, ok := tok.(*mqtt.SubscribeToken); ok {
		t.Logf("%s: subscribe %v: granted %v", c.name, filters, st.Result())
	}
}

// qos1 asks for QoS 1 on each of filters.
func qos1(filters []string) map[string]byte {
	m := make(map[string]byte, len(filters))
	for _, f := range filters {
		m[f] = 1
	}
	return m
}

func (c *client) publish(t *testing.T, topic, payload string, retained bool) {
	t.Helper()
	if err := wait(t, c.Publish(topic, 1, retained, payload)); err != nil {
		t.Fatalf("%s: publish on %s: %v", c.name, topic, err)
	}
}

// expect waits for the next message and fails unless it is payload on
// topic: whatever came first (a message the ACL should have stopped) shows.
func (c *client) expect(t *testing.T, topic, payload string) {
	t.Helper()
	select {
	case m := <-c.msgs:
		if m.Topic() != topic || string(m.Payload()) != payload {
			t.Fatalf("%s received %q on %s, want %q on %s", c.name, m.Payload(), m.Topic(), payload, topic)
		}
	case err := <-c.lost:
		t.Fatalf("%s lost its connection waiting for %q: %v", c.name, payload, err)
	case <-daemontest.WaitContext(t).Done():
		t.Fatalf("%s: %q on %s never arrived", c.name, payload, topic)
	}
}

// quiet fails if c has received anything or lost its connection. Call it
// after a positive control that would have come after the unwanted message.
func (c *client) quiet(t *testing.T) {
	t.Helper()
	select {
	case m := <-c.msgs:
		t.Fatalf("%s received %q on %s, which the ACL should have stopped", c.name, m.Payload(), m.Topic())
	case err := <-c.lost:
		t.Fatalf("%s lost its connection: %v", c.name, err)
	default:
	}
}

func topic(board, school, gateway, kind string) string {
	return fmt.Sprintf("timeclock/v1/%s/%s/%s/%s", board, school, gateway, kind)
}

// tap is a tap event of FORMATS.md §2 for gateway gw with sequence seq.
func tap(board, school, gw string, seq int) string {
	return fmt.Sprintf(`{"v":1,"type":"tap","id":"%s:1:%06d","board":%q,"school":%q,"gateway":%q,`+
		`"reader":"entrance","card":"felica:0123456789abcdef","dir":"tap","ts":"2026-06-01T07:40:00.123+09:00","clock":"synced"}`,
		gw, seq, board, school, gw)
}

// isRefusal tells whether err is the broker refusing the credentials in
// its CONNACK (Mosquitto answers "not authorised" to a wrong password).
func isRefusal(err error) bool {
	return errors.Is(err, packets.ErrorRefusedNotAuthorised) || errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword)
}
