package service

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"timeclock/gateway/internal/config"
	"timeclock/gateway/internal/readerloop"
	"timeclock/internal/punch"
	"timeclock/internal/reader"
	"timeclock/internal/reader/wiegand"
)

// Sources makes a Source for each configured reader.
func Sources(cfg *config.Config, stdin io.Reader, log *slog.Logger) (map[string]Source, error) {
	out := map[string]Source{}
	for _, r := range cfg.Readers {
		switch r.Kind {
		case "lines":
			out[r.Name] = &Lines{Name: r.Name, Path: r.Path, Stdin: stdin, Log: log}
		case "wiegand26", "wiegand34":
			d0, d1, err := wiegand.ParseLines(r.Path)
			if err != nil {
				return nil, fmt.Errorf("reader %s: %w", r.Name, err)
			}
			f := wiegand.W26
			if r.Kind == "wiegand34" {
				f = wiegand.W34
			}
			out[r.Name] = &wiegandSource{name: r.Name, d0: d0, d1: d1, format: f, log: log, open: openGPIO}
		default:
			kind, err := reader.ParseKind(r.Kind)
			if err != nil {
				return nil, fmt.Errorf("reader %s: %w", r.Name, err)
			}
			out[r.Name] = &serialSource{name: r.Name, kind: kind, path: r.Path, log: log}
		}
	}
	return out, nil
}

// ReaderStats counts what one reader did since the gateway started, for
// the technician's metrics (a reader that reopens often has a loose cable; a
// Wiegand reader that drops frames has noise on its lines).
type ReaderStats struct {
	Opens  uint64 // successful opens (and initialisations) of the reader
	Errors uint64 // failed opens and polls; for Wiegand, also frames dropped
	Reads  uint64 // cards read and handed to the gateway
}

// counted is a Source that keeps ReaderStats.
type counted interface {
	Stats() ReaderStats
}

// serialSource runs a serial reader through the reader loop, which opens,
// polls, de-duplicates and reopens the port.
type serialSource struct {
	name string
	kind reader.Kind
	path string
	log  *slog.Logger
	loop atomic.Pointer[readerloop.Loop]
}

func (s *serialSource) Stats() ReaderStats {
	l := s.loop.Load()
	if l == nil {
		return ReaderStats{}
	}
	st := l.Stats()
	return ReaderStats{Opens: uint64(st.Opens), Errors: uint64(st.Errors), Reads: uint64(st.Reads)}
}

func (s *serialSource) Run(ctx context.Context, emit func(Read), state func(string)) error {
	l, err := readerloop.New(readerloop.Config{
		Name: s.name, Kind: s.kind, Path: s.path, Logger: s.log,
		OnRead:   func(r readerloop.Read) { emit(Read{Reader: r.Reader, Card: r.Card, At: r.At}) },
		OnHealth: func(h readerloop.Health) { state(string(h)) },
	})
	if err != nil {
		return err
	}
	s.loop.Store(l)
	return l.Run(ctx)
}

// wiegandSource decodes a Wiegand reader on two GPIO lines, reopening the
// lines after a failure.
type wiegandSource struct {
	name, d0, d1 string
	format       wiegand.Format
	log          *slog.Logger
	open         func(d0, d1 string) (edgeLines, error)

	mu   sync.Mutex
	done ReaderStats     // opens, failures, and the counts of readers that ended
	cur  *wiegand.Reader // the reader of the lines open now
}

// edgeLines are the opened data lines of a Wiegand reader.
type edgeLines interface {
	wiegand.EdgeSource
	Close() error
}

func openGPIO(d0, d1 string) (edgeLines, error) {
	src, err := wiegand.OpenGPIO(d0, d1)
	if err != nil {
		return nil, err
	}
	return src, nil
}

func (s *wiegandSource) Stats() ReaderStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.done
	if s.cur != nil {
		st.addWiegand(s.cur.Stats())
	}
	return st
}

// addWiegand adds the counts of one Wiegand reader to st.
func (st *ReaderStats) addWiegand(w wiegand.Stats) {
	st.Reads += w.Cards
	st.Errors += w.Rejected
}

// opened records the outcome of an open of the lines: r decodes them, or
// err says why they did not open.
func (s *wiegandSource) opened(r *wiegand.Reader, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.done.Errors++
		return
	}
	s.done.Opens++
	s.cur = r
}

// ended records that the current reader stopped, failing with err (nil
// when the gateway stops).
func (s *wiegandSource) ended(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done.addWiegand(s.cur.Stats())
	s.cur = nil
	if err != nil {
		s.done.Errors++
	}
}

func (s *wiegandSource) Run(ctx context.Context, emit func(Read), state func(string)) error {
	for {
		src, err := s.open(s.d0, s.d1)
		if err != nil {
			s.opened(nil, err)
		} else {
			r := wiegand.NewReader(src, wiegand.Config{Format: s.format, Logger: s.log.With("reader", s.name)},
				func(card string) { emit(Read{Reader: s.name, Card: card, At: time.Now()}) })
			s.opened(r, nil)
			state(punch.ReaderOK)
			err = r.Run(ctx)
			src.Close()
			if ctx.Err() != nil {
				err = nil
			}
			s.ended(err)
		}
		if ctx.Err() != nil {
			return nil
		}
		state("error")
		s.log.Error("wiegand reader failed; reopening", "reader", s.name, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}
