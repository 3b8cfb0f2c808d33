package punch_test

// The golden samples of the punch contract (FORMATS.md §1–2), in
// testdata/golden: valid events, statuses and feedback as canonical JSON
// lines, and invalid ones with the exact error text the punch package
// reports.

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"testing"
	"time"

	"timeclock/internal/civil"
	"timeclock/internal/punch"
)

//go:embed testdata/golden
var goldenFiles embed.FS

// goldenFS holds the sample files: {set}/valid/*.jsonl and {set}/invalid/*.json
// with a sibling *.err each.
var goldenFS fs.FS = must(fs.Sub(goldenFiles, "testdata/golden"))

// goldenNow is the instant the samples are decoded at: every valid timestamp lies
// before it, and the invalid future-* samples more than punch.MaxFuture after.
var goldenNow = time.Date(2026, time.July, 1, 0, 0, 0, 0, civil.JST)

// goldenSet names a group of samples, by message type.
type goldenSet string

// Sample sets.
const (
	setEvents   goldenSet = "events"   // taps and adjustments, for punch.Decode
	setStatuses goldenSet = "status"   // gateway statuses, for punch.DecodeStatus
	setFeedback goldenSet = "feedback" // aggregator feedback, for punch.DecodeFeedback
)

// goldenSample is one payload. Valid samples are in canonical form: encoding their
// decoded value gives the same bytes.
type goldenSample struct {
	Name string // file and line, e.g. events/valid/taps.jsonl:3, or the file of an invalid sample
	Data []byte // one JSON object without a line end
	Err  string // the expected error text; "" for a valid sample
}

// validSamples returns the valid samples of set, one per line of its *.jsonl files,
// in file and line order.
func validSamples(set goldenSet) []goldenSample {
	var out []goldenSample
	for _, name := range goldenGlob(string(set) + "/valid/*.jsonl") {
		for i, line := range bytes.Split(goldenRead(name), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			out = append(out, goldenSample{Name: fmt.Sprintf("%s:%d", name, i+1), Data: line})
		}
	}
	return out
}

// invalidSamples returns the invalid samples of set in file name order, each with
// the error text of its *.err file (without the final line end).
func invalidSamples(set goldenSet) []goldenSample {
	var out []goldenSample
	for _, name := range goldenGlob(string(set) + "/invalid/*.json") {
		errText := goldenRead(strings.TrimSuffix(name, ".json") + ".err")
		out = append(out, goldenSample{
			Name: name,
			Data: bytes.TrimSuffix(goldenRead(name), []byte("\n")),
			Err:  string(bytes.TrimSuffix(errText, []byte("\n"))),
		})
	}
	return out
}

// goldenJSONL returns the valid event samples as one event file, for tests of
// readers of events.jsonl.
func goldenJSONL() []byte {
	var b []byte
	for _, s := range validSamples(setEvents) {
		b = append(append(b, s.Data...), '\n')
	}
	return b
}

// decodedSamples returns the valid event samples decoded, in sample order. It
// panics if one fails to decode, which the punch package's own tests rule out.
func decodedSamples() []punch.Event {
	var out []punch.Event
	for _, s := range validSamples(setEvents) {
		e, err := punch.Decode(s.Data, goldenNow)
		if err != nil {
			panic(fmt.Sprintf("golden: %s: %v", s.Name, err))
		}
		out = append(out, e)
	}
	return out
}

// goldenTaps returns the taps among decodedSamples.
func goldenTaps() []punch.Tap {
	return decodedOf(punch.TypeTap, func(e punch.Event) punch.Tap { return e.Tap })
}

// goldenAdjustments returns the adjustments among decodedSamples.
func goldenAdjustments() []punch.Adjustment {
	return decodedOf(punch.TypeAdjustment, func(e punch.Event) punch.Adjustment { return e.Adjustment })
}

// decodedOf returns the part of the decodedSamples of type t that part takes.
func decodedOf[T any](t punch.Type, part func(punch.Event) T) []T {
	var out []T
	for _, e := range decodedSamples() {
		if e.Type == t {
			out = append(out, part(e))
		}
	}
	return out
}

func goldenGlob(pattern string) []string {
	names, err := fs.Glob(goldenFS, pattern)
	if err != nil {
		panic(err)
	}
	sort.Strings(names)
	return names
}

func goldenRead(name string) []byte {
	b, err := fs.ReadFile(goldenFS, path.Clean(name))
	if err != nil {
		panic(fmt.Sprintf("golden: %v", err))
	}
	return b
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestSamplesWellFormed(t *testing.T) {
	for _, set := range []goldenSet{setEvents, setStatuses, setFeedback} {
		valid, invalid := validSamples(set), invalidSamples(set)
		if len(valid) == 0 || len(invalid) == 0 {
			t.Errorf("%s: %d valid and %d invalid samples", set, len(valid), len(invalid))
		}
		for _, s := range valid {
			if s.Err != "" || len(s.Data) == 0 || bytes.ContainsAny(s.Data, "\r\n") {
				t.Errorf("%s: malformed valid sample %q", s.Name, s.Data)
			}
		}
		for _, s := range invalid {
			if s.Err == "" || strings.Contains(s.Err, "\n") {
				t.Errorf("%s: error text %q: want one line", s.Name, s.Err)
			}
			if !strings.HasSuffix(s.Name, ".json") {
				t.Errorf("%s: not a .json sample", s.Name)
			}
		}
	}
	if got := validSamples(setEvents)[0].Name; got != "events/valid/adjustments.jsonl:1" {
		t.Errorf("first sample %s: want file and line order", got)
	}
}

func TestDecodedSamplesBeforeNow(t *testing.T) {
	for _, tp := range goldenTaps() {
		if !tp.TS.Before(goldenNow) {
			t.Errorf("tap %s at %v is not before Now", tp.ID, tp.TS)
		}
	}
	for _, a := range goldenAdjustments() {
		if !a.Created.Before(goldenNow) {
			t.Errorf("adjustment %s created %v is not before Now", a.ID, a.Created)
		}
	}
}
