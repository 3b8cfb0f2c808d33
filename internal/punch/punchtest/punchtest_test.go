package punchtest

import (
	"bytes"
	"strings"
	"testing"
)

func TestSamplesWellFormed(t *testing.T) {
	for _, set := range []Set{Events, Statuses, Feedback} {
		valid, invalid := Valid(set), Invalid(set)
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
	if got := Valid(Events)[0].Name; got != "events/valid/adjustments.jsonl:1" {
		t.Errorf("first sample %s: want file and line order", got)
	}
}

func TestDecodedSamplesBeforeNow(t *testing.T) {
	for _, tp := range Taps() {
		if !tp.TS.Before(Now) {
			t.Errorf("tap %s at %v is not before Now", tp.ID, tp.TS)
		}
	}
	for _, a := range Adjustments() {
		if !a.Created.Before(Now) {
			t.Errorf("adjustment %s created %v is not before Now", a.ID, a.Created)
		}
	}
}
