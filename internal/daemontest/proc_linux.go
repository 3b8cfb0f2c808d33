package daemontest

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// sysProcAttr puts the program into a process group of its own (so Stop can
// end everything it started) and has the kernel kill it if the test binary
// dies first (a panic, a -timeout, a SIGKILL), so nothing is left behind.
// Pdeathsig follows the thread that started the child; Go ends a thread only
// when a goroutine exits while locked to it, which the test helpers never do.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// groupMembers lists the live (not zombie) processes of process group pgid.
// Zombies are skipped: a killed grandchild is reaped by init, not by us.
func groupMembers(pgid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	want := []byte(strconv.Itoa(pgid))
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		state, _, pgrp, ok := procStat(pid)
		if ok && bytes.Equal(pgrp, want) && state != 'Z' && state != 'X' {
			pids = append(pids, pid)
		}
	}
	return pids
}

// procStat reads the state, parent and process group of pid from
// /proc/pid/stat ("pid (comm) state ppid pgrp …"; comm may hold spaces).
func procStat(pid int) (state byte, ppid, pgrp []byte, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, nil, nil, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, nil, nil, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 3 || len(f[0]) != 1 {
		return 0, nil, nil, false
	}
	return f[0][0], f[1], f[2], true
}
