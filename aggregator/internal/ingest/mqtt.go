package ingest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"time"

	"timeclock/aggregator/internal/metrics"
	"timeclock/internal/mqttclient"
	"timeclock/internal/mqttwire"
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
// subscriptions deliver into the pipeline, each read's messages at once,
// with the acknowledgement left to the pipeline (Done, after the journal
// commit); and the publisher of feedback.
type Client struct {
	cfg MQTTConfig
	p   *Pipeline
	c   *mqttclient.Client
	log *slog.Logger
	m   *metrics.Metrics
	ctx context.Context

	srcs []mqttclient.Message // Done's scratch
	outs []mqttclient.Outgoing
}

// NewClient returns a client for cfg delivering into p; make it p's Output
// (SetOutput). Connect with Run.
func NewClient(cfg MQTTConfig, p *Pipeline, log *slog.Logger, m *metrics.Metrics) (*Client, error) {
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	if cfg.MaxReconnectDelay == 0 {
		cfg.MaxReconnectDelay = 10 * time.Second
	}
	c := &Client{cfg: cfg, p: p, log: log.With("part", "mqtt"), m: m, ctx: context.Background()}
	var subs []mqttwire.Subscription
	for _, f := range Filters(cfg.Boards, cfg.Share) {
		subs = append(subs, mqttwire.Subscription{Filter: f, QoS: 1})
	}
	o := mqttclient.Options{
		URL: cfg.URL, ClientID: cfg.ClientID, Username: cfg.User, Password: cfg.Password,
		// A persistent session: the broker keeps what arrives while the
		// aggregator is down, and redelivers what it did not acknowledge.
		CleanSession:      false,
		KeepAlive:         30 * time.Second,
		ConnectTimeout:    cfg.ConnectTimeout,
		MaxReconnectDelay: cfg.MaxReconnectDelay,
		// Larger than MaxPayload, so an oversize payload is seen and
		// rejected with its reason rather than dropping the connection.
		MaxPacket:     1 << 20,
		Subscriptions: subs,
		Deliver:       c.deliver,
		Log:           c.log,
	}
	if cfg.CA != "" || cfg.Cert != "" {
		tc, err := tlsConfig(cfg)
		if err != nil {
			return nil, err
		}
		o.TLS = tc
	}
	c.c = mqttclient.New(o)
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
func (c *Client) Connected() bool { return c.c.Connected() }

// deliver runs on the client's reader with the messages of one read.
func (c *Client) deliver(msgs []mqttclient.Message) {
	now := time.Now()
	out := make([]Message, len(msgs))
	for i := range msgs {
		out[i] = Message{Topic: msgs[i].Topic, Payload: msgs[i].Payload, Received: now, Src: msgs[i]}
	}
	c.p.Deliver(c.ctx, out...)
}

// Done acknowledges a commit's messages and publishes its feedback with
// QoS 1, all in one go. Feedback is a courtesy to the gateway (the tap is
// already journaled, and a gateway without its answer sends the tap again
// and is answered again): what cannot be sent is counted.
func (c *Client) Done(acks []Message, answers []Answer) {
	c.srcs = c.srcs[:0]
	for i := range acks {
		c.srcs = append(c.srcs, acks[i].Src)
	}
	c.c.Ack(c.srcs...)
	clear(c.srcs)
	c.outs = c.outs[:0]
	for _, a := range answers {
		c.outs = append(c.outs, mqttclient.Outgoing{Topic: a.Topic, Payload: a.Payload})
	}
	n, err := c.c.PublishAll(1, c.outs)
	clear(c.outs)
	if err != nil {
		c.m.FeedbackErrors.Add(float64(len(answers) - n))
		c.log.Debug("feedback not sent", "messages", len(answers)-n, "err", err)
	}
}

// Run connects (retrying until the broker answers) and stays connected
// until ctx is done, then disconnects.
func (c *Client) Run(ctx context.Context) error {
	c.ctx = ctx
	c.log.Info("mqtt connecting", "url", c.cfg.URL)
	return c.c.Run(ctx)
}
