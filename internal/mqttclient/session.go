package mqttclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"timeclock/internal/mqttwire"
)

// maxQueued bounds the bytes queued for the wire: a publisher or an
// acknowledgement beyond it waits for the broker to read (back-pressure).
const maxQueued = 4 << 20

// session is one network connection and its protocol state.
type session struct {
	c           *Client
	conn        net.Conn
	gen         uint64
	established atomic.Bool

	mu       sync.Mutex
	room     sync.Cond // signalled when the queue shrinks or the session ends
	out      []byte    // packets queued for the writer
	spare    []byte
	ending   bool // DISCONNECT queued: write what is left, then stop
	ended    bool
	nextID   uint16
	inflight map[uint16]chan<- error // own QoS 1 messages and SUBSCRIBE awaiting their acknowledgement

	wake      chan struct{} // the writer has work
	handshake chan mqttwire.Packet
	done      chan struct{} // the connection is over
	lastWrite atomic.Int64  // unix nanoseconds
	endErr    error
	endOnce   sync.Once
}

func newSession(c *Client, conn net.Conn, gen uint64) *session {
	s := &session{c: c, conn: conn, gen: gen, inflight: map[uint16]chan<- error{}, wake: make(chan struct{}, 1),
		handshake: make(chan mqttwire.Packet, 4), done: make(chan struct{})}
	s.room.L = &s.mu
	return s
}

// end closes the connection once, recording why.
func (s *session) end(err error) {
	s.endOnce.Do(func() {
		s.endErr = err
		close(s.done)
		s.conn.Close()
		s.mu.Lock()
		s.ended = true
		for id, ch := range s.inflight {
			if ch != nil {
				ch <- ErrLost
			}
			delete(s.inflight, id)
		}
		s.room.Broadcast()
		s.mu.Unlock()
	})
}

func (s *session) run(ctx context.Context) error {
	o := &s.c.opt
	readDone := make(chan struct{})
	go func() { defer close(readDone); s.end(s.read()) }()
	writeDone := make(chan struct{})
	go func() { defer close(writeDone); s.end(s.write()) }()
	defer func() { <-readDone; <-writeDone }()

	if err := s.connect(ctx); err != nil {
		s.end(err)
		return err
	}
	s.established.Store(true)
	s.c.mu.Lock()
	s.c.cur = s
	s.c.mu.Unlock()
	s.c.connected.Store(true)
	s.c.log.Info("mqtt connected", "url", o.URL, "client_id", o.ClientID, "subscriptions", len(o.Subscriptions))
	if o.OnConnect != nil {
		o.OnConnect()
	}
	ping := time.NewTicker(o.KeepAlive / 2)
	defer ping.Stop()
	for {
		select {
		case <-s.done:
			return s.endErr
		case <-ctx.Done():
			s.c.connected.Store(false)
			s.mu.Lock()
			s.out = mqttwire.AppendDisconnect(s.out)
			s.ending = true
			s.mu.Unlock()
			s.notify()
			select {
			case <-writeDone:
			case <-time.After(time.Second):
			}
			s.end(ctx.Err())
			return nil
		case <-ping.C:
			if time.Since(time.Unix(0, s.lastWrite.Load())) >= o.KeepAlive/2 {
				s.queue(func(b []byte) []byte { return mqttwire.AppendPingreq(b) })
			}
		}
	}
}

// connect sends CONNECT and SUBSCRIBE and waits for their answers.
func (s *session) connect(ctx context.Context) error {
	o := &s.c.opt
	c := mqttwire.Connect{ClientID: o.ClientID, Username: o.Username, Password: o.Password,
		CleanSession: o.CleanSession, KeepAlive: uint16(o.KeepAlive / time.Second)}
	if w := o.Will; w != nil {
		c.WillTopic, c.WillPayload, c.WillQoS, c.WillRetain = w.Topic, w.Payload, w.QoS, w.Retain
	}
	s.queue(func(b []byte) []byte { return mqttwire.AppendConnect(b, c) })
	p, err := s.await(ctx, mqttwire.CONNACK)
	if err != nil {
		return err
	}
	if err := mqttwire.ConnackError(p.ReturnCode); err != nil {
		return err
	}
	if len(o.Subscriptions) == 0 {
		return nil
	}
	s.mu.Lock()
	id := s.allocID()
	s.inflight[id] = nil
	s.out = mqttwire.AppendSubscribe(s.out, id, o.Subscriptions)
	s.mu.Unlock()
	s.notify()
	if p, err = s.await(ctx, mqttwire.SUBACK); err != nil {
		return err
	}
	for i, rc := range p.ReturnCodes {
		if rc == 0x80 && i < len(o.Subscriptions) {
			return fmt.Errorf("mqtt: subscription to %q refused by the broker", o.Subscriptions[i].Filter)
		}
	}
	return nil
}

func (s *session) await(ctx context.Context, typ byte) (mqttwire.Packet, error) {
	t := time.NewTimer(s.c.opt.ConnectTimeout)
	defer t.Stop()
	select {
	case p := <-s.handshake:
		if p.Type != typ {
			return p, fmt.Errorf("mqtt: got packet type %d, want %d", p.Type, typ)
		}
		return p, nil
	case <-s.done:
		return mqttwire.Packet{}, s.endErr
	case <-t.C:
		return mqttwire.Packet{}, errors.New("mqtt: no answer from the broker")
	case <-ctx.Done():
		return mqttwire.Packet{}, ctx.Err()
	}
}

// allocID returns a packet id not in flight (s.mu held).
func (s *session) allocID() uint16 {
	for {
		s.nextID++
		if s.nextID == 0 {
			s.nextID = 1
		}
		if _, busy := s.inflight[s.nextID]; !busy {
			return s.nextID
		}
	}
}

// queue appends packets under the lock, waiting for room, and wakes the
// writer.
func (s *session) queue(add func([]byte) []byte) bool {
	s.mu.Lock()
	for len(s.out) > maxQueued && !s.ended {
		s.room.Wait()
	}
	if s.ended {
		s.mu.Unlock()
		return false
	}
	s.out = add(s.out)
	s.mu.Unlock()
	s.notify()
	return true
}

func (s *session) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *session) publish(topic string, qos byte, retain bool, payload []byte, done chan<- error) error {
	s.mu.Lock()
	err := s.publishLocked(topic, qos, retain, payload, done)
	s.mu.Unlock()
	s.notify()
	return err
}

func (s *session) publishAll(qos byte, msgs []Outgoing) (int, error) {
	s.mu.Lock()
	defer s.notify()
	defer s.mu.Unlock()
	for i := range msgs {
		m := &msgs[i]
		if err := s.publishLocked(m.Topic, qos, m.Retain, m.Payload, nil); err != nil {
			return i, err
		}
	}
	return len(msgs), nil
}

// publishLocked queues one message (s.mu held).
func (s *session) publishLocked(topic string, qos byte, retain bool, payload []byte, done chan<- error) error {
	if qos > 1 {
		return errors.New("mqtt: QoS 2 publishing is not supported")
	}
	for len(s.out) > maxQueued && !s.ended {
		s.room.Wait()
	}
	if s.ended {
		return ErrNotConnected
	}
	var id uint16
	if qos == 1 {
		if len(s.inflight) >= s.c.opt.MaxInflight {
			return ErrBusy
		}
		id = s.allocID()
		s.inflight[id] = done
	}
	s.out = mqttwire.AppendPublish(s.out, topic, payload, qos, retain, false, id)
	return nil
}

func (s *session) ack(msgs []Message) {
	s.mu.Lock()
	for len(s.out) > maxQueued && !s.ended {
		s.room.Wait()
	}
	if s.ended {
		s.mu.Unlock()
		return
	}
	n := 0
	for i := range msgs {
		m := &msgs[i]
		if m.gen != s.gen {
			continue
		}
		switch m.QoS {
		case 1:
			s.out = mqttwire.AppendAck(s.out, mqttwire.PUBACK, m.id)
			n++
		case 2:
			s.out = mqttwire.AppendAck(s.out, mqttwire.PUBREC, m.id)
			n++
		}
	}
	s.mu.Unlock()
	if n > 0 {
		s.notify()
	}
}

func (s *session) complete(id uint16) {
	s.mu.Lock()
	ch, ok := s.inflight[id]
	delete(s.inflight, id)
	s.mu.Unlock()
	if ok && ch != nil {
		ch <- nil
	}
}

// write puts the queued packets on the wire, all that queued up during the
// previous write in one call.
func (s *session) write() error {
	for {
		s.mu.Lock()
		for len(s.out) == 0 {
			if s.ending || s.ended {
				s.mu.Unlock()
				return errors.New("mqtt: disconnected")
			}
			s.mu.Unlock()
			select {
			case <-s.wake:
			case <-s.done:
				return nil
			}
			s.mu.Lock()
		}
		buf := s.out
		s.out = s.spare[:0]
		s.room.Broadcast()
		s.mu.Unlock()
		s.conn.SetWriteDeadline(time.Now().Add(s.c.opt.WriteTimeout))
		_, err := s.conn.Write(buf)
		s.lastWrite.Store(time.Now().UnixNano())
		if err != nil {
			return fmt.Errorf("mqtt: write: %w", err)
		}
		s.mu.Lock()
		if cap(buf) <= maxQueued*2 {
			s.spare = buf[:0]
		}
		s.mu.Unlock()
	}
}

// read decodes everything each read brings and delivers the messages of
// it as one batch.
func (s *session) read() error {
	o := &s.c.opt
	buf := make([]byte, 0, 64<<10)
	topics := map[string]string{}
	skip := 0 // bytes of an oversize message still to discard
	for {
		if len(buf) == cap(buf) {
			nb := make([]byte, len(buf), 2*cap(buf))
			copy(nb, buf)
			buf = nb
		}
		s.conn.SetReadDeadline(time.Now().Add(o.KeepAlive * 3 / 2))
		n, err := s.conn.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if n == 0 && err != nil {
			if s.established.Load() || !errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("mqtt: read: %w", err)
			}
			return err
		}
		if skip > 0 {
			d := min(skip, len(buf))
			buf, skip = buf[:copy(buf, buf[d:])], skip-d
		}
		var batch []Message
		var payloadBytes int
		off := 0
		// First pass: find the packets and the room their payloads need.
		var pubs []mqttwire.Packet
		for {
			p, k, err := mqttwire.Next(buf[off:], o.MaxPacket)
			if err != nil {
				return err
			}
			if k == 0 {
				break
			}
			off += k
			if p.Type == mqttwire.PUBLISH {
				skip = p.Skip // only the last packet of a read can be cut
				pubs = append(pubs, p)
				payloadBytes += len(p.Payload)
				continue
			}
			if err := s.control(p); err != nil {
				return err
			}
		}
		if len(pubs) > 0 {
			// One allocation holds every payload of the read: the messages
			// outlive the read buffer.
			arena := make([]byte, 0, payloadBytes)
			batch = make([]Message, len(pubs))
			for i, p := range pubs {
				start := len(arena)
				arena = append(arena, p.Payload...)
				t, ok := topics[string(p.Topic)]
				if !ok {
					if len(topics) > 10000 {
						clear(topics)
					}
					t = string(p.Topic)
					topics[t] = t
				}
				batch[i] = Message{Topic: t, Payload: arena[start:len(arena):len(arena)], Size: p.Size, QoS: p.QoS(),
					Retain: p.Retain(), Dup: p.Dup(), gen: s.gen, id: p.PacketID}
			}
		}
		// Keep the partial packet at the end for the next read.
		rest := copy(buf, buf[off:])
		buf = buf[:rest]
		if len(batch) > 0 {
			o.Deliver(batch)
			if o.AutoAck {
				s.ack(batch)
			}
		}
	}
}

// control handles a packet other than PUBLISH.
func (s *session) control(p mqttwire.Packet) error {
	switch p.Type {
	case mqttwire.CONNACK, mqttwire.SUBACK:
		if p.Type == mqttwire.CONNACK && p.ReturnCode == 0 {
			// Here, not in connect: the messages read after the CONNACK
			// (in the same read, maybe) are acknowledged on this connection.
			s.c.mu.Lock()
			s.c.acking = s
			s.c.mu.Unlock()
		}
		if p.Type == mqttwire.SUBACK {
			s.complete(p.PacketID)
			p.ReturnCodes = append([]byte(nil), p.ReturnCodes...) // the read buffer is reused
		}
		select {
		case s.handshake <- p:
		default:
		}
	case mqttwire.PUBACK, mqttwire.PUBCOMP:
		s.complete(p.PacketID)
	case mqttwire.PUBREL:
		s.queue(func(b []byte) []byte { return mqttwire.AppendAck(b, mqttwire.PUBCOMP, p.PacketID) })
	case mqttwire.PUBREC, mqttwire.PINGRESP, mqttwire.UNSUBACK:
	default:
		return fmt.Errorf("%w: packet type %d from the broker", mqttwire.ErrMalformed, p.Type)
	}
	return nil
}
