package daemontest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// The test binary doubles as the fake daemon: with DAEMONTEST_FAKE set it
// plays one of the modes below instead of running tests.
func TestMain(m *testing.M) {
	if mode := os.Getenv("DAEMONTEST_FAKE"); mode != "" {
		fakeDaemon(mode, os.Args[1:])
		return
	}
	// The fakes are no real components: keep them out of make test's count.
	os.Unsetenv(RecordEnv)
	os.Exit(m.Run())
}

// fakeDaemon modes: "serve PORT CHILDPIDFILE" listens and starts a child in
// its group; "stubborn PORT" listens and ignores SIGTERM; "exit" fails at
// once; "sleep" blocks.
func fakeDaemon(mode string, args []string) {
	switch mode {
	case "exit":
		fmt.Fprintln(os.Stderr, "fake: bad configuration, exiting")
		os.Exit(3)
	case "sleep":
		select {}
	case "serve", "stubborn":
		if mode == "stubborn" {
			signal.Ignore(syscall.SIGTERM)
		}
		if len(args) > 1 {
			child := exec.Command(os.Args[0])
			child.Env = append(os.Environ(), "DAEMONTEST_FAKE=sleep")
			if err := child.Start(); err != nil {
				fmt.Fprintln(os.Stderr, "fake:", err)
				os.Exit(1)
			}
			os.WriteFile(args[1], []byte(strconv.Itoa(child.Process.Pid)), 0o644)
		}
		// Listening last: once the port answers, the child is known.
		l, err := net.Listen("tcp", "127.0.0.1:"+args[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, "fake:", err)
			os.Exit(1)
		}
		fmt.Println("fake: serving on", l.Addr())
		for {
			c, err := l.Accept()
			if err != nil {
				os.Exit(1)
			}
			c.Close()
		}
	}
	fmt.Fprintln(os.Stderr, "fake: unknown mode", mode)
	os.Exit(2)
}

func fakeSpec(t *testing.T, mode string, args ...string) Spec {
	dir := t.TempDir()
	return Spec{
		Name:    "fake-" + mode,
		Version: "0.0.1",
		Path:    os.Args[0],
		Args:    args,
		Env:     append(os.Environ(), "DAEMONTEST_FAKE="+mode),
		Dir:     dir,
		LogFile: filepath.Join(dir, "fake.log"),
	}
}

// recorder is a testing.TB that records failures instead of failing the real
// test, so the helpers' failure paths can be checked.
type recorder struct {
	*testing.T
	mu       sync.Mutex
	failed   bool
	skipped  bool
	msgs     []string
	cleanups []func()
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *recorder) Logf(format string, args ...any) { r.add(format, args...) }
func (r *recorder) Errorf(format string, args ...any) {
	r.add(format, args...)
	r.mu.Lock()
	r.failed = true
	r.mu.Unlock()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Skipf(format string, args ...any) {
	r.add(format, args...)
	r.mu.Lock()
	r.skipped = true
	r.mu.Unlock()
	runtime.Goexit()
}
func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}
func (r *recorder) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}

// run calls f with the recorder on its own goroutine (so Fatalf can end it),
// then runs the registered cleanups, last first, as the testing package does.
func (r *recorder) run(f func(tb testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	r.finish()
}

func (r *recorder) finish() {
	r.mu.Lock()
	cs := r.cleanups
	r.cleanups = nil
	r.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
}

func (r *recorder) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.msgs, "\n")
}

// alive reports whether pid is a live (not zombie) process.
func alive(pid int) bool {
	state, _, _, ok := procStat(pid)
	return ok && state != 'Z' && state != 'X'
}
