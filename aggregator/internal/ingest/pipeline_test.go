package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"timeclock/aggregator/internal/engine"
	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/metrics"
	webharness "timeclock/aggregator/internal/web/webtest/harness"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
)

// names are the roster's display names: none may leave the aggregator over
// MQTT.
var names = []string{"山田 花子", "Alice Example", "田中太郎"}

func testRoster(t testing.TB) *roster.Data {
	t.Helper()
	var rows []string
	for i, n := range names {
		rows = append(rows, fmt.Sprintf("T%04d,%s,teacher,nakatsu,nakatsu-e01,elementary,std,felica:%016x,2026-04-01,", i+1, n, i+1))
	}
	return webharness.Roster(t, rows...)
}

type core struct{ *engine.Engine }

func (core) Alerts(time.Time) []journal.Alert { return nil }

type published struct{ topic, payload string }

type recorder struct {
	mu  sync.Mutex
	out []published
}

func (r *recorder) Done(_ []Message, answers []Answer) {
	r.mu.Lock()
	for _, a := range answers {
		r.out = append(r.out, published{a.Topic, string(a.Payload)})
	}
	r.mu.Unlock()
}

func (r *recorder) all() []published {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]published(nil), r.out...)
}

// clock is the pipeline's time, moved by the test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

type harness struct {
	p     *Pipeline
	j     *journal.Journal
	pub   *recorder
	clock *clock
	m     *metrics.Metrics
	stop  func()
}

func newHarness(t testing.TB, lim Limits) *harness {
	t.Helper()
	h := &harness{j: webharness.Journal(t), pub: &recorder{}, clock: &clock{now: time.Date(2026, 6, 15, 19, 0, 0, 0, civil.JST)},
		m: metrics.New()}
	h.start(t, testCore(t), lim)
	return h
}

// testCore is an engine on testRoster.
func testCore(t testing.TB) core {
	t.Helper()
	eng, err := engine.New(testRoster(t), overtime.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return core{eng}
}

// start runs a new pipeline on h's journal until the test ends or h.stop.
func (h *harness) start(t testing.TB, c Core, lim Limits) {
	h.p = New(h.j, c, h.pub, []string{"nakatsu"}, lim, h.clock.Now, slog.New(slog.DiscardHandler), h.m)
	h.stop = webharness.Run(t, "pipeline", h.p.Run)
}

// send delivers the messages and returns once each is acknowledged and
// the pipeline has finished with it (feedback published).
func (h *harness) send(t testing.TB, msgs ...Message) {
	t.Helper()
	var wg sync.WaitGroup
	for _, m := range msgs {
		wg.Add(1)
		m.Ack = wg.Done
		m.Received = h.clock.Now()
		h.p.Deliver(context.Background(), m)
	}
	wg.Wait()
	// A job runs after the batches before it: their feedback is out.
	if res := h.p.Do(context.Background(), func() (journal.Kind, []byte, error) { return 0, nil, nil }); res.Err != nil {
		t.Fatal(res.Err)
	}
}

func tapMsg(gw string, seq uint64, card int, ts time.Time) Message {
	tp := punch.Tap{ID: punch.FormatTapID(gw, 1, seq), Board: "nakatsu", School: "nakatsu-e01", Gateway: gw,
		Reader: "entrance", Card: fmt.Sprintf("felica:%016x", card), Dir: punch.DirTap, TS: ts.In(civil.JST),
		Clock: punch.ClockSynced}
	return Message{Topic: "timeclock/v1/nakatsu/nakatsu-e01/" + gw + "/punch", Payload: tp.AppendJSON(nil)}
}

func statusMsg(gw string, ts time.Time) Message {
	st := punch.Status{Online: true, TS: ts, Queue: 0, ClockSynced: true, Readers: map[string]string{"entrance": "ok"}, Version: "1"}
	return Message{Topic: "timeclock/v1/nakatsu/nakatsu-e01/" + gw + "/status", Payload: st.AppendJSON(nil)}
}

func (h *harness) stats(gw string) GatewayStats {
	for _, g := range h.p.Gateways() {
		if g.Gateway == gw {
			return g
		}
	}
	return GatewayStats{}
}

// burstStart is when a burst begins.
var burstStart = time.Date(2026, 6, 15, 7, 0, 0, 0, civil.JST)

// burst is n taps at gw-a from burstStart, step apart, of cards cards in
// turn (card 1, 2, …).
func burst(n, cards int, step time.Duration) []Message {
	msgs := make([]Message, n)
	for i := range msgs {
		msgs[i] = tapMsg("gw-a", uint64(i+1), 1+i%cards, burstStart.Add(time.Duration(i)*step))
	}
	return msgs
}

// Over its allowance a gateway's taps are acknowledged and held, then
// journaled and answered in order as the allowance refills, without the
// gateway sending them again. Other gateways are not held back.
func TestRateHoldsAndTakesLater(t *testing.T) {
	h := newHarness(t, Limits{Rate: 1, Burst: 3})
	h.send(t, append(burst(5, 1, time.Hour), tapMsg("gw-b", 1, 2, burstStart))...)

	tests := []struct {
		name      string
		got, want any
	}{
		{"journaled", h.j.Count(journal.KindTap), uint64(4)},
		{"answered", len(h.pub.all()), 4},
		{"gw-a deferred", h.stats("gw-a").Deferred, uint64(2)},
		{"gw-a messages", h.stats("gw-a").Messages, uint64(5)},
		{"gw-b deferred", h.stats("gw-b").Deferred, uint64(0)},
		{"rejected log", h.j.RejectedCount(), uint64(0)},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if answered := h.answered(t); answered["gw-a:1:000004"] || answered["gw-a:1:000005"] {
		t.Errorf("a held tap was answered before its allowance: %v", answered)
	}

	// Two seconds later the allowance has two more: the held taps are
	// taken, in order, though the gateway sent nothing again.
	h.clock.Advance(2 * time.Second)
	h.waitTaps(t, "the held taps journaled", 6)
	h.send(t) // their answers are out
	if answered := h.answered(t); len(answered) != 6 {
		t.Errorf("answered %v, want all 6 taps", answered)
	}
	var order []string
	h.j.Scan(0, 0, func(_ uint64, kind journal.Kind, data []byte) error {
		if kind == journal.KindTap {
			e, _ := journal.DecodeEvent(data)
			if e.Event.Tap.Gateway == "gw-a" {
				order = append(order, e.Event.Tap.ID)
			}
		}
		return nil
	})
	if want := "[gw-a:1:000001 gw-a:1:000002 gw-a:1:000003 gw-a:1:000004 gw-a:1:000005]"; fmt.Sprint(order) != want {
		t.Errorf("gw-a journaled in the order %v, want %s", order, want)
	}
	if s := h.stats("gw-a"); s.Messages != 5 {
		t.Errorf("gw-a: %+v: a held tap counted as a message twice", s)
	}
}

// Held taps are kept in the journal file: after a restart they are
// journaled and answered at the rate, though the gateway sent nothing again.
func TestHeldTapsSurviveARestart(t *testing.T) {
	h := newHarness(t, Limits{Rate: 1, Burst: 2})
	h.send(t, burst(5, 1, time.Hour)...)
	held := func() int {
		n := 0
		h.j.Held(func(uint64, []byte) error { n++; return nil })
		return n
	}
	if got, n := h.j.Count(journal.KindTap), held(); got != 2 || n != 3 {
		t.Fatalf("before the restart: %d journaled, %d held; want 2 and 3", got, n)
	}
	h.stop()
	eng, err := engine.New(testRoster(t), overtime.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	h.start(t, core{eng}, Limits{Rate: 1, Burst: 2})
	// A new pipeline's allowance is full (2), then refills at 1 a second.
	h.waitTaps(t, "two held taps journaled", 4)
	h.clock.Advance(time.Second)
	h.waitTaps(t, "the last held tap journaled", 5)
	h.send(t)
	if answered, n := h.answered(t), held(); len(answered) != 5 || n != 0 {
		t.Errorf("after the restart: answered %v, %d still held; want all 5 answered, none held", answered, n)
	}
}

// Beyond the bound of held taps a deferred tap is neither journaled nor
// answered: the gateway sends it again, and the resend is taken.
func TestRateBeyondTheHoldIsSentAgain(t *testing.T) {
	h := newHarness(t, Limits{Rate: 1, Burst: 1})
	h.p.hold.perGateway = 5          // before the first message
	n := 1 + h.p.hold.perGateway + 1 // one taken, a full hold, one beyond
	msgs := burst(n, 1, time.Minute)
	h.send(t, msgs...)
	if got := h.j.Count(journal.KindTap); got != 1 {
		t.Fatalf("%d journaled, want 1", got)
	}
	if s := h.stats("gw-a"); s.Deferred != uint64(n-1) {
		t.Errorf("gw-a: %+v, want %d deferred", s, n-1)
	}
	// The hold drains at the rate; the one beyond it never came.
	for i := 2; i < n; i++ {
		h.clock.Advance(time.Second)
		h.waitTaps(t, "a held tap taken", uint64(i))
	}
	last := msgs[n-1]
	if h.answered(t)[idOf(t, last)] {
		t.Fatal("the tap beyond the hold was answered")
	}
	h.clock.Advance(time.Second)
	h.send(t, last)
	if got, answered := h.j.Count(journal.KindTap), h.answered(t); got != uint64(n) || !answered[idOf(t, last)] {
		t.Errorf("after the resend: %d journaled, its answer %v", got, answered[idOf(t, last)])
	}
}

func idOf(t *testing.T, m Message) string {
	t.Helper()
	ev, err := punch.Decode(m.Payload, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return ev.Tap.ID
}

func (h *harness) answered(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, p := range h.pub.all() {
		fb, err := punch.DecodeFeedback([]byte(p.payload))
		if err != nil {
			t.Fatal(err)
		}
		out[fb.ID] = true
	}
	return out
}

// waitTaps waits until n taps are journaled.
func (h *harness) waitTaps(t *testing.T, what string, n uint64) {
	t.Helper()
	webharness.Eventually(t, what, func() (bool, string) {
		got := h.j.Count(journal.KindTap)
		return got == n, fmt.Sprintf("%d taps journaled, want %d", got, n)
	})
}

// Status reports have an allowance of their own: a burst of taps does not
// hold back the gateway's status.
func TestStatusAllowance(t *testing.T) {
	h := newHarness(t, Limits{Rate: 1, Burst: 1})
	day := time.Date(2026, 6, 15, 7, 0, 0, 0, civil.JST)
	h.send(t, tapMsg("gw-a", 1, 1, day), tapMsg("gw-a", 2, 1, day.Add(time.Hour)))
	var msgs []Message
	for i := range statusBurst + 1 {
		msgs = append(msgs, statusMsg("gw-a", h.clock.Now().Add(-time.Duration(i)*time.Second)))
	}
	h.send(t, msgs...)
	if n := h.j.Count(journal.KindStatus); n != statusBurst {
		t.Errorf("%d status reports journaled, want %d", n, statusBurst)
	}
	if s := h.stats("gw-a"); s.Deferred != 2 {
		t.Errorf("gw-a: %+v, want one tap and one status deferred", s)
	}
}

func TestNoLimit(t *testing.T) {
	h := newHarness(t, Limits{})
	h.send(t, burst(200, 3, time.Minute)...)
	if n := h.j.Count(journal.KindTap); n != 200 || h.stats("gw-a").Deferred != 0 {
		t.Errorf("%d journaled, %+v", n, h.stats("gw-a"))
	}
}

func TestOversizePayloadRejected(t *testing.T) {
	h := newHarness(t, Limits{})
	day := time.Date(2026, 6, 15, 7, 0, 0, 0, civil.JST)
	m := tapMsg("gw-a", 1, 1, day)
	m.Payload = append(m.Payload[:len(m.Payload)-1], []byte(`,"pad":"`+strings.Repeat("x", MaxPayload)+`"}`)...)
	h.send(t, m)
	rs, err := h.j.Rejected(0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Kind != "size" || len(rs[0].Payload) != 4096 {
		t.Fatalf("rejected %+v", rs)
	}
	if h.j.Count(journal.KindTap) != 0 || len(h.pub.all()) != 0 || h.stats("gw-a").Rejected != 1 {
		t.Errorf("journaled %d, answered %d, %+v", h.j.Count(journal.KindTap), len(h.pub.all()), h.stats("gw-a"))
	}
}

// The feedback a gateway gets names the staff member by id, never by name.
func TestFeedbackCarriesNoNames(t *testing.T) {
	h := newHarness(t, Limits{})
	day := time.Date(2026, 6, 15, 7, 0, 0, 0, civil.JST)
	var msgs []Message
	for i := range names {
		msgs = append(msgs, tapMsg("gw-a", uint64(2*i+1), i+1, day), tapMsg("gw-a", uint64(2*i+2), i+1, day.Add(11*time.Hour)))
	}
	bad := tapMsg("gw-a", 99, 1, day)
	bad.Payload = []byte(`{"id":"gw-a:1:000099","v":2}`)
	h.send(t, append(msgs, bad, tapMsg("gw-a", 98, 77, day))...)
	out := h.pub.all()
	if len(out) != len(msgs)+2 {
		t.Fatalf("%d feedback messages, want %d", len(out), len(msgs)+2)
	}
	ids := 0
	for _, p := range out {
		for _, n := range names {
			if strings.Contains(p.payload, n) || strings.Contains(p.topic, n) {
				t.Errorf("feedback on %s carries the name %q: %s", p.topic, n, p.payload)
			}
		}
		fb, err := punch.DecodeFeedback([]byte(p.payload))
		if err != nil {
			t.Fatal(err)
		}
		if fb.Staff != "" {
			ids++
			if !strings.HasPrefix(fb.Staff, "T000") {
				t.Errorf("feedback staff %q is not a staff id", fb.Staff)
			}
		}
	}
	if ids != len(msgs) {
		t.Errorf("%d answers name a staff id, want %d", ids, len(msgs))
	}
}

// Whatever arrives on whatever topic is acknowledged, and what is answered
// is a valid feedback message naming no one.
func FuzzMessage(f *testing.F) {
	day := time.Date(2026, 6, 15, 7, 0, 0, 0, civil.JST)
	for _, m := range []Message{tapMsg("gw-a", 1, 1, day), tapMsg("gw-a", 2, 9, day), statusMsg("gw-a", day)} {
		f.Add(m.Topic, m.Payload)
	}
	f.Add("timeclock/v1/nakatsu/nakatsu-e01/gw-a/punch", []byte(`{"id":"gw-a:1:000003","v":1}`))
	f.Add("timeclock/v1/oita/s/g/punch", []byte(`{}`))
	f.Add("x", []byte(nil))
	h := newHarness(f, Limits{Rate: 1000, Burst: 1000})
	f.Fuzz(func(t *testing.T, topic string, payload []byte) {
		before := len(h.pub.all())
		h.send(t, Message{Topic: topic, Payload: payload})
		for _, p := range h.pub.all()[before:] {
			fb, err := punch.DecodeFeedback([]byte(p.payload))
			if err != nil {
				t.Fatalf("feedback %q: %v", p.payload, err)
			}
			if _, _, _, err := punch.ParseTapID(fb.ID); err != nil || !strings.HasSuffix(p.topic, "/feedback") {
				t.Fatalf("feedback for %q on %s: %v", fb.ID, p.topic, err)
			}
			for _, n := range names {
				if strings.Contains(p.payload, n) {
					t.Fatalf("feedback names %q: %s", n, p.payload)
				}
			}
		}
	})
}

// inlineBroker records the subscriptions and what is published.
type inlineBroker struct {
	mu      sync.Mutex
	filters []string
	fn      func(topic string, payload []byte)
	out     []published
	fail    bool
}

func (b *inlineBroker) Subscribe(filter string, fn func(string, []byte)) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.filters, b.fn = append(b.filters, filter), fn
	return nil
}

func (b *inlineBroker) Publish(topic string, payload []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail {
		return errors.New("no such client")
	}
	b.out = append(b.out, published{topic, string(payload)})
	return nil
}

func (b *inlineBroker) published() []published {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.out)
}

func TestInline(t *testing.T) {
	j := webharness.Journal(t)
	m := metrics.New()
	now := func() time.Time { return time.Date(2026, 6, 15, 19, 0, 0, 0, civil.JST) }
	p := New(j, testCore(t), nil, []string{"nakatsu"}, Limits{}, now, slog.New(slog.DiscardHandler), m)
	b := &inlineBroker{}
	in := NewInline(b, p, []string{"nakatsu"}, slog.New(slog.DiscardHandler), m)
	p.SetOutput(in)
	webharness.Run(t, "pipeline", p.Run)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	webharness.Eventually(t, "subscribed", func() (bool, string) { return in.Connected(), "" })
	if want := Filters([]string{"nakatsu"}, ""); !slices.Equal(b.filters, want) {
		t.Errorf("subscribed to %q, want %q", b.filters, want)
	}

	msg := tapMsg("gw-a", 1, 1, time.Date(2026, 6, 15, 7, 40, 0, 0, civil.JST))
	payload := slices.Clone(msg.Payload)
	b.fn(msg.Topic, payload)
	clear(payload) // the broker's buffer: the pipeline has its own copy
	webharness.Eventually(t, "the feedback", func() (bool, string) { return len(b.published()) == 1, "" })
	got := b.published()[0]
	fb, err := punch.DecodeFeedback([]byte(got.payload))
	if err != nil || got.topic != "timeclock/v1/nakatsu/nakatsu-e01/gw-a/feedback" || fb.ID != "gw-a:1:000001" ||
		fb.Result != punch.ResultOK {
		t.Errorf("feedback %s on %s (%v), want ok for gw-a:1:000001 on the gateway's feedback topic", got.payload, got.topic, err)
	}
	if j.Last() != 1 {
		t.Errorf("journal holds %d records, want the tap", j.Last())
	}

	// Feedback the broker cannot take is counted, the tap stays journaled.
	b.mu.Lock()
	b.fail = true
	b.mu.Unlock()
	b.fn(tapMsg("gw-a", 2, 2, time.Date(2026, 6, 15, 7, 41, 0, 0, civil.JST)).Topic,
		tapMsg("gw-a", 2, 2, time.Date(2026, 6, 15, 7, 41, 0, 0, civil.JST)).Payload)
	webharness.Eventually(t, "the second tap journaled and its feedback counted", func() (bool, string) {
		return j.Last() == 2 && counted(m) == 1, ""
	})

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// After the end a message is not delivered (its gateway sends it again).
	b.fn(msg.Topic, tapMsg("gw-a", 3, 1, time.Date(2026, 6, 15, 7, 42, 0, 0, civil.JST)).Payload)
	time.Sleep(50 * time.Millisecond)
	if j.Last() != 2 {
		t.Errorf("journal holds %d records after the end, want 2", j.Last())
	}
}

func counted(m *metrics.Metrics) float64 {
	var d dto.Metric
	if err := m.FeedbackErrors.Write(&d); err != nil {
		return -1
	}
	return d.GetCounter().GetValue()
}

// The embedded broker calls Deliver on each publishing client's reader, so
// the first taps of many gateways arrive at once (after a restart, every
// gateway drains its spool): each is journaled and answered once. Under
// -race, a cache of prepare's written without a lock fails here.
func TestDeliverFromManyGoroutines(t *testing.T) {
	h := newHarness(t, Limits{})
	day := time.Date(2026, 6, 15, 7, 0, 0, 0, civil.JST)
	const gateways, each = 40, 5
	var wg sync.WaitGroup
	for g := range gateways {
		wg.Go(func() {
			var acked sync.WaitGroup
			for i := range each {
				m := tapMsg(fmt.Sprintf("gw-%02d", g), uint64(i+1), g, day.Add(time.Duration(i)*time.Minute))
				acked.Add(1)
				m.Ack, m.Received = acked.Done, h.clock.Now()
				h.p.Deliver(context.Background(), m)
			}
			acked.Wait()
		})
	}
	wg.Wait()
	h.waitTaps(t, "every gateway's taps", gateways*each)
	webharness.Eventually(t, "answers", func() (bool, string) {
		n := len(h.answered(t))
		return n == gateways*each, fmt.Sprintf("%d taps answered, want %d", n, gateways*each)
	})
}
