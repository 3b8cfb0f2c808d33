// Package feedback provides what the person at the reader sees and hears:
// an immediate "accepted" once the tap is on disk, and the aggregator's
// answer (today's minutes, this month's overtime, the level, an unknown
// card) when it arrives. Outputs sit behind one small interface — GPIO
// LED and buzzer, an SSD1306 OLED, the log — and a Mux drives each from its
// own goroutine, so a slow I²C display never delays the buzzer or a tap.
package feedback

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Kind says what an Event reports.
type Kind int

const (
	// Accepted: the tap is fsynced in the spool.
	Accepted Kind = iota + 1
	// Answer: the aggregator's feedback message for a recent tap.
	Answer
	// Failed: the tap could not be recorded (the spool refused it).
	Failed
	// Status: the gateway's state changed (backlog, broker, clock), for
	// outputs with an idle screen.
	Status
)

// Event is one thing to show. Which fields are set depends on Kind.
type Event struct {
	Kind   Kind
	ID     string    // tap id (Accepted, Answer)
	Reader string    // reader name
	Dir    string    // "tap", "in", "out"
	Time   time.Time // tap time (Accepted, Answer, Failed)
	Synced bool      // clock trusted at the tap; for Status, now

	Result           string // Answer: "ok", "unknown_card", "rejected"
	Staff            string // Answer
	TodayMin         int    // Answer: today's 在校等時間 so far, minutes
	MonthOvertimeMin int    // Answer: this month's overtime, minutes
	Level            string // Answer: "ok", "warn", "critical"

	Queue     int  // Status: taps not yet acknowledged
	HighWater bool // Status: Queue is above the configured mark
	Online    bool // Status: connected to the broker
}

// Output shows events. Show is called from one goroutine per output.
type Output interface {
	Show(ctx context.Context, e Event) error
}

// Idler is an Output with a resting state (a screen): Idle is called once an
// event has been shown for the hold time, with the latest Status event.
type Idler interface {
	Output
	Idle(ctx context.Context, st Event) error
}

// Clock is the time source for patterns and holds; tests pass a fake.
type Clock interface {
	After(d time.Duration) <-chan time.Time
}

// RealClock is the system clock.
type RealClock struct{}

// After is time.After.
func (RealClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// sleep waits d on c, or until ctx ends.
func sleep(ctx context.Context, c Clock, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.After(d):
		return nil
	}
}

// queueLen bounds each output's backlog. A person taps about once a
// second; more waiting events than this means the output is stuck, and
// older news is dropped rather than shown late.
const queueLen = 8

// Mux fans events out to outputs.
type Mux struct {
	log   *slog.Logger
	clock Clock
	hold  time.Duration
	outs  []*lane
}

type lane struct {
	out Output
	ch  chan Event
	mu  sync.Mutex
}

// NewMux returns a Mux over outs; an Idler returns to idle hold after its
// last event.
func NewMux(log *slog.Logger, clock Clock, hold time.Duration, outs ...Output) *Mux {
	m := &Mux{log: log, clock: clock, hold: hold}
	for _, o := range outs {
		m.outs = append(m.outs, &lane{out: o, ch: make(chan Event, queueLen)})
	}
	return m
}

// Show queues e for every output without blocking. When an output's queue
// is full its oldest event is dropped.
func (m *Mux) Show(e Event) {
	for _, l := range m.outs {
		l.mu.Lock()
		select {
		case l.ch <- e:
		default:
			select {
			case old := <-l.ch:
				m.log.Warn("feedback output is behind; event dropped", "output", outName(l.out), "kind", old.Kind,
					"id", old.ID)
			default:
			}
			l.ch <- e
		}
		l.mu.Unlock()
	}
}

// Run drives the outputs until ctx ends, then returns nil. Errors of an
// output are logged, not returned: feedback is a courtesy, the spool is the
// record.
func (m *Mux) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, l := range m.outs {
		wg.Go(func() { m.drive(ctx, l) })
	}
	wg.Wait()
	return nil
}

func (m *Mux) drive(ctx context.Context, l *lane) {
	idler, _ := l.out.(Idler)
	status := Event{Kind: Status, Online: true, Synced: true} // until the service tells
	if idler != nil {
		m.report(l.out, idler.Idle(ctx, status))
	}
	var idle <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-l.ch:
			m.report(l.out, l.out.Show(ctx, e))
			if e.Kind == Status {
				status = e
			} else if idler != nil {
				idle = m.clock.After(m.hold)
			}
		case <-idle:
			idle = nil
			m.report(l.out, idler.Idle(ctx, status))
		}
	}
}

func (m *Mux) report(o Output, err error) {
	if err != nil && err != context.Canceled {
		m.log.Error("feedback output failed", "output", outName(o), "err", err)
	}
}

func outName(o Output) string {
	if n, ok := o.(interface{ String() string }); ok {
		return n.String()
	}
	return "output"
}
