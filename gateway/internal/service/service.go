// Package service provides the gateway's running service: it turns card
// reads into taps (debounced, stamped with the clock's trust, fsynced in the
// spool, then confirmed to the person), drains the spool to MQTT through
// the publisher, shows the aggregator's answers, corrects the time of taps
// made before the clock was synchronised, and publishes the retained status.
package service

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"timeclock/gateway/internal/clocktrust"
	"timeclock/gateway/internal/config"
	"timeclock/gateway/internal/feedback"
	"timeclock/gateway/internal/publisher"
	"timeclock/gateway/internal/spool"
	"timeclock/gateway/internal/tapid"
)

// Read is one card decoded at a reader.
type Read struct {
	Reader string
	Card   string    // {tech}:{hex}
	At     time.Time // when the card was decoded, for the feedback latency
}

// Source delivers card reads from one reader until ctx ends. It reports
// its health (punch.ReaderOK or a short fault text) through state.
type Source interface {
	Run(ctx context.Context, emit func(Read), state func(string)) error
}

// Parts are the service's collaborators; New fills in the ones left nil
// from the configuration (the spool file, the system clock, MQTT).
type Parts struct {
	Sources map[string]Source // by reader name
	Outputs []feedback.Output
	Clock   clocktrust.Source
	Sender  publisher.Sender // nil: dial the broker of the config
}

// Service is one running gateway.
type Service struct {
	cfg     *config.Config
	log     *slog.Logger
	sp      *spool.Spool
	trust   *clocktrust.Trust
	pub     *publisher.Publisher
	conn    *publisher.Conn // nil when Parts.Sender was given
	sender  publisher.Sender
	mux     *feedback.Mux
	sources map[string]Source
	dirs    map[string]string
	m       *metrics
	gs      gwStatus // the status: readers, high water

	mu       sync.Mutex
	recent   map[tapid.ID]recentTap // accepted taps awaiting an answer on screen
	lastCard map[string]lastRead    // reader → last read, for debounce
	syncs    chan clocktrust.Stamp  // the clock became synchronised
}

type recentTap struct {
	reader, dir string
	at          time.Time
	shown       time.Time // when accepted, by the local clock
}

type lastRead struct {
	card string
	at   time.Time
}

// New opens the spool and prepares the service; Run starts it.
func New(cfg *config.Config, parts Parts, log *slog.Logger) (*Service, error) {
	if err := os.MkdirAll(cfg.SpoolDir, 0o700); err != nil {
		return nil, fmt.Errorf("spool dir: %w", err)
	}
	src := parts.Clock
	if src == nil {
		var err error
		if src, err = clocktrust.Machine(); err != nil {
			return nil, err
		}
	}
	mode := map[string]clocktrust.Mode{"kernel": clocktrust.ModeKernel, "assume": clocktrust.ModeAssume,
		"untrusted": clocktrust.ModeUntrusted}[cfg.ClockSync]
	trust := clocktrust.New(src, mode, time.Second, log)
	sp, err := spool.Open(filepath.Join(cfg.SpoolDir, "spool.db"), cfg.Gateway, 10*time.Second,
		spool.FirstBoot(firstBoot(trust.Peek())), spool.OnDamaged(func(key []byte, err error) {
			log.Error("spool record damaged: set aside in the spool's damaged bucket, the taps after it go on",
				"key", fmt.Sprintf("%x", key), "err", err)
		}))
	if err != nil {
		return nil, err
	}
	s := &Service{
		cfg: cfg, log: log, sp: sp, sources: parts.Sources, trust: trust,
		dirs:     map[string]string{},
		gs:       gwStatus{readers: map[string]string{}, changed: make(chan struct{}, 1)},
		recent:   map[tapid.ID]recentTap{},
		lastCard: map[string]lastRead{},
		syncs:    make(chan clocktrust.Stamp, 1),
	}
	for _, r := range cfg.Readers {
		s.dirs[r.Name] = r.Dir
		s.gs.readers[r.Name] = "starting"
	}
	s.mux = feedback.NewMux(log, feedback.RealClock{}, cfg.FeedbackHold, parts.Outputs...)
	s.sender = parts.Sender
	if s.sender == nil {
		tlsCfg, err := tlsFor(cfg)
		if err != nil {
			sp.Close()
			return nil, err
		}
		s.conn = publisher.NewConn(publisher.ConnOptions{
			BrokerURL: cfg.BrokerURL, ClientID: cfg.ClientID, Username: cfg.Username, Password: cfg.Password,
			TLS: tlsCfg, Board: cfg.Board, School: cfg.School, Gateway: cfg.Gateway,
			Status:     s.status,
			OnConnect:  s.onConnect,
			OnFeedback: s.onFeedback,
		}, log)
		s.sender = s.conn
	}
	s.pub = publisher.New(sp, s.sender, publisher.Options{
		Window: cfg.Window, Rate: cfg.PublishRate, AckTimeout: cfg.AckTimeout, AckTimeoutMax: cfg.AckTimeoutMax,
		Hold: s.hold,
	}, log)
	s.m = newMetrics(s)
	s.trust.OnSync(s.onSync)
	log.Info("gateway started", "gateway", cfg.Gateway, "boot", sp.Boot(), "spooled", sp.Depth(),
		"readers", len(cfg.Readers), "broker", cfg.BrokerURL, "version", cfg.Version)
	if s.conn != nil {
		// Only now: OnConnect and OnFeedback use the publisher, and a
		// persistent session hands over queued feedback at once.
		s.conn.Connect()
	}
	return s, nil
}

// tlsFor returns the TLS settings, or nil for a plain connection.
func tlsFor(cfg *config.Config) (*tls.Config, error) {
	u, err := url.Parse(cfg.BrokerURL)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "ssl", "tls", "mqtts", "wss":
	default:
		if cfg.CAFile == "" && cfg.CertFile == "" {
			return nil, nil
		}
	}
	return publisher.TLSConfig(cfg.CAFile, cfg.CertFile, cfg.KeyFile)
}

// Run runs the service until ctx ends, then stops the readers, lets the taps
// in hand reach the disk, publishes the offline status and closes the spool.
func (s *Service) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	g.Go(func() error { return s.trust.Run(gctx, ticker.C) })
	g.Go(func() error { return s.mux.Run(gctx) })
	g.Go(func() error { return s.pub.Run(gctx) })
	g.Go(func() error { return s.statusLoop(gctx) })
	g.Go(func() error { return s.correctLoop(gctx) })
	if s.cfg.MetricsAddr != "" {
		g.Go(func() error { return s.m.serve(gctx, s.cfg.MetricsAddr) })
	}
	for name, src := range s.sources {
		g.Go(func() error {
			err := src.Run(gctx, s.accept, func(st string) { s.setReader(name, st) })
			if err != nil && gctx.Err() == nil {
				return fmt.Errorf("reader %s: %w", name, err)
			}
			return nil
		})
	}
	err := g.Wait()
	if s.conn != nil {
		s.conn.Close(2 * time.Second)
	}
	if cerr := s.sp.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// firstBoot is the boot number a new spool file starts at, so that the ids
// of a wiped or replaced spool never repeat those of the old one (the
// aggregator would take a repeated id for a duplicate and drop the tap):
//   - with the clock synchronised (as -clock-sync judges it), the wall
//     clock in Unix seconds (a gateway restarts less often than once a
//     second), below 2^31 until 2038;
//   - without it, a random number from 2^31 up, so it never meets a
//     synchronised seed. A clock that only looks set cannot be trusted here:
//     fake-hwclock restores the same saved time every time the same card
//     image boots, and a Pi without it starts in 1970. Two spools seeded at
//     random collide only if their runs of boot numbers (one per restart)
//     overlap: odds of about (restarts of both)/2^31, one in a million at a
//     thousand restarts each.
//
// Both leave 2^20 restarts before the counter runs out.
func firstBoot(wall time.Time, synced bool) uint32 {
	if synced {
		if sec := wall.Unix(); sec > 1_577_836_800 && sec < 1<<31 {
			return uint32(sec)
		}
	}
	return 1<<31 + rand.Uint32N(1<<31-1<<20)
}
