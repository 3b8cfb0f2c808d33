package spool

import (
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// releasePages tells the kernel that the spool's memory map is not needed
// now: a drain reads every page of a large backlog once, and without this
// the pages read stay resident until the process ends (file pages, but
// counted in the gateway's RSS). The map is read-only and shared, so the
// pages are read again from the page cache or the file when next used.
// It runs inside a read transaction, which keeps bbolt from remapping.
func (s *Spool) releasePages() {
	_ = s.db.View(func(tx *bolt.Tx) error {
		if n := tx.Size(); n > 0 {
			// A raw syscall with the map's address: bbolt hands it out as
			// a uintptr, and it must not become a Go pointer.
			_, _, _ = unix.Syscall(unix.SYS_MADVISE, s.db.Info().Data, uintptr(n), unix.MADV_DONTNEED)
		}
		return nil
	})
}
