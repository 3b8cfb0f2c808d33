// Package emulator plays a serial card reader on a pseudo-terminal, byte for
// byte, so that the gateway's real serial code runs against it unchanged.
//
// A Line is one emulated reader: the device side of its protocol (packages
// rcs620s, pn532, em4100) served on the master of a pty, whose slave path
// the host opens like /dev/ttyUSB0. Optionally a symlink names it (as udev's
// /dev/serial/by-id does). The Line paces bytes at the module's line speed,
// lets cards be presented, held and removed, and injects faults on request:
// garbage bytes, NACKs, slow answers, and unplugging (the pty is closed, the
// symlink removed; plugging in again makes a new pty and re-points the
// symlink, as a USB reader re-enumerates).
//
// firmware-sim drives Lines from scenarios; the gateway's tests use them to
// exercise the reader loop over real pseudo-terminals.
package emulator

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"timeclock/internal/reader"
	"timeclock/internal/reader/em4100"
)

// Config describes one emulated reader.
type Config struct {
	Name string      // the reader's name, for logs
	Kind reader.Kind // the module emulated
	// Link, if set, is a symlink kept pointing at the current pty.
	Link string
	// NoPacing delivers bytes as fast as the pty takes them instead of at
	// the module's line speed.
	NoPacing bool
	// CRLF makes an EM4100 reader put CR LF before each ETX.
	CRLF bool
	// Repeat is how often an EM4100 reader resends a tag held in its field
	// (default em4100.RepeatInterval).
	Repeat time.Duration
	// OnPlug, if set, is called with the new pty path each time the
	// reader is plugged in (by Open and by Replug).
	OnPlug func(path string)
	Logger *slog.Logger
}

// Stats is a snapshot of a Line.
type Stats struct {
	Plugged bool
	Path    string // the current pty slave, "" when unplugged
	Card    string // the card in the field, "" for none
	// Activity counts polls answered (RC-S620S, PN532) or frames sent
	// (EM4100) since the Line was opened.
	Activity int
}

// Line is one emulated reader. Its methods are safe for concurrent use.
type Line struct {
	cfg      Config
	log      *slog.Logger
	byteTime time.Duration

	mu       sync.Mutex
	dev      Device
	sess     *session
	card     string
	slow     time.Duration
	tapGen   int
	tapTimer *time.Timer
	closed   bool
}

// Open creates the pty (and symlink) of a reader just plugged in.
func Open(cfg Config) (*Line, error) {
	dev, err := newDevice(cfg.Kind, cfg.CRLF)
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Repeat <= 0 {
		cfg.Repeat = em4100.RepeatInterval
	}
	l := &Line{cfg: cfg, dev: dev, log: cfg.Logger.With("reader", cfg.Name, "kind", string(cfg.Kind))}
	if !cfg.NoPacing {
		// 8N1: ten bit times per byte.
		l.byteTime = 10 * time.Second / time.Duration(cfg.Kind.Baud())
	}
	if err := l.plug(); err != nil {
		return nil, err
	}
	return l, nil
}

// Name is the reader's configured name.
func (l *Line) Name() string { return l.cfg.Name }

// Kind is the module emulated.
func (l *Line) Kind() reader.Kind { return l.cfg.Kind }

// Path is the current pty slave path, "" while unplugged.
func (l *Line) Path() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sess == nil {
		return ""
	}
	return l.sess.path
}

// Stats returns a snapshot of the Line.
func (l *Line) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := Stats{Plugged: l.sess != nil, Card: l.card, Activity: activity(l.dev)}
	if l.sess != nil {
		s.Path = l.sess.path
	}
	return s
}

// Present puts card (a card id of FORMATS.md §2) in the reader's field
// until Remove or another Present. A removal scheduled by Tap is
// cancelled.
func (l *Line) Present(card string) error { return l.present(card, 0) }

// Tap presents card and removes it after hold.
func (l *Line) Tap(card string, hold time.Duration) error {
	if hold <= 0 {
		return fmt.Errorf("reader %s: tap of %s held for %v, want a positive time", l.cfg.Name, card, hold)
	}
	return l.present(card, hold)
}

// present puts card in the field and, with hold > 0, schedules its removal.
func (l *Line) present(card string, hold time.Duration) error {
	l.mu.Lock()
	l.stopTap()
	out, err := l.dev.Present(card)
	if err == nil {
		l.card = card
		if hold > 0 {
			gen := l.tapGen
			l.tapTimer = time.AfterFunc(hold, func() {
				l.mu.Lock()
				defer l.mu.Unlock()
				if l.tapGen == gen {
					l.removeLocked()
				}
			})
		}
	}
	s := l.sess
	l.mu.Unlock()
	if err != nil {
		return fmt.Errorf("reader %s: %w", l.cfg.Name, err)
	}
	l.log.Debug("card presented", "card", card, "hold", hold)
	l.emit(s, out)
	return nil
}

// Remove takes the card out of the field.
func (l *Line) Remove() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopTap()
	l.removeLocked()
}

func (l *Line) removeLocked() {
	l.dev.Remove()
	if l.card != "" {
		l.log.Debug("card removed", "card", l.card)
	}
	l.card = ""
}

// stopTap cancels a pending removal; l.mu is held.
func (l *Line) stopTap() {
	l.tapGen++
	if l.tapTimer != nil {
		l.tapTimer.Stop()
		l.tapTimer = nil
	}
}

// Garbage sends b to the host now, in the middle of whatever flows.
func (l *Line) Garbage(b []byte) error {
	l.mu.Lock()
	s := l.sess
	l.mu.Unlock()
	if s == nil {
		return fmt.Errorf("reader %s is unplugged", l.cfg.Name)
	}
	l.emit(s, b)
	return nil
}

// NACK makes the module answer the next n commands with a NACK.
func (l *Line) NACK(n int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	d, ok := l.dev.(nacker)
	if !ok {
		return fmt.Errorf("reader %s: a %s reader has no NACK", l.cfg.Name, l.cfg.Kind)
	}
	d.NACKNext(n)
	return nil
}

// Slow delays every answer by d after its ACK (0 restores the normal pace).
func (l *Line) Slow(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.slow = max(d, 0)
}

// Unplug closes the pty as if the reader's cable were pulled: the host's
// reads fail, the symlink disappears. The card in the field stays.
func (l *Line) Unplug() error {
	l.mu.Lock()
	s := l.sess
	l.sess = nil
	l.mu.Unlock()
	if s == nil {
		return fmt.Errorf("reader %s is already unplugged", l.cfg.Name)
	}
	err := s.close()
	if l.cfg.Link != "" {
		if target, lerr := os.Readlink(l.cfg.Link); lerr == nil && target == s.path {
			err = errors.Join(err, os.Remove(l.cfg.Link))
		}
	}
	l.log.Info("reader unplugged", "path", s.path)
	return err
}

// Replug plugs the reader in again: a new pty (a new path), the module
// powered on afresh, the symlink pointing at it.
func (l *Line) Replug() error {
	l.mu.Lock()
	plugged, closed := l.sess != nil, l.closed
	l.mu.Unlock()
	switch {
	case closed:
		return fmt.Errorf("reader %s is closed", l.cfg.Name)
	case plugged:
		return fmt.Errorf("reader %s is already plugged in", l.cfg.Name)
	}
	return l.plug()
}

func (l *Line) plug() error {
	s, err := l.newSession()
	if err != nil {
		return fmt.Errorf("reader %s: %w", l.cfg.Name, err)
	}
	if l.cfg.Link != "" {
		if err := relink(s.path, l.cfg.Link); err != nil {
			s.close()
			return fmt.Errorf("reader %s: %w", l.cfg.Name, err)
		}
	}
	l.mu.Lock()
	if l.closed { // closed while the pty was being made
		l.mu.Unlock()
		s.close()
		if l.cfg.Link != "" {
			os.Remove(l.cfg.Link)
		}
		return fmt.Errorf("reader %s is closed", l.cfg.Name)
	}
	l.dev.PowerOn()
	// The goroutines are counted before the session is published: an
	// Unplug or Close from another goroutine that sees it waits for them.
	s.start(l)
	l.sess = s
	l.mu.Unlock()
	l.log.Info("reader plugged in", "path", s.path, "link", l.cfg.Link)
	if l.cfg.OnPlug != nil {
		l.cfg.OnPlug(s.path)
	}
	return nil
}

// Close unplugs the reader for good.
func (l *Line) Close() error {
	l.mu.Lock()
	l.stopTap()
	l.closed = true
	plugged := l.sess != nil
	l.mu.Unlock()
	if !plugged {
		return nil
	}
	return l.Unplug()
}

// relink points link at target, replacing an earlier symlink in one
// rename so the host never sees the name missing; it refuses to replace
// anything but a symlink.
func relink(target, link string) error {
	if fi, err := os.Lstat(link); err == nil && fi.Mode()&os.ModeSymlink == 0 {
		return fmt.Errorf("link %s exists and is not a symlink", link)
	}
	tmp := filepath.Join(filepath.Dir(link), "."+filepath.Base(link)+".new")
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("link %s: %w", link, err)
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("link %s: %w", link, err)
	}
	return nil
}
