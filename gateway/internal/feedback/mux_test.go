package feedback

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// recOut records what it was asked to show, and signals each call.
type recOut struct {
	mu    sync.Mutex
	shown []string
	calls chan struct{}
	gate  chan struct{} // when set, Show waits for it
}

func newRec() *recOut { return &recOut{calls: make(chan struct{}, 100)} }

func (r *recOut) Show(ctx context.Context, e Event) error {
	if r.gate != nil {
		<-r.gate
	}
	r.mu.Lock()
	r.shown = append(r.shown, e.ID)
	r.mu.Unlock()
	r.calls <- struct{}{}
	return nil
}

func (r *recOut) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.shown...)
}

type recIdler struct {
	*recOut
}

// Idle records "idle" with the status it was given.
func (r recIdler) Idle(ctx context.Context, st Event) error {
	r.mu.Lock()
	r.shown = append(r.shown, fmt.Sprintf("idle(%s online=%v synced=%v)", st.ID, st.Online, st.Synced))
	r.mu.Unlock()
	r.calls <- struct{}{}
	return nil
}

// chanClock fires an After only when the test sends on fire.
type chanClock struct {
	fire chan time.Time
	asks chan time.Duration
}

func (c chanClock) After(d time.Duration) <-chan time.Time {
	c.asks <- d
	return c.fire
}

func TestMuxDeliversAndIdles(t *testing.T) {
	plain, idler := newRec(), recIdler{newRec()}
	clock := chanClock{fire: make(chan time.Time), asks: make(chan time.Duration, 10)}
	m := NewMux(quietLog(), clock, 5*time.Second, plain, idler)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- m.Run(ctx) }()
	<-idler.calls // the idle screen at start

	m.Show(Event{Kind: Accepted, ID: "a"})
	<-plain.calls
	<-idler.calls
	if d := <-clock.asks; d != 5*time.Second {
		t.Fatalf("hold %v, want 5s", d)
	}
	m.Show(Event{Kind: Status, ID: "s"}) // updates, does not restart the hold
	<-plain.calls
	<-idler.calls
	clock.fire <- time.Time{}
	<-idler.calls
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(plain.got(), " "); got != "a s" {
		t.Errorf("plain output showed %q", got)
	}
	// The idle screen at start has the default status, the later one the latest.
	want := "idle( online=true synced=true) a s idle(s online=false synced=false)"
	if got := strings.Join(idler.got(), " "); got != want {
		t.Errorf("idling output showed %q", got)
	}
	select {
	case d := <-clock.asks:
		t.Errorf("a status event asked for a hold of %v", d)
	default:
	}
}

func TestMuxDropsOldestWhenOutputIsStuck(t *testing.T) {
	stuck := newRec()
	stuck.gate = make(chan struct{})
	m := NewMux(quietLog(), RealClock{}, time.Second, stuck)
	// Queue more than fits before the output starts: the oldest go.
	for i := 0; i < queueLen+3; i++ {
		m.Show(Event{Kind: Accepted, ID: string(rune('a' + i))})
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- m.Run(ctx) }()
	for i := 0; i < queueLen; i++ {
		stuck.gate <- struct{}{}
		<-stuck.calls
	}
	cancel()
	<-done
	if got := strings.Join(stuck.got(), ""); got != "defghijk" {
		t.Fatalf("shown %q, want the newest %d", got, queueLen)
	}
}

func TestLogOutput(t *testing.T) {
	var buf bytes.Buffer
	l := Log{L: slog.New(slog.NewTextHandler(&buf, nil))}
	ctx := context.Background()
	l.Show(ctx, Event{Kind: Accepted, ID: "gw:1:000001", Dir: "in", Time: tapTime, Synced: true})
	l.Show(ctx, Event{Kind: Answer, ID: "gw:1:000001", Result: "ok", Staff: "T0001", TodayMin: 65,
		MonthOvertimeMin: 750, Level: "warn", Dir: "in", Time: tapTime})
	l.Show(ctx, Event{Kind: Failed, Dir: "out", Time: tapTime})
	out := buf.String()
	for _, want := range []string{
		`msg="feedback accepted" id=gw:1:000001`, `screen="出勤 07:40 / 受付しました"`,
		`msg="feedback answer" id=gw:1:000001 result=ok staff=T0001 today_min=65 month_overtime_min=750 level=warn`,
		`screen="出勤 07:40 / 本日 1:05 / 今月の時間外 12:30 / ※時間外に注意"`,
		`level=ERROR msg="feedback failed"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)) }
