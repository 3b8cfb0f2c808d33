package daemontest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStopEndsTheWholeGroup(t *testing.T) {
	port := FreePort(t)
	spec := fakeSpec(t, "serve", strconv.Itoa(port), filepath.Join(t.TempDir(), "child.pid"))
	spec.Ready = TCPReady(port)
	r := &recorder{T: t}
	var pid int
	r.run(func(tb testing.TB) {
		p := Start(tb, spec)
		pid = p.Pid()
		if !alive(pid) {
			t.Errorf("pid %d not alive after Start", pid)
		}
	})
	if r.Failed() {
		t.Fatalf("helper failed:\n%s", r.text())
	}
	b, err := os.ReadFile(spec.Args[1])
	if err != nil {
		t.Fatal(err)
	}
	child, _ := strconv.Atoi(string(b))
	if alive(pid) || alive(child) {
		t.Errorf("after cleanup: daemon %d alive %v, its child %d alive %v", pid, alive(pid), child, alive(child))
	}
	if m := groupMembers(pid); len(m) > 0 {
		t.Errorf("process group %d still has %v", pid, m)
	}
	if strings.Contains(r.text(), "log") && strings.Contains(r.text(), "(end)") {
		t.Errorf("log dumped although the test passed:\n%s", r.text())
	}
}

func TestStopKillsAStubbornProgram(t *testing.T) {
	port := FreePort(t)
	spec := fakeSpec(t, "stubborn", strconv.Itoa(port))
	spec.Ready = TCPReady(port)
	spec.StopTimeout = 100 * time.Millisecond
	r := &recorder{T: t}
	r.run(func(tb testing.TB) {
		p := Start(tb, spec)
		pid := p.Pid()
		p.Stop()
		if alive(pid) {
			t.Errorf("pid %d alive after Stop", pid)
		}
		p.Stop() // idempotent
	})
	if r.Failed() {
		t.Fatalf("helper failed:\n%s", r.text())
	}
	if !strings.Contains(r.text(), "killing it") {
		t.Errorf("no note of the kill:\n%s", r.text())
	}
}

func TestStartFailsWhenTheProgramExits(t *testing.T) {
	spec := fakeSpec(t, "exit")
	spec.Ready = TCPReady(FreePort(t))
	r := &recorder{T: t}
	reached := false
	r.run(func(tb testing.TB) {
		Start(tb, spec)
		reached = true
	})
	if reached || !r.Failed() {
		t.Fatalf("Start returned for a program that exits (failed=%v)", r.Failed())
	}
	out := r.text()
	for _, want := range []string{"exited while starting", "exit status 3", "fake: bad configuration"} {
		if !strings.Contains(out, want) {
			t.Errorf("messages lack %q:\n%s", want, out)
		}
	}
}

func TestStartFailsWhenNeverReady(t *testing.T) {
	spec := fakeSpec(t, "sleep")
	spec.Ready = TCPReady(FreePort(t)) // nothing listens there
	spec.ReadyTimeout = 50 * time.Millisecond
	r := &recorder{T: t}
	r.run(func(tb testing.TB) { Start(tb, spec) })
	if !r.Failed() || !strings.Contains(r.text(), "not ready after") {
		t.Fatalf("want a readiness failure, got failed=%v:\n%s", r.Failed(), r.text())
	}
	if pids := liveFakes(t, "sleep"); len(pids) > 0 {
		t.Errorf("programs %v left running after a failed start", pids)
	}
}

// liveFakes lists the live children of this test binary playing mode.
func liveFakes(t *testing.T, mode string) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	me := strconv.Itoa(os.Getpid())
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !alive(pid) {
			continue
		}
		_, ppid, _, _ := procStat(pid)
		env, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if string(ppid) == me && strings.Contains(string(env), "DAEMONTEST_FAKE="+mode+"\x00") {
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestACrashIsReported(t *testing.T) {
	port := FreePort(t)
	spec := fakeSpec(t, "serve", strconv.Itoa(port))
	spec.Ready = TCPReady(port)
	r := &recorder{T: t}
	r.run(func(tb testing.TB) {
		p := Start(tb, spec)
		if err := syscall.Kill(p.Pid(), syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		p.mu.Lock()
		done := p.done
		p.mu.Unlock()
		<-done
	})
	out := r.text()
	if !r.Failed() || !strings.Contains(out, "exited on its own") || !strings.Contains(out, "signal: killed") {
		t.Errorf("crash not reported (failed=%v):\n%s", r.Failed(), out)
	}
	if !strings.Contains(out, "fake: serving on") {
		t.Errorf("log not shown after the failure:\n%s", out)
	}
}

func TestRestartKeepsThePort(t *testing.T) {
	port := FreePort(t)
	spec := fakeSpec(t, "serve", strconv.Itoa(port))
	spec.Ready = TCPReady(port)
	p := Start(t, spec)
	first := p.Pid()
	p.Restart()
	second := p.Pid()
	if first == second || alive(first) || !alive(second) {
		t.Errorf("restart: first pid %d (alive %v), second %d (alive %v)", first, alive(first), second, alive(second))
	}
	if err := TCPReady(port)(t.Context()); err != nil {
		t.Errorf("port %d after restart: %v", port, err)
	}
	log, err := os.ReadFile(spec.LogFile)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(log), "fake: serving on"); n != 2 || !strings.Contains(string(log), "daemontest: restart") {
		t.Errorf("log after one restart has %d starts:\n%s", n, log)
	}
}

func TestStartIsRecorded(t *testing.T) {
	file := filepath.Join(t.TempDir(), "components")
	t.Setenv(RecordEnv, file)
	port := FreePort(t)
	spec := fakeSpec(t, "serve", strconv.Itoa(port))
	spec.Ready = TCPReady(port)
	Start(t, spec)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := "fake-serve\t0.0.1\t" + os.Args[0] + "\t" + t.Name() + "\n"
	if string(b) != want {
		t.Errorf("record = %q, want %q", b, want)
	}
}

func TestWaitContext(t *testing.T) {
	ctx := WaitContext(t)
	end, ok := ctx.Deadline()
	if !ok {
		t.Fatal("no deadline")
	}
	if limit := time.Now().Add(MaxWait); end.After(limit) {
		t.Errorf("deadline %v beyond MaxWait (%v)", end, limit)
	}
	if d, ok := t.Deadline(); ok && !end.Before(d) {
		t.Errorf("deadline %v not before the test's %v", end, d)
	}
	if ctx.Err() != nil {
		t.Errorf("context already done: %v", ctx.Err())
	}
}
