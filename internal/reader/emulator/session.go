package emulator

import (
	"bytes"
	"errors"
	"os"
	"sync"
	"time"

	"timeclock/internal/reader/frame"
)

// writeTimeout bounds one write to the pty. Nobody may be reading the slave
// (the gateway is down); the bytes are then lost, as on a real line.
const writeTimeout = time.Second

var ackBytes = frame.Frame{Kind: frame.ACK}.Bytes()

// chunk is bytes for the host, not to be sent before at.
type chunk struct {
	b  []byte
	at time.Time
}

// session is one plug-in of a reader: a pty pair and the goroutines serving
// it. It ends with close, on unplug.
type session struct {
	master, slave *os.File
	path          string
	out           chan chunk
	done          chan struct{}
	wg            sync.WaitGroup
}

func (l *Line) newSession() (*session, error) {
	m, s, err := openPTY()
	if err != nil {
		return nil, err
	}
	return &session{master: m, slave: s, path: s.Name(), out: make(chan chunk, 256), done: make(chan struct{})}, nil
}

// start runs the goroutines: one reads the host's bytes and answers, one
// writes at line pace, and for a reader that repeats on its own, a ticker.
func (s *session) start(l *Line) {
	s.wg.Add(2)
	go l.readLoop(s)
	go l.writeLoop(s)
	if _, ok := l.dev.(repeater); ok {
		s.wg.Add(1)
		go l.repeatLoop(s)
	}
}

// close stops the goroutines and closes both ends of the pty; the host's
// open slave is hung up.
func (s *session) close() error {
	close(s.done)
	err := s.master.Close()
	s.wg.Wait()
	return errors.Join(err, s.slave.Close())
}

// sleepUntil waits for t and reports false if the session ended first.
func (s *session) sleepUntil(t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-s.done:
		return false
	}
}

// emit queues a device's output. With a slow answer set, an ACK leading the
// output still goes at once, as a module ACKs before it works.
func (l *Line) emit(s *session, out []byte) {
	if s == nil || len(out) == 0 {
		return
	}
	l.mu.Lock()
	slow := l.slow
	l.mu.Unlock()
	now := time.Now()
	if slow > 0 && bytes.HasPrefix(out, ackBytes) {
		l.send(s, chunk{b: bytes.Clone(ackBytes), at: now})
		out = out[len(ackBytes):]
	}
	if len(out) > 0 {
		l.send(s, chunk{b: bytes.Clone(out), at: now.Add(slow)})
	}
}

func (l *Line) send(s *session, c chunk) {
	select {
	case s.out <- c:
	default:
		l.log.Warn("output queue full, bytes dropped", "bytes", len(c.b))
	}
}

// readLoop feeds the host's bytes to the device. The bytes reach the module
// only after their time on the wire.
func (l *Line) readLoop(s *session) {
	defer s.wg.Done()
	buf := make([]byte, 1024)
	var wireFree time.Time
	for {
		n, err := s.master.Read(buf)
		if n > 0 {
			if l.byteTime > 0 {
				wireFree = latest(time.Now(), wireFree).Add(time.Duration(n) * l.byteTime)
				if !s.sleepUntil(wireFree) {
					return
				}
			}
			l.mu.Lock()
			out := l.dev.Input(buf[:n])
			l.mu.Unlock()
			l.emit(s, out)
		}
		if err != nil {
			if !errors.Is(err, os.ErrClosed) {
				l.log.Warn("pty read failed", "path", s.path, "err", err)
			}
			return
		}
	}
}

// writeLoop sends queued output to the host, each chunk complete after its
// time on the wire.
func (l *Line) writeLoop(s *session) {
	defer s.wg.Done()
	var wireFree time.Time
	for {
		var c chunk
		select {
		case <-s.done:
			return
		case c = <-s.out:
		}
		wireFree = latest(time.Now(), c.at, wireFree).Add(time.Duration(len(c.b)) * l.byteTime)
		if !s.sleepUntil(wireFree) {
			return
		}
		s.master.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := s.master.Write(c.b); err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			l.log.Warn("pty write failed, bytes dropped", "path", s.path, "bytes", len(c.b), "err", err)
		}
	}
}

// repeatLoop makes a pushing reader resend the tag in its field.
func (l *Line) repeatLoop(s *session) {
	defer s.wg.Done()
	t := time.NewTicker(l.cfg.Repeat)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		l.mu.Lock()
		out := l.dev.(repeater).Repeat()
		l.mu.Unlock()
		l.emit(s, out)
	}
}

func latest(t time.Time, more ...time.Time) time.Time {
	for _, u := range more {
		if u.After(t) {
			t = u
		}
	}
	return t
}
