// Package mqttclient is the MQTT 3.1.1 client of the gateway and the
// aggregator, built for their load: thousands of QoS 1 messages a second
// each way on one connection.
//
// A general-purpose client reads and writes a packet at a time and hands
// each message through several goroutines; here one reader decodes
// everything a read brought (package mqttwire) and delivers it as one batch,
// and every packet the program sends — publishes, acknowledgements of a
// whole journal commit, pings — is appended to one buffer that a writer
// goroutine puts on the wire with a single write while the previous write
// is in flight. Acknowledgements are the caller's (Ack), so a message is
// acknowledged only once it is safe; they go out in the order the messages
// came, as MQTT requires.
//
// Outgoing QoS 1 messages are not stored for redelivery after a reconnect:
// both programs keep their own record of what still needs sending (the
// gateway's spool, the aggregator's journal) and send it again themselves.
package mqttclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"timeclock/internal/backoff"
	"timeclock/internal/mqttwire"
)

// Will is the message the broker publishes when the connection dies.
type Will struct {
	Topic   string
	Payload []byte
	QoS     byte
	Retain  bool
}

// Options configure a client.
type Options struct {
	URL                string // tcp://, mqtt://, ssl://, tls://, mqtts://, ws://, wss://
	ClientID           string
	Username, Password string
	TLS                *tls.Config // for ssl/tls/mqtts/wss; nil: the system roots
	CleanSession       bool
	KeepAlive          time.Duration // default 30s
	ConnectTimeout     time.Duration // default 10s
	WriteTimeout       time.Duration // default 30s
	MinReconnectDelay  time.Duration // default 1s
	MaxReconnectDelay  time.Duration // default 10s
	MaxPacket          int           // largest packet read whole from the broker (a larger PUBLISH is cut); default 16 MiB
	MaxInflight        int           // own QoS 1 messages awaiting PUBACK; default 20000
	Will               *Will
	Subscriptions      []mqttwire.Subscription
	// OnConnect runs after each connection once the subscriptions are
	// granted (on the connection's goroutine: it may publish).
	OnConnect func()
	// OnConnectionLost runs when an established connection ends.
	OnConnectionLost func(err error)
	// Deliver receives the messages of one read, in order, on the reader
	// goroutine. It may block: the client then stops reading (back-pressure
	// on the broker). The slice is the callee's; QoS 1 and 2 messages must
	// be acknowledged with Ack unless AutoAck.
	Deliver func(msgs []Message)
	AutoAck bool
	Log     *slog.Logger
}

// Message is a message from the broker.
type Message struct {
	Topic   string
	Payload []byte
	// Size is the payload's length as sent: more than len(Payload) for a
	// message larger than Options.MaxPacket, of which only the start is
	// kept (it is still delivered, to be answered and dropped).
	Size   int
	QoS    byte
	Retain bool
	Dup    bool
	gen    uint64 // the connection it came on
	id     uint16
}

// Errors of Publish.
var (
	ErrNotConnected = errors.New("mqtt: not connected")
	ErrBusy         = errors.New("mqtt: too many messages awaiting acknowledgement")
	ErrLost         = errors.New("mqtt: connection lost before the broker acknowledged")
)

// Client is a connection to one broker, re-established until Run ends.
type Client struct {
	opt Options
	log *slog.Logger

	mu  sync.Mutex
	cur *session // nil while disconnected
	// acking is the connection whose messages Ack answers: set by its reader
	// on the CONNACK, before cur (after the SUBACK), because a broker
	// resuming a session sends its queued messages before the SUBACK.
	acking    *session
	gen       uint64
	connected atomic.Bool
}

// New returns a client; Run connects it.
func New(opt Options) *Client {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opt.KeepAlive, 30*time.Second)
	def(&opt.ConnectTimeout, 10*time.Second)
	def(&opt.WriteTimeout, 30*time.Second)
	def(&opt.MinReconnectDelay, time.Second)
	def(&opt.MaxReconnectDelay, 10*time.Second)
	if opt.MaxPacket <= 0 {
		opt.MaxPacket = 16 << 20
	}
	if opt.MaxInflight <= 0 {
		opt.MaxInflight = 20000
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Deliver == nil {
		opt.Deliver = func([]Message) {}
	}
	return &Client{opt: opt, log: opt.Log}
}

// Connected reports whether a connection is up with its subscriptions.
func (c *Client) Connected() bool { return c.connected.Load() }

// Run connects, and reconnects after every loss with a growing delay, until
// ctx is done; then it disconnects cleanly, letting what is queued go out.
func (c *Client) Run(ctx context.Context) error {
	delay := c.opt.MinReconnectDelay
	for {
		err := c.connectOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errEstablished) {
			delay = c.opt.MinReconnectDelay
		} else {
			c.log.Warn("mqtt connect failed", "url", c.opt.URL, "err", err, "retry_in", delay)
		}
		if !backoff.Sleep(ctx, delay) {
			return nil
		}
		delay = min(2*delay, c.opt.MaxReconnectDelay)
	}
}

// errEstablished wraps the end of a connection that had been established.
var errEstablished = errors.New("mqtt: connection ended")

func (c *Client) connectOnce(ctx context.Context) error {
	nc, err := dial(ctx, c.opt)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.gen++
	s := newSession(c, nc, c.gen)
	c.mu.Unlock()
	err = s.run(ctx)
	c.mu.Lock()
	if c.acking == s {
		c.acking = nil
	}
	c.mu.Unlock()
	if s.established.Load() {
		c.connected.Store(false)
		c.mu.Lock()
		c.cur = nil
		c.mu.Unlock()
		if ctx.Err() == nil {
			c.log.Warn("mqtt connection lost", "url", c.opt.URL, "err", err)
			if c.opt.OnConnectionLost != nil {
				c.opt.OnConnectionLost(err)
			}
		}
		return fmt.Errorf("%w: %v", errEstablished, err)
	}
	return err
}

func (c *Client) session() *session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur
}

// Publish queues a message and returns without waiting for the broker.
func (c *Client) Publish(topic string, qos byte, retain bool, payload []byte) error {
	s := c.session()
	if s == nil {
		return ErrNotConnected
	}
	return s.publish(topic, qos, retain, payload, nil)
}

// Outgoing is a message to publish.
type Outgoing struct {
	Topic   string
	Payload []byte
	Retain  bool
}

// PublishAll queues msgs at qos at once (one wake of the writer) and
// returns how many were queued before an error.
func (c *Client) PublishAll(qos byte, msgs []Outgoing) (int, error) {
	s := c.session()
	if s == nil {
		return 0, ErrNotConnected
	}
	return s.publishAll(qos, msgs)
}

// PublishWait publishes and, for QoS 1, waits for the broker's PUBACK.
func (c *Client) PublishWait(ctx context.Context, topic string, qos byte, retain bool, payload []byte) error {
	s := c.session()
	if s == nil {
		return ErrNotConnected
	}
	done := make(chan error, 1)
	if err := s.publish(topic, qos, retain, payload, done); err != nil {
		return err
	}
	if qos == 0 {
		return nil
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Ack acknowledges messages (in the order given, which must be the order
// they came in). Messages of an earlier connection are passed over: the
// broker sends them again on the new one.
func (c *Client) Ack(msgs ...Message) {
	c.mu.Lock()
	s := c.acking
	c.mu.Unlock()
	if s == nil {
		return
	}
	s.ack(msgs)
}

func dial(ctx context.Context, o Options) (net.Conn, error) {
	u, err := url.Parse(o.URL)
	if err != nil {
		return nil, fmt.Errorf("mqtt: broker URL: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, o.ConnectTimeout)
	defer cancel()
	d := &net.Dialer{}
	switch u.Scheme {
	case "tcp", "mqtt":
		return d.DialContext(ctx, "tcp", u.Host)
	case "ssl", "tls", "mqtts", "tcps":
		td := &tls.Dialer{NetDialer: d, Config: o.TLS}
		return td.DialContext(ctx, "tcp", u.Host)
	case "ws", "wss":
		tc := o.TLS
		if u.Scheme == "ws" {
			tc = nil
		}
		return paho.NewWebsocket(u.String(), tc, o.ConnectTimeout, nil, nil)
	}
	return nil, fmt.Errorf("mqtt: broker URL scheme %q: want tcp, ssl, tls, mqtts, ws or wss", u.Scheme)
}
