// Package sim is the set of serial readers one firmware-sim run emulates:
// it opens each on a pseudo-terminal (package emulator), announces them and
// everything done to them as machine-readable lines, and applies scenario
// actions to them.
//
// Output lines, one event each:
//
//	reader NAME KIND PTY [LINK]   plugged in (at start and at each replug)
//	unplugged NAME                the reader's pty was closed
//	did COMMAND                   an action was applied (scenario grammar)
package sim

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"timeclock/firmware-sim/internal/scenario"
	"timeclock/internal/reader"
	"timeclock/internal/reader/emulator"
)

// Spec is one reader to emulate, written on the command line as
// "name=entrance kind=rcs620s [link=/path] [crlf]".
type Spec struct {
	Name string
	Kind reader.Kind
	Link string // symlink kept pointing at the pty
	CRLF bool   // EM4100 frames with CR LF before ETX
}

// ParseSpec reads a reader spec.
func ParseSpec(s string) (Spec, error) {
	var sp Spec
	for _, f := range strings.Fields(s) {
		k, v, hasValue := strings.Cut(f, "=")
		switch {
		case k == "name" && hasValue:
			sp.Name = v
		case k == "kind" && hasValue:
			kind, err := reader.ParseKind(v)
			if err != nil {
				return Spec{}, fmt.Errorf("reader %q: %w", s, err)
			}
			sp.Kind = kind
		case k == "link" && hasValue:
			sp.Link = v
		case k == "crlf" && !hasValue:
			sp.CRLF = true
		default:
			return Spec{}, fmt.Errorf("reader %q: %q: want name=, kind=, link= or crlf", s, f)
		}
	}
	if sp.Name == "" || strings.ContainsAny(sp.Name, ":/") || sp.Kind == "" {
		return Spec{}, fmt.Errorf("reader %q: want at least name=NAME and kind=KIND", s)
	}
	if sp.CRLF && sp.Kind != reader.EM4100 {
		return Spec{}, fmt.Errorf("reader %q: crlf is for em4100 readers", s)
	}
	return sp, nil
}

// Readers is the set of emulated readers. Its methods are safe for
// concurrent use.
type Readers struct {
	out   io.Writer
	log   *slog.Logger
	specs []Spec
	lines map[string]*emulator.Line

	mu      sync.Mutex
	replugs map[string]*time.Timer
	closed  bool
}

// Open starts every reader and writes its reader line to out. noPacing
// delivers bytes as fast as the ptys take them.
func Open(specs []Spec, out io.Writer, noPacing bool, log *slog.Logger) (*Readers, error) {
	r := &Readers{out: &syncWriter{w: out}, log: log, specs: specs,
		lines: map[string]*emulator.Line{}, replugs: map[string]*time.Timer{}}
	for _, sp := range specs {
		if _, dup := r.lines[sp.Name]; dup {
			r.Close()
			return nil, fmt.Errorf("reader %s given twice", sp.Name)
		}
		announce := func(path string) {
			line := fmt.Sprintf("reader %s %s %s", sp.Name, sp.Kind, path)
			if sp.Link != "" {
				line += " " + sp.Link
			}
			fmt.Fprintln(r.out, line)
		}
		l, err := emulator.Open(emulator.Config{Name: sp.Name, Kind: sp.Kind, Link: sp.Link, CRLF: sp.CRLF,
			NoPacing: noPacing, OnPlug: announce, Logger: log})
		if err != nil {
			r.Close()
			return nil, err
		}
		r.lines[sp.Name] = l
	}
	return r, nil
}

// Kinds lists the readers with their models, in the order given.
func (r *Readers) Kinds() []scenario.ReaderKind {
	out := make([]scenario.ReaderKind, len(r.specs))
	for i, sp := range r.specs {
		out[i] = scenario.ReaderKind{Name: sp.Name, Kind: sp.Kind}
	}
	return out
}

// Readers describes each reader as its reader line (or unplugged line).
func (r *Readers) Readers() []string {
	var out []string
	for _, sp := range r.specs {
		path := r.lines[sp.Name].Path()
		if path == "" {
			out = append(out, "unplugged "+sp.Name)
			continue
		}
		line := fmt.Sprintf("reader %s %s %s", sp.Name, sp.Kind, path)
		if sp.Link != "" {
			line += " " + sp.Link
		}
		out = append(out, line)
	}
	return out
}

// Apply does a to its reader now and announces it.
func (r *Readers) Apply(a scenario.Action) error {
	l, ok := r.lines[a.Reader]
	if !ok {
		return fmt.Errorf("no reader %q (have %s)", a.Reader, strings.Join(r.names(), ", "))
	}
	if err := r.apply(l, a); err != nil {
		return err
	}
	fmt.Fprintln(r.out, "did", a.String())
	return nil
}

func (r *Readers) apply(l *emulator.Line, a scenario.Action) error {
	switch a.Verb {
	case scenario.Tap:
		return l.Tap(a.Card, a.Hold)
	case scenario.Present:
		return l.Present(a.Card)
	case scenario.Remove:
		l.Remove()
		return nil
	case scenario.Unplug:
		return r.unplug(l, a.For)
	case scenario.Replug:
		r.stopReplug(l.Name())
		return l.Replug()
	case scenario.Garbage:
		b := make([]byte, a.N)
		for i := range b {
			b[i] = byte(rand.Uint32())
		}
		return l.Garbage(b)
	case scenario.NACK:
		return l.NACK(a.N)
	case scenario.Slow:
		l.Slow(a.For)
		return nil
	}
	return fmt.Errorf("verb %q unknown", a.Verb)
}

// unplug pulls the reader and, for d > 0, plugs it back after d.
func (r *Readers) unplug(l *emulator.Line, d time.Duration) error {
	if err := l.Unplug(); err != nil {
		return err
	}
	fmt.Fprintln(r.out, "unplugged", l.Name())
	if d <= 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.replugs[l.Name()] = time.AfterFunc(d, func() {
		r.mu.Lock()
		closed := r.closed
		delete(r.replugs, l.Name())
		r.mu.Unlock()
		if closed {
			return
		}
		if err := l.Replug(); err != nil {
			r.log.Warn("replug failed", "reader", l.Name(), "err", err)
		}
	})
	return nil
}

func (r *Readers) stopReplug(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t := r.replugs[name]; t != nil {
		t.Stop()
		delete(r.replugs, name)
	}
}

func (r *Readers) names() []string {
	names := make([]string, len(r.specs))
	for i, sp := range r.specs {
		names[i] = sp.Name
	}
	return names
}

// Close unplugs every reader for good.
func (r *Readers) Close() error {
	r.mu.Lock()
	r.closed = true
	for name, t := range r.replugs {
		t.Stop()
		delete(r.replugs, name)
	}
	r.mu.Unlock()
	var errs []error
	for _, l := range r.lines {
		errs = append(errs, l.Close())
	}
	return errors.Join(errs...)
}

// syncWriter serialises lines written from several goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
