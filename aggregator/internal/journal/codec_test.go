package journal

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"timeclock/internal/civil"
	"timeclock/internal/punch"
)

func sampleEntries() []Entry {
	jst := civil.JST
	return []Entry{
		{Received: time.Date(2026, 6, 1, 7, 40, 1, 5e6, jst), Event: punch.Event{Type: punch.TypeTap, Tap: punch.Tap{
			ID: "gw-e01-a:3:000042", Board: "nakatsu", School: "nakatsu-e01", Gateway: "gw-e01-a", Reader: "entrance",
			Card: "felica:0123456789abcdef", Dir: punch.DirTap, TS: time.Date(2026, 6, 1, 7, 40, 0, 123e6, jst),
			Clock: punch.ClockSynced}}},
		{Received: time.Date(2026, 6, 1, 7, 40, 1, 0, time.UTC), Event: punch.Event{Type: punch.TypeTap, Tap: punch.Tap{
			ID: "gw:1:1", Board: "b", School: "s", Gateway: "gw", Reader: "r", Card: "em4100:67003b51c6", Dir: punch.DirOut,
			TS: time.Date(1600, 1, 1, 0, 0, 0, 0, time.FixedZone("", -5*3600)), Clock: punch.ClockUnsynced}}},
		{Received: time.Date(2026, 6, 3, 9, 0, 0, 0, jst), Event: punch.Event{Type: punch.TypeAdjustment, Adjustment: punch.Adjustment{
			ID: "adj-000123", Staff: "T0001", Date: civil.D(2026, 6, 2), Kind: punch.KindOffsite, Minutes: 120,
			Author: "principal-e01", Reason: "修学旅行引率", Created: time.Date(2026, 6, 3, 9, 0, 0, 0, jst)}}},
		{Event: punch.Event{Type: punch.TypeAdjustment, Adjustment: punch.Adjustment{
			ID: "adj-9", Staff: "T0001", Date: civil.D(2026, 6, 3), Kind: punch.KindMissingPunch, Time: "01:30",
			Dir: punch.DirOut, Created: time.Date(2026, 6, 4, 9, 0, 0, 0, jst)}}},
		{Event: punch.Event{Type: punch.TypeAdjustment, Adjustment: punch.Adjustment{
			ID: "adj-10", Staff: "T0001", Kind: punch.KindRetract, Target: "adj-9"}}},
	}
}

func TestEventRoundTrip(t *testing.T) {
	for i, e := range sampleEntries() {
		b := AppendEvent(nil, e)
		got, err := DecodeEvent(b)
		if err != nil {
			t.Fatalf("#%d: %v", i, err)
		}
		if !sameEntry(got, e) {
			t.Errorf("#%d: round trip\n got %+v\nwant %+v", i, got, e)
		}
		// every truncation is an error, never a panic or a wrong event
		for n := 0; n < len(b); n++ {
			if _, err := DecodeEvent(b[:n]); !errors.Is(err, ErrCorrupt) {
				t.Errorf("#%d truncated to %d: err %v", i, n, err)
			}
		}
		if _, err := DecodeEvent(append(b, 0)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("#%d with a trailing byte: err %v", i, err)
		}
	}
}

// sameEntry compares instants and offsets (time.Time's location pointers differ).
func sameEntry(a, b Entry) bool {
	sameTime := func(x, y time.Time) bool {
		_, ox := x.Zone()
		_, oy := y.Zone()
		return x.Equal(y) && ox == oy && x.IsZero() == y.IsZero()
	}
	if !sameTime(a.Received, b.Received) || !sameTime(a.Event.Tap.TS, b.Event.Tap.TS) ||
		!sameTime(a.Event.Adjustment.Created, b.Event.Adjustment.Created) {
		return false
	}
	a.Received, b.Received = time.Time{}, time.Time{}
	a.Event.Tap.TS, b.Event.Tap.TS = time.Time{}, time.Time{}
	a.Event.Adjustment.Created, b.Event.Adjustment.Created = time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}

func FuzzDecodeEvent(f *testing.F) {
	for _, e := range sampleEntries() {
		f.Add(AppendEvent(nil, e))
	}
	f.Add([]byte{1, 0, 't'})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEvent(b)
		if err != nil {
			return
		}
		// what decodes encodes back to a record that decodes to the same
		again, err := DecodeEvent(AppendEvent(nil, e))
		if err != nil || !sameEntry(again, e) {
			t.Fatalf("re-encoding changed the event: %v\n%+v\n%+v", err, e, again)
		}
	})
}
