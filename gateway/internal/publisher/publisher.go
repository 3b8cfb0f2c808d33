// Package publisher provides the drain of the gateway's spool to MQTT: it
// publishes spooled taps oldest first (QoS 1, at most a window of them
// unacknowledged, at a bounded rate), republishes a tap whose answer has not
// come after a timeout that doubles up to a limit, and deletes a tap from the
// spool only when the aggregator's feedback message names it. A PUBACK only
// says the broker has the message; the feedback says the aggregator has
// journalled it.
//
// Order is kept per gateway: after a reconnect every unacknowledged tap is
// sent again, in order, before any newer one, so the first copy of each tap
// reaches the aggregator in spool order.
package publisher

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"timeclock/gateway/internal/spool"
	"timeclock/gateway/internal/tapid"
)

// Spool is what the publisher needs of the spool.
type Spool interface {
	Scan(after tapid.ID, limit int) ([]spool.Tap, error)
	Remove(ctx context.Context, ids ...tapid.ID) error
	RewriteUnsynced(fix func(t *spool.Tap) bool) (int, error)
}

// Sender puts taps on the wire, in order and at once, without waiting for
// the broker; it returns how many went out before an error. Session is 0
// while disconnected and otherwise names the connection: a new number
// means whatever was in flight on the old one may be lost.
type Sender interface {
	Session() uint64
	SendTaps(taps []spool.Tap) (int, error)
}

// Options tune the drain; see the gateway's -window, -publish-rate,
// -ack-timeout and -ack-timeout-max flags.
type Options struct {
	Window        int
	Rate          float64 // publishes per second
	AckTimeout    time.Duration
	AckTimeoutMax time.Duration
	// Hold returns how much longer a tap must wait before it may be
	// published (0: now). The gateway holds taps made before its clock was
	// synchronised, so their time can still be corrected. May be nil.
	Hold func(t spool.Tap) time.Duration
}

// Stats are counters for metrics.
type Stats struct {
	Published, Republished, Acked, AckedUnknown, AcksDropped, SendErrors atomic.Uint64
}

// entry is one tap in the window.
type entry struct {
	tap     spool.Tap
	sent    bool
	due     time.Time     // when to republish
	timeout time.Duration // the next wait for an answer
	acked   bool
}

// Publisher drains a spool. Create it with New and run it with Run.
type Publisher struct {
	sp    Spool
	out   Sender
	opt   Options
	log   *slog.Logger
	Stats Stats

	acks     chan tapid.ID
	kick     chan struct{}
	rewrites chan rewrite

	window  []*entry
	due     []*entry      // step's scratch: the entries to send now
	taps    []spool.Tap   // and their taps
	session uint64        // the connection the window was last sent on
	cursor  tapid.ID      // last id loaded into the window
	held    time.Duration // hold left on the next spooled tap, 0 if none
	pause   time.Time     // no sends before this, after a failed one
	bucket  tokenBucket
}

// sendPause is the wait after the client refused a publish.
const sendPause = time.Second

type rewrite struct {
	fix  func(*spool.Tap) bool
	done chan error
}

// ackQueue bounds answers waiting for the publisher's loop. A lost answer
// costs one republish (the aggregator answers again), never a tap.
const ackQueue = 4096

// New returns a publisher of sp's taps through out.
func New(sp Spool, out Sender, opt Options, log *slog.Logger) *Publisher {
	if opt.Hold == nil {
		opt.Hold = func(spool.Tap) time.Duration { return 0 }
	}
	return &Publisher{
		sp: sp, out: out, opt: opt, log: log,
		acks:     make(chan tapid.ID, ackQueue),
		kick:     make(chan struct{}, 1),
		rewrites: make(chan rewrite),
		bucket:   newTokenBucket(opt.Rate),
	}
}

// Kick tells the publisher that new taps are in the spool.
func (p *Publisher) Kick() { signal(p.kick) }

// Reconnected wakes the publisher when a connection is up. What was in
// flight is sent again, in order, before anything newer: the publisher sees
// the new Session itself, so no tap can slip out on the new connection
// ahead of the resend.
func (p *Publisher) Reconnected() { signal(p.kick) }

// Ack hands over the id of an answered tap. It never blocks.
func (p *Publisher) Ack(id tapid.ID) {
	select {
	case p.acks <- id:
	default:
		p.Stats.AcksDropped.Add(1)
	}
}

// RewriteUnsynced runs fix over the taps made before clock sync, in the
// spool and the window, in the publisher's loop, so a tap's corrected time
// is what gets (re)published from then on.
func (p *Publisher) RewriteUnsynced(ctx context.Context, fix func(*spool.Tap) bool) error {
	r := rewrite{fix: fix, done: make(chan error, 1)}
	select {
	case p.rewrites <- r:
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-r.done
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Run drains the spool until ctx ends. It returns nil then, or the error of
// the spool, which means the disk is failing.
func (p *Publisher) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		if err := p.step(); err != nil {
			return err
		}
		wait := p.nextWake(time.Now())
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case id := <-p.acks:
			if err := p.ack(ctx, id); err != nil {
				if ctx.Err() != nil {
					return nil // stopping; the answers come again
				}
				return err
			}
		case <-p.kick:
		case r := <-p.rewrites:
			r.done <- p.rewrite(r.fix)
		case <-timer.C:
		}
	}
}

// step loads the window and sends what is due.
func (p *Publisher) step() error {
	if err := p.fill(); err != nil {
		return err
	}
	session := p.out.Session()
	if session == 0 {
		return nil
	}
	if session != p.session {
		for _, e := range p.window {
			e.sent = false
		}
		p.session = session
	}
	now := time.Now()
	if now.Before(p.pause) {
		return nil
	}
	due := p.due[:0]
	for _, e := range p.window {
		if e.acked || (e.sent && now.Before(e.due)) {
			continue
		}
		if !p.bucket.take(now) {
			break
		}
		due = append(due, e)
	}
	if len(due) == 0 {
		return nil
	}
	taps := p.taps[:0]
	for _, e := range due {
		taps = append(taps, e.tap)
	}
	n, err := p.out.SendTaps(taps)
	for _, e := range due[:n] {
		if e.timeout == 0 {
			e.timeout = p.opt.AckTimeout
			p.Stats.Published.Add(1)
		} else {
			p.Stats.Republished.Add(1)
			e.timeout = min(2*e.timeout, p.opt.AckTimeoutMax)
		}
		e.sent, e.due = true, now.Add(e.timeout)
	}
	if err != nil {
		p.Stats.SendErrors.Add(1)
		p.log.Warn("publish failed; will retry", "id", due[n].tap.ID, "err", err)
		p.pause = now.Add(sendPause)
	}
	clear(due)
	clear(taps)
	p.due, p.taps = due[:0], taps[:0]
	return nil
}

// fill drops answered taps from the window and tops it up from the spool.
func (p *Publisher) fill() error {
	live := p.window[:0]
	for _, e := range p.window {
		if !e.acked {
			live = append(live, e)
		}
	}
	clear(p.window[len(live):])
	p.window = live
	p.held = 0
	for len(p.window) < p.opt.Window {
		taps, err := p.sp.Scan(p.cursor, p.opt.Window-len(p.window))
		if err != nil {
			return err
		}
		if len(taps) == 0 {
			return nil
		}
		for _, t := range taps {
			if h := p.opt.Hold(t); h > 0 {
				p.held = h
				return nil
			}
			p.window = append(p.window, &entry{tap: t})
			p.cursor = t.ID
		}
	}
	return nil
}

// nextWake is how long the loop may sleep: until the next republish, the
// next token when sends wait for one, the end of a pause or of a hold. While
// disconnected only a hold counts: Reconnected wakes the loop.
func (p *Publisher) nextWake(now time.Time) time.Duration {
	wake := time.Minute
	if p.held > 0 {
		wake = p.held
	}
	if p.out.Session() == 0 {
		return wake
	}
	if now.Before(p.pause) {
		return min(wake, p.pause.Sub(now))
	}
	for _, e := range p.window {
		if e.acked {
			continue
		}
		d := time.Duration(0)
		if e.sent {
			d = e.due.Sub(now)
		}
		if d <= 0 {
			return min(wake, p.bucket.wait(now))
		}
		wake = min(wake, d)
	}
	return wake
}

// ack removes an answered tap from the spool and the window, together with
// any other answers already queued (one commit for a burst of answers).
func (p *Publisher) ack(ctx context.Context, id tapid.ID) error {
	ids := []tapid.ID{id}
	for more := true; more; {
		select {
		case id := <-p.acks:
			ids = append(ids, id)
		default:
			more = false
		}
	}
	if err := p.sp.Remove(ctx, ids...); err != nil {
		return err
	}
	for _, id := range ids {
		found := false
		for _, e := range p.window {
			if e.tap.ID == id && !e.acked {
				e.acked, found = true, true
				break
			}
		}
		if found {
			p.Stats.Acked.Add(1)
		} else {
			p.Stats.AckedUnknown.Add(1)
		}
	}
	return nil
}

func (p *Publisher) rewrite(fix func(*spool.Tap) bool) error {
	if _, err := p.sp.RewriteUnsynced(fix); err != nil {
		return err
	}
	for _, e := range p.window {
		if !e.tap.Synced {
			fix(&e.tap)
		}
	}
	return nil
}
