package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"timeclock/gateway/internal/tapid"
	"timeclock/internal/daemontest"
)

// The binaries, built once per test run into a temporary directory.
var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// build compiles the gateway and firmware-sim (the test runs in gateway/)
// the way make cross builds them for the Pi: static and stripped, so the
// memory the benchmark reports is that of the shipped binary.
func build(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "gateway-e2e-"); buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", buildDir+"/", ".", "../firmware-sim")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildDir
}

func gatewayBinary(t testing.TB) string { return filepath.Join(build(t), "gateway") }

// gwProc is a gateway running as a real process, its JSON log in a file.
type gwProc struct {
	t    testing.TB
	args []string
	log  string
	cmd  *exec.Cmd
	done chan struct{}

	// ctx is for waiting on the gateway's work: it ends with the test, or
	// at once if the gateway exits when the test did not stop it.
	ctx      context.Context
	dead     context.CancelCauseFunc
	mu       sync.Mutex
	expected bool
}

func startGateway(t testing.TB, logPath string, args ...string) *gwProc {
	t.Helper()
	g := &gwProc{t: t, args: args, log: logPath}
	g.ctx, g.dead = context.WithCancelCause(daemontest.WaitContext(t))
	g.start()
	t.Cleanup(func() {
		if g.running() {
			g.kill9()
		}
		if t.Failed() {
			b, _ := os.ReadFile(g.log)
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			t.Logf("gateway log (tail):\n%s", b)
		}
	})
	return g
}

func (g *gwProc) start() {
	g.t.Helper()
	f, err := os.OpenFile(g.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		g.t.Fatal(err)
	}
	defer f.Close()
	g.cmd = exec.Command(gatewayBinary(g.t), append([]string{"run", "-log-format", "json"}, g.args...)...)
	g.cmd.Stdout, g.cmd.Stderr = f, f
	g.cmd.Env = []string{"PATH=" + os.Getenv("PATH")} // no TIMECLOCK_* from the developer's shell
	if err := g.cmd.Start(); err != nil {
		g.t.Fatal(err)
	}
	g.mu.Lock()
	g.expected = false
	g.mu.Unlock()
	g.done = make(chan struct{})
	cmd, done := g.cmd, g.done
	go func() {
		err := cmd.Wait()
		close(done)
		g.mu.Lock()
		expected := g.expected
		g.mu.Unlock()
		if !expected {
			g.dead(fmt.Errorf("gateway exited by itself: %v", err))
		}
	}()
}

func (g *gwProc) expectExit() {
	g.mu.Lock()
	g.expected = true
	g.mu.Unlock()
}

func (g *gwProc) running() bool {
	select {
	case <-g.done:
		return false
	default:
		return true
	}
}

// kill9 is a crash or a power cut of the process.
func (g *gwProc) kill9() {
	g.expectExit()
	g.cmd.Process.Kill()
	<-g.done
}

// stop is a clean shutdown (systemd's SIGTERM); it must exit 0.
func (g *gwProc) stop() {
	g.t.Helper()
	g.expectExit()
	g.cmd.Process.Signal(syscall.SIGTERM)
	<-g.done
	if code := g.cmd.ProcessState.ExitCode(); code != 0 {
		g.t.Fatalf("gateway exited %d after SIGTERM", code)
	}
}

// logLine is the part of a gateway JSON log line the tests read.
type logLine struct {
	Msg   string `json:"msg"`
	Level string `json:"level"`
	ID    string `json:"id"`
	Boot  int    `json:"boot"`
}

// lines returns the log lines with message msg.
func (g *gwProc) lines(msg string) []logLine {
	f, err := os.Open(g.log)
	if err != nil {
		g.t.Fatal(err)
	}
	defer f.Close()
	var out []logLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == msg {
			out = append(out, l)
		}
	}
	return out
}

// accepted returns the ids the gateway recorded (and then confirmed to the
// person), in order. The service's own "tap recorded" line is used: the log
// feedback output may drop events when it falls behind under load.
func (g *gwProc) accepted() []string {
	var ids []string
	for _, l := range g.lines("tap recorded") {
		ids = append(ids, l.ID)
	}
	return ids
}

// waitAccepted waits until at least n taps have been accepted.
func (g *gwProc) waitAccepted(n int) []string {
	g.t.Helper()
	ctx := g.ctx
	for {
		ids := g.accepted()
		if len(ids) >= n {
			return ids
		}
		select {
		case <-ctx.Done():
			g.t.Fatalf("%d taps accepted, want %d: %v", len(ids), n, context.Cause(ctx))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// fifo is the gateway's "lines" reader input, held open by the test so that
// unread lines survive a restart of the gateway.
type fifo struct {
	path string
	f    *os.File
	n    int
}

func newFIFO(t testing.TB) *fifo {
	f := daemontest.FIFO(t, "cards")
	return &fifo{path: f.Name(), f: f}
}

// tap writes n card reads, each a different card.
func (p *fifo) tap(t testing.TB, n int) {
	for i := 0; i < n; i++ {
		p.n++
		if _, err := fmt.Fprintf(p.f, "felica:%016x\n", p.n); err != nil {
			t.Fatal(err)
		}
	}
}

// inOrder reports the first pair of ids of one boot that arrived out of
// sequence order.
func inOrder(ids []string) error {
	last := map[uint32]uint64{}
	for _, s := range ids {
		id, err := tapid.Parse(s)
		if err != nil {
			return err
		}
		if id.Seq <= last[id.Boot] {
			return fmt.Errorf("%s arrived after seq %d of its boot", s, last[id.Boot])
		}
		last[id.Boot] = id.Seq
	}
	return nil
}
