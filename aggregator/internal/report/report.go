// Package report implements `aggregator report`: it replays the reference
// data and an event file through the same engine as the live service and
// writes the tables of FORMATS.md §4, plus the board's published tables of
// DOMAIN.md §6 as a printable Japanese HTML page and CSV per fiscal year.
package report

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"timeclock/aggregator/internal/engine"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/roster"
)

// Options are the command's arguments.
type Options struct {
	Data     string // folder with schedules.csv, roster.csv, calendar.csv, events.jsonl
	Out      string
	From, To civil.Month
	Workers  int // event decoders; 0 means 2
}

// ErrBadInput is returned (wrapped) when some input rows were bad: they were
// reported and skipped, and everything else was written.
var ErrBadInput = errors.New("bad input rows")

// Main parses the command line of `aggregator report` and runs it.
func Main(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	var from, to string
	fs.StringVar(&o.Data, "data", "", "folder with schedules.csv, roster.csv, calendar.csv and events.jsonl")
	fs.StringVar(&o.Out, "out", "", "folder to write staff_months.csv, board_months.csv and the board tables into")
	fs.StringVar(&from, "from", "", "first month, YYYY-MM")
	fs.StringVar(&to, "to", "", "last month, YYYY-MM")
	fs.IntVar(&o.Workers, "workers", 2, "event decoding goroutines")
	if err := fs.Parse(args); err != nil {
		return UsageError{err}
	}
	if fs.NArg() > 0 {
		return UsageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	var err error
	switch {
	case o.Data == "":
		return UsageError{errors.New("-data is required")}
	case o.Out == "":
		return UsageError{errors.New("-out is required")}
	}
	if o.From, err = civil.ParseMonth(from); err != nil {
		return UsageError{fmt.Errorf("-from: %w", err)}
	}
	if o.To, err = civil.ParseMonth(to); err != nil {
		return UsageError{fmt.Errorf("-to: %w", err)}
	}
	if o.To < o.From {
		return UsageError{fmt.Errorf("-to %s is before -from %s", o.To, o.From)}
	}
	return Run(o, stdout, stderr)
}

// newEngine is the engine a report replays the events into: the tables
// need no record of what changed.
func newEngine(data *roster.Data) (*engine.Engine, error) {
	cfg := overtime.DefaultConfig()
	cfg.TrackChanges = false
	return engine.New(data, cfg)
}

// UsageError is a mistake on the command line (exit status 2).
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// ExitCode returns 2, the exit status of a usage error (see cli.ExitCode).
func (UsageError) ExitCode() int { return 2 }

// Run replays the data and writes the report. Bad rows are written to stderr
// with file and line and make Run return ErrBadInput after every good row was
// processed and every file written.
func Run(o Options, stdout, stderr io.Writer) error {
	data, errs := roster.LoadDir(o.Data)
	bad := len(errs)
	for _, err := range errs {
		fmt.Fprintln(stderr, err)
	}
	if data == nil {
		return fmt.Errorf("%w: %d (reference data unusable)", ErrBadInput, bad)
	}
	eng, err := newEngine(data)
	if err != nil {
		return err
	}
	events := filepath.Join(o.Data, "events.jsonl")
	st, err := replayFile(eng, events, o.Workers, stderr)
	if err != nil {
		return err
	}
	bad += st.bad
	if st.unknownCards > 0 {
		fmt.Fprintf(stderr, "%s: %d taps of cards not in roster.csv were not counted\n", "events.jsonl", st.unknownCards)
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return err
	}
	if err := writeAll(eng, o); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "report: %d events (%d duplicates), %d staff, %s … %s → %s\n",
		st.events, st.duplicates, data.Len(), o.From, o.To, o.Out)
	if bad > 0 {
		return fmt.Errorf("%w: %d", ErrBadInput, bad)
	}
	return nil
}

func writeAll(eng *engine.Engine, o Options) error {
	var err error
	eng.View(func(core *overtime.Engine, data *roster.Data) {
		err = writeFile(filepath.Join(o.Out, "staff_months.csv"), func(w io.Writer) error {
			return WriteStaffMonths(w, core, o.From, o.To)
		})
		if err != nil {
			return
		}
		err = writeFile(filepath.Join(o.Out, "board_months.csv"), func(w io.Writer) error {
			return WriteBoardMonths(w, core.BoardMonths(o.From, o.To))
		})
		if err != nil {
			return
		}
		for _, board := range boards(data) {
			for _, fy := range FiscalYears(o.From, o.To) {
				t := BuildFYTables(core, board, fy, o.From, o.To)
				base := filepath.Join(o.Out, fmt.Sprintf("tables_%s_FY%d", board, fy))
				if err = writeFile(base+".html", t.WriteHTML); err != nil {
					return
				}
				if err = writeFile(base+".csv", t.WriteCSV); err != nil {
					return
				}
			}
		}
	})
	return err
}

func boards(data *roster.Data) []string {
	var out []string
	seen := map[string]bool{}
	for i := range data.Staff() {
		if b := data.Staff()[i].Board; !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	slices.Sort(out)
	return out
}

// writeFile writes path through a temporary file, so a failed run never
// leaves half a report that looks whole.
func writeFile(path string, fn func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := fn(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
