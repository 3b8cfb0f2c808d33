// Package broker runs the embedded MQTT broker of the aggregator's default
// setup (mochi-mqtt): one TCP listener, sessions, subscriptions, retained and
// queued messages kept in a pebble store on disk (not synced per message:
// the gateways' spools are the truth), and no expiry of queued messages.
// The aggregator itself is subscribed in process (Subscribe, Publish:
// mochi's inline client), so the broker keeps nothing for it: a tap is
// handed to the ingest after the broker's PUBACK, and one lost with the
// process before the journal's commit is sent again by its gateway, which
// keeps it until the aggregator's answer. What the store keeps are the
// gateways' sessions and the feedback queued for a gateway that is away
// (not the PUBACKs mochi would store and delete for every tap: store). What
// the broker writes to a client while reading a burst from it goes out in
// one write (conn.go).
//
// It accepts every client: it is meant for a single machine (listening on
// loopback by default). Production uses Mosquitto with TLS and per-gateway
// ACLs (deploy/).
package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	pebbledb "github.com/cockroachdb/pebble"
	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/storage/pebble"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/mochi-mqtt/server/v2/system"
)

// MaxPacket bounds an MQTT packet the broker accepts.
const MaxPacket = 64 << 10

// Broker is an embedded MQTT broker with its listener bound.
type Broker struct {
	srv   *mqtt.Server
	tcp   *listeners.Net
	log   *slog.Logger
	store *store

	subs int // subscription ids given by Subscribe

	// closing is set before the server closes: Publish refuses from then
	// on. (A publish already under way is safe: the store takes no write
	// once stopped.)
	closing atomic.Bool
}

// ErrClosed is Publish's error once the broker is closing.
var ErrClosed = errors.New("broker: closed")

// New opens the store under dir and binds the listener on addr
// ("127.0.0.1:1883"; port 0 picks a free one, see Addr). Serving starts with
// Run.
func New(addr, dir string, log *slog.Logger) (*Broker, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	caps := mqtt.NewDefaultServerCapabilities()
	// Queued taps must never expire: a tap the broker acknowledged comes
	// again only after the gateway's answer timeout.
	caps.MaximumMessageExpiryInterval = 0
	// The QoS 1 messages held for one client (sent and unacknowledged, or
	// queued while it is away) are capped by the broker, and a message past
	// the cap is dropped after the publisher had its PUBACK (logged "client
	// store quota reached", counted in the broker's InflightDropped). The
	// default, 8,192, was below what an aggregator connected over TCP holds
	// while it commits a burst (a batch of up to 8,192 plus the deliveries
	// queued behind it); the in-process aggregator holds nothing here, but
	// another subscriber of the taps (a second aggregator, a tool) does.
	// 65,535 is the most MQTT packet ids allow; beyond that a backlog
	// relies on the gateways' resend (docs/DEPLOY.md: an external Mosquitto
	// for districts).
	caps.MaximumInflight = 65535
	// A tap or status is well under a kilobyte: a client sending a larger
	// packet is disconnected before the broker stores it. (The ingest
	// rejects payloads over ingest.MaxPayload, counted and kept.)
	caps.MaximumPacketSize = MaxPacket
	srv := mqtt.New(&mqtt.Options{
		// The aggregator subscribes and publishes in process (Subscribe,
		// Publish), without a connection to itself.
		InlineClient: true,
		Capabilities: caps,
		Logger:       log.With("part", "broker"),
		// Buffers sized for bursts of small messages.
		ClientNetWriteBufferSize: 64 * 1024,
		ClientNetReadBufferSize:  64 * 1024,
	})
	if err := srv.AddHook(new(allowAll), nil); err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	st := &store{Hook: new(pebble.Hook)}
	err := srv.AddHook(st, &pebble.Options{
		Path: filepath.Join(dir, "pebble"),
		// Not synced per message (a sync per message held the broker to a
		// sixth of Mosquitto's rate): a crash may take the store's last
		// writes, never a tap — the gateways' spools hold every tap until
		// the aggregator's answer, which comes after the journal's fsync,
		// and send the unanswered ones again.
		Mode:    pebble.NoSync,
		Options: &pebbledb.Options{Logger: pebbleLog{log.With("part", "broker-store")}},
	})
	if err != nil {
		return nil, fmt.Errorf("broker: store %s: %w", dir, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("broker: listen %s: %w", addr, err)
	}
	// The clients' writes batched while their readers work (conn.go).
	tcp := listeners.NewNet("tcp", batchListener{ln})
	if err := srv.AddListener(tcp); err != nil {
		ln.Close()
		srv.Close()
		return nil, fmt.Errorf("broker: listen %s: %w", addr, err)
	}
	return &Broker{srv: srv, tcp: tcp, log: log, store: st}, nil
}

// Addr returns the bound listen address.
func (b *Broker) Addr() string { return b.tcp.Address() }

// URL returns the address as a client URL.
func (b *Broker) URL() string { return "tcp://" + b.Addr() }

// Run serves until ctx is done, then disconnects the clients and closes the
// store.
func (b *Broker) Run(ctx context.Context) error {
	if err := b.srv.Serve(); err != nil {
		b.srv.Close()
		return fmt.Errorf("broker: %w", err)
	}
	b.log.Info("embedded broker listening", "addr", b.Addr())
	<-ctx.Done()
	if err := b.close(); err != nil {
		return fmt.Errorf("broker: close: %w", err)
	}
	return nil
}

// Subscribe calls fn with each message published on filter, on the
// publishing client's reader (after the broker's PUBACK to it; the client's
// next packet waits for fn).
func (b *Broker) Subscribe(filter string, fn func(topic string, payload []byte)) error {
	b.subs++
	return b.srv.Subscribe(filter, b.subs, func(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
		fn(pk.TopicName, pk.Payload)
	})
}

// Publish sends payload on topic to the subscribed clients with QoS 1.
func (b *Broker) Publish(topic string, payload []byte) error {
	if b.closing.Load() {
		return ErrClosed
	}
	return b.srv.Publish(topic, payload, false, 1)
}

// Close releases the listener and the store of a broker that never ran.
func (b *Broker) Close() error { return b.close() }

func (b *Broker) close() error {
	b.closing.Store(true)
	return b.srv.Close()
}

// allowAll lets every client connect, publish and subscribe. (mochi's own
// allow hook lives in a package that needs a YAML dependency this module
// does not carry.)
type allowAll struct{ mqtt.HookBase }

func (h *allowAll) ID() string { return "allow-all" }

func (h *allowAll) Provides(b byte) bool {
	return b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck
}

func (h *allowAll) OnConnectAuthenticate(*mqtt.Client, packets.Packet) bool { return true }

func (h *allowAll) OnACLCheck(*mqtt.Client, string, bool) bool { return true }

// store is mochi's pebble store without the acknowledgements of the QoS 1
// messages clients publish. mochi keeps each PUBACK it sends "in flight" in
// the store and deletes it again as soon as it is written, since a QoS 1
// exchange ends with the PUBACK: two store writes per tap that nothing ever
// reads (they were 14% of the aggregator's CPU under the peer load). What
// the store is for stays: the messages sent to a client and not yet
// acknowledged (feedback for a gateway, QoS 2 receipts), sessions,
// subscriptions and retained messages. A client's own PUBACK of a message
// sent to it, which completes that message, is a PUBACK too: ownAck tells
// the two apart (TestStoredFeedbackIsDeletedOnItsAck runs it through mochi).
//
// It also takes no write once it has stopped. mochi v2.7.9's Close stops
// its hooks while its event loop may be in a tick and clients it has just
// disconnected still record their sessions; a write to the closed pebble
// then panicked the process at shutdown ("pebble: closed", seen in the
// broker tests). Stop waits for the writes in progress.
type store struct {
	*pebble.Hook
	mu      sync.RWMutex
	stopped bool
}

// write runs fn unless the store has stopped, holding Stop off meanwhile.
func (s *store) write(fn func()) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.stopped {
		fn()
	}
}

func (s *store) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	s.stopped = true
	return s.Hook.Stop()
}

func (s *store) OnSessionEstablished(cl *mqtt.Client, pk packets.Packet) {
	s.write(func() { s.Hook.OnSessionEstablished(cl, pk) })
}

func (s *store) OnWillSent(cl *mqtt.Client, pk packets.Packet) {
	s.write(func() { s.Hook.OnWillSent(cl, pk) })
}

func (s *store) OnDisconnect(cl *mqtt.Client, err error, expire bool) {
	s.write(func() { s.Hook.OnDisconnect(cl, err, expire) })
}

func (s *store) OnSubscribed(cl *mqtt.Client, pk packets.Packet, codes []byte) {
	s.write(func() { s.Hook.OnSubscribed(cl, pk, codes) })
}

func (s *store) OnUnsubscribed(cl *mqtt.Client, pk packets.Packet) {
	s.write(func() { s.Hook.OnUnsubscribed(cl, pk) })
}

func (s *store) OnRetainMessage(cl *mqtt.Client, pk packets.Packet, r int64) {
	s.write(func() { s.Hook.OnRetainMessage(cl, pk, r) })
}

func (s *store) OnQosDropped(cl *mqtt.Client, pk packets.Packet) {
	s.write(func() { s.Hook.OnQosDropped(cl, pk) })
}

func (s *store) OnSysInfoTick(sys *system.Info) { s.write(func() { s.Hook.OnSysInfoTick(sys) }) }

func (s *store) OnRetainedExpired(filter string) {
	s.write(func() { s.Hook.OnRetainedExpired(filter) })
}

func (s *store) OnClientExpired(cl *mqtt.Client) { s.write(func() { s.Hook.OnClientExpired(cl) }) }

// ownAck reports whether pk is a PUBACK the broker made for a client's QoS
// 1 message. mochi v2.7.9 builds those with their creation time; a packet
// read from a client has none.
func ownAck(pk packets.Packet) bool { return pk.FixedHeader.Type == packets.Puback && pk.Created != 0 }

func (s *store) OnQosPublish(cl *mqtt.Client, pk packets.Packet, sent int64, resends int) {
	if ownAck(pk) {
		return
	}
	s.write(func() { s.Hook.OnQosPublish(cl, pk, sent, resends) })
}

func (s *store) OnQosComplete(cl *mqtt.Client, pk packets.Packet) {
	if ownAck(pk) {
		return
	}
	s.write(func() { s.Hook.OnQosComplete(cl, pk) })
}

// pebbleLog sends the store's chatter (WAL replays, compactions) to the
// debug level instead of stderr.
type pebbleLog struct{ log *slog.Logger }

func (l pebbleLog) Infof(format string, args ...any) { l.log.Debug(fmt.Sprintf(format, args...)) }

// Fatalf is called on corruption the store cannot go on with, as pebble's
// own logger does: log and exit.
func (l pebbleLog) Fatalf(format string, args ...any) {
	l.log.Error(fmt.Sprintf(format, args...))
	os.Exit(1)
}
