package mqttclient

import (
	"bytes"
	"testing"

	"timeclock/internal/mosquittotest"
	"timeclock/internal/mqttwire"
)

// TestOversizeMessageIsCut receives a message larger than MaxPacket between
// two small ones: it is delivered cut, with its size, the connection stays
// up, and the messages after it arrive whole.
func TestOversizeMessageIsCut(t *testing.T) {
	b := mosquittotest.Start(t)
	in := &inbox{}
	sub := start(t, Options{URL: b.URL(), ClientID: "sub", AutoAck: true, MaxPacket: 1 << 10,
		Subscriptions: []mqttwire.Subscription{{Filter: "timeclock/v1/+/+/+/punch", QoS: 1}}}, in)
	pub := start(t, Options{URL: b.URL(), ClientID: "pub", CleanSession: true}, nil)
	waitFor(t, "both connected", func() bool { return sub.Connected() && pub.Connected() })
	big := bytes.Repeat([]byte("x"), 300<<10)
	for _, p := range [][]byte{[]byte("before"), big, []byte("after")} {
		if err := pub.PublishWait(t.Context(), topic, 1, false, p); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "three messages", func() bool { return len(in.all()) >= 3 })
	got := in.all()
	if string(got[0].Payload) != "before" || string(got[2].Payload) != "after" || got[2].Size != len("after") {
		t.Fatalf("around the large message: %q (size %d), %q (size %d)", got[0].Payload, got[0].Size, got[2].Payload, got[2].Size)
	}
	if got[1].Size != len(big) || len(got[1].Payload) > 1<<10 || !bytes.HasPrefix(big, got[1].Payload) {
		t.Fatalf("the large message: size %d, %d bytes kept", got[1].Size, len(got[1].Payload))
	}
	if in.connects() != 1 {
		t.Fatalf("%d connections: the large message ended one", in.connects())
	}
}
