//go:build unix && !linux

package daemontest

import "syscall"

// sysProcAttr puts the program into a process group of its own, so Stop can
// end everything it started.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// groupMembers reports whether process group pgid still has a member (as a
// one-element list with pgid); zombies count here.
func groupMembers(pgid int) []int {
	if syscall.Kill(-pgid, 0) == nil {
		return []int{pgid}
	}
	return nil
}
