package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"timeclock/firmware-sim/internal/scenario"
	"timeclock/internal/cli"
)

// parseFlags reads the command line, with TIMECLOCK_SIM_* variables for
// flags not given (-no-pacing from TIMECLOCK_SIM_NO_PACING;
// TIMECLOCK_SIM_READER holds reader specs separated by ;).
// It returns nil, nil for -h, after printing the usage on stdout.
func parseFlags(args []string, getenv func(string) string, stdout io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("firmware-sim", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(readerFlags{&cfg.specs}, "reader",
		"emulate the reader `SPEC` \"name=entrance kind=rcs620s|pn532|em4100 [link=PATH] [crlf]\" (repeat, or separate with ;)")
	scenarioFile := fs.String("scenario", "", "play the scenario in `FILE` (text or JSONL lines)")
	fs.StringVar(&cfg.commands, "commands", "", "apply commands read from `PATH`, one per line (- for standard input)")
	fs.Float64Var(&cfg.rate, "rate", 0, "random taps per second over all readers (0: none)")
	people := fs.Int("pool", 50, "people in the generated card pool of random taps")
	cards := fs.String("cards", "", "take random taps' cards from `FILE` (roster.csv or card ids) instead")
	fs.DurationVar(&cfg.hold, "hold", 400*time.Millisecond, "mean hold of a random tap")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the random taps and the generated pool")
	fs.BoolVar(&cfg.exit, "exit", false, "exit when the scenario has played and the commands have ended")
	fs.BoolVar(&cfg.noPacing, "no-pacing", false, "send bytes as fast as the ptys take them, not at line speed")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	usage := func(err error) error {
		return cli.UsageError{Msg: fmt.Sprintf("%v\n%s", err, usageText(fs))}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usageText(fs))
			return nil, nil
		}
		return nil, usage(err)
	}
	if fs.NArg() > 0 {
		return nil, usage(fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	env := cli.Env{Prefix: "TIMECLOCK_SIM_", Getenv: getenv, ShowValue: true}
	if errs := env.Apply(fs); len(errs) > 0 {
		return nil, usage(errs[0])
	}
	if len(cfg.specs) == 0 {
		return nil, usage(errors.New("no readers: give at least one -reader"))
	}
	if err := cfg.level.UnmarshalText([]byte(*level)); err != nil {
		return nil, usage(fmt.Errorf("-log-level %q: want debug, info, warn or error", *level))
	}
	if cfg.exit && *scenarioFile == "" && cfg.commands == "" {
		return nil, usage(errors.New("-exit needs -scenario or -commands"))
	}
	if cfg.rate < 0 || *people < 1 || cfg.hold <= 0 {
		return nil, usage(errors.New("-rate must be ≥ 0, -pool ≥ 1 and -hold positive"))
	}
	if err := cfg.load(*scenarioFile, *cards, *people); err != nil {
		return nil, err
	}
	return cfg, nil
}

// load reads the scenario and the card pool.
func (cfg *config) load(scenarioFile, cards string, people int) error {
	if scenarioFile != "" {
		f, err := os.Open(scenarioFile)
		if err != nil {
			return fmt.Errorf("scenario: %w", err)
		}
		defer f.Close()
		if cfg.actions, err = scenario.Parse(f, scenarioFile); err != nil {
			return err
		}
		if cfg.actions == nil {
			cfg.actions = []scenario.Action{} // an empty scenario still plays
		}
	}
	if cards == "" {
		cfg.pool = scenario.GeneratePool(people, cfg.seed)
		return nil
	}
	f, err := os.Open(cards)
	if err != nil {
		return fmt.Errorf("cards: %w", err)
	}
	defer f.Close()
	cfg.pool, err = scenario.ReadPool(f, cards)
	return err
}

func usageText(fs *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString("usage: firmware-sim -reader SPEC [-reader SPEC…] [-scenario FILE] [-commands PATH] [-rate N] [flags]\n")
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	return b.String()
}
