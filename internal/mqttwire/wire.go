// Package mqttwire encodes and decodes the MQTT 3.1.1 packets a timeclock
// client uses (OASIS MQTT 3.1.1, chapter 3): CONNECT/CONNACK, PUBLISH and
// PUBACK (and the QoS 2 handshake of a message the broker sends),
// SUBSCRIBE/SUBACK, PINGREQ/PINGRESP and DISCONNECT. Packets are appended
// to a caller's buffer, so many of them go out in one write, and decoded
// from a byte slice without copying, so many of them come in with one read.
// No I/O, no goroutines.
package mqttwire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Packet types (the high nibble of the first byte).
const (
	CONNECT     = 1
	CONNACK     = 2
	PUBLISH     = 3
	PUBACK      = 4
	PUBREC      = 5
	PUBREL      = 6
	PUBCOMP     = 7
	SUBSCRIBE   = 8
	SUBACK      = 9
	UNSUBSCRIBE = 10
	UNSUBACK    = 11
	PINGREQ     = 12
	PINGRESP    = 13
	DISCONNECT  = 14
)

// MaxRemaining is the largest remaining length MQTT can express (256 MB).
const MaxRemaining = 268_435_455

// Errors of Next.
var (
	// ErrMalformed is a packet that breaks the protocol.
	ErrMalformed = errors.New("mqtt: malformed packet")
	// ErrTooLarge is a packet larger than the caller's limit.
	ErrTooLarge = errors.New("mqtt: packet too large")
)

// Packet is a decoded packet; its slices point into the decoded buffer.
type Packet struct {
	Type     byte
	Flags    byte // the low nibble of the first byte
	PacketID uint16
	// PUBLISH
	Topic   []byte
	Payload []byte
	// Size is the payload's length as sent. For a PUBLISH longer than the
	// bound given to Next, Payload is only the start of it and Skip is the
	// number of its bytes after the ones Next took, which the reader must
	// discard: one oversize message is answered and dropped, and does not
	// end the connection (its redelivery would end the next one too).
	Size int
	Skip int
	// CONNACK: session present and return code; SUBACK: the return codes.
	SessionPresent bool
	ReturnCode     byte
	ReturnCodes    []byte
}

// QoS of a PUBLISH.
func (p *Packet) QoS() byte { return (p.Flags >> 1) & 3 }

// Retain flag of a PUBLISH.
func (p *Packet) Retain() bool { return p.Flags&1 != 0 }

// Dup flag of a PUBLISH.
func (p *Packet) Dup() bool { return p.Flags&8 != 0 }

// Next decodes the first packet of b. It returns the packet and the bytes it
// took; n == 0 with a nil error means b holds only part of a packet (read
// more). max bounds the remaining length accepted.
func Next(b []byte, max int) (p Packet, n int, err error) {
	if len(b) < 2 {
		return p, 0, nil
	}
	rem, k := 0, 0
	for mul := 1; ; mul *= 128 {
		if 1+k >= len(b) {
			return p, 0, nil
		}
		c := b[1+k]
		k++
		rem += int(c&127) * mul
		if c&128 == 0 {
			break
		}
		if k == 4 {
			return p, 0, fmt.Errorf("%w: remaining length of more than 4 bytes", ErrMalformed)
		}
	}
	head := 1 + k
	if rem > max {
		return oversize(b, head, rem, max)
	}
	if len(b) < head+rem {
		return p, 0, nil
	}
	p.Type, p.Flags = b[0]>>4, b[0]&15
	body := b[head : head+rem]
	if err := decodeBody(&p, body); err != nil {
		return p, 0, err
	}
	return p, head + rem, nil
}

// oversize decodes the start of a PUBLISH whose remaining length rem is
// more than max: its topic, packet id and the part of its payload in b
// (at most max bytes of it).
func oversize(b []byte, head, rem, max int) (p Packet, n int, err error) {
	if b[0]>>4 != PUBLISH {
		return p, 0, fmt.Errorf("%w: %d bytes (at most %d)", ErrTooLarge, rem, max)
	}
	have := min(len(b)-head, rem)
	idLen := 0
	if (b[0]>>1)&3 > 0 {
		idLen = 2
	}
	if have < 2 || have < 2+int(binary.BigEndian.Uint16(b[head:]))+idLen {
		return p, 0, nil // the topic and packet id are still to come
	}
	p.Type, p.Flags = b[0]>>4, b[0]&15
	if err := decodeBody(&p, b[head:head+have]); err != nil {
		return p, 0, err
	}
	p.Size += rem - have
	p.Skip = rem - have
	p.Payload = p.Payload[:min(len(p.Payload), max)]
	return p, head + have, nil
}

func decodeBody(p *Packet, body []byte) error {
	switch p.Type {
	case PUBLISH:
		qos := p.QoS()
		if qos == 3 {
			return fmt.Errorf("%w: PUBLISH with QoS 3", ErrMalformed)
		}
		if len(body) < 2 {
			return fmt.Errorf("%w: PUBLISH without a topic", ErrMalformed)
		}
		tl := int(binary.BigEndian.Uint16(body))
		if len(body) < 2+tl {
			return fmt.Errorf("%w: PUBLISH topic beyond the packet", ErrMalformed)
		}
		p.Topic = body[2 : 2+tl]
		rest := body[2+tl:]
		if qos > 0 {
			if len(rest) < 2 {
				return fmt.Errorf("%w: PUBLISH without a packet id", ErrMalformed)
			}
			p.PacketID = binary.BigEndian.Uint16(rest)
			rest = rest[2:]
		}
		p.Payload, p.Size = rest, len(rest)
	case CONNACK:
		if len(body) != 2 {
			return fmt.Errorf("%w: CONNACK of %d bytes", ErrMalformed, len(body))
		}
		p.SessionPresent, p.ReturnCode = body[0]&1 != 0, body[1]
	case PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK:
		if len(body) != 2 {
			return fmt.Errorf("%w: type %d of %d bytes", ErrMalformed, p.Type, len(body))
		}
		p.PacketID = binary.BigEndian.Uint16(body)
	case SUBACK:
		if len(body) < 3 {
			return fmt.Errorf("%w: SUBACK of %d bytes", ErrMalformed, len(body))
		}
		p.PacketID, p.ReturnCodes = binary.BigEndian.Uint16(body), body[2:]
	case PINGRESP, PINGREQ, DISCONNECT:
		if len(body) != 0 {
			return fmt.Errorf("%w: type %d with a body", ErrMalformed, p.Type)
		}
	default:
		return fmt.Errorf("%w: type %d from a server", ErrMalformed, p.Type)
	}
	return nil
}

// appendHeader appends a fixed header: the first byte and the remaining
// length.
func appendHeader(b []byte, first byte, rem int) []byte {
	b = append(b, first)
	for {
		c := byte(rem % 128)
		rem /= 128
		if rem > 0 {
			c |= 128
		}
		b = append(b, c)
		if rem == 0 {
			return b
		}
	}
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// Connect holds the fields of a CONNECT packet.
type Connect struct {
	ClientID           string
	Username, Password string
	CleanSession       bool
	KeepAlive          uint16 // seconds
	WillTopic          string // empty: no will
	WillPayload        []byte
	WillQoS            byte
	WillRetain         bool
}

// AppendConnect appends a CONNECT packet (protocol level 4).
func AppendConnect(b []byte, c Connect) []byte {
	var flags byte
	rem := 10 + 2 + len(c.ClientID)
	if c.CleanSession {
		flags |= 2
	}
	if c.WillTopic != "" {
		flags |= 4 | c.WillQoS<<3
		if c.WillRetain {
			flags |= 32
		}
		rem += 2 + len(c.WillTopic) + 2 + len(c.WillPayload)
	}
	if c.Username != "" {
		flags |= 128
		rem += 2 + len(c.Username)
		if c.Password != "" {
			flags |= 64
			rem += 2 + len(c.Password)
		}
	}
	b = appendHeader(b, CONNECT<<4, rem)
	b = appendString(b, "MQTT")
	b = append(b, 4, flags)
	b = binary.BigEndian.AppendUint16(b, c.KeepAlive)
	b = appendString(b, c.ClientID)
	if c.WillTopic != "" {
		b = appendString(b, c.WillTopic)
		b = binary.BigEndian.AppendUint16(b, uint16(len(c.WillPayload)))
		b = append(b, c.WillPayload...)
	}
	if c.Username != "" {
		b = appendString(b, c.Username)
		if c.Password != "" {
			b = appendString(b, c.Password)
		}
	}
	return b
}

// AppendPublish appends a PUBLISH packet; id is used for QoS 1 and 2.
func AppendPublish(b []byte, topic string, payload []byte, qos byte, retain, dup bool, id uint16) []byte {
	first := byte(PUBLISH<<4) | qos<<1
	if retain {
		first |= 1
	}
	if dup {
		first |= 8
	}
	rem := 2 + len(topic) + len(payload)
	if qos > 0 {
		rem += 2
	}
	b = appendHeader(b, first, rem)
	b = appendString(b, topic)
	if qos > 0 {
		b = binary.BigEndian.AppendUint16(b, id)
	}
	return append(b, payload...)
}

// AppendAck appends a PUBACK, PUBREC, PUBREL or PUBCOMP of packet id.
func AppendAck(b []byte, typ byte, id uint16) []byte {
	first := typ << 4
	if typ == PUBREL {
		first |= 2 // the reserved flags of PUBREL
	}
	return binary.BigEndian.AppendUint16(append(b, first, 2), id)
}

// Subscription is a topic filter and its maximum QoS.
type Subscription struct {
	Filter string
	QoS    byte
}

// AppendSubscribe appends a SUBSCRIBE packet.
func AppendSubscribe(b []byte, id uint16, subs []Subscription) []byte {
	rem := 2
	for _, s := range subs {
		rem += 2 + len(s.Filter) + 1
	}
	b = appendHeader(b, SUBSCRIBE<<4|2, rem)
	b = binary.BigEndian.AppendUint16(b, id)
	for _, s := range subs {
		b = appendString(b, s.Filter)
		b = append(b, s.QoS)
	}
	return b
}

// AppendPingreq appends a PINGREQ.
func AppendPingreq(b []byte) []byte { return append(b, PINGREQ<<4, 0) }

// AppendDisconnect appends a DISCONNECT.
func AppendDisconnect(b []byte) []byte { return append(b, DISCONNECT<<4, 0) }

// ConnackError returns the meaning of a CONNACK return code, nil for 0.
func ConnackError(code byte) error {
	switch code {
	case 0:
		return nil
	case 1:
		return errors.New("mqtt: connection refused: unacceptable protocol version")
	case 2:
		return errors.New("mqtt: connection refused: client identifier rejected")
	case 3:
		return errors.New("mqtt: connection refused: server unavailable")
	case 4:
		return errors.New("mqtt: connection refused: bad user name or password")
	case 5:
		return errors.New("mqtt: connection refused: not authorised")
	}
	return fmt.Errorf("mqtt: connection refused: return code %d", code)
}
