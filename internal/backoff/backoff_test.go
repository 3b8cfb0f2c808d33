package backoff

import (
	"context"
	"testing"
	"time"
)

func TestSleep(t *testing.T) {
	const d = 20 * time.Millisecond
	start := time.Now()
	if !Sleep(context.Background(), d) {
		t.Fatal("Sleep reported an end of its context that did not happen")
	}
	if waited := time.Since(start); waited < d/2 {
		t.Errorf("waited %v, want at least %v", waited, d/2)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Sleep(ctx, time.Hour) {
		t.Error("Sleep ran its course on an ended context")
	}
	if !Sleep(context.Background(), 0) {
		t.Error("Sleep(0) did not run its course")
	}
}
