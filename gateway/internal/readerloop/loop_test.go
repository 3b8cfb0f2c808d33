package readerloop

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"timeclock/internal/reader"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// world is a fake reader: the card in its field, whether it is plugged in,
// and faults. Polls take pollTime of (fake) time, like an exchange.
type world struct {
	mu       sync.Mutex
	card     string
	plugged  bool
	initErr  error
	pollErrs int // the next polls that fail with a protocol error
	opens    int
}

const pollTime = 3 * time.Millisecond

func (w *world) set(f func(w *world)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(w)
}

func (w *world) open(context.Context) (Device, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.plugged {
		return nil, fmt.Errorf("open /dev/serial/by-id/x: %w", fs.ErrNotExist)
	}
	w.opens++
	return &fakeDevice{w: w, gen: w.opens}, nil
}

type fakeDevice struct {
	w   *world
	gen int // the plug-in it belongs to
}

func (d *fakeDevice) Init(context.Context) error {
	d.w.mu.Lock()
	defer d.w.mu.Unlock()
	return d.w.initErr
}

func (d *fakeDevice) Poll(ctx context.Context) (string, error) {
	time.Sleep(pollTime)
	w := d.w
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case !w.plugged || w.opens != d.gen:
		return "", &reader.IOError{Op: "read", Err: syscall.EIO}
	case w.pollErrs > 0:
		w.pollErrs--
		return "", fmt.Errorf("command 4A: response: %w", reader.ErrTimeout)
	}
	return w.card, nil
}

func (d *fakeDevice) Close() error { return nil }

// fixedClock stamps every read with one instant, to see it is used.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// harness runs a Loop on a world inside a synctest bubble.
type harness struct {
	w      *world
	loop   *Loop
	mu     sync.Mutex
	reads  []string
	health []Health
}

func (h *harness) log() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.reads, " ") + " | " + fmt.Sprint(h.health)
}

var epoch = time.Date(2026, 6, 1, 7, 40, 0, 0, time.FixedZone("JST", 9*3600))

func start(t *testing.T, w *world) (*harness, func()) {
	h := &harness{w: w}
	loop, err := New(Config{Name: "entrance", Kind: reader.RCS620S, Clock: fixedClock{epoch},
		Open: w.open,
		OnRead: func(r Read) {
			if r.Reader != "entrance" || !r.At.Equal(epoch) {
				t.Errorf("read %+v: want reader entrance at %v", r, epoch)
			}
			h.mu.Lock()
			h.reads = append(h.reads, r.Card)
			h.mu.Unlock()
		},
		OnHealth: func(s Health) {
			h.mu.Lock()
			h.health = append(h.health, s)
			h.mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.loop = loop
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- loop.Run(ctx) }()
	return h, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v, want nil", err)
		}
	}
}

// step sets the world, lets (fake) time pass and checks the loop's log.
func step(t *testing.T, h *harness, name string, f func(w *world), d time.Duration, want string) {
	t.Helper()
	if f != nil {
		h.w.set(f)
	}
	time.Sleep(d)
	synctest.Wait()
	if got := h.log(); got != want {
		t.Fatalf("%s: reads | health = %q, want %q", name, got, want)
	}
}

const (
	a = "felica:0000000000000001"
	b = "felica:0000000000000002"
)

func TestPresentations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, stop := start(t, &world{plugged: true})
		defer stop()
		step(t, h, "empty", nil, time.Second, " | [ok]")
		step(t, h, "tap", func(w *world) { w.card = a }, 50*time.Millisecond, "felica:0000000000000001 | [ok]")
		step(t, h, "held", nil, 5*time.Second, "felica:0000000000000001 | [ok]")
		step(t, h, "one poll missed", func(w *world) { w.card = "" }, 150*time.Millisecond, "felica:0000000000000001 | [ok]")
		step(t, h, "back before release", func(w *world) { w.card = a }, time.Second, "felica:0000000000000001 | [ok]")
		step(t, h, "removed", func(w *world) { w.card = "" }, time.Second, "felica:0000000000000001 | [ok]")
		if got := h.loop.Holding(); got != "" {
			t.Fatalf("Holding() after removal = %q", got)
		}
		step(t, h, "tapped again", func(w *world) { w.card = a }, time.Second, "felica:0000000000000001 felica:0000000000000001 | [ok]")
		step(t, h, "another card at once", func(w *world) { w.card = b }, time.Second,
			"felica:0000000000000001 felica:0000000000000001 felica:0000000000000002 | [ok]")
		if s := h.loop.Stats(); s.Reads != 3 || s.Opens != 1 || s.Errors != 0 || s.Polls < 100 {
			t.Errorf("Stats() = %+v", s)
		}
	})
}

func TestUnplugReplug(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, stop := start(t, &world{card: a, plugged: true})
		defer stop()
		step(t, h, "held at start", nil, time.Second, "felica:0000000000000001 | [ok]")
		step(t, h, "unplugged", func(w *world) { w.plugged = false }, 20*time.Second, "felica:0000000000000001 | [ok absent]")
		// Backoff is capped at a second: back within 1.2 s of the replug
		// (fake time, exact).
		step(t, h, "replugged", func(w *world) { w.plugged = true; w.card = "" }, 1200*time.Millisecond,
			"felica:0000000000000001 | [ok absent ok]")
		step(t, h, "tap after replug", func(w *world) { w.card = b }, time.Second,
			"felica:0000000000000001 felica:0000000000000002 | [ok absent ok]")
		if s := h.loop.Stats(); s.Opens != 2 {
			t.Errorf("Stats().Opens = %d, want 2", s.Opens)
		}
	})
}

func TestFailingModule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, stop := start(t, &world{plugged: true})
		defer stop()
		step(t, h, "start", nil, time.Second, " | [ok]")
		step(t, h, "two failed polls are tolerated", func(w *world) { w.pollErrs = 2 }, time.Second, " | [ok]")
		step(t, h, "three make it reopen", func(w *world) { w.pollErrs = 3 }, time.Second, " | [ok error ok]")
		step(t, h, "init fails", func(w *world) { w.pollErrs = 3; w.initErr = errors.New("no ACK") }, 5*time.Second,
			" | [ok error ok error]")
		step(t, h, "init works again", func(w *world) { w.initErr = nil; w.card = a }, 2*time.Second,
			"felica:0000000000000001 | [ok error ok error ok]")
		if s := h.loop.Stats(); s.Opens != 3 || s.Errors < 9 {
			t.Errorf("Stats() = %+v, want 3 opens and at least 9 errors", s)
		}
	})
}

func TestAbsentAtStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := &world{}
		h, stop := start(t, w)
		defer stop()
		step(t, h, "not plugged", nil, 3*time.Second, " | [absent]")
		if got := h.loop.Health(); got != HealthAbsent {
			t.Fatalf("Health() = %q, want absent", got)
		}
		step(t, h, "plugged", func(w *world) { w.plugged = true; w.card = a }, 1100*time.Millisecond,
			"felica:0000000000000001 | [absent ok]")
	})
}

func TestNewRejects(t *testing.T) {
	read := func(Read) {}
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no callback", Config{Kind: reader.PN532, Path: "/dev/ttyUSB0"}, "OnRead"},
		{"bad kind", Config{Kind: "wiegand26", Path: "/dev/ttyUSB0", OnRead: read}, "wiegand26"},
		{"no path", Config{Name: "door", Kind: reader.PN532, OnRead: read}, "no path"},
	} {
		if _, err := New(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: New() error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

func TestAbsentClassification(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("open x: %w", fs.ErrNotExist), true},
		{fmt.Errorf("open x: %w", syscall.ENODEV), true},
		{fmt.Errorf("open x: %w", syscall.EACCES), false},
		{errors.New("busy"), false},
	} {
		if got := absent(c.err); got != c.want {
			t.Errorf("absent(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// pushDevice is a fake EM4100 reader sending the card in its field every
// 50 ms, faster than the polled readers' interval; Poll returns one frame
// at a time, like em4100.Reader, waiting up to a 100 ms window.
type pushDevice struct {
	mu      sync.Mutex
	card    string    // in the field since changed
	prev    string    // in the field before
	changed time.Time //
	sent    time.Time // time of the last frame consumed
	epoch   time.Time
}

// swap puts card in the field now.
func (d *pushDevice) swap(card string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.prev, d.card, d.changed = d.card, card, time.Now()
}

const framePeriod = 50 * time.Millisecond

func (d *pushDevice) Init(context.Context) error { return nil }
func (d *pushDevice) Close() error               { return nil }

func (d *pushDevice) Poll(ctx context.Context) (string, error) {
	d.mu.Lock()
	next := d.sent.Add(framePeriod)
	if d.sent.IsZero() {
		next = d.epoch
	}
	d.mu.Unlock()
	if wait := time.Until(next); wait > 100*time.Millisecond {
		time.Sleep(100 * time.Millisecond)
		return "", nil
	} else if wait > 0 {
		time.Sleep(wait)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sent = next
	if next.Before(d.changed) {
		return d.prev, nil // the frame left before the change
	}
	return d.card, nil
}

// TestPushReaderKeepsUp checks that frames of a pushing reader do not pile
// up: a new card is reported within a frame period of its first frame.
func TestPushReaderKeepsUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dev := &pushDevice{card: a, epoch: time.Now()}
		reads := make(chan time.Time, 8)
		loop, err := New(Config{Name: "gate", Kind: reader.EM4100,
			Open:   func(context.Context) (Device, error) { return dev, nil },
			OnRead: func(Read) { reads <- time.Now() }})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- loop.Run(ctx) }()
		<-reads
		time.Sleep(10 * time.Second) // 200 frames of a held card
		dev.swap(b)
		changed := time.Now()
		if late := (<-reads).Sub(changed); late > framePeriod {
			t.Errorf("new card reported %v after it came, want within %v", late, framePeriod)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}
