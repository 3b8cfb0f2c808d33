// Package clocktrust provides the gateway's judgement of its own wall clock:
// whether it is synchronised (the kernel's NTP state) and whether it jumped
// (wall time moving differently from the boot-time clock, which never
// jumps). Each tap is stamped with a time, the boot-time reading and the
// verdict, so a tap made before the clock was synchronised can have its
// time corrected once it is: corrected = wall at sync − (boot time at sync −
// boot time at the tap).
//
// While the clock is not synchronised after having been, in the same kernel
// boot, a tap's time is counted on the boot-time clock from the last
// synchronised reading rather than read off the wall clock: the two differ
// only by the steps made since (by hand, or a bad RTC), which no time server
// vouched for. So a clock set an hour back or ahead neither reorders the taps
// nor moves them into the future; they are still marked unsynchronised.
package clocktrust

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Source reads the clocks. The Linux one uses clock_gettime and adjtimex;
// tests use a fake.
type Source interface {
	// Now returns the wall clock and the boot-time clock read together.
	Now() (wall time.Time, boot time.Duration)
	// Synced reports whether the kernel considers the wall clock synchronised.
	Synced() (bool, error)
	// OSBoot identifies the running kernel boot: boot-time readings compare
	// only within one.
	OSBoot() [16]byte
}

// Mode says how far to trust the source's sync state.
type Mode int

const (
	ModeKernel    Mode = iota // trust the kernel's NTP state (production)
	ModeAssume                // take the wall clock as synchronised (a host whose clock is kept for it)
	ModeUntrusted             // never synchronised: every tap is marked unsynced
)

// Stamp is what a tap records about the clock.
type Stamp struct {
	Wall   time.Time
	Boot   time.Duration
	OSBoot [16]byte
	Synced bool
}

// Correct returns the wall time of a tap made at boot-time reading tapBoot in
// kernel boot osBoot, computed from ref, a stamp taken while synchronised. It
// reports false when the tap cannot be corrected (another kernel boot, or ref
// not synchronised).
func Correct(tapBoot time.Duration, osBoot [16]byte, ref Stamp) (time.Time, bool) {
	if !ref.Synced || osBoot != ref.OSBoot {
		return time.Time{}, false
	}
	return ref.Wall.Add(tapBoot - ref.Boot), true
}

// Trust watches a Source. Its methods are safe for concurrent use.
type Trust struct {
	src       Source
	mode      Mode
	threshold time.Duration
	log       *slog.Logger

	mu      sync.Mutex
	last    Stamp // the last reading, as read
	ref     Stamp // the last synchronised reading (Synced false: none yet)
	started bool
	warned  bool // the sync state could not be read; said once
	jumps   int
	onSync  func(ref Stamp)
}

// New returns a Trust over src. A jump is reported when wall time and boot
// time drift apart by more than threshold between two readings (NTP slews
// at most 0.5 ms/s, so a second or more is a step).
func New(src Source, mode Mode, threshold time.Duration, log *slog.Logger) *Trust {
	return &Trust{src: src, mode: mode, threshold: threshold, log: log}
}

// OnSync registers f, called (outside any lock) each time the clock becomes
// synchronised, with the first synchronised stamp. It must be set before Run.
func (t *Trust) OnSync(f func(ref Stamp)) { t.onSync = f }

// Stamp reads the clock for a tap. Its Wall is the wall clock, except while
// unsynchronised after a synchronised reading of this kernel boot: then the
// time since that reading on the boot-time clock (see the package doc).
func (t *Trust) Stamp() Stamp {
	s, became := t.sample()
	if became && t.onSync != nil {
		t.onSync(s)
	}
	return s
}

// Peek reads the wall clock and judges it by the mode, as Stamp does, but
// records nothing: no jump check, no OnSync, and the next Stamp compares
// with the reading before.
func (t *Trust) Peek() (wall time.Time, synced bool) {
	wall, _ = t.src.Now()
	return wall, t.synced()
}

// Synced reports the verdict of the last reading.
func (t *Trust) Synced() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last.Synced
}

// Jumps returns how many jumps have been seen.
func (t *Trust) Jumps() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.jumps
}

// Run reads the clock at every tick of ticks until ctx ends, so jumps and a
// change of sync state are seen even when nobody taps.
func (t *Trust) Run(ctx context.Context, ticks <-chan time.Time) error {
	t.Stamp()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticks:
			t.Stamp()
		}
	}
}

// sample reads the source, compares with the previous reading and reports
// whether the clock has just become synchronised.
func (t *Trust) sample() (Stamp, bool) {
	wall, boot := t.src.Now()
	s := Stamp{Wall: wall, Boot: boot, OSBoot: t.src.OSBoot(), Synced: t.synced()}
	t.mu.Lock()
	defer t.mu.Unlock()
	prev, started := t.last, t.started
	t.last, t.started = s, true
	if started {
		drift := wall.Sub(prev.Wall) - (boot - prev.Boot)
		if drift > t.threshold || drift < -t.threshold {
			t.jumps++
			t.log.Warn("wall clock jumped", "by", drift.Round(time.Millisecond), "from", prev.Wall, "to", wall,
				"synced", s.Synced)
		}
	}
	if started && prev.Synced != s.Synced {
		t.log.Info("clock sync changed", "synced", s.Synced, "wall", wall)
	}
	became := s.Synced && (!started || !prev.Synced)
	if s.Synced {
		t.ref = s
	} else if at, ok := Correct(boot, s.OSBoot, t.ref); ok {
		s.Wall = at
	}
	return s, became
}

func (t *Trust) synced() bool {
	switch t.mode {
	case ModeAssume:
		return true
	case ModeUntrusted:
		return false
	}
	ok, err := t.src.Synced()
	if err != nil {
		t.mu.Lock()
		if !t.warned {
			t.warned = true
			t.log.Warn("cannot read the clock's sync state; taps are marked unsynced", "err", err)
		}
		t.mu.Unlock()
		return false
	}
	return ok
}
