// Package cli holds what the three programs share at their command line:
// main itself, usage errors and exit statuses, the logger, and settings read
// from flags with environment variables and a settings file standing in for
// the flags not given. Each program declares its own flags and checks their
// values.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// Main runs a program's run with the process's arguments (less the program
// name), environment and standard streams until SIGINT or SIGTERM; an error
// is printed after the program's name, and exits with exitCode(err).
func Main(run func(context.Context, []string, func(string) string, io.Writer, io.Writer) error, exitCode func(error) int) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, os.Args[0]+":", err)
		os.Exit(exitCode(err))
	}
}

// ExitCode returns the exit status for err: that of the first error in its
// chain with an ExitCode method (2 for a UsageError), else 1.
func ExitCode(err error) int {
	var c interface{ ExitCode() int }
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return 1
}

// UsageError is an error in the command line: exit status 2.
type UsageError struct{ Msg string }

func (e UsageError) Error() string { return e.Msg }

// ExitCode returns 2, the exit status of a usage error.
func (UsageError) ExitCode() int { return 2 }

// NewLogger returns a logger that writes to w from level (debug, info, warn
// or error) up, in format text or json.
func NewLogger(level, format string, w io.Writer) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
