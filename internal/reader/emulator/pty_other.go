//go:build !unix

package emulator

import (
	"errors"
	"os"
)

// openPTY fails: pseudo-terminals are a Unix facility.
func openPTY() (master, slave *os.File, err error) {
	return nil, nil, errors.New("reader emulation needs pseudo-terminals (Unix only)")
}
