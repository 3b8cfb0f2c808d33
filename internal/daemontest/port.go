package daemontest

import (
	"context"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// lowestPort is where FreePort's range begins: above the usual fixed
// service ports.
const lowestPort = 10000

var (
	portMu sync.Mutex
	given  = map[int]bool{} // ports this process has handed out
)

// FreePort returns a TCP port on 127.0.0.1 that is free now and that no
// outgoing connection will take before the program under test binds it: it
// is drawn at random below the kernel's ephemeral range (from which
// connect() picks local ports, so a busy test could otherwise steal the port
// between this check and the program's bind), and never twice in one
// process.
func FreePort(tb testing.TB) int {
	tb.Helper()
	portMu.Lock()
	defer portMu.Unlock()
	if hi := ephemeralLow(); hi-lowestPort >= 1000 {
		for range 200 {
			p := lowestPort + rand.IntN(hi-lowestPort)
			if given[p] {
				continue
			}
			if l, err := net.Listen("tcp", Addr(p)); err == nil {
				l.Close()
				given[p] = true
				return p
			}
		}
	}
	// No room below the ephemeral range: let the kernel choose.
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatalf("finding a free port: %v", err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !given[p] {
			given[p] = true
			return p
		}
	}
}

// ephemeralLow is the first port of the kernel's ephemeral range (Linux:
// /proc/sys/net/ipv4/ip_local_port_range, usually 32768).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 32768
	}
	n, err := strconv.Atoi(f[0])
	if err != nil {
		return 32768
	}
	return n
}

// Addr is "127.0.0.1:port".
func Addr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// TCPReady returns a readiness check that succeeds once every port accepts a
// TCP connection on 127.0.0.1.
func TCPReady(ports ...int) func(context.Context) error {
	return func(ctx context.Context) error {
		var d net.Dialer
		for _, p := range ports {
			ctx, cancel := context.WithTimeout(ctx, time.Second)
			c, err := d.DialContext(ctx, "tcp", Addr(p))
			cancel()
			if err != nil {
				return err
			}
			c.Close()
		}
		return nil
	}
}
