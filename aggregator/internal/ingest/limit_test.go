package ingest

import (
	"fmt"
	"testing"
	"time"

	"timeclock/internal/punch"
)

func TestBucket(t *testing.T) {
	t0 := time.Date(2026, 6, 15, 7, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		rate  float64
		burst int
		at    []time.Duration // offsets from t0 of successive takes
		want  string          // + taken, - refused
	}{
		{"burst then refused", 1, 3, []time.Duration{0, 0, 0, 0, 0}, "+++--"},
		{"refills at the rate", 1, 2, []time.Duration{0, 0, 0, time.Second, time.Second, 3 * time.Second}, "++-+-+"},
		{"never above the burst", 10, 2, []time.Duration{0, 0, time.Hour, time.Hour, time.Hour}, "++++-"},
		{"half a token is not a token", 1, 1, []time.Duration{0, 500 * time.Millisecond, 1000 * time.Millisecond}, "+-+"},
		{"a clock going back gives nothing", 1, 1, []time.Duration{10 * time.Second, 0, 10 * time.Second}, "+--"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bucket
			got := ""
			for _, d := range tt.at {
				if b.take(t0.Add(d), tt.rate, tt.burst) {
					got += "+"
				} else {
					got += "-"
				}
			}
			if got != tt.want {
				t.Errorf("%s, want %s", got, tt.want)
			}
		})
	}
}

// Beyond maxGateways, idle gateways make room; while none is idle, new
// ones share the overflow entry.
func TestGatewaysBounded(t *testing.T) {
	t0 := time.Date(2026, 6, 15, 7, 0, 0, 0, time.UTC)
	g := newGateways(Limits{Rate: 1, Burst: 2})
	topic := func(i int) punch.Topic {
		return punch.Topic{Board: "b", School: "s", Gateway: fmt.Sprintf("gw-%d", i), Kind: punch.TopicPunch}
	}
	for i := range maxGateways {
		g.admit(topic(i), t0, false)
	}
	g.admit(topic(maxGateways), t0, false) // none idle: overflow
	if n := len(g.m); n != maxGateways+1 {
		t.Fatalf("%d entries, want %d", n, maxGateways+1)
	}
	if _, ok := g.m[punch.Topic{Gateway: Overflow}]; !ok {
		t.Fatal("no overflow entry")
	}
	// Two seconds on, every bucket is full again: the idle make room.
	g.admit(topic(maxGateways+1), t0.Add(2*time.Second), false)
	if _, ok := g.m[punch.Topic{Board: "b", School: "s", Gateway: fmt.Sprintf("gw-%d", maxGateways+1)}]; !ok {
		t.Errorf("no entry of its own for a new gateway once others were idle (%d entries)", len(g.m))
	}
	if n := len(g.m); n > 3 {
		t.Errorf("%d entries left after the sweep", n)
	}
	// Forgetting an idle gateway changes nothing of its allowance.
	for range 2 {
		if ok, _ := g.admit(topic(0), t0.Add(2*time.Second), false); !ok {
			t.Error("a forgotten gateway lost its burst")
		}
	}
}
