// Command firmware-sim emulates the card readers byte for byte on
// pseudo-terminals (and fake GPIO) and plays tap scenarios, so the whole system
// runs and is tested without hardware.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	fmt.Fprintln(stderr, "firmware-sim: no readers configured")
	return usageError{"usage: firmware-sim [flags]"}
}
