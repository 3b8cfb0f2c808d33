package wiegand

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// Defaults of Config.
const (
	DefaultSilence = 25 * time.Millisecond
	DefaultPoll    = 100 * time.Millisecond
)

// strayBits is the length below which a rejected frame is taken for stray
// edges (a glitch, a plug being pushed in) and logged at debug level only.
const strayBits = 4

// Config tunes a Reader. The zero value is ready to use.
type Config struct {
	// Silence ends a frame: no edge for this long after the last one.
	// Readers leave at most 20 ms between bits. Default DefaultSilence.
	Silence time.Duration
	// Coincidence is the window within which edges on D0 and D1 are taken
	// for noise hitting both lines at once; the frame is then dropped.
	// Real bits are at least ~220 µs apart, so 10 µs is a sensible value.
	// Zero turns the check off. Set it only for a source whose timestamps
	// are taken when the edge happens: GPIOSource stamps an edge when it
	// reads it, and edges queued in the kernel during a scheduling delay
	// would look simultaneous.
	Coincidence time.Duration
	// Format, if set, is the only frame format accepted (a reader
	// configured as wiegand26 rejects 34-bit frames as ErrLength). Zero
	// accepts both W26 and W34.
	Format Format
	// Poll bounds each wait while no frame is under way, and so how long
	// Run takes to notice that its context is done. Default DefaultPoll.
	Poll time.Duration
	// Logger receives one record per dropped frame. Default slog.Default().
	Logger *slog.Logger
	// Rejected, if set, is called with the *FrameError of every dropped
	// frame (for metrics), from Run's goroutine.
	Rejected func(err error)
}

// Stats counts what a Reader has seen since it was made.
type Stats struct {
	Frames   uint64 // frames ended by a silence, good or bad
	Cards    uint64 // frames decoded and handed to the callback
	Rejected uint64 // frames dropped: wrong length, bad parity or noise
}

// Reader decodes the frames of one Wiegand reader and hands each card id to
// a callback.
type Reader struct {
	src  EdgeSource
	emit func(card string)
	cfg  Config
	log  *slog.Logger

	frames, cards, rejected atomic.Uint64
}

// NewReader returns a Reader of the edges of src that calls emit with the
// card id (FORMATS.md §2) of every good frame, from Run's goroutine. emit
// should return quickly: edges wait in the source meanwhile, and the kernel
// buffers only a few frames' worth.
//
// For a reader wired to the gateway:
//
//	d0, d1, err := wiegand.ParseLines("GPIO5,GPIO6")
//	src, err := wiegand.OpenGPIO(d0, d1)
//	defer src.Close()
//	err = wiegand.NewReader(src, wiegand.Config{Format: wiegand.W26, Logger: log}, emit).Run(ctx)
func NewReader(src EdgeSource, cfg Config, emit func(card string)) *Reader {
	if cfg.Silence <= 0 {
		cfg.Silence = DefaultSilence
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Reader{src: src, emit: emit, cfg: cfg, log: log}
}

// Stats returns the counters so far. It is safe to call while Run runs.
func (r *Reader) Stats() Stats {
	return Stats{Frames: r.frames.Load(), Cards: r.cards.Load(), Rejected: r.rejected.Load()}
}

// Run reads frames until ctx is done or the source fails. A frame under
// way when ctx ends is still finished (for at most two silences) and
// emitted; one under way when the source fails is dropped (ErrUnfinished).
// Run returns nil after ctx is done, and the source's error, wrapped, if it
// fails; it does not close the source.
func (r *Reader) Run(ctx context.Context) error {
	a := assembler{coincidence: r.cfg.Coincidence, format: r.cfg.Format}
	var deadline time.Time // set once ctx is done and a frame is still under way
	for {
		if ctx.Err() != nil {
			if !a.pending() {
				return nil
			}
			if deadline.IsZero() {
				deadline = time.Now().Add(2 * r.cfg.Silence)
			} else if !time.Now().Before(deadline) {
				// The lines never went quiet: whatever this is, it is no card.
				r.finish(Frame{}, a.abandon("still no silence at shutdown"))
				return nil
			}
		}
		wait := r.cfg.Poll
		if a.pending() {
			wait = r.cfg.Silence
		}
		e, ok, err := r.src.WaitEdge(wait)
		if err != nil {
			if a.pending() {
				r.finish(Frame{}, a.abandon("the edge source failed"))
			}
			return fmt.Errorf("wiegand: edge source: %w", err)
		}
		if ok {
			a.push(e)
			continue
		}
		if a.pending() {
			f, ferr := a.end()
			r.finish(f, ferr)
		}
	}
}

// finish counts a frame and emits or reports it.
func (r *Reader) finish(f Frame, err error) {
	r.frames.Add(1)
	if err == nil {
		r.cards.Add(1)
		r.log.Debug("wiegand frame", "frame", f.String())
		r.emit(f.Card())
		return
	}
	r.rejected.Add(1)
	level := slog.LevelWarn
	var fe *FrameError
	if errors.As(err, &fe) && fe.Bits.N < strayBits {
		level = slog.LevelDebug
	}
	r.log.Log(context.Background(), level, "wiegand frame dropped", "err", err)
	if r.cfg.Rejected != nil {
		r.cfg.Rejected(err)
	}
}
