package deploytest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"timeclock/internal/daemontest"
)

// The district of these tests: two boards, each with its aggregator; in
// nakatsu two schools, gw-a and gw-b in the same school.
var district = Setup{
	Gateways: []Gateway{
		{"nakatsu", "nakatsu-e01", "gw-a"},
		{"nakatsu", "nakatsu-e01", "gw-b"},
		{"nakatsu", "nakatsu-j01", "gw-c"},
		{"usa", "usa-e01", "gw-u"},
	},
	Aggregators: []Aggregator{
		{"agg-nakatsu", []string{"nakatsu"}},
		{"agg-usa", []string{"usa"}},
	},
}

// aggregatorFilters are the subscriptions of the aggregator of board
// (aggregator/internal/ingest.Filters without a share group).
func aggregatorFilters(board string) []string {
	return []string{"timeclock/v1/" + board + "/+/+/punch", "timeclock/v1/" + board + "/+/+/status"}
}

func (b *Broker) as(t *testing.T, user string, persistent bool) dialOpts {
	return dialOpts{user: user, password: b.Password(t, user), tls: b.TLSConfig(t, user), persistent: persistent}
}

func TestGatewayPunchReachesAggregator(t *testing.T) {
	b := StartBroker(t, district)
	agg := mustDial(t, b.URL(), b.as(t, "agg-nakatsu", true))
	agg.subscribe(t, aggregatorFilters("nakatsu")...)
	gw := mustDial(t, b.URL(), b.as(t, "gw-a", true))
	gw.subscribe(t, topic("nakatsu", "nakatsu-e01", "gw-a", "feedback"))

	punch := topic("nakatsu", "nakatsu-e01", "gw-a", "punch")
	gw.publish(t, punch, tap("nakatsu", "nakatsu-e01", "gw-a", 1), false)
	agg.expect(t, punch, tap("nakatsu", "nakatsu-e01", "gw-a", 1))

	status := topic("nakatsu", "nakatsu-e01", "gw-a", "status")
	gw.publish(t, status, `{"online":true,"queue":0}`, true)
	agg.expect(t, status, `{"online":true,"queue":0}`)

	fb := topic("nakatsu", "nakatsu-e01", "gw-a", "feedback")
	agg.publish(t, fb, `{"id":"gw-a:1:000001","result":"ok"}`, false)
	gw.expect(t, fb, `{"id":"gw-a:1:000001","result":"ok"}`)

	// The aggregator away, and the broker restarted meanwhile: its
	// persistent session keeps every tap, in order.
	agg.Disconnect(250)
	const n = 50
	for i := 2; i < 2+n; i++ {
		gw.publish(t, punch, tap("nakatsu", "nakatsu-e01", "gw-a", i), false)
	}
	gw.Disconnect(250)
	b.Restart()
	agg = mustDial(t, b.URL(), b.as(t, "agg-nakatsu", true))
	for i := 2; i < 2+n; i++ {
		agg.expect(t, punch, tap("nakatsu", "nakatsu-e01", "gw-a", i))
	}
	agg.quiet(t)
}

// TestRefused tries what the broker must refuse, each time followed by a
// positive control: a message that must arrive, and would arrive after the
// refused one had the broker let it through.
func TestRefused(t *testing.T) {
	b := StartBroker(t, district)
	agg := mustDial(t, b.URL(), b.as(t, "agg-nakatsu", true))
	agg.subscribe(t, aggregatorFilters("nakatsu")...)
	aggUsa := mustDial(t, b.URL(), b.as(t, "agg-usa", true))
	aggUsa.subscribe(t, aggregatorFilters("usa")...)
	gwA := mustDial(t, b.URL(), b.as(t, "gw-a", true))
	gwA.subscribe(t, topic("nakatsu", "nakatsu-e01", "gw-a", "feedback"))
	gwB := mustDial(t, b.URL(), b.as(t, "gw-b", true))
	gwB.subscribe(t, topic("nakatsu", "nakatsu-e01", "gw-b", "feedback"))

	seq := 0
	// control: gw-b's own tap reaches the aggregator, and nothing before it.
	control := func(t *testing.T) {
		t.Helper()
		seq++
		p := topic("nakatsu", "nakatsu-e01", "gw-b", "punch")
		gwB.publish(t, p, tap("nakatsu", "nakatsu-e01", "gw-b", seq), false)
		agg.expect(t, p, tap("nakatsu", "nakatsu-e01", "gw-b", seq))
		agg.quiet(t)
	}
	control(t)

	rogue := filepath.Join(t.TempDir(), "rogue")
	for _, args := range [][]string{{"ca", "--board", "rogue"}, {"server", "--board", "rogue", "--ip", "127.0.0.1"},
		{"gateway", "--board", "rogue", "--school", "rogue-e01", "--gateway", "gw-a"}} {
		Script(t, "deploy/mosquitto/mqtt-creds.sh", append([]string{"--dir", rogue, "--no-reload"}, args...)...)
	}
	rogueFile := func(name string) string { return filepath.Join(rogue, "clients", "gw-a", name) }

	connects := []struct {
		name string
		url  string
		opts func() dialOpts
		auth bool // refused by the broker's CONNACK, not by TLS
	}{
		{"no password", b.URL(), func() dialOpts { o := b.as(t, "gw-a", false); o.password = ""; return o }, true},
		{"wrong password", b.URL(), func() dialOpts { o := b.as(t, "gw-a", false); o.password = "0123456789abcdef"; return o }, true},
		{"another gateway's password", b.URL(), func() dialOpts {
			o := b.as(t, "gw-a", false)
			o.password = b.Password(t, "gw-b")
			return o
		}, true},
		{"no user", b.URL(), func() dialOpts { o := b.as(t, "gw-a", false); o.user, o.password = "", ""; return o }, true},
		{"unknown user", b.URL(), func() dialOpts { o := b.as(t, "gw-a", false); o.user = "gw-z"; return o }, true},
		{"no client certificate", b.URL(), func() dialOpts {
			o := b.as(t, "gw-a", false)
			o.tls = ClientTLS(t, b.ClientFile("gw-a", "ca.crt"), "", "")
			return o
		}, false},
		{"certificate of a CA the broker does not know", b.URL(), func() dialOpts {
			o := b.as(t, "gw-a", false)
			o.tls = ClientTLS(t, b.ClientFile("gw-a", "ca.crt"), rogueFile("client.crt"), rogueFile("client.key"))
			return o
		}, false},
		{"plain TCP on the TLS port", b.PlainURL(), func() dialOpts { o := b.as(t, "gw-a", false); o.tls = nil; return o }, false},
		// The other way round: a gateway refuses a broker it cannot verify
		// (here: it trusts only a foreign CA), so it never hands over its
		// password to an impostor.
		{"broker certificate from a foreign CA", b.URL(), func() dialOpts {
			o := b.as(t, "gw-a", false)
			o.tls = ClientTLS(t, rogueFile("ca.crt"), b.ClientFile("gw-a", "client.crt"), b.ClientFile("gw-a", "client.key"))
			return o
		}, false},
	}
	for _, c := range connects {
		t.Run(c.name, func(t *testing.T) {
			cl, err := dial(t, c.url, c.opts())
			if err == nil {
				cl.publish(t, topic("nakatsu", "nakatsu-e01", "gw-a", "punch"), "intruder", false)
				t.Fatal("connected; want refused")
			}
			if c.auth && !isRefusal(err) {
				t.Fatalf("connect: %v; want the broker's refusal (not authorised)", err)
			}
			t.Logf("refused: %v", err)
			control(t)
		})
	}

	publishes := []struct{ name, topic string }{
		{"another gateway's punch", topic("nakatsu", "nakatsu-e01", "gw-b", "punch")},
		{"another gateway's status", topic("nakatsu", "nakatsu-e01", "gw-b", "status")},
		// Gateway ids are unique only within a school: gw-a may not speak
		// for a namesake elsewhere.
		{"same gateway id in another school", topic("nakatsu", "nakatsu-j01", "gw-a", "punch")},
		{"same gateway id in another board", topic("usa", "usa-e01", "gw-a", "punch")},
		{"feedback to another gateway", topic("nakatsu", "nakatsu-e01", "gw-b", "feedback")},
		{"feedback to itself", topic("nakatsu", "nakatsu-e01", "gw-a", "feedback")},
		{"outside the topic tree", "timeclock/v1/nakatsu/punch"},
	}
	for _, c := range publishes {
		t.Run("gw-a publishes "+c.name, func(t *testing.T) {
			gwA.publish(t, c.topic, tap("nakatsu", "nakatsu-e01", "gw-a", 999), false)
			control(t)
			// The feedback control: from the aggregator to gw-b, after
			// gw-a's forged feedback had it got through.
			fb := topic("nakatsu", "nakatsu-e01", "gw-b", "feedback")
			agg.publish(t, fb, fmt.Sprintf(`{"control":%d}`, seq), false)
			gwB.expect(t, fb, fmt.Sprintf(`{"control":%d}`, seq))
			gwB.quiet(t)
			fbA := topic("nakatsu", "nakatsu-e01", "gw-a", "feedback")
			agg.publish(t, fbA, fmt.Sprintf(`{"control":%d}`, seq), false)
			gwA.expect(t, fbA, fmt.Sprintf(`{"control":%d}`, seq))
			gwA.quiet(t)
		})
	}

	t.Run("gateway reads what is not its own", func(t *testing.T) {
		spy := mustDial(t, b.URL(), b.as(t, "gw-c", true))
		spy.trySubscribe(t, topic("nakatsu", "nakatsu-e01", "gw-b", "feedback"), "timeclock/v1/+/+/+/punch",
			"timeclock/v1/+/+/+/status", "timeclock/v1/#", "#", topic("nakatsu", "nakatsu-j01", "gw-c", "feedback"))
		// A retained status the spy's wildcards match, set by its owner.
		gwB.publish(t, topic("nakatsu", "nakatsu-e01", "gw-b", "status"), `{"online":true}`, true)
		agg.expect(t, topic("nakatsu", "nakatsu-e01", "gw-b", "status"), `{"online":true}`)
		control(t)
		fb := topic("nakatsu", "nakatsu-e01", "gw-b", "feedback")
		agg.publish(t, fb, `{"secret":1}`, false)
		gwB.expect(t, fb, `{"secret":1}`)
		// The spy's own feedback comes after everything it must not see.
		own := topic("nakatsu", "nakatsu-j01", "gw-c", "feedback")
		agg.publish(t, own, `{"own":1}`, false)
		spy.expect(t, own, `{"own":1}`)
		spy.quiet(t)
	})

	t.Run("aggregator reads only its boards", func(t *testing.T) {
		gwU := mustDial(t, b.URL(), b.as(t, "gw-u", false))
		p := topic("usa", "usa-e01", "gw-u", "punch")
		gwU.publish(t, p, tap("usa", "usa-e01", "gw-u", 1), false)
		aggUsa.expect(t, p, tap("usa", "usa-e01", "gw-u", 1))
		aggUsa.quiet(t)
		// agg-nakatsu subscribes to usa too, and to all of it: the ACL
		// delivers none of it. (Not timeclock/v1/#: that would rightly
		// send it its own board's retained statuses again.)
		agg.trySubscribe(t, append(aggregatorFilters("usa"), "timeclock/v1/usa/#")...)
		gwU.publish(t, p, tap("usa", "usa-e01", "gw-u", 2), false)
		aggUsa.expect(t, p, tap("usa", "usa-e01", "gw-u", 2))
		control(t)
		// And it may not answer for the other board.
		fb := topic("usa", "usa-e01", "gw-u", "feedback")
		gwU.subscribe(t, fb)
		agg.publish(t, fb, `{"forged":1}`, false)
		aggUsa.publish(t, fb, `{"real":1}`, false)
		gwU.expect(t, fb, `{"real":1}`)
		gwU.quiet(t)
	})

	t.Run("gateway takes the aggregator's client id", func(t *testing.T) {
		// Without use_username_as_clientid this connection would take over
		// the aggregator's session and, being clean, throw its queue away.
		for _, id := range []string{"timeclock-agg-nakatsu", "agg-nakatsu"} {
			o := b.as(t, "gw-c", false)
			o.clientID = id
			mustDial(t, b.URL(), o).Disconnect(0)
		}
		control(t)
		agg.quiet(t)
	})

	t.Run("oversized packet", func(t *testing.T) {
		big := mustDial(t, b.URL(), b.as(t, "gw-c", false))
		big.Publish(topic("nakatsu", "nakatsu-j01", "gw-c", "punch"), 1, false, strings.Repeat("x", 70000))
		select {
		case <-big.lost:
		case <-daemontest.WaitContext(t).Done():
			t.Fatal("the broker kept a client that sent a 70 kB packet")
		}
		control(t)
	})
}

func TestRevokedGatewayIsRefused(t *testing.T) {
	b := StartBroker(t, district)
	if _, err := dial(t, b.URL(), b.as(t, "gw-c", false)); err != nil {
		t.Fatalf("before revoking: %v", err)
	}
	opts := b.as(t, "gw-c", false) // its files, kept by the thief
	out := Script(t, "deploy/mosquitto/mqtt-creds.sh", "--dir", b.Creds, "--no-reload", "revoke", "--user", "gw-c")
	if !strings.Contains(out, "revoked gw-c") {
		t.Errorf("revoke said:\n%s", out)
	}
	b.Restart()
	if _, err := dial(t, b.URL(), opts); !isRefusal(err) {
		t.Fatalf("revoked gw-c: connect: %v; want refused", err)
	}
	if _, err := dial(t, b.URL(), b.as(t, "gw-a", false)); err != nil {
		t.Fatalf("gw-a after revoking gw-c: %v", err)
	}
	acl, err := os.ReadFile(filepath.Join(b.Creds, "acl"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(acl), "gw-c") {
		t.Errorf("the ACL still names gw-c:\n%s", acl)
	}
}
