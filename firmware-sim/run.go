// Command firmware-sim emulates the card readers byte for byte on
// pseudo-terminals (and fake GPIO) and plays tap scenarios, so the whole system
// runs and is tested without hardware.
//
//	firmware-sim -reader 'name=entrance kind=rcs620s link=/tmp/tc/entrance' \
//	             [-scenario FILE] [-commands -] [-rate 2 -pool 50] [-exit]
//
// It prints one line per event on standard output: "reader NAME KIND PTY
// [LINK]" when a reader is plugged in, "ready" once all are, "did COMMAND"
// for each action, "unplugged NAME"; logs go to standard error.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"timeclock/firmware-sim/internal/scenario"
	"timeclock/firmware-sim/internal/sim"
)

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "history" {
		return history(args[1:], stdout, stderr)
	}
	cfg, err := parseFlags(args, getenv, stdout)
	if err != nil || cfg == nil {
		return err // nil, nil: -h
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.level}))
	readers, err := sim.Open(cfg.specs, stdout, cfg.noPacing, log)
	if err != nil {
		return err
	}
	defer readers.Close()
	fmt.Fprintln(stdout, "ready")

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	g, gctx := errgroup.WithContext(runCtx)
	var finite sync.WaitGroup // of the tasks that end on their own: scenario, commands
	if cfg.actions != nil {
		finite.Add(1)
		g.Go(func() error {
			defer finite.Done()
			scenario.Play(gctx, cfg.actions, readers, log)
			return nil
		})
	}
	if cfg.commands != "" {
		finite.Add(1)
		g.Go(func() error {
			defer finite.Done()
			return commands(gctx, cfg.commands, stdout, readers)
		})
	}
	if cfg.rate > 0 {
		load := scenario.Load{Rate: cfg.rate, Hold: cfg.hold, Seed: cfg.seed, Pool: cfg.pool, Readers: readers.Kinds()}
		g.Go(func() error { return load.Run(gctx, readers, log) })
	}
	if cfg.exit {
		go func() { finite.Wait(); stop() }()
	}
	// Wait ends gctx: only tasks run by g may use it.
	if err := g.Wait(); err != nil {
		return err
	}
	if !cfg.exit {
		<-ctx.Done() // keep the readers until stopped
	}
	return nil
}

// commands runs the prompt on path: "-" is standard input; a FIFO is held
// open for writing too, so that writers may come and go.
func commands(ctx context.Context, path string, stdout io.Writer, t scenario.Target) error {
	if path == "-" {
		return scenario.Prompt(ctx, os.Stdin, stdout, t)
	}
	flag := os.O_RDONLY
	if fi, err := os.Stat(path); err == nil && fi.Mode()&os.ModeNamedPipe != 0 {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return fmt.Errorf("commands: %w", err)
	}
	defer f.Close()
	stopRead := context.AfterFunc(ctx, func() { f.Close() })
	defer stopRead()
	return scenario.Prompt(ctx, f, stdout, t)
}

// config is the parsed command line.
type config struct {
	specs    []sim.Spec
	actions  []scenario.Action
	commands string
	rate     float64
	hold     time.Duration
	pool     []string
	seed     uint64
	exit     bool
	noPacing bool
	level    slog.Level
}

// readerFlags is the repeatable -reader flag.
type readerFlags struct{ specs *[]sim.Spec }

func (r readerFlags) String() string { return "" }

func (r readerFlags) Set(s string) error {
	for part := range strings.SplitSeq(s, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		sp, err := sim.ParseSpec(part)
		if err != nil {
			return err
		}
		*r.specs = append(*r.specs, sp)
	}
	return nil
}
