// Command aggregator receives taps, journals them, computes working time and
// overtime, writes InfluxDB series, serves the live page and API (serve),
// produces the board's reports (report), imports past events into the
// journal (import), writes them out again (export) and manages the users of the API and the page (users).
package main

import (
	"context"
	"fmt"
	"io"

	"timeclock/aggregator/internal/report"
	"timeclock/internal/cli"
)

// exitError carries an exit status chosen by a subcommand.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

func (e exitError) ExitCode() int { return e.code } // see cli.ExitCode

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return cli.UsageError{Msg: "usage: aggregator serve|report|import|export|users [flags] (see -h of each)"}
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
	return cli.UsageError{Msg: fmt.Sprintf("unknown subcommand %q", args[0])}
}
