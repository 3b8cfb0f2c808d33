package ingest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"timeclock/aggregator/internal/metrics"
)

// MQTTConfig says how to reach the broker.
type MQTTConfig struct {
	URL               string
	ClientID          string
	User, Password    string
	CA, Cert, Key     string // PEM files for TLS
	Boards            []string
	Share             string // shared-subscription group, "" for none
	ConnectTimeout    time.Duration
	MaxReconnectDelay time.Duration
}

// Client is the aggregator's MQTT connection: a persistent session whose
// subscriptions deliver into the pipeline with acknowledgement left to it,
// and the publisher of feedback.
type Client struct {
	cfg       MQTTConfig
	p         *Pipeline
	c         paho.Client
	log       *slog.Logger
	m         *metrics.Metrics
	tokens    chan paho.Token
	connected atomic.Bool
	ctx       context.Context
}

// NewClient returns a client for cfg delivering into p. Connect with Run.
func NewClient(cfg MQTTConfig, p *Pipeline, log *slog.Logger, m *metrics.Metrics) (*Client, error) {
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	if cfg.MaxReconnectDelay == 0 {
		cfg.MaxReconnectDelay = 10 * time.Second
	}
	c := &Client{cfg: cfg, p: p, log: log.With("part", "mqtt"), m: m, tokens: make(chan paho.Token, 65536)}
	o := paho.NewClientOptions().
		AddBroker(cfg.URL).
		SetClientID(cfg.ClientID).
		SetUsername(cfg.User).
		SetPassword(cfg.Password).
		// A persistent session: the broker keeps what arrives while the
		// aggregator is down, and redelivers what it did not acknowledge.
		SetCleanSession(false).
		SetAutoAckDisabled(true).
		SetOrderMatters(true).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(time.Second).
		SetMaxReconnectInterval(cfg.MaxReconnectDelay).
		SetConnectTimeout(cfg.ConnectTimeout).
		SetKeepAlive(30 * time.Second).
		SetWriteTimeout(30 * time.Second).
		SetOnConnectHandler(c.onConnect).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			c.connected.Store(false)
			c.log.Warn("mqtt connection lost", "err", err)
		})
	if cfg.CA != "" || cfg.Cert != "" {
		tc, err := tlsConfig(cfg)
		if err != nil {
			return nil, err
		}
		o.SetTLSConfig(tc)
	}
	c.c = paho.NewClient(o)
	return c, nil
}

func tlsConfig(cfg MQTTConfig) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CA != "" {
		pem, err := os.ReadFile(cfg.CA)
		if err != nil {
			return nil, fmt.Errorf("mqtt: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("mqtt: %s holds no PEM certificate", cfg.CA)
		}
		tc.RootCAs = pool
	}
	if cfg.Cert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.Cert, cfg.Key)
		if err != nil {
			return nil, fmt.Errorf("mqtt: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// Connected reports whether the client is connected and subscribed.
func (c *Client) Connected() bool { return c.connected.Load() }

func (c *Client) onConnect(pc paho.Client) {
	filters := map[string]byte{}
	for _, f := range Filters(c.cfg.Boards, c.cfg.Share) {
		filters[f] = 1
	}
	tok := pc.SubscribeMultiple(filters, c.handle)
	if !tok.WaitTimeout(c.cfg.ConnectTimeout) || tok.Error() != nil {
		err := tok.Error()
		if err == nil {
			err = errors.New("timeout")
		}
		c.log.Error("mqtt subscribe failed; reconnecting", "err", err)
		// Without the subscriptions nothing would arrive: start over.
		go pc.Disconnect(0)
		return
	}
	c.connected.Store(true)
	c.log.Info("mqtt connected", "url", c.cfg.URL, "client_id", c.cfg.ClientID, "filters", len(filters))
}

// handle runs on paho's router goroutine (OrderMatters): it only queues,
// and the acknowledgement comes from the pipeline after the journal commit.
func (c *Client) handle(_ paho.Client, m paho.Message) {
	c.p.Deliver(c.ctx, Message{Topic: m.Topic(), Payload: m.Payload(), Received: time.Now(), Ack: m.Ack})
}

// Publish sends a feedback message with QoS 1. Delivery is watched in the
// background and failures are counted: feedback is a courtesy to the
// gateway, the tap is already journaled.
func (c *Client) Publish(topic string, payload []byte) {
	tok := c.c.Publish(topic, 1, false, payload)
	select {
	case c.tokens <- tok:
	default:
		// the watcher is far behind: do not hold the writer for it
	}
}

func (c *Client) watch(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case tok := <-c.tokens:
			select {
			case <-tok.Done():
			case <-ctx.Done():
				return
			}
			if tok.Error() != nil {
				c.m.FeedbackErrors.Inc()
				c.log.Debug("feedback not delivered", "err", tok.Error())
			}
		}
	}
}

// Run connects (retrying until the broker answers) and stays connected
// until ctx is done, then disconnects, letting queued feedback go out.
func (c *Client) Run(ctx context.Context) error {
	c.ctx = ctx
	watchCtx, stopWatch := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { c.watch(watchCtx); close(done) }()
	c.log.Info("mqtt connecting", "url", c.cfg.URL)
	c.c.Connect() // with ConnectRetry it keeps trying in the background
	<-ctx.Done()
	c.connected.Store(false)
	c.c.Disconnect(1000)
	stopWatch()
	<-done
	return nil
}
