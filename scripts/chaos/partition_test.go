package chaos

import (
	"errors"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"timeclock/internal/daemontest"
)

// relay is a TCP relay between the gateways and the broker that can stop
// passing anything, both ways, without closing a connection: a school
// network that stops carrying packets (a cut uplink, a dead switch). No FIN,
// no RST: each side learns it only from its own timeouts. While cut, the
// relay reads nothing, so the senders' socket buffers fill as they would
// behind a silent network; a connection opened meanwhile is accepted but
// not carried on. When healed, what waited goes through, and a side that
// gave up meanwhile closes its connection for the other.
type relay struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	healed chan struct{} // closed when the relay carries traffic; replaced by each cut
	conns  []net.Conn
	closed bool
	wg     sync.WaitGroup
}

func startRelay(t *testing.T, target string) *relay {
	ln, err := net.Listen("tcp", daemontest.Addr(daemontest.FreePort(t)))
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, target: target, healed: make(chan struct{})}
	close(r.healed)
	r.wg.Add(1)
	go r.accept()
	t.Cleanup(r.close)
	return r
}

func (r *relay) addr() string { return r.ln.Addr().String() }

// setCut stops the relay's traffic (true) or lets it go on (false).
func (r *relay) setCut(cut bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cut == r.cut {
		return
	}
	r.cut = cut
	if cut {
		r.healed = make(chan struct{})
	} else {
		close(r.healed)
	}
}

// carrying returns a channel closed once the relay carries traffic.
func (r *relay) carrying() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.healed
}

func (r *relay) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		if !r.track(c) {
			c.Close()
			return
		}
		r.wg.Add(1)
		go r.carry(c)
	}
}

// track keeps c to be closed with the relay; false once the relay is closed.
func (r *relay) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.conns = append(r.conns, c)
	return true
}

// carry connects a client to the target once the relay carries traffic and
// pumps both ways.
func (r *relay) carry(client net.Conn) {
	defer r.wg.Done()
	defer client.Close()
	<-r.carrying()
	server, err := net.Dial("tcp", r.target)
	if err != nil {
		return // the broker is away: the client sees its connection close
	}
	if !r.track(server) {
		server.Close()
		return
	}
	defer server.Close()
	done := make(chan struct{}, 2)
	go func() { r.pump(server, client); done <- struct{}{} }()
	go func() { r.pump(client, server); done <- struct{}{} }()
	<-done // one side closed: close both (the deferred Closes)
}

// pump copies from src to dst, reading only while the relay carries
// traffic; what was read just before a cut waits for the heal.
func (r *relay) pump(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		<-r.carrying()
		src.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, err := src.Read(buf)
		if n > 0 {
			<-r.carrying()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
	}
}

func (r *relay) close() {
	r.setCut(false)
	r.ln.Close()
	r.mu.Lock()
	conns := r.conns
	r.conns, r.closed = nil, true
	r.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	r.wg.Wait()
}
