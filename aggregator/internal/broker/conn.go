package broker

import (
	"net"
	"sync"
	"time"
)

// A client's connection as the broker sees it. mochi writes every packet
// with a write of its own: under a burst of QoS 1 taps that is one write per
// PUBACK, a tenth of the aggregator's CPU under the peer load, where
// Mosquitto sends many in one. Here, what the broker writes while the
// client's reader works through the bytes of one Read is held and sent in
// one write before that reader reads again (so every PUBACK is out before
// the broker waits for more from the client), or after holdFor at the
// latest, if the reader is held up. A write while the reader waits for the
// client (feedback published from another goroutine) goes out at once.

const (
	// holdFor bounds how long a write is held while the reader works.
	holdFor = time.Millisecond
	// maxHeld is the most held before the writes go out anyway.
	maxHeld = 64 << 10
	// closeFlush bounds the last write of what is held when the broker
	// closes a connection (a final CONNACK or DISCONNECT with its reason).
	closeFlush = time.Second
)

// batchListener hands out batchConns.
type batchListener struct{ net.Listener }

func (l batchListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newBatchConn(c), nil
}

type batchConn struct {
	net.Conn

	wmu   sync.Mutex // one write to Conn at a time, in order; guards spare
	spare []byte     // the other buffer, swapped with held by a flush

	mu    sync.Mutex // guards the fields below
	held  []byte     // written while the reader works, not yet sent
	busy  bool       // the reader is working through what it read
	armed bool       // timer runs
	timer *time.Timer
	err   error // a failed write, or the connection closed: every later Write fails with it
}

func newBatchConn(c net.Conn) *batchConn {
	b := &batchConn{Conn: c}
	b.timer = time.AfterFunc(time.Hour, b.expire)
	b.timer.Stop()
	return b
}

// Read sends what is held, then reads. A failed send (here or by the
// timer) ends the reading.
func (c *batchConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	c.busy = false
	err := c.err
	c.mu.Unlock()
	if err == nil {
		err = c.flush(nil)
	}
	if err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.busy = true
		c.mu.Unlock()
	}
	return n, err
}

// Write holds p while the reader works, and sends it (after what is held)
// otherwise.
func (c *batchConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return 0, err
	}
	if c.busy && len(c.held)+len(p) <= maxHeld {
		c.held = append(c.held, p...)
		if !c.armed {
			c.armed = true
			c.timer.Reset(holdFor)
		}
		c.mu.Unlock()
		return len(p), nil
	}
	c.mu.Unlock()
	if err := c.flush(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// flush sends what is held followed by p, in one write. With nothing to
// send it returns at once (the reader does not wait behind another
// goroutine's write to a slow client).
func (c *batchConn) flush(p []byte) error {
	if len(p) == 0 {
		c.mu.Lock()
		none := len(c.held) == 0
		c.mu.Unlock()
		if none {
			return nil
		}
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	out := c.held
	if len(out) > 0 {
		c.held, c.spare = c.spare[:0], nil
	}
	c.mu.Unlock()
	var err error
	switch {
	case len(out) > 0:
		out = append(out, p...)
		_, err = c.Conn.Write(out)
		c.spare = out[:0]
	case len(p) > 0:
		_, err = c.Conn.Write(p)
	}
	if err != nil {
		c.mu.Lock()
		if c.err == nil {
			c.err = err
		}
		c.mu.Unlock()
	}
	return err
}

// expire sends what was held for holdFor while the reader still works.
func (c *batchConn) expire() {
	c.mu.Lock()
	c.armed = false
	c.mu.Unlock()
	_ = c.flush(nil) // an error is kept in c.err for the next Read or Write
}

// Close sends what is held (a last CONNACK or DISCONNECT with its reason)
// and closes the connection, after the write in progress if any. The write
// deadline moved to closeFlush from now ends a write stuck on a client
// that does not read (what closing is then meant to end), so Close never
// waits longer than that.
func (c *batchConn) Close() error {
	c.mu.Lock()
	c.timer.Stop()
	if c.err == nil {
		c.err = net.ErrClosed
	}
	c.mu.Unlock()
	_ = c.Conn.SetWriteDeadline(time.Now().Add(closeFlush))
	c.wmu.Lock()
	c.mu.Lock()
	out := c.held
	c.held = nil
	c.mu.Unlock()
	if len(out) > 0 {
		_, _ = c.Conn.Write(out)
	}
	c.wmu.Unlock()
	return c.Conn.Close()
}
