package daemontest

import (
	"net"
	"testing"
)

func TestFreePort(t *testing.T) {
	low := ephemeralLow()
	seen := map[int]bool{}
	for range 50 {
		p := FreePort(t)
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
		if low-lowestPort >= 1000 && (p < lowestPort || p >= low) {
			t.Errorf("port %d outside [%d, %d): an outgoing connection could take it", p, lowestPort, low)
		}
		l, err := net.Listen("tcp", Addr(p))
		if err != nil {
			t.Fatalf("port %d not free: %v", p, err)
		}
		l.Close()
	}
}

// A port that is in use is never handed out.
func TestFreePortSkipsBusyPorts(t *testing.T) {
	var busy []net.Listener
	defer func() {
		for _, l := range busy {
			l.Close()
		}
	}()
	taken := map[int]bool{}
	for p := lowestPort; p < lowestPort+2000; p++ {
		if l, err := net.Listen("tcp", Addr(p)); err == nil {
			busy = append(busy, l)
			taken[p] = true
		}
	}
	for range 100 {
		if p := FreePort(t); taken[p] {
			t.Fatalf("FreePort returned %d, which is in use", p)
		}
	}
}
