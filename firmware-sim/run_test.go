package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.bug.st/serial"
	"go.uber.org/goleak"

	"timeclock/internal/cli"
	"timeclock/internal/reader"
	"timeclock/internal/reader/em4100"
	"timeclock/internal/reader/pn532"
	"timeclock/internal/reader/rcs620s"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// patience bounds each wait on the real pty; only a broken program reaches
// it.
const patience = 15 * time.Second

// simRun is a run of firmware-sim with its output read line by line.
type simRun struct {
	t     *testing.T
	lines chan string
	done  chan error
	stop  context.CancelFunc
}

func startSim(t *testing.T, args ...string) *simRun {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	s := &simRun{t: t, lines: make(chan string, 256), done: make(chan error, 1), stop: cancel}
	go func() {
		err := run(ctx, args, func(string) string { return "" }, pw, io.Discard)
		pw.Close()
		s.done <- err
	}()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	t.Cleanup(func() { cancel(); <-s.lines })
	return s
}

// expect reads output lines until one starts with prefix and returns it.
func (s *simRun) expect(prefix string) string {
	s.t.Helper()
	timeout := time.After(patience)
	var skipped []string
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("output ended before a line %q… (after %q)", prefix, skipped)
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
			skipped = append(skipped, l)
		case <-timeout:
			s.t.Fatalf("no line %q… (after %q)", prefix, skipped)
		}
	}
}

func (s *simRun) wait() error {
	s.t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(patience):
		s.t.Fatal("firmware-sim did not end")
		return nil
	}
}

// poll opens the reader at path and polls until it reads want.
func poll(t *testing.T, path string, kind reader.Kind, want string) {
	t.Helper()
	p, err := serial.Open(path, &serial.Mode{BaudRate: kind.Baud()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	log := slog.New(slog.DiscardHandler)
	var h interface {
		Init(context.Context) error
		Poll(context.Context) (string, error)
	}
	switch kind {
	case reader.RCS620S:
		h = rcs620s.New(p, log)
	case reader.PN532:
		h = pn532.New(p, log)
	default:
		h = em4100.New(p, log)
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := h.Init(ctx); err != nil {
		t.Fatal(err)
	}
	for {
		card, err := h.Poll(ctx)
		if card == want {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("never read %s (last %q, %v)", want, card, err)
		}
	}
}

func TestScenario(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "entrance")
	file := filepath.Join(dir, "s.jsonl")
	os.WriteFile(file, []byte(`{"at":"0s","reader":"entrance","do":"present","arg":"felica:012e4cd23a1b5c6d"}`+"\n"), 0o644)
	s := startSim(t, "-reader", "name=entrance kind=rcs620s link="+link, "-scenario", file)
	if f := strings.Fields(s.expect("reader ")); len(f) != 5 || f[1] != "entrance" || f[2] != "rcs620s" || f[4] != link {
		t.Fatalf("reader line %q", f)
	}
	s.expect("ready")
	s.expect("did entrance present felica:012e4cd23a1b5c6d")
	poll(t, link, reader.RCS620S, "felica:012e4cd23a1b5c6d")
	s.stop()
	if err := s.wait(); err != nil {
		t.Fatalf("run: %v", err)
	}
}

func TestCommandsFromFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "commands")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	s := startSim(t, "-reader", "name=staff kind=pn532;name=gate kind=em4100 crlf", "-commands", fifo, "-exit")
	pty := strings.Fields(s.expect("reader staff pn532 "))[3]
	s.expect("ready")
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.WriteString("staff present mifare:04a24b723c5e80\ngate nack\n")
	s.expect("did staff present mifare:04a24b723c5e80")
	if l := s.expect("error:"); !strings.Contains(l, "em4100 reader has no NACK") {
		t.Errorf("error line %q", l)
	}
	poll(t, pty, reader.PN532, "mifare:04a24b723c5e80")
	w.WriteString("staff unplug\nlist\nquit\n")
	s.expect("unplugged staff")
	s.expect("unplugged staff") // the list
	if err := s.wait(); err != nil {
		t.Fatalf("run: %v", err)
	}
}

func TestRandomLoadAndExit(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s.txt")
	os.WriteFile(file, []byte("200ms gate garbage 4\n"), 0o644)
	s := startSim(t, "-reader", "name=gate kind=em4100", "-rate", "50", "-pool", "3", "-scenario", file, "-exit", "-no-pacing")
	if l := s.expect("did gate em4100:"); len(strings.Fields(l)) != 4 {
		t.Errorf("random tap line %q", l)
	}
	s.expect("did gate garbage 4")
	if err := s.wait(); err != nil {
		t.Fatalf("run: %v", err)
	}
}

func TestUsage(t *testing.T) {
	cards := filepath.Join(t.TempDir(), "cards.txt")
	os.WriteFile(cards, []byte("felica:012e4cd23a1b5c6d\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "no readers"},
		{[]string{"-reader", "name=x kind=wiegand26"}, "want one of rcs620s"},
		{[]string{"-reader", "name=x"}, "want at least name=NAME and kind=KIND"},
		{[]string{"-reader", "name=x kind=pn532 crlf"}, "crlf is for em4100"},
		{[]string{"-reader", "name=x kind=pn532", "-exit"}, "-exit needs"},
		{[]string{"-reader", "name=x kind=pn532", "extra"}, `unexpected argument "extra"`},
		{[]string{"-reader", "name=x kind=pn532", "-log-level", "loud"}, "-log-level"},
		{[]string{"-reader", "name=x kind=pn532", "-rate", "-1"}, "-rate"},
		{[]string{"-reader", "name=x kind=pn532", "-hold", "0s"}, "-hold positive"},
	} {
		err := run(context.Background(), c.args, func(string) string { return "" }, io.Discard, io.Discard)
		var ue cli.UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) || cli.ExitCode(err) != 2 {
			t.Errorf("%q: %v, want a usage error containing %q", c.args, err, c.want)
		}
	}
	err := run(context.Background(), []string{"-reader", "name=x kind=em4100", "-rate", "1", "-cards", cards},
		func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no card in the pool fits reader x") || cli.ExitCode(err) != 1 {
		t.Errorf("pool without EM4100 tags: %v", err)
	}
	env := map[string]string{"TIMECLOCK_SIM_READER": "name=y kind=pn532", "TIMECLOCK_SIM_SCENARIO": "/nonexistent"}
	err = run(context.Background(), nil, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "/nonexistent") {
		t.Errorf("readers and scenario from the environment: %v, want the scenario file's error", err)
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"-h"}, func(string) string { return "" }, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "-reader SPEC") {
		t.Errorf("-h: %v, %q", err, out.String())
	}
}
