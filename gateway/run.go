// Command gateway runs on the Raspberry Pi at the school entrance: it reads
// staff cards, gives instant feedback, spools every tap durably and publishes
// it over MQTT. Subcommand probe helps a technician find and test a reader.
package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"timeclock/internal/cli"
)

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
	return cli.UsageError{Msg: "usage: gateway [run|probe] [flags]"}
}
