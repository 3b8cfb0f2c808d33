package publisher

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"timeclock/gateway/internal/spool"
	"timeclock/internal/mqttclient"
	"timeclock/internal/mqttwire"
	"timeclock/internal/punch"
)

// ConnOptions configure the gateway's MQTT connection.
type ConnOptions struct {
	BrokerURL          string
	ClientID           string // stable across restarts: the broker keeps the session (and our feedback) under it
	Username, Password string
	TLS                *tls.Config // nil for none

	Board, School, Gateway string

	// Status builds the gateway's status message; the last will is the one
	// built at NewConn with Online false.
	Status func(online bool) punch.Status
	// OnConnect runs after each (re)connection, once feedback is subscribed.
	OnConnect func()
	// OnFeedback receives each valid feedback message, in the order they
	// came. It runs on the connection's reader and must not block.
	OnFeedback func(f punch.Feedback)

	// MaxReconnectInterval caps the reconnect backoff (default 10s).
	MaxReconnectInterval time.Duration
}

// Conn is the gateway's MQTT session: QoS 1, persistent session
// (CleanSession false), automatic reconnection, a retained status with a
// last will. It is the Sender of a Publisher: the taps of one SendTaps go
// out in one write.
type Conn struct {
	c      *mqttclient.Client
	opt    ConnOptions
	log    *slog.Logger
	punch  string
	status string

	connected atomic.Bool   // the session is up with the feedback subscription
	session   atomic.Uint64 // counts the connections made
	mu        sync.Mutex    // guards out, the buffer of SendTaps
	out       []mqttclient.Outgoing
	stop      context.CancelFunc
	done      chan struct{}
}

// NewConn prepares the connection; Connect starts it. The two are apart so
// that the caller can finish wiring what OnConnect and OnFeedback use first:
// a persistent session delivers queued feedback as soon as it connects.
func NewConn(opt ConnOptions, log *slog.Logger) *Conn {
	if opt.MaxReconnectInterval == 0 {
		opt.MaxReconnectInterval = 10 * time.Second
	}
	c := &Conn{
		opt: opt, log: log,
		punch:  punch.PunchTopic(opt.Board, opt.School, opt.Gateway),
		status: punch.StatusTopic(opt.Board, opt.School, opt.Gateway),
	}
	fb := punch.FeedbackTopic(opt.Board, opt.School, opt.Gateway)
	c.c = mqttclient.New(mqttclient.Options{
		URL: opt.BrokerURL, ClientID: opt.ClientID, Username: opt.Username, Password: opt.Password,
		TLS: opt.TLS, CleanSession: false, KeepAlive: 30 * time.Second, ConnectTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, MinReconnectDelay: time.Second, MaxReconnectDelay: opt.MaxReconnectInterval,
		// Feedback is small; a bigger packet is not ours.
		MaxPacket: 64 << 10,
		Will: &mqttclient.Will{Topic: c.status, Payload: opt.Status(false).AppendJSON(nil), QoS: 1,
			Retain: true},
		// Subscribed on every connection: a broker that lost its state
		// lost our session.
		Subscriptions: []mqttwire.Subscription{{Filter: fb, QoS: 1}},
		OnConnect:     c.onConnect,
		OnConnectionLost: func(err error) {
			c.connected.Store(false)
		},
		// The spool is the truth: a feedback message is acknowledged to the
		// broker on receipt, the tap leaves the spool on its own commit.
		AutoAck: true,
		Deliver: c.deliver,
		Log:     log,
	})
	return c
}

// Connect starts connecting in the background and returns at once: a
// gateway must work (spool, feedback) while the broker is away.
func (c *Conn) Connect() {
	ctx, cancel := context.WithCancel(context.Background())
	c.stop, c.done = cancel, make(chan struct{})
	go func() {
		defer close(c.done)
		c.c.Run(ctx)
	}()
}

func (c *Conn) onConnect() {
	c.log.Info("mqtt connected", "broker", c.opt.BrokerURL, "client_id", c.opt.ClientID)
	c.session.Add(1)
	c.connected.Store(true)
	if err := c.PublishStatus(c.opt.Status(true)); err != nil {
		c.log.Warn("status not published", "err", err)
	}
	c.opt.OnConnect()
}

func (c *Conn) deliver(msgs []mqttclient.Message) {
	for _, m := range msgs {
		f, err := punch.DecodeFeedback(m.Payload)
		if err != nil {
			c.log.Warn("feedback message rejected", "topic", m.Topic, "err", err)
			continue
		}
		c.opt.OnFeedback(f)
	}
}

// Connected reports whether the session is up and subscribed.
func (c *Conn) Connected() bool { return c.connected.Load() && c.c.Connected() }

// Session is 0 while disconnected, else the number of the connection.
func (c *Conn) Session() uint64 {
	if !c.Connected() {
		return 0
	}
	return c.session.Load()
}

// SendTaps publishes taps in order, at once, and returns how many were
// queued before an error (not connected, or too many awaiting PUBACK).
func (c *Conn) SendTaps(taps []spool.Tap) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.out[:0]
	for _, t := range taps {
		out = append(out, mqttclient.Outgoing{Topic: c.punch, Payload: c.Payload(t)})
	}
	n, err := c.c.PublishAll(1, out)
	clear(out)
	c.out = out[:0]
	return n, err
}

// Payload is the tap event of FORMATS.md §2 for t.
func (c *Conn) Payload(t spool.Tap) []byte {
	clock := punch.ClockUnsynced
	if t.Synced {
		clock = punch.ClockSynced
	}
	return punch.Tap{
		ID: t.ID.String(), Board: c.opt.Board, School: c.opt.School, Gateway: t.ID.Gateway, Reader: t.Reader,
		Card: t.Card, Dir: punch.Dir(t.Dir), TS: t.Time, Clock: clock,
	}.AppendJSON(make([]byte, 0, 256))
}

// PublishStatus publishes st retained on the status topic.
func (c *Conn) PublishStatus(st punch.Status) error {
	if err := st.Validate(time.Time{}); err != nil {
		return err
	}
	return c.c.Publish(c.status, 1, true, st.AppendJSON(nil))
}

// Close publishes the offline status (the last will covers a crash), waits
// up to wait for the broker to take it, and disconnects.
func (c *Conn) Close(wait time.Duration) {
	if c.Connected() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		err := c.c.PublishWait(ctx, c.status, 1, true, c.opt.Status(false).AppendJSON(nil))
		cancel()
		if err != nil {
			c.log.Warn("offline status not confirmed before shutdown", "err", err)
		}
	}
	c.connected.Store(false)
	if c.stop != nil {
		c.stop()
		<-c.done
	}
}

// TLSConfig builds the TLS settings from PEM files; all may be empty (the
// system roots, no client certificate).
func TLSConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificates", caFile)
		}
		cfg.RootCAs = pool
	}
	if certFile != "" || keyFile != "" {
		if certFile == "" || keyFile == "" {
			return nil, errors.New("client certificate and key go together")
		}
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
