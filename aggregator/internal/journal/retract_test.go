package journal

import (
	"errors"
	"strings"
	"testing"
	"time"

	"timeclock/internal/civil"
	"timeclock/internal/punch"
)

func TestOpenLocked(t *testing.T) {
	_, path := open(t)
	_, err := OpenTimeout(path, 10*time.Millisecond)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "is the aggregator running") {
		t.Errorf("second open: %v, want ErrLocked", err)
	}
}

func TestResolveRetract(t *testing.T) {
	j, _ := open(t)
	jun2 := civil.D(2026, time.June, 2)
	created := jun2.At(20 * 60)
	put := func(a punch.Adjustment) {
		t.Helper()
		err := j.Write(func(w *Writer) error {
			_, _, err := w.Append(KindAdjustment, a.ID, AppendEvent(nil, Entry{Event: punch.Event{Type: punch.TypeAdjustment, Adjustment: a}}))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	put(punch.Adjustment{ID: "adj-1", Staff: "T1", Date: jun2, Kind: punch.KindOffsite, Minutes: 60, Author: "a", Reason: "r", Created: created})
	put(punch.Adjustment{ID: "adj-2", Staff: "T1", Date: jun2, Kind: punch.KindRetract, Target: "adj-1", Author: "a", Reason: "r", Created: created})
	j.Write(func(w *Writer) error { _, _, err := w.Append(KindTap, "gw-a:1:000001", []byte{}); return err })
	tests := []struct {
		name   string
		adj    punch.Adjustment
		want   string // error text; empty: resolved
		noTgt  bool   // ErrNoTarget
		onDate civil.Date
	}{
		{"not a retract passes", punch.Adjustment{Kind: punch.KindOffsite, Staff: "T1"}, "", false, 0},
		{"resolved onto the target's date", punch.Adjustment{Kind: punch.KindRetract, Staff: "T1", Target: "adj-1"}, "", false, jun2},
		{"no target", punch.Adjustment{Kind: punch.KindRetract, Staff: "T1", Target: "adj-9"}, "no such adjustment", true, 0},
		{"another staff member's", punch.Adjustment{Kind: punch.KindRetract, Staff: "T2", Target: "adj-1"}, "not of T2", false, 0},
		{"a retract", punch.Adjustment{Kind: punch.KindRetract, Staff: "T1", Target: "adj-2"}, "is a retract", false, 0},
		{"a tap", punch.Adjustment{Kind: punch.KindRetract, Staff: "T1", Target: "gw-a:1:000001"}, "not an adjustment", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.adj
			var err error
			j.Write(func(w *Writer) error { err = w.ResolveRetract(&a); return nil })
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want %q", err, tt.want)
			case errors.Is(err, ErrNoTarget) != tt.noTgt:
				t.Errorf("errors.Is(ErrNoTarget) = %v", !tt.noTgt)
			}
			if a.Date != tt.onDate {
				t.Errorf("date %v, want %v", a.Date, tt.onDate)
			}
		})
	}
}
