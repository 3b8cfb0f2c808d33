// Package punchtest gives tests of every binary the golden samples of the
// punch contract (FORMATS.md §1–2): valid events, statuses and feedback as
// canonical JSON lines, and invalid ones with the exact error text the punch
// package reports. The samples are embedded, so tests anywhere in the module
// use the same bytes.
package punchtest

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"timeclock/internal/civil"
	"timeclock/internal/punch"
)

//go:embed testdata
var files embed.FS

// FS holds the sample files: {set}/valid/*.jsonl and {set}/invalid/*.json
// with a sibling *.err each.
var FS fs.FS = must(fs.Sub(files, "testdata"))

// Now is the instant the samples are decoded at: every valid timestamp lies
// before it, and the invalid future-* samples more than punch.MaxFuture after.
var Now = time.Date(2026, time.July, 1, 0, 0, 0, 0, civil.JST)

// Set names a group of samples, by message type.
type Set string

// Sample sets.
const (
	Events   Set = "events"   // taps and adjustments, for punch.Decode
	Statuses Set = "status"   // gateway statuses, for punch.DecodeStatus
	Feedback Set = "feedback" // aggregator feedback, for punch.DecodeFeedback
)

// Sample is one payload. Valid samples are in canonical form: encoding their
// decoded value gives the same bytes.
type Sample struct {
	Name string // file and line, e.g. events/valid/taps.jsonl:3, or the file of an invalid sample
	Data []byte // one JSON object without a line end
	Err  string // the expected error text; "" for a valid sample
}

// Valid returns the valid samples of set, one per line of its *.jsonl files,
// in file and line order.
func Valid(set Set) []Sample {
	var out []Sample
	for _, name := range glob(string(set) + "/valid/*.jsonl") {
		for i, line := range bytes.Split(read(name), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			out = append(out, Sample{Name: fmt.Sprintf("%s:%d", name, i+1), Data: line})
		}
	}
	return out
}

// Invalid returns the invalid samples of set in file name order, each with
// the error text of its *.err file (without the final line end).
func Invalid(set Set) []Sample {
	var out []Sample
	for _, name := range glob(string(set) + "/invalid/*.json") {
		errText := read(strings.TrimSuffix(name, ".json") + ".err")
		out = append(out, Sample{
			Name: name,
			Data: bytes.TrimSuffix(read(name), []byte("\n")),
			Err:  string(bytes.TrimSuffix(errText, []byte("\n"))),
		})
	}
	return out
}

// JSONL returns the valid event samples as one event file, for tests of
// readers of events.jsonl.
func JSONL() []byte {
	var b []byte
	for _, s := range Valid(Events) {
		b = append(append(b, s.Data...), '\n')
	}
	return b
}

// DecodedEvents returns the valid event samples decoded, in sample order. It
// panics if one fails to decode, which the punch package's own tests rule out.
func DecodedEvents() []punch.Event {
	var out []punch.Event
	for _, s := range Valid(Events) {
		e, err := punch.Decode(s.Data, Now)
		if err != nil {
			panic(fmt.Sprintf("punchtest: %s: %v", s.Name, err))
		}
		out = append(out, e)
	}
	return out
}

// Taps returns the taps among DecodedEvents.
func Taps() []punch.Tap {
	return decodedOf(punch.TypeTap, func(e punch.Event) punch.Tap { return e.Tap })
}

// Adjustments returns the adjustments among DecodedEvents.
func Adjustments() []punch.Adjustment {
	return decodedOf(punch.TypeAdjustment, func(e punch.Event) punch.Adjustment { return e.Adjustment })
}

// decodedOf returns the part of the DecodedEvents of type t that part takes.
func decodedOf[T any](t punch.Type, part func(punch.Event) T) []T {
	var out []T
	for _, e := range DecodedEvents() {
		if e.Type == t {
			out = append(out, part(e))
		}
	}
	return out
}

func glob(pattern string) []string {
	names, err := fs.Glob(FS, pattern)
	if err != nil {
		panic(err)
	}
	sort.Strings(names)
	return names
}

func read(name string) []byte {
	b, err := fs.ReadFile(FS, path.Clean(name))
	if err != nil {
		panic(fmt.Sprintf("punchtest: %v", err))
	}
	return b
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
