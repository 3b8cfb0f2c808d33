package publisher

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"timeclock/gateway/internal/spool"
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
	// OnFeedback receives each valid feedback message. It runs on paho's
	// goroutine and must not block.
	OnFeedback func(f punch.Feedback)

	// MaxReconnectInterval caps paho's reconnect backoff (default 10s).
	MaxReconnectInterval time.Duration
}

// Conn is the gateway's MQTT session: QoS 1, persistent session
// (CleanSession false), automatic reconnection, a retained status with a
// last will. It is the Sender of a Publisher.
type Conn struct {
	c      mqtt.Client
	opt    ConnOptions
	log    *slog.Logger
	punch  string
	status string
	fb     string

	mu        sync.Mutex
	connected bool
}

// NewConn prepares the connection; Connect starts it. The two are apart so
// that the caller can finish wiring what OnConnect and OnFeedback use first:
// a persistent session delivers queued feedback as soon as it connects.
func NewConn(opt ConnOptions, log *slog.Logger) *Conn {
	c := &Conn{
		opt: opt, log: log,
		punch:  punch.PunchTopic(opt.Board, opt.School, opt.Gateway),
		status: punch.StatusTopic(opt.Board, opt.School, opt.Gateway),
		fb:     punch.FeedbackTopic(opt.Board, opt.School, opt.Gateway),
	}
	if opt.MaxReconnectInterval == 0 {
		opt.MaxReconnectInterval = 10 * time.Second
	}
	o := mqtt.NewClientOptions().
		AddBroker(opt.BrokerURL).
		SetClientID(opt.ClientID).
		SetUsername(opt.Username).
		SetPassword(opt.Password).
		SetCleanSession(false).
		SetOrderMatters(true).
		SetStore(mqtt.NewOrderedMemoryStore()).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(time.Second).
		SetMaxReconnectInterval(opt.MaxReconnectInterval).
		SetConnectTimeout(10*time.Second).
		SetWriteTimeout(10*time.Second).
		SetKeepAlive(30*time.Second).
		SetBinaryWill(c.status, opt.Status(false).AppendJSON(nil), 1, true).
		SetOnConnectHandler(c.onConnect).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) {
			c.setConnected(false)
			log.Warn("mqtt connection lost", "err", err)
		})
	if opt.TLS != nil {
		o.SetTLSConfig(opt.TLS)
	}
	c.c = mqtt.NewClient(o)
	return c
}

// Connect starts connecting in the background and returns at once: a
// gateway must work (spool, feedback) while the broker is away.
func (c *Conn) Connect() {
	c.c.Connect() // with ConnectRetry the token completes only once connected
}

func (c *Conn) onConnect(cl mqtt.Client) {
	c.log.Info("mqtt connected", "broker", c.opt.BrokerURL, "client_id", c.opt.ClientID)
	// Subscribe every time: a broker that lost its state lost our session.
	t := cl.Subscribe(c.fb, 1, c.onMessage)
	go func() {
		if t.WaitTimeout(30*time.Second) && t.Error() == nil {
			c.setConnected(true)
			if err := c.PublishStatus(c.opt.Status(true)); err != nil {
				c.log.Warn("status not published", "err", err)
			}
			c.opt.OnConnect()
			return
		}
		c.log.Error("feedback subscription failed; reconnecting", "topic", c.fb, "err", t.Error())
		// A session without the subscription would never see an answer.
		cl.Disconnect(0)
		c.c.Connect()
	}()
}

func (c *Conn) onMessage(_ mqtt.Client, m mqtt.Message) {
	f, err := punch.DecodeFeedback(m.Payload())
	if err != nil {
		c.log.Warn("feedback message rejected", "topic", m.Topic(), "err", err)
		return
	}
	c.opt.OnFeedback(f)
}

func (c *Conn) setConnected(v bool) {
	c.mu.Lock()
	c.connected = v
	c.mu.Unlock()
}

// Connected reports whether the session is up and subscribed.
func (c *Conn) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.connected && c.c.IsConnectionOpen()
}

// SendTap publishes t on the punch topic at QoS 1 without waiting for the
// PUBACK: the answer on the feedback topic is what counts.
func (c *Conn) SendTap(t spool.Tap) error {
	return c.send(c.punch, false, c.Payload(t))
}

// Payload is the tap event of FORMATS.md §2 for t.
func (c *Conn) Payload(t spool.Tap) []byte {
	return EncodeTap(c.opt.Board, c.opt.School, t)
}

// EncodeTap writes t as the tap event of FORMATS.md §2.
func EncodeTap(board, school string, t spool.Tap) []byte {
	clock := punch.ClockUnsynced
	if t.Synced {
		clock = punch.ClockSynced
	}
	return punch.Tap{
		ID: t.ID.String(), Board: board, School: school, Gateway: t.ID.Gateway, Reader: t.Reader,
		Card: t.Card, Dir: punch.Dir(t.Dir), TS: t.Time, Clock: clock,
	}.AppendJSON(make([]byte, 0, 256))
}

func (c *Conn) send(topic string, retained bool, payload []byte) error {
	tok := c.c.Publish(topic, 1, retained, payload)
	select {
	case <-tok.Done():
		return tok.Error() // refused at once: not connected, no packet id
	default:
		return nil
	}
}

// PublishStatus publishes st retained on the status topic.
func (c *Conn) PublishStatus(st punch.Status) error {
	if err := st.Validate(time.Time{}); err != nil {
		return err
	}
	return c.send(c.status, true, st.AppendJSON(nil))
}

// Close publishes the offline status (the last will covers a crash), waits
// up to wait for it, and disconnects.
func (c *Conn) Close(wait time.Duration) {
	if c.Connected() {
		st := c.opt.Status(false)
		tok := c.c.Publish(c.status, 1, true, st.AppendJSON(nil))
		if !tok.WaitTimeout(wait) {
			c.log.Warn("offline status not confirmed before shutdown")
		}
	}
	c.setConnected(false)
	c.c.Disconnect(250)
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
