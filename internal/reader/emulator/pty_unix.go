//go:build unix

package emulator

import (
	"fmt"
	"os"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// openPTY makes a pseudo-terminal pair for one plug-in of a reader: the
// master, on which the emulator plays the module, and the slave, which the
// emulator keeps open so that its settings and the bytes already written
// survive until the gateway opens the slave by path.
//
// The slave goes into raw mode at once: in the default cooked mode the line
// discipline would echo and buffer lines, and 0x03 would act as ^C. creack/pty
// hands out a blocking master, whose reads cannot be interrupted; a
// non-blocking duplicate is pollable by the runtime, so Close ends a pending
// Read and writes can have deadlines.
func openPTY() (master, slave *os.File, err error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("open pseudo-terminal: %w", err)
	}
	defer m.Close() // the duplicate below replaces it
	if _, err := term.MakeRaw(int(s.Fd())); err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("raw mode on %s: %w", s.Name(), err)
	}
	fd, err := unix.Dup(int(m.Fd()))
	if err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("dup pseudo-terminal master: %w", err)
	}
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		s.Close()
		return nil, nil, fmt.Errorf("non-blocking pseudo-terminal master: %w", err)
	}
	return os.NewFile(uintptr(fd), "master of "+s.Name()), s, nil
}
