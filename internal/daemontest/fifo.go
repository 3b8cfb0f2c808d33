package daemontest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// FIFO makes the named pipe name in a directory of the test's own and opens
// it for reading and writing: neither that open nor the program's blocks,
// and lines the test writes stay in the pipe, unread, while the program that
// reads it is stopped and started again. The file's Name is the pipe's path;
// it is closed when the test ends.
func FIFO(tb testing.TB, name string) *os.File {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		tb.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}
