package service

import (
	"context"
	"fmt"
	"io"
	"log/slog"
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
			out[r.Name] = &wiegandSource{name: r.Name, d0: d0, d1: d1, format: f, log: log}
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

// serialSource runs a serial reader through the reader loop, which opens,
// polls, de-duplicates and reopens the port.
type serialSource struct {
	name string
	kind reader.Kind
	path string
	log  *slog.Logger
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
	return l.Run(ctx)
}

// wiegandSource decodes a Wiegand reader on two GPIO lines, reopening the
// lines after a failure.
type wiegandSource struct {
	name, d0, d1 string
	format       wiegand.Format
	log          *slog.Logger
}

func (s *wiegandSource) Run(ctx context.Context, emit func(Read), state func(string)) error {
	for {
		src, err := wiegand.OpenGPIO(s.d0, s.d1)
		if err == nil {
			state(punch.ReaderOK)
			r := wiegand.NewReader(src, wiegand.Config{Format: s.format, Logger: s.log.With("reader", s.name)},
				func(card string) { emit(Read{Reader: s.name, Card: card, At: time.Now()}) })
			err = r.Run(ctx)
			src.Close()
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
