package clocktrust

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"
)

// fake is a Source whose readings the test sets.
type fake struct {
	wall   time.Time
	boot   time.Duration
	synced bool
	err    error
	osBoot [16]byte
}

func (f *fake) Now() (time.Time, time.Duration) { return f.wall, f.boot }
func (f *fake) Synced() (bool, error)           { return f.synced, f.err }
func (f *fake) OSBoot() [16]byte                { return f.osBoot }

// step advances both clocks by d, then moves the wall clock by jump.
type step struct {
	d, jump time.Duration
	synced  bool
}

var (
	quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
	w0    = time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC)
)

func TestTrust(t *testing.T) {
	cases := []struct {
		name       string
		mode       Mode
		err        error
		steps      []step
		wantJumps  int
		wantSyncs  int
		wantSynced []bool
	}{
		{"steady synced", ModeKernel, nil, []step{{time.Second, 0, true}, {time.Second, 0, true}}, 0, 1,
			[]bool{true, true, true}},
		{"slew below threshold is no jump", ModeKernel, nil,
			[]step{{time.Second, 900 * time.Millisecond, true}, {time.Second, -900 * time.Millisecond, true}}, 0, 1,
			[]bool{true, true, true}},
		{"step forward at first sync", ModeKernel, nil,
			[]step{{time.Second, 0, false}, {time.Second, 3 * time.Hour, true}, {time.Second, 0, true}}, 1, 1,
			[]bool{false, false, true, true}},
		{"step back while synced", ModeKernel, nil, []step{{time.Second, -5 * time.Second, true}}, 1, 1,
			[]bool{true, true}},
		{"lost and regained sync", ModeKernel, nil,
			[]step{{time.Second, 0, false}, {time.Second, 0, true}, {time.Second, 0, true}}, 0, 2,
			[]bool{true, false, true, true}},
		{"unreadable state is unsynced", ModeKernel, errors.New("EPERM"), []step{{time.Second, 0, true}}, 0, 0,
			[]bool{false, false}},
		{"assume synced", ModeAssume, errors.New("EPERM"), []step{{time.Second, 0, false}}, 0, 1,
			[]bool{true, true}},
		{"untrusted", ModeUntrusted, nil, []step{{time.Second, 0, true}}, 0, 0, []bool{false, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fake{wall: w0, boot: time.Minute, synced: c.wantSynced[0], err: c.err}
			if c.mode != ModeKernel {
				f.synced = !c.wantSynced[0]
			}
			tr := New(f, c.mode, time.Second, quiet)
			syncs := 0
			tr.OnSync(func(ref Stamp) {
				syncs++
				if !ref.Synced {
					t.Errorf("OnSync with an unsynced stamp %+v", ref)
				}
			})
			got := []bool{tr.Stamp().Synced}
			for _, s := range c.steps {
				f.wall = f.wall.Add(s.d + s.jump)
				f.boot += s.d
				f.synced = s.synced
				st := tr.Stamp()
				if !st.Wall.Equal(f.wall) || st.Boot != f.boot { // no jump while unsynced after a sync here
					t.Fatalf("stamp %+v does not carry the readings", st)
				}
				got = append(got, st.Synced)
			}
			for i := range got {
				if got[i] != c.wantSynced[i] {
					t.Fatalf("synced per reading %v, want %v", got, c.wantSynced)
				}
			}
			if tr.Jumps() != c.wantJumps || syncs != c.wantSyncs {
				t.Fatalf("jumps %d, syncs %d; want %d, %d", tr.Jumps(), syncs, c.wantJumps, c.wantSyncs)
			}
			if tr.Synced() != got[len(got)-1] {
				t.Fatalf("Synced() = %v after last stamp %v", tr.Synced(), got[len(got)-1])
			}
		})
	}
}

// TestStepWhileUnsynced: after the clock was synchronised, steps made while
// it is not move neither the taps' order nor their times; the stamps say
// unsynced all the same, and the wall clock counts again once synchronised.
func TestStepWhileUnsynced(t *testing.T) {
	f := &fake{wall: w0, boot: time.Minute, synced: true}
	tr := New(f, ModeKernel, time.Second, quiet)
	tr.Stamp()
	type reading struct {
		d, jump time.Duration
		synced  bool
		want    time.Time // the stamp's time
	}
	for i, r := range []reading{
		{time.Minute, 0, true, w0.Add(time.Minute)},
		{time.Minute, 0, false, w0.Add(2 * time.Minute)},                              // sync lost, no step
		{time.Minute, -time.Hour, false, w0.Add(3 * time.Minute)},                     // set an hour back by hand
		{time.Minute, 2 * time.Hour, false, w0.Add(4 * time.Minute)},                  // then an hour ahead
		{time.Minute, -time.Hour, true, w0.Add(5 * time.Minute)},                      // a time server steps it right
		{time.Minute, 30 * time.Second, true, w0.Add(6*time.Minute + 30*time.Second)}, // a synced step is believed
	} {
		f.wall, f.boot, f.synced = f.wall.Add(r.d+r.jump), f.boot+r.d, r.synced
		st := tr.Stamp()
		if !st.Wall.Equal(r.want) || st.Synced != r.synced || st.Boot != f.boot {
			t.Fatalf("reading %d: stamp %v synced %v boot %v; want %v synced %v boot %v", i, st.Wall, st.Synced, st.Boot,
				r.want, r.synced, f.boot)
		}
	}
	if tr.Jumps() != 4 {
		t.Fatalf("jumps %d, want 4", tr.Jumps())
	}
	// Another kernel boot (a restart without a synchronised reading since)
	// has no reference: the wall clock it is.
	f2 := &fake{wall: w0, boot: time.Minute, synced: false}
	tr2 := New(f2, ModeKernel, time.Second, quiet)
	f2.wall = w0.Add(-time.Hour)
	if st := tr2.Stamp(); !st.Wall.Equal(f2.wall) || st.Synced {
		t.Fatalf("without a reference: %+v", st)
	}
}

func TestCorrect(t *testing.T) {
	ref := Stamp{Wall: w0, Boot: time.Hour, OSBoot: [16]byte{1}, Synced: true}
	cases := []struct {
		name    string
		tapBoot time.Duration
		osBoot  [16]byte
		ref     Stamp
		want    time.Time
		ok      bool
	}{
		{"ten minutes before sync", 50 * time.Minute, [16]byte{1}, ref, w0.Add(-10 * time.Minute), true},
		{"after sync", 61 * time.Minute, [16]byte{1}, ref, w0.Add(time.Minute), true},
		{"other kernel boot", 50 * time.Minute, [16]byte{2}, ref, time.Time{}, false},
		{"reference not synced", 50 * time.Minute, [16]byte{1}, Stamp{Wall: w0, Boot: time.Hour, OSBoot: [16]byte{1}},
			time.Time{}, false},
	}
	for _, c := range cases {
		got, ok := Correct(c.tapBoot, c.osBoot, c.ref)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("%s: Correct = %v, %v; want %v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestRunSamplesUntilCancelled(t *testing.T) {
	f := &fake{wall: w0, boot: time.Minute, synced: true}
	tr := New(f, ModeKernel, time.Second, quiet)
	synced := make(chan Stamp, 1)
	tr.OnSync(func(ref Stamp) { synced <- ref })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- tr.Run(ctx, nil) }()
	if ref := <-synced; !ref.Wall.Equal(w0) || ref.Boot != time.Minute {
		t.Fatalf("OnSync with %+v", ref)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// Peek judges by the mode but leaves no trace: the first Stamp after it
// still reports the sync to OnSync.
func TestPeekRecordsNothing(t *testing.T) {
	for _, c := range []struct {
		mode   Mode
		synced bool // the source's state
		want   bool
	}{{ModeKernel, true, true}, {ModeKernel, false, false}, {ModeAssume, false, true}, {ModeUntrusted, true, false}} {
		tr := New(&fake{wall: w0, boot: time.Hour, synced: c.synced}, c.mode, time.Second, quiet)
		syncs := 0
		tr.OnSync(func(Stamp) { syncs++ })
		if wall, ok := tr.Peek(); !wall.Equal(w0) || ok != c.want {
			t.Errorf("mode %d, source synced=%v: Peek = %v %v, want %v %v", c.mode, c.synced, wall, ok, w0, c.want)
		}
		if tr.Synced() {
			t.Errorf("mode %d: Peek recorded a reading", c.mode)
		}
		tr.Stamp()
		if want := map[bool]int{true: 1, false: 0}[c.want]; syncs != want {
			t.Errorf("mode %d: %d OnSync calls after Peek and Stamp, want %d", c.mode, syncs, want)
		}
	}
}
