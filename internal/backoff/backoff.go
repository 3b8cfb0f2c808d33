// Package backoff paces the retries of a connection or a write: the
// caller doubles its delay up to a cap, and each wait is a random point in
// the upper half of it, so that many clients failing together spread out.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Sleep waits between d/2 and d, chosen at random, or until ctx is done;
// it reports whether the wait ran its course.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d/2 + rand.N(d/2+1))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
