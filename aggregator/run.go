// Command aggregator receives taps, journals them, computes working time and
// overtime, writes InfluxDB series, serves the live page and API (serve),
// produces the board's reports (report), imports past events into the
// journal (import), writes them out again (export) and manages the users of the API and the page (users).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"timeclock/aggregator/internal/report"
)

// usageError marks an error caused by the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitError carries an exit status chosen by a subcommand.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var ue usageError
	var re report.UsageError
	if errors.As(err, &ue) || errors.As(err, &re) {
		return 2
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"usage: aggregator serve|report|import|export|users [flags] (see -h of each)"}
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, "usage: aggregator serve|report|import|export|users [flags]")
		return nil
	case "report":
		return report.Main(args[1:], stdout, stderr)
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "import":
		return importEvents(ctx, args[1:], getenv, stdout, stderr)
	case "users":
		return users(args[1:], getenv, stdout, stderr)
	case "export":
		return exportEvents(args[1:], getenv, stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown subcommand %q", args[0])}
}
