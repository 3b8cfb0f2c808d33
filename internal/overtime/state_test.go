package overtime

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"timeclock/internal/civil"
)

// TestStateRoundTrip: an engine read back from another's state is that
// engine — the same stored state, the same results — and stays equal to it
// when both take the same further events.
func TestStateRoundTrip(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		staff := []StaffInfo{teacher("A"), teacher("B"), teacher("C"), teacher("D")}
		cal := newTestCal()
		evs := randomEvents(r, len(staff))
		half := len(evs) / 2

		orig := newEngine(t, cal, staff...)
		feed(t, orig, evs[:half])
		orig.Advance(civil.D(2026, 4, 1))
		var buf bytes.Buffer
		if err := orig.WriteState(&buf); err != nil {
			t.Fatal(err)
		}
		loaded := newEngine(t, cal, staff...)
		if err := loaded.ReadState(bytes.NewReader(buf.Bytes())); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !reflect.DeepEqual(orig.staff, loaded.staff) || orig.today != loaded.today {
			t.Fatalf("seed %d: the state read back differs from the state written", seed)
		}
		if a, b := snap(orig), snap(loaded); !reflect.DeepEqual(a, b) {
			diffSnap(t, seed, "written vs read back", a, b)
		}
		feed(t, orig, evs[half:])
		feed(t, loaded, evs[half:])
		if a, b := snap(orig), snap(loaded); !reflect.DeepEqual(a, b) {
			diffSnap(t, seed, "after the same further events", a, b)
		}
		full := newEngine(t, cal, staff...)
		feed(t, full, evs)
		if a, b := snap(full), snap(loaded); !reflect.DeepEqual(a, b) {
			diffSnap(t, seed, "full replay vs state + tail", a, b)
		}
	}
}

func TestStateRefusesWhatItDidNotWrite(t *testing.T) {
	cal := newTestCal()
	e := newEngine(t, cal, teacher("A"), teacher("B"))
	feed(t, e, randomEvents(rand.New(rand.NewPCG(1, 1)), 2))
	var buf bytes.Buffer
	if err := e.WriteState(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	cases := map[string]struct {
		data []byte
		eng  *Engine
		want string
	}{
		"other roster size": {good, newEngine(t, cal, teacher("A")), "state of 2 staff for a roster of 1"},
		"not a state":       {[]byte("hello"), newEngine(t, cal, teacher("A"), teacher("B")), "not an engine state"},
		"truncated":         {good[:len(good)-3], newEngine(t, cal, teacher("A"), teacher("B")), "staff 1"},
		"trailing data":     {append(bytes.Clone(good), 0), newEngine(t, cal, teacher("A"), teacher("B")), "after its last"},
	}
	for name, c := range cases {
		err := c.eng.ReadState(bytes.NewReader(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one naming %q", name, err, c.want)
		}
	}
}
