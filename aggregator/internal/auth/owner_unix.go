//go:build unix

package auth

import (
	"fmt"
	"os"
	"syscall"
)

// keepOwner gives f the owner and group of old, when they differ (an admin
// editing as root a file the service reads as its own user).
func keepOwner(f *os.File, old os.FileInfo) error {
	st, ok := old.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if st.Uid == uint32(os.Geteuid()) && st.Gid == uint32(os.Getegid()) {
		return nil
	}
	if err := f.Chown(int(st.Uid), int(st.Gid)); err != nil {
		return fmt.Errorf("keeping owner %d and group %d of the file: %w", st.Uid, st.Gid, err)
	}
	return nil
}

func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
