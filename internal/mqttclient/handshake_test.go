package mqttclient

import (
	"log/slog"
	"net"
	"testing"
	"time"

	"timeclock/internal/mqttwire"
)

// A broker resuming a session (Mosquitto with queued messages) sends them
// between its CONNACK and its SUBACK. Acknowledged at once, their PUBACK
// goes out before the SUBACK comes; before, Ack dropped it (the connection
// only counted once subscribed) and the message stayed in flight until the
// next reconnect, a slot of the broker's window lost each time.
func TestAckBeforeSubackIsSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	result := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			result <- err.Error()
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		var buf []byte
		// next reads one packet of the client: its type and, for SUBSCRIBE
		// and PUBACK, its packet id (mqttwire decodes a server's packets only).
		next := func() (typ byte, id uint16, ok bool) {
			for {
				if len(buf) >= 2 {
					rem, k := 0, 1
					for mul := 1; k < len(buf); mul *= 128 {
						rem += int(buf[k]&127) * mul
						k++
						if buf[k-1]&128 == 0 {
							break
						}
					}
					if len(buf) >= k+rem {
						typ = buf[0] >> 4
						if rem >= 2 {
							id = uint16(buf[k])<<8 | uint16(buf[k+1])
						}
						buf = buf[k+rem:]
						return typ, id, true
					}
				}
				b := make([]byte, 4096)
				n, err := conn.Read(b)
				if err != nil {
					return 0, 0, false
				}
				buf = append(buf, b[:n]...)
			}
		}
		if typ, _, ok := next(); !ok || typ != mqttwire.CONNECT {
			result <- "no CONNECT"
			return
		}
		// CONNACK with the session present, then a queued QoS 1 message.
		out := append([]byte{mqttwire.CONNACK << 4, 2, 1, 0}, mqttwire.AppendPublish(nil, topic, []byte("queued"), 1, false, true, 7)...)
		if _, err := conn.Write(out); err != nil {
			result <- err.Error()
			return
		}
		var sub uint16
		for {
			typ, id, ok := next()
			if !ok {
				result <- "no PUBACK before the SUBACK was sent"
				return
			}
			switch {
			case typ == mqttwire.SUBSCRIBE:
				sub = id
				// The SUBACK is held back until the PUBACK or the deadline.
				_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
			case typ == mqttwire.PUBACK && id == 7:
				_, _ = conn.Write([]byte{mqttwire.SUBACK << 4, 3, byte(sub >> 8), byte(sub), 1})
				result <- "ok"
				return
			}
		}
	}()
	var c *Client
	c = New(Options{URL: "tcp://" + ln.Addr().String(), ClientID: "agg", Log: slog.New(slog.DiscardHandler),
		MinReconnectDelay: time.Second, MaxReconnectDelay: time.Second,
		Subscriptions: []mqttwire.Subscription{{Filter: "timeclock/v1/+/+/+/punch", QoS: 1}},
		Deliver:       func(m []Message) { c.Ack(m...) }})
	go func() { _ = c.Run(t.Context()) }()
	select {
	case r := <-result:
		if r != "ok" {
			t.Fatal(r)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the fake broker did not finish")
	}
}
