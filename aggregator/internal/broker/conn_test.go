package broker

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"timeclock/aggregator/internal/web/webtest/harness"
)

// fakeConn hands out the chunks sent on in, one per Read, and records each
// Write.
type fakeConn struct {
	net.Conn // nil: a method not written here panics
	in       chan []byte
	fail     error

	mu     sync.Mutex
	writes []string
	closed bool
}

func newFake() *fakeConn { return &fakeConn{in: make(chan []byte, 8)} }

func (f *fakeConn) Read(p []byte) (int, error) {
	b, ok := <-f.in
	if !ok {
		return 0, io.EOF
	}
	return copy(p, b), nil
}

func (f *fakeConn) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return 0, f.fail
	}
	f.writes = append(f.writes, string(p))
	return len(p), nil
}

func (f *fakeConn) SetWriteDeadline(time.Time) error { return nil }

func (f *fakeConn) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

func (f *fakeConn) written() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.writes...)
}

func read(t *testing.T, c net.Conn) {
	t.Helper()
	if _, err := c.Read(make([]byte, 64)); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if n, err := c.Write([]byte(s)); err != nil || n != len(s) {
		t.Fatalf("write %q: %d, %v", s, n, err)
	}
}

func same(a, b []string) bool {
	return strings.Join(a, "|") == strings.Join(b, "|") && len(a) == len(b)
}

// What the broker writes while the reader works through one read goes out
// in one write, in order, before the reader reads again.
func TestBatchConnSendsWhatOneReadCausedInOneWrite(t *testing.T) {
	f := newFake()
	c := newBatchConn(f)
	f.in <- []byte("publish 1, 2, 3")
	f.in <- []byte("publish 4")
	read(t, c)
	for _, s := range []string{"ack1", "ack2", "ack3"} {
		write(t, c, s)
	}
	if w := f.written(); len(w) != 0 {
		t.Fatalf("sent while the reader works: %q", w)
	}
	read(t, c)
	if w := f.written(); !same(w, []string{"ack1ack2ack3"}) {
		t.Fatalf("writes %q, want the three acks in one", w)
	}
	write(t, c, "ack4")
	close(f.in)
	if _, err := c.Read(make([]byte, 64)); err != io.EOF {
		t.Fatalf("read: %v, want EOF", err)
	}
	if w := f.written(); !same(w, []string{"ack1ack2ack3", "ack4"}) {
		t.Fatalf("writes %q, want ack4 sent before the reader waited", w)
	}
}

// A write while the reader waits for the client (nothing read yet, or the
// reader in Read) goes out at once.
func TestBatchConnWritesAtOnceWhileTheReaderWaits(t *testing.T) {
	f := newFake()
	c := newBatchConn(f)
	write(t, c, "connack")
	if w := f.written(); !same(w, []string{"connack"}) {
		t.Fatalf("writes %q, want the connack at once", w)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = c.Read(make([]byte, 64)) // waits: nothing on in
	}()
	// Whether the write lands before or after the reader's flush, it is
	// sent now, not held.
	write(t, c, "feedback")
	if w := f.written(); !same(w, []string{"connack", "feedback"}) {
		t.Fatalf("writes %q, want the feedback at once", w)
	}
	close(f.in)
	<-done
}

// A reader held up (the ingest pushing back) holds the writes for holdFor
// at most.
func TestBatchConnHoldIsBounded(t *testing.T) {
	f := newFake()
	c := newBatchConn(f)
	f.in <- []byte("publish")
	read(t, c)
	write(t, c, "ack")
	harness.Eventually(t, "the held ack sent while the reader stays busy", func() (bool, string) {
		return len(f.written()) > 0, "nothing written"
	})
	if w := f.written(); !same(w, []string{"ack"}) {
		t.Fatalf("writes %q", w)
	}
}

// Past maxHeld the writes go out without waiting for the reader, still in
// one write and in order.
func TestBatchConnHoldIsBoundedInSize(t *testing.T) {
	f := newFake()
	c := newBatchConn(f)
	f.in <- []byte("publish")
	read(t, c)
	a, b := strings.Repeat("a", maxHeld/2+1), strings.Repeat("b", maxHeld/2+1)
	write(t, c, a)
	write(t, c, b)
	if w := f.written(); !same(w, []string{a + b}) {
		t.Fatalf("%d writes, want one of both", len(w))
	}
}

// Closing sends what is held first (a last CONNACK with its reason), and a
// write after it fails.
func TestBatchConnCloseSendsWhatIsHeld(t *testing.T) {
	f := newFake()
	c := newBatchConn(f)
	f.in <- []byte("connect")
	read(t, c)
	write(t, c, "connack: not authorized")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if w := f.written(); !same(w, []string{"connack: not authorized"}) || !f.closed {
		t.Fatalf("writes %q, closed %v", w, f.closed)
	}
	if _, err := c.Write([]byte("late")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after close: %v, want net.ErrClosed", err)
	}
}

// A held write that fails to go out, sent by the reader's next Read or by
// the timer, is reported by that Read (which ends the client's session)
// and by every later Write.
func TestBatchConnReportsAFailedSend(t *testing.T) {
	for _, byTimer := range []bool{false, true} {
		f := newFake()
		c := newBatchConn(f)
		f.in <- []byte("publish")
		f.in <- []byte("publish")
		read(t, c)
		boom := errors.New("connection reset")
		f.mu.Lock()
		f.fail = boom
		f.mu.Unlock()
		write(t, c, "ack")
		if byTimer {
			harness.Eventually(t, "the timer's try to send the held ack", func() (bool, string) {
				c.mu.Lock()
				defer c.mu.Unlock()
				return c.err != nil, "no failed send"
			})
		}
		if _, err := c.Read(make([]byte, 64)); !errors.Is(err, boom) {
			t.Fatalf("by timer %v: read after a failed send: %v, want %v", byTimer, err, boom)
		}
		if _, err := c.Write([]byte("x")); !errors.Is(err, boom) {
			t.Fatalf("by timer %v: write after a failed send: %v, want %v", byTimer, err, boom)
		}
	}
}

// Through a real connection: a client sees every byte, in order, whatever
// the mix of held and direct writes.
func TestBatchConnKeepsTheOrder(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	bl := batchListener{ln}
	var want bytes.Buffer
	done := make(chan error, 1)
	go func() {
		s, err := bl.Accept()
		if err != nil {
			done <- err
			return
		}
		defer s.Close()
		buf := make([]byte, 16)
		for i := 0; i < 200; i++ {
			if i%3 == 0 { // a read, then writes held
				if _, err := s.Read(buf[:1]); err != nil {
					done <- err
					return
				}
			}
			if _, err := s.Write([]byte{byte(i)}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	cl, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for i := 0; i < 200; i++ {
		want.WriteByte(byte(i))
	}
	if _, err := cl.Write(make([]byte, 67)); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 200)
	_ = cl.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(cl, got); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("bytes out of order: %v", got)
	}
}

// stuckConn is a fakeConn whose writes block until a write deadline is set
// (as a real one ends a write to a client that does not read).
type stuckConn struct {
	*fakeConn
	gate        chan struct{}
	writing     bool
	closedMidst bool
}

func (s *stuckConn) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.writing = true
	s.mu.Unlock()
	<-s.gate
	s.mu.Lock()
	s.writing = false
	s.mu.Unlock()
	return s.fakeConn.Write(p)
}

func (s *stuckConn) SetWriteDeadline(time.Time) error {
	select {
	case <-s.gate:
	default:
		close(s.gate)
	}
	return nil
}

func (s *stuckConn) Close() error {
	s.mu.Lock()
	s.closedMidst = s.writing
	s.mu.Unlock()
	return s.fakeConn.Close()
}

// Close waits for a write in progress (here the timer's send of a held
// CONNACK, stuck on the client) and ends it with the write deadline,
// instead of closing under it.
func TestBatchConnCloseWaitsForTheWriteInProgress(t *testing.T) {
	s := &stuckConn{fakeConn: newFake(), gate: make(chan struct{})}
	c := newBatchConn(s)
	s.in <- []byte("connect")
	read(t, c)
	write(t, c, "connack")
	harness.Eventually(t, "the timer's send of the held CONNACK", func() (bool, string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.writing, "not writing"
	})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if s.closedMidst {
		t.Fatal("closed while the CONNACK was being written")
	}
	if w := s.written(); !same(w, []string{"connack"}) || !s.closed {
		t.Fatalf("writes %q, closed %v", w, s.closed)
	}
}
