package daemontest

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago. The
// kernel hands out ephemeral ports in turn, so a port just released is not
// handed out again soon; the program that binds it next is the one under test.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
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
