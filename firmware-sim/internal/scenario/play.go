package scenario

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"timeclock/internal/reader"
)

// Target is the set of emulated readers actions apply to.
type Target interface {
	// Apply does a at once; a.At is ignored.
	Apply(a Action) error
	// Readers describes the readers, one line each, for the prompt's list.
	Readers() []string
}

// Play applies actions at their offsets from now and returns when the last
// has run its course (its hold, its time unplugged), or when ctx ends. A
// failed action is logged and the scenario goes on, as a demonstration
// should; Play reports how many failed.
func Play(ctx context.Context, actions []Action, t Target, log *slog.Logger) (failed int) {
	start := time.Now()
	var end time.Duration
	for _, a := range actions {
		if reader.Wait(ctx, time.Until(start.Add(a.At))) != nil {
			return failed
		}
		if err := t.Apply(a); err != nil {
			failed++
			log.Warn("scenario action failed", "at", a.At, "action", a.String(), "err", err)
		}
		end = max(end, a.ends())
	}
	reader.Wait(ctx, time.Until(start.Add(end)))
	return failed
}

const promptHelp = `commands (READER is a reader's name):
  READER CARD [HOLD]    tap CARD (e.g. felica:012e4cd23a1b5c6d) for HOLD (default 500ms)
  READER present CARD   put CARD on the reader until removed
  READER remove         take the card away
  READER unplug [FOR]   pull the cable; plug it back after FOR (default: stays out)
  READER replug         plug it back
  READER garbage [N]    N random bytes on the line (default 16)
  READER nack [N]       NACK the next N commands (default 1)
  READER slow DELAY     answer DELAY late (0 to stop)
  list | help | quit`

// Prompt applies commands read from r, one per line, as they come. It
// answers list and help on w, and "error: …" for a command that fails; a
// command that works is announced by the Target. It returns at the end of
// r, at "quit", or when ctx ends. Reading runs on its own goroutine, which
// ends when r does: the caller closes r (or lets the process end with it).
func Prompt(ctx context.Context, r io.Reader, w io.Writer, t Target) error {
	lines := make(chan string)
	scanErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		scanErr <- sc.Err()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-scanErr:
			return err
		case line := <-lines:
			if quit := command(line, w, t); quit {
				return nil
			}
		}
	}
}

// command runs one prompt line and reports whether it was quit.
func command(line string, w io.Writer, t Target) bool {
	f := strings.Fields(line)
	if len(f) == 0 || strings.HasPrefix(f[0], "#") {
		return false
	}
	switch {
	case len(f) == 1 && f[0] == "quit":
		return true
	case len(f) == 1 && f[0] == "help":
		fmt.Fprintln(w, promptHelp)
	case len(f) == 1 && f[0] == "list":
		for _, r := range t.Readers() {
			fmt.Fprintln(w, r)
		}
	default:
		a, err := ParseCommand(f)
		if err == nil {
			err = t.Apply(a)
		}
		if err != nil {
			fmt.Fprintln(w, "error:", err)
		}
	}
	return false
}
