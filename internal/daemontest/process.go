package daemontest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Spec describes a program to run for a test.
type Spec struct {
	Name    string   // what it is, for messages ("mosquitto")
	Version string   // its version, logged and recorded
	Path    string   // the binary
	Args    []string // its arguments
	Env     []string // its environment; nil means the test's
	Dir     string   // its working directory
	LogFile string   // where its standard output and error go, appended across restarts

	// Ready reports whether the program serves; it is called repeatedly
	// after a start until it returns nil, the program exits, or
	// ReadyTimeout (default 30 s) passes.
	Ready        func(context.Context) error
	ReadyTimeout time.Duration
	// StopTimeout bounds a graceful stop (SIGTERM) before the process group
	// is killed (default 15 s).
	StopTimeout time.Duration
}

// Process is a running program started by Start.
type Process struct {
	tb   testing.TB
	spec Spec

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when cmd has exited and was reaped
	exitErr error         // cmd.Wait's result, once done is closed
	stopped bool          // a stop was asked for: an exit is expected
	served  bool          // the current run became ready
	gone    bool          // the current run's process group is empty: its id may be reused
}

// Start runs spec's program, waits until it is ready and returns it. The
// process is stopped when the test ends; if it died on its own before that,
// the test fails. When the test has failed, the program's log is shown.
func Start(tb testing.TB, spec Spec) *Process {
	tb.Helper()
	if spec.ReadyTimeout == 0 {
		spec.ReadyTimeout = 30 * time.Second
	}
	if spec.StopTimeout == 0 {
		spec.StopTimeout = 15 * time.Second
	}
	p := &Process{tb: tb, spec: spec}
	tb.Cleanup(p.cleanup)
	p.start()
	record(spec, tb.Name())
	tb.Logf("%s %s (%s) serving, log %s", spec.Name, spec.Version, spec.Path, spec.LogFile)
	return p
}

// Pid returns the process id of the current run.
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Stop ends the program gracefully (SIGTERM, then SIGKILL after
// StopTimeout) and kills anything left in its process group. Stopping a
// stopped program does nothing.
func (p *Process) Stop() {
	p.mu.Lock()
	cmd, done, gone := p.cmd, p.done, p.gone
	p.stopped = true
	p.mu.Unlock()
	if cmd == nil || gone {
		return
	}
	pid := cmd.Process.Pid
	select {
	case <-done:
	default:
		_ = signalGroup(pid, syscall.SIGTERM)
		t := time.NewTimer(p.spec.StopTimeout)
		select {
		case <-done:
			t.Stop()
		case <-t.C:
			p.tb.Logf("%s did not stop within %v: killing it", p.spec.Name, p.spec.StopTimeout)
			_ = signalGroup(pid, syscall.SIGKILL)
			<-done
		}
	}
	// The leader is gone; anything it left behind in its group goes too,
	// and Stop returns only once it has (SIGKILL cannot be refused, but
	// takes effect asynchronously).
	_ = signalGroup(pid, syscall.SIGKILL)
	pause := time.Millisecond
	for deadline := time.Now().Add(p.spec.StopTimeout); len(groupMembers(pid)) > 0; pause = min(2*pause, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			p.tb.Errorf("%s: processes %v of its group survive SIGKILL", p.spec.Name, groupMembers(pid))
			return
		}
		time.Sleep(pause)
	}
	p.mu.Lock()
	p.gone = true
	p.mu.Unlock()
}

// Restart stops the program and starts it again with the same arguments,
// ports and directories, and waits until it is ready. Like t.Fatal, it must
// be called from the test's goroutine.
func (p *Process) Restart() {
	p.tb.Helper()
	p.Stop()
	p.note("restart")
	p.start()
}

func (p *Process) start() {
	p.tb.Helper()
	logf, err := os.OpenFile(p.spec.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		p.tb.Fatalf("%s: log file: %v", p.spec.Name, err)
	}
	cmd := exec.Command(p.spec.Path, p.spec.Args...)
	cmd.Dir = p.spec.Dir
	cmd.Env = p.spec.Env
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = sysProcAttr()
	err = cmd.Start()
	logf.Close() // the child has its own copy
	if err != nil {
		p.tb.Fatalf("%s: start %s: %v", p.spec.Name, p.spec.Path, err)
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done, p.stopped, p.served, p.gone = cmd, done, false, false, false
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.exitErr = err
		p.mu.Unlock()
		close(done)
	}()
	if err := p.waitReady(done); err != nil {
		p.tb.Fatalf("%s %s: %v (see its log below)", p.spec.Name, p.spec.Path, err)
	}
	p.mu.Lock()
	p.served = true
	p.mu.Unlock()
}

// waitReady polls spec.Ready with a short, growing pause until it succeeds.
func (p *Process) waitReady(done <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), p.spec.ReadyTimeout)
	defer cancel()
	pause := 5 * time.Millisecond
	for {
		err := p.spec.Ready(ctx)
		if err == nil {
			return nil
		}
		t := time.NewTimer(pause)
		select {
		case <-done:
			t.Stop()
			p.mu.Lock()
			defer p.mu.Unlock()
			return fmt.Errorf("exited while starting: %v", p.exitErr)
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("not ready after %v: %v", p.spec.ReadyTimeout, err)
		case <-t.C:
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
}

func (p *Process) cleanup() {
	p.mu.Lock()
	cmd, done, stopped, served := p.cmd, p.done, p.stopped, p.served
	p.mu.Unlock()
	if cmd != nil && served && !stopped {
		select {
		case <-done:
			p.mu.Lock()
			err := p.exitErr
			p.mu.Unlock()
			p.tb.Errorf("%s exited on its own during the test: %v", p.spec.Name, exitText(err))
		default:
		}
	}
	p.Stop()
	if p.tb.Failed() {
		p.tb.Logf("%s log %s (end):\n%s", p.spec.Name, p.spec.LogFile, tail(p.spec.LogFile, 64<<10))
	}
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// note writes a marker into the log so restarts can be told apart.
func (p *Process) note(what string) {
	f, err := os.OpenFile(p.spec.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "----- daemontest: %s %s at %s -----\n", what, p.spec.Name, time.Now().Format(time.RFC3339Nano))
}

// tail returns at most the last n bytes of the file.
func tail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err.Error()
	}
	off := max(fi.Size()-n, 0)
	b, err := io.ReadAll(io.NewSectionReader(f, off, fi.Size()-off))
	if err != nil {
		return err.Error()
	}
	if off > 0 {
		return fmt.Sprintf("[… %d bytes before]\n%s", off, b)
	}
	return string(b)
}

func signalGroup(pid int, sig syscall.Signal) error {
	err := syscall.Kill(-pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
