package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"timeclock/aggregator/internal/config"
	"timeclock/aggregator/internal/importer"
	"timeclock/aggregator/internal/journal"
	"timeclock/internal/cli"
	"timeclock/internal/roster"
)

// importLockTimeout is how long import waits for a running aggregator to
// let go of the journal.
var importLockTimeout = time.Second

// openStopped opens the journal in the state directory of a stopped
// aggregator; a running one is named in the error with what to do then.
func openStopped(state, then string) (*journal.Journal, error) {
	path := filepath.Join(state, journal.FileName)
	j, err := journal.OpenTimeout(path, importLockTimeout)
	if errors.Is(err, journal.ErrLocked) {
		return nil, fmt.Errorf("the journal %s is in use: stop the aggregator (systemctl stop timeclock-aggregator), %s", path, then)
	}
	return j, err
}

// importEvents appends an events file to the journal of a stopped
// aggregator (package importer).
func importEvents(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("aggregator import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) string {
		if v := getenv(config.EnvName(name)); v != "" {
			return v
		}
		return def
	}
	data := fs.String("data", env("data", "data"), "directory with schedules.csv, roster.csv and calendar.csv (as for serve)")
	state := fs.String("state", env("state", "var/aggregator"), "state directory of the aggregator, which holds the journal (as for serve)")
	events := fs.String("events", "", "events file: one JSON event a line (FORMATS.md §2); - for standard input")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: aggregator import -events FILE [-data DIR] [-state DIR]\n"+
			"Appends the events to the journal of a stopped aggregator; the next serve rebuilds from it.\n"+
			"Idempotent on the event id; bad lines are reported as FILE:LINE and make the exit status 1.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cli.Usage(err)
	}
	if fs.NArg() > 0 || *events == "" {
		return cli.UsageError{Msg: "import: -events FILE is required, and nothing else (see -h)"}
	}
	d, errs := roster.LoadDir(*data)
	for _, e := range errs {
		fmt.Fprintln(stderr, "reference data:", e) // as serve: the good rows are used
	}
	if d == nil {
		return fmt.Errorf("reference data in %s unusable", *data)
	}
	var in io.Reader = os.Stdin
	name := "stdin"
	if *events != "-" {
		f, err := os.Open(*events)
		if err != nil {
			return err
		}
		defer f.Close()
		in, name = f, *events
	}
	j, err := openStopped(*state, "import, then start it again")
	if err != nil {
		return err
	}
	before := j.Last()
	st, err := importer.Import(ctx, j, in, importer.Options{Data: d, Now: time.Now(), Name: name, Errors: stderr})
	after := j.Last()
	if cerr := j.Close(); err == nil {
		err = cerr
	}
	fmt.Fprintf(stdout, "%s: %d lines: %d taps and %d adjustments journaled (%d taps of unknown cards), %d already journaled, %d bad; journal records %d → %d\n",
		name, st.Lines, st.Taps, st.Adjustments, st.UnknownCards, st.Duplicates, st.Bad, before, after)
	if err != nil {
		return err
	}
	if st.Bad > 0 {
		return exitError{code: 1, err: fmt.Errorf("%d bad line(s) in %s (the good ones are imported)", st.Bad, name)}
	}
	return nil
}
