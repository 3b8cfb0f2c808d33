// Package readerloop runs one serial card reader for the gateway: it opens
// the configured port (by its /dev/serial/by-id name), initialises the
// module, polls it at a steady interval (an EM4100 reader pushes; its
// driver waits for frames instead), turns what it sees into one Read per
// presentation of a card, and keeps going through anything the hardware
// does: garbage on the line is skipped by the drivers, a module that stops
// answering is re-initialised, an unplugged reader is reopened with backoff
// as soon as it comes back. Its health (ok, absent, error) feeds the
// gateway's status topic.
//
// De-duplication: a card held on the reader is reported once. It counts as
// gone after it has been missed by at least two polls in a row spanning
// Config.Release; the same card presented again after that is a new Read.
// A different card is reported at once.
package readerloop

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"timeclock/internal/reader"
)

// Defaults of Config.
const (
	DefaultInterval = 100 * time.Millisecond
	// DefaultRelease suits polled readers; an EM4100 reader's frames are
	// sparser, so it gets DefaultPushRelease.
	DefaultRelease     = 300 * time.Millisecond
	DefaultPushRelease = 500 * time.Millisecond
	// releaseMisses is the least number of empty polls before a card
	// counts as gone, so one slow poll cycle cannot end a presentation.
	releaseMisses = 2
	// maxFailures is how many polls in a row may fail before the module is
	// re-initialised from a fresh open.
	maxFailures = 3
	minBackoff  = 100 * time.Millisecond
	// maxBackoff keeps recovery after a replug well within 5 s.
	maxBackoff = time.Second
)

// Read is one presentation of a card.
type Read struct {
	Reader string    // the reader's configured name
	Card   string    // card id of FORMATS.md §2, e.g. felica:012e4cd23a1b5c6d
	At     time.Time // when the card was decoded, by Config.Clock
}

// Health is a reader's state in the gateway status (FORMATS.md §1).
type Health string

// The reader states.
const (
	HealthOK     Health = "ok"     // initialised and polling
	HealthAbsent Health = "absent" // the port is not there (unplugged)
	HealthError  Health = "error"  // the port is there, the module does not work
)

// Clock gives the time stamped on reads.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Config describes one reader loop.
type Config struct {
	Name string      // reader name, as in taps and status
	Kind reader.Kind // rcs620s, pn532 or em4100
	Path string      // serial port, best a /dev/serial/by-id/… name
	// Interval is the least time from one poll's start to the next
	// (default DefaultInterval). A reader that pushes (EM4100) is read
	// without pause by default: its driver's Poll waits for the next frame
	// itself, and a pause would let frames pile up.
	Interval time.Duration
	// Release is how long a card must be missed to count as gone
	// (default DefaultRelease, DefaultPushRelease for EM4100).
	Release time.Duration
	Clock   Clock // default: the system clock
	Logger  *slog.Logger
	// OnRead receives each read. It runs on the loop's goroutine: while it
	// runs, the reader is not polled.
	OnRead func(Read)
	// OnHealth, if set, is called with the first health the loop finds
	// and on each change, on the loop's goroutine.
	OnHealth func(Health)
	// Open opens the reader. Default: OpenSerial(Path, Kind, Logger).
	Open func(ctx context.Context) (Device, error)
}

// Stats counts what a Loop did.
type Stats struct {
	Opens  int // successful opens and initialisations
	Polls  int // polls that completed
	Seen   int // polls that saw a card
	Reads  int // reads reported
	Errors int // failed polls, opens and initialisations
}

// Loop runs one reader. Create it with New, run it with Run.
type Loop struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	health   Health
	reported bool   // OnHealth has been told a health
	holding  string // the card on the reader, "" for none
	stats    Stats

	// Loop goroutine only.
	misses   int
	lastSeen time.Time
}

// New checks cfg and fills in its defaults.
func New(cfg Config) (*Loop, error) {
	if cfg.OnRead == nil {
		return nil, errors.New("readerloop: OnRead is required")
	}
	if cfg.Open == nil {
		if _, err := reader.ParseKind(string(cfg.Kind)); err != nil {
			return nil, err
		}
		if cfg.Path == "" {
			return nil, errors.New("readerloop: reader " + cfg.Name + ": no path")
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Open == nil {
		cfg.Open = func(context.Context) (Device, error) { return OpenSerial(cfg.Path, cfg.Kind, cfg.Logger) }
	}
	if cfg.Interval <= 0 && cfg.Kind.Polled() {
		cfg.Interval = DefaultInterval
	}
	if cfg.Release <= 0 {
		cfg.Release = DefaultRelease
		if cfg.Kind == reader.EM4100 {
			cfg.Release = DefaultPushRelease
		}
	}
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	log := cfg.Logger.With("reader", cfg.Name, "kind", string(cfg.Kind), "path", cfg.Path)
	return &Loop{cfg: cfg, log: log, health: HealthAbsent}, nil
}

// Health is the reader's current state (absent until the first open).
func (l *Loop) Health() Health {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.health
}

// Holding is the card on the reader now, "" for none.
func (l *Loop) Holding() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holding
}

// Stats returns the counters.
func (l *Loop) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Run opens, initialises and polls the reader until ctx ends, reopening it
// with backoff whenever it fails. It returns nil when ctx ends; it has no
// other way to end.
func (l *Loop) Run(ctx context.Context) error {
	backoff := minBackoff
	for {
		if dev, ok := l.open(ctx); ok {
			backoff = minBackoff
			l.serve(ctx, dev)
			if err := dev.Close(); err != nil {
				l.log.Debug("reader close", "err", err)
			}
		}
		if reader.Wait(ctx, backoff) != nil {
			return nil
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// open opens and initialises the reader, setting its health either way.
func (l *Loop) open(ctx context.Context) (Device, bool) {
	dev, err := l.cfg.Open(ctx)
	if err != nil {
		h := HealthError
		if absent(err) {
			h = HealthAbsent
		}
		l.failed(ctx, h, "reader open failed", err)
		return nil, false
	}
	if err := dev.Init(ctx); err != nil {
		dev.Close()
		l.failed(ctx, HealthError, "reader init failed", err)
		return nil, false
	}
	l.mu.Lock()
	l.stats.Opens++
	l.mu.Unlock()
	l.setHealth(HealthOK, nil)
	return dev, true
}

// failed counts a failure and, unless it is the loop being stopped, sets
// the health it implies ("" keeps the health as it is).
func (l *Loop) failed(ctx context.Context, h Health, msg string, err error) {
	if ctx.Err() != nil {
		return
	}
	l.mu.Lock()
	l.stats.Errors++
	l.mu.Unlock()
	l.log.Debug(msg, "err", err)
	if h != "" {
		l.setHealth(h, err)
	}
}

func (l *Loop) setHealth(h Health, cause error) {
	l.mu.Lock()
	old, first := l.health, !l.reported
	l.health, l.reported = h, true
	l.mu.Unlock()
	if old == h && !first {
		return
	}
	if h == HealthOK {
		l.log.Info("reader ok", "was", string(old))
	} else {
		l.log.Warn("reader "+string(h), "was", string(old), "err", cause)
	}
	if l.cfg.OnHealth != nil {
		l.cfg.OnHealth(h)
	}
}

// serve polls an initialised reader until ctx ends, the port fails, or
// polls keep failing.
func (l *Loop) serve(ctx context.Context, dev Device) {
	failures := 0
	next := time.Now()
	for {
		if wait(ctx, next) != nil {
			return
		}
		next = time.Now().Add(l.cfg.Interval)
		card, err := dev.Poll(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if reader.IsIOError(err) {
				// The port is gone; the next open tells absent from broken.
				l.failed(ctx, "", "reader port failed", err)
				return
			}
			failures++
			if failures < maxFailures {
				l.failed(ctx, "", "reader poll failed", err)
				continue
			}
			l.failed(ctx, HealthError, "reader keeps failing, reopening", err)
			return
		}
		failures = 0
		l.observe(card)
	}
}

// observe folds one poll result into the presentation state and reports a
// new presentation.
func (l *Loop) observe(card string) {
	now := time.Now() // monotonic: the release must not follow wall-clock steps
	l.mu.Lock()
	l.stats.Polls++
	if card == "" {
		if l.holding != "" {
			l.misses++
			if l.misses >= releaseMisses && now.Sub(l.lastSeen) >= l.cfg.Release {
				l.log.Debug("card released", "card", l.holding)
				l.holding = ""
			}
		}
		l.mu.Unlock()
		return
	}
	l.stats.Seen++
	l.misses, l.lastSeen = 0, now
	if card == l.holding {
		l.mu.Unlock()
		return
	}
	l.holding = card
	l.stats.Reads++
	l.mu.Unlock()
	r := Read{Reader: l.cfg.Name, Card: card, At: l.cfg.Clock.Now()}
	l.log.Debug("card read", "card", card)
	l.cfg.OnRead(r)
}

// wait pauses until t or until ctx ends.
func wait(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	return reader.Wait(ctx, d)
}
