package punch_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"timeclock/internal/punch"
)

var update = flag.Bool("update", false, "rewrite the *.err files of the invalid samples")

// decodeSet decodes data as a message of set and encodes it again.
func decodeSet(set goldenSet, data []byte, now time.Time) ([]byte, error) {
	switch set {
	case setEvents:
		e, err := punch.Decode(data, now)
		return e.AppendJSON(nil), err
	case setStatuses:
		s, err := punch.DecodeStatus(data, now)
		return s.AppendJSON(nil), err
	default:
		f, err := punch.DecodeFeedback(data)
		return f.AppendJSON(nil), err
	}
}

var sets = []goldenSet{setEvents, setStatuses, setFeedback}

// TestGoldenValid decodes every valid sample and checks that encoding it
// gives back the same bytes: the samples are canonical.
func TestGoldenValid(t *testing.T) {
	for _, set := range sets {
		samples := validSamples(set)
		if len(samples) == 0 {
			t.Fatalf("no valid samples of %s", set)
		}
		for _, s := range samples {
			out, err := decodeSet(set, s.Data, goldenNow)
			if err != nil {
				t.Errorf("%s: %v", s.Name, err)
				continue
			}
			if !bytes.Equal(out, s.Data) {
				t.Errorf("%s: encodes as\n%s\nwant\n%s", s.Name, out, s.Data)
			}
		}
	}
}

// TestGoldenInvalid checks the exact error of every invalid sample, and that
// it is an *punch.Error of the kind its file name starts with.
func TestGoldenInvalid(t *testing.T) {
	kinds := map[string]error{
		"syntax": punch.ErrSyntax, "version": punch.ErrVersion, "type": punch.ErrType,
		"unknown": punch.ErrUnknownField, "duplicate": punch.ErrInvalid, "missing": punch.ErrMissing,
		"invalid": punch.ErrInvalid, "not": punch.ErrInvalid, "id": punch.ErrID, "card": punch.ErrCard,
		"future": punch.ErrFuture,
	}
	for _, set := range sets {
		samples := invalidSamples(set)
		if len(samples) == 0 {
			t.Fatalf("no invalid samples of %s", set)
		}
		for _, s := range samples {
			_, err := decodeSet(set, s.Data, goldenNow)
			if err == nil {
				t.Errorf("%s: accepted", s.Name)
				continue
			}
			if *update {
				name := filepath.Join("testdata", "golden", strings.TrimSuffix(s.Name, ".json")+".err")
				if err := os.WriteFile(name, []byte(err.Error()+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err.Error() != s.Err {
				t.Errorf("%s:\n got %s\nwant %s", s.Name, err, s.Err)
			}
			var pe *punch.Error
			if !errors.As(err, &pe) {
				t.Errorf("%s: %T is not a *punch.Error", s.Name, err)
			}
			prefix, _, _ := strings.Cut(filepath.Base(s.Name), "-")
			if kind := kinds[prefix]; kind == nil || !errors.Is(err, kind) {
				t.Errorf("%s: %v is not of kind %v", s.Name, err, kind)
			}
		}
	}
}

// TestGoldenFutureNeedsNow checks the future-* samples are accepted when the
// check is off, so they test exactly that check.
func TestGoldenFutureNeedsNow(t *testing.T) {
	n := 0
	for _, set := range sets {
		for _, s := range invalidSamples(set) {
			if !strings.HasPrefix(filepath.Base(s.Name), "future-") {
				continue
			}
			n++
			if _, err := decodeSet(set, s.Data, time.Time{}); err != nil {
				t.Errorf("%s without now: %v", s.Name, err)
			}
		}
	}
	if n == 0 {
		t.Fatal("no future-* samples")
	}
}

func TestGoldenHelpers(t *testing.T) {
	events := decodedSamples()
	taps, adjs := goldenTaps(), goldenAdjustments()
	if len(taps) == 0 || len(adjs) == 0 || len(taps)+len(adjs) != len(events) {
		t.Fatalf("%d events, %d taps, %d adjustments", len(events), len(taps), len(adjs))
	}
	kinds := map[punch.Kind]bool{}
	for _, a := range adjs {
		kinds[a.Kind] = true
	}
	for _, k := range punch.Kinds {
		if !kinds[k] {
			t.Errorf("no sample of kind %s", k)
		}
	}
	techs := map[string]bool{}
	dirs := map[punch.Dir]bool{}
	clocks := map[punch.Clock]bool{}
	for _, tp := range taps {
		c, err := punch.ParseCard(tp.Card)
		if err != nil {
			t.Fatal(err)
		}
		techs[c.Tech+":"+string(rune('0'+len(c.UID)))] = true
		dirs[tp.Dir], clocks[tp.Clock] = true, true
	}
	if len(techs) != 7 || len(dirs) != 3 || len(clocks) != 2 {
		t.Errorf("samples cover techs %v, dirs %v, clocks %v", techs, dirs, clocks)
	}
	lines := bytes.Count(goldenJSONL(), []byte("\n"))
	if lines != len(events) {
		t.Errorf("JSONL has %d lines for %d events", lines, len(events))
	}
}
