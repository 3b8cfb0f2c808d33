// Command gateway runs on the Raspberry Pi at the school entrance: it reads
// staff cards, gives instant feedback, spools every tap durably and publishes
// it over MQTT. Subcommand probe helps a technician find and test a reader.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// usageError marks an error caused by the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "-h", "--help", "help":
			fmt.Fprintln(stdout, "usage: gateway [run|probe] [flags]")
			return nil
		case "run":
			return runService(ctx, args[1:], getenv, stdout, stderr)
		case "probe":
			return probe(ctx, args[1:], stdout, stderr)
		}
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return runService(ctx, args, getenv, stdout, stderr) // run is the default
	}
	return usageError{"usage: gateway [run|probe] [flags]"}
}
