package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"timeclock/aggregator/internal/config"
	"timeclock/aggregator/internal/journal"
	"timeclock/internal/cli"
)

// exportEvents writes the taps and adjustments of a stopped aggregator's
// journal as an events file (FORMATS.md §2, one JSON event a line, in the
// order they were journaled): what `report` and `import` read, so that the
// board's tables can be recomputed from exactly the events the live path
// took.
func exportEvents(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("aggregator export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	state := fs.String("state", "var/aggregator", "state directory of the aggregator, which holds the journal (as for serve)")
	if v := getenv(config.EnvName("state")); v != "" {
		*state = v
	}
	out := fs.String("out", "-", "events file to write; - for standard output")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: aggregator export [-state DIR] [-out FILE]\n"+
			"Writes the journaled taps and adjustments of a stopped aggregator as one JSON event a line.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cli.Usage(err)
	}
	if fs.NArg() > 0 {
		return cli.UsageError{Msg: fmt.Sprintf("export: unexpected argument %q (see -h)", fs.Arg(0))}
	}
	path := filepath.Join(*state, journal.FileName)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no journal: %w", err)
	}
	j, err := openStopped(*state, "then export")
	if err != nil {
		return err
	}
	defer j.Close()
	w, closeOut := io.Writer(stdout), func() error { return nil }
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		w, closeOut = f, f.Close
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var n [journal.KindReload + 1]int
	var line []byte
	_, err = j.Scan(0, 0, func(seq uint64, kind journal.Kind, data []byte) error {
		if kind != journal.KindTap && kind != journal.KindAdjustment {
			return nil
		}
		e, err := journal.DecodeEvent(data)
		if err != nil {
			return fmt.Errorf("journal record %d: %w", seq, err)
		}
		line = append(e.Event.AppendJSON(line[:0]), '\n')
		n[kind]++
		_, err = bw.Write(line)
		return err
	})
	if err == nil {
		err = bw.Flush()
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%s: %d taps and %d adjustments exported\n", path, n[journal.KindTap], n[journal.KindAdjustment])
	return nil
}
