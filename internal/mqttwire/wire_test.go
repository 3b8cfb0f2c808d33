package mqttwire

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// Byte-exact packets of the MQTT 3.1.1 specification's formats.
func TestEncode(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want []byte
	}{
		{"connect, clean, keepalive 30", AppendConnect(nil, Connect{ClientID: "c", CleanSession: true, KeepAlive: 30}),
			[]byte{0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 30, 0, 1, 'c'}},
		{"connect with will and credentials", AppendConnect(nil, Connect{ClientID: "g", Username: "u", Password: "p",
			KeepAlive: 60, WillTopic: "s", WillPayload: []byte("off"), WillQoS: 1, WillRetain: true}),
			[]byte{0x10, 27, 0, 4, 'M', 'Q', 'T', 'T', 4, 0xEC, 0, 60, 0, 1, 'g', 0, 1, 's', 0, 3, 'o', 'f', 'f', 0, 1, 'u', 0, 1, 'p'}},
		{"publish qos 1 retained", AppendPublish(nil, "a/b", []byte("hi"), 1, true, false, 10),
			[]byte{0x33, 9, 0, 3, 'a', '/', 'b', 0, 10, 'h', 'i'}},
		{"publish qos 0", AppendPublish(nil, "t", nil, 0, false, false, 0), []byte{0x30, 3, 0, 1, 't'}},
		{"puback", AppendAck(nil, PUBACK, 0x1234), []byte{0x40, 2, 0x12, 0x34}},
		{"pubrel has flags 2", AppendAck(nil, PUBREL, 1), []byte{0x62, 2, 0, 1}},
		{"subscribe", AppendSubscribe(nil, 7, []Subscription{{"a/+", 1}}), []byte{0x82, 8, 0, 7, 0, 3, 'a', '/', '+', 1}},
		{"pingreq", AppendPingreq(nil), []byte{0xC0, 0}},
		{"disconnect", AppendDisconnect(nil), []byte{0xE0, 0}},
	}
	for _, tt := range tests {
		if !bytes.Equal(tt.got, tt.want) {
			t.Errorf("%s:\n got % x\nwant % x", tt.name, tt.got, tt.want)
		}
	}
}

// Remaining lengths of one to four bytes (§2.2.3), and a PUBLISH read
// back whole.
func TestRemainingLength(t *testing.T) {
	for _, n := range []int{0, 127, 128, 16383, 16384, 2097151, 2097152} {
		payload := bytes.Repeat([]byte{'x'}, n)
		b := AppendPublish(nil, "t", payload, 1, false, true, 9)
		p, k, err := Next(b, MaxRemaining)
		if err != nil || k != len(b) {
			t.Fatalf("%d bytes: took %d of %d: %v", n, k, len(b), err)
		}
		if string(p.Topic) != "t" || len(p.Payload) != n || p.PacketID != 9 || p.QoS() != 1 || !p.Dup() || p.Retain() {
			t.Errorf("%d bytes: %+v", n, p)
		}
		// Every prefix is a partial packet, never an error.
		for _, cut := range []int{0, 1, 2, len(b) / 2, len(b) - 1} {
			if _, k, err := Next(b[:cut], MaxRemaining); k != 0 || err != nil {
				t.Errorf("%d bytes cut at %d: took %d, %v", n, cut, k, err)
			}
		}
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want Packet
		err  error
	}{
		{"connack accepted", []byte{0x20, 2, 1, 0}, Packet{Type: CONNACK, SessionPresent: true}, nil},
		{"connack refused", []byte{0x20, 2, 0, 5}, Packet{Type: CONNACK, ReturnCode: 5}, nil},
		{"suback", []byte{0x90, 4, 0, 7, 1, 0x80}, Packet{Type: SUBACK, PacketID: 7, ReturnCodes: []byte{1, 0x80}}, nil},
		{"puback", []byte{0x40, 2, 1, 2}, Packet{Type: PUBACK, PacketID: 0x102}, nil},
		{"pingresp", []byte{0xD0, 0}, Packet{Type: PINGRESP}, nil},
		{"qos 3", []byte{0x36, 3, 0, 1, 't'}, Packet{}, ErrMalformed},
		{"topic beyond", []byte{0x30, 2, 0, 9}, Packet{}, ErrMalformed},
		{"five length bytes", []byte{0x30, 0xff, 0xff, 0xff, 0xff, 1}, Packet{}, ErrMalformed},
		{"subscribe from a server", []byte{0x82, 2, 0, 1}, Packet{}, ErrMalformed},
		{"puback too long", []byte{0x40, 3, 0, 1, 0}, Packet{}, ErrMalformed},
	}
	for _, tt := range tests {
		p, _, err := Next(tt.in, 1<<20)
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.err)
			continue
		}
		if err == nil && (p.Type != tt.want.Type || p.PacketID != tt.want.PacketID || p.ReturnCode != tt.want.ReturnCode ||
			p.SessionPresent != tt.want.SessionPresent || !bytes.Equal(p.ReturnCodes, tt.want.ReturnCodes)) {
			t.Errorf("%s: %+v, want %+v", tt.name, p, tt.want)
		}
	}
	if _, _, err := Next([]byte{0x90, 0x80, 0x01}, 50); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a SUBACK over the limit: %v", err)
	}
	// A PUBLISH over the limit: its topic, id and the start of its payload,
	// and how much of it is still to come.
	big := AppendPublish(nil, "t", bytes.Repeat([]byte("x"), 100), 1, false, false, 7)
	if _, n, err := Next(big[:4], 50); n != 0 || err != nil {
		t.Errorf("the start of a large PUBLISH without its packet id: n %d, %v", n, err)
	}
	p, n, err := Next(big[:30], 50)
	if err != nil || n != 30 || string(p.Topic) != "t" || p.PacketID != 7 || p.Size != 100 || p.Skip != len(big)-30 ||
		string(p.Payload) != strings.Repeat("x", 30-7) {
		t.Errorf("a PUBLISH over the limit: %+v, n %d, %v", p, n, err)
	}
	if p, _, _ := Next(big, 1<<20); p.Size != 100 || p.Skip != 0 {
		t.Errorf("a PUBLISH within the limit: size %d, skip %d", p.Size, p.Skip)
	}
	for code := byte(0); code < 7; code++ {
		if err := ConnackError(code); (err == nil) != (code == 0) || (code > 0 && !strings.Contains(err.Error(), "refused")) {
			t.Errorf("code %d: %v", code, err)
		}
	}
}

// Whatever a broker sends decodes to a packet, a partial one, or an error,
// never a panic or a packet longer than the input; a PUBLISH re-encodes to
// the bytes it came from.
func FuzzNext(f *testing.F) {
	f.Add(AppendPublish(nil, "timeclock/v1/b/s/g/feedback", []byte(`{"id":"g:1:000001"}`), 1, false, false, 3))
	f.Add([]byte{0x20, 2, 0, 0})
	f.Add([]byte{0x90, 3, 0, 1, 1})
	f.Add(append(AppendAck(nil, PUBACK, 1), AppendPingreq(nil)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		for len(b) > 0 {
			p, n, err := Next(b, 1<<16)
			if err != nil || n == 0 {
				return
			}
			if n > len(b) {
				t.Fatalf("took %d of %d bytes", n, len(b))
			}
			if p.Type == PUBLISH && p.Flags&6 != 6 {
				again := AppendPublish(nil, string(p.Topic), p.Payload, p.QoS(), p.Retain(), p.Dup(), p.PacketID)
				// Only the length encoding may differ (a non-minimal one).
				if len(again) > n || !bytes.Equal(again[len(again)-len(p.Payload):], b[n-len(p.Payload):n]) {
					t.Fatalf("PUBLISH % x re-encodes as % x", b[:n], again)
				}
			}
			b = b[n:]
		}
	})
}
