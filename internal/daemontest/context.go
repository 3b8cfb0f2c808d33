package daemontest

import (
	"context"
	"testing"
	"time"
)

// MaxWait bounds WaitContext: far beyond any delay on loopback, it only keeps
// a lost message from holding the test until the binary's -timeout.
const MaxWait = 2 * time.Minute

// WaitContext returns a context for waiting on a component (a message to
// arrive, a reply): it ends with the test, MaxWait from now, or 5 s before
// the test binary's deadline, whichever comes first, so that a wait that
// never ends fails with the test's own message rather than a timeout panic.
func WaitContext(tb testing.TB) context.Context {
	deadline := time.Now().Add(MaxWait)
	if d, ok := tb.(interface{ Deadline() (time.Time, bool) }); ok {
		if end, ok := d.Deadline(); ok && end.Add(-5*time.Second).Before(deadline) {
			deadline = end.Add(-5 * time.Second)
		}
	}
	ctx, cancel := context.WithDeadline(tb.Context(), deadline)
	tb.Cleanup(cancel)
	return ctx
}
