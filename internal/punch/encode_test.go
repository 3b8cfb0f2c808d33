package punch

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"timeclock/internal/civil"
)

func TestAppendQuoted(t *testing.T) {
	cases := []struct{ in, out string }{
		{"", `""`},
		{"entrance", `"entrance"`},
		{`say "hi" \ bye`, `"say \"hi\" \\ bye"`},
		{"a\nb\rc\td", `"a\nb\rc\td"`},
		{"\x00\x1f\x7f", `"\u0000\u001f` + "\x7f" + `"`},
		{"修学旅行引率", `"修学旅行引率"`},
		{"<&>", `"<&>"`},
		{"bad \xff utf-8 \xe3\x81", `"bad \ufffd utf-8 \ufffd\ufffd"`},
		{"\u2028", "\"\u2028\""},
	}
	for _, c := range cases {
		got := string(appendQuoted(nil, c.in))
		if got != c.out {
			t.Errorf("appendQuoted(%q) = %s, want %s", c.in, got, c.out)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("appendQuoted(%q) = %s: not JSON: %v", c.in, got, err)
		}
	}
}

func TestAppendTime(t *testing.T) {
	cases := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 6, 1, 7, 40, 0, 123e6, civil.JST), "2026-06-01T07:40:00.123+09:00"},
		{time.Date(2026, 6, 3, 9, 0, 0, 0, civil.JST), "2026-06-03T09:00:00+09:00"},
		{time.Date(2026, 6, 3, 9, 0, 0, 999999, civil.JST), "2026-06-03T09:00:00+09:00"},
		{time.Date(2026, 6, 3, 9, 0, 0, 1e6, civil.JST), "2026-06-03T09:00:00.001+09:00"},
		{time.Date(2026, 5, 31, 15, 0, 0, 0, time.UTC), "2026-06-01T00:00:00+09:00"},
		{time.Date(2026, 12, 31, 20, 30, 5, 0, time.FixedZone("", -5*3600)), "2027-01-01T10:30:05+09:00"},
		{time.Date(1969, 12, 31, 14, 59, 59, 500e6, time.UTC), "1969-12-31T23:59:59.500+09:00"},
		{time.Date(2028, 2, 29, 23, 59, 59, 0, civil.JST), "2028-02-29T23:59:59+09:00"},
	}
	for _, c := range cases {
		got := string(appendTime(nil, c.in))
		if got != c.want {
			t.Errorf("appendTime(%v) = %s, want %s", c.in, got, c.want)
		}
		back, ok := parseTime([]byte(got))
		if !ok || !back.Equal(c.in.Truncate(time.Millisecond)) {
			t.Errorf("parseTime(%s) = %v, %v", got, back, ok)
		}
	}
}

func TestParseTime(t *testing.T) {
	valid := []string{
		"2026-06-01T07:40:00+09:00", "2026-06-01T07:40:00Z", "2026-06-01T07:40:00.1Z",
		"2026-06-01T07:40:00.123456789+09:00", "2024-02-29T00:00:00-23:59", "0000-01-01T00:00:00Z",
	}
	for _, s := range valid {
		got, ok := parseTime([]byte(s))
		want, err := time.Parse(time.RFC3339Nano, s)
		if !ok || err != nil || !got.Equal(want) || got.Location() != civil.JST {
			t.Errorf("parseTime(%s) = %v, %v; time.Parse %v, %v", s, got, ok, want, err)
		}
	}
	invalid := []string{
		"", "2026-06-01", "2026-06-01T07:40:00", "2026-06-01T07:40:00+0900", "2026-06-01t07:40:00Z",
		"2026-06-01T07:40:00z", "2026-06-01T24:00:00Z", "2026-06-01T07:60:00Z", "2026-06-01T07:40:60Z",
		"2026-02-29T07:40:00Z", "2026-13-01T07:40:00Z", "2026-06-01T07:40:00.Z", "2026-06-01T07:40:00.1234567890Z",
		"2026-06-01T07:40:00+24:00", "2026-06-01T07:40:00+09:60", "2026-06-01T07:40:00,5Z", "+026-06-01T07:40:00Z",
		"2026-06-01T07:40:00+09:00 ", "2026-06-01T07:4a:00Z",
	}
	for _, s := range invalid {
		if got, ok := parseTime([]byte(s)); ok {
			t.Errorf("parseTime(%q) = %v, want rejection", s, got)
		}
	}
}

func TestAppendJSONAdjustmentKinds(t *testing.T) {
	base := Adjustment{ID: "adj-1", Staff: "T1", Date: civil.D(2026, 6, 2), Author: "a", Reason: "r",
		Created: time.Date(2026, 6, 3, 0, 0, 0, 0, time.UTC)}
	head := `{"v":1,"type":"adjustment","id":"adj-1","staff":"T1","date":"2026-06-02",`
	tail := `,"author":"a","reason":"r","created":"2026-06-03T09:00:00+09:00"}`
	cases := []struct {
		set  func(*Adjustment)
		want string
	}{
		{func(a *Adjustment) { a.Kind, a.Minutes = KindLeave, 465 }, `"kind":"leave","minutes":465`},
		{func(a *Adjustment) { a.Kind, a.Time, a.Dir = KindMissingPunch, "01:30", DirOut },
			`"kind":"missing_punch","time":"01:30","dir":"out"`},
		{func(a *Adjustment) { a.Kind, a.Target = KindRetract, "adj-0" }, `"kind":"retract","target":"adj-0"`},
	}
	for _, c := range cases {
		a := base
		c.set(&a)
		if err := a.Validate(time.Time{}); err != nil {
			t.Fatalf("%s: %v", a.Kind, err)
		}
		if got, want := string(a.AppendJSON(nil)), head+c.want+tail; got != want {
			t.Errorf("%s:\n got %s\nwant %s", a.Kind, got, want)
		}
	}
}

func TestValidateStructs(t *testing.T) {
	e, err := Decode([]byte(sampleAdj), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		set   func(*Adjustment)
		kind  error
		field string
	}{
		{"minutes on a retract", func(a *Adjustment) { a.Kind, a.Target = KindRetract, "adj-0" }, ErrUnknownField, "minutes"},
		{"time on a leave", func(a *Adjustment) { a.Time = "07:00" }, ErrUnknownField, "time"},
		{"dir on a leave", func(a *Adjustment) { a.Dir = DirIn }, ErrUnknownField, "dir"},
		{"target on a leave", func(a *Adjustment) { a.Target = "adj-0" }, ErrUnknownField, "target"},
		{"missing_punch without time", func(a *Adjustment) { a.Kind, a.Minutes, a.Dir = KindMissingPunch, 0, DirIn }, ErrInvalid, "time"},
		{"zero created", func(a *Adjustment) { a.Created = time.Time{} }, ErrInvalid, "created"},
		{"year 10000", func(a *Adjustment) { a.Created = time.Date(10000, 1, 1, 0, 0, 0, 0, civil.JST) }, ErrInvalid, "created"},
		{"author too long", func(a *Adjustment) { a.Author = strings.Repeat("x", 1001) }, ErrInvalid, "author"},
		{"no kind", func(a *Adjustment) { a.Kind = "" }, ErrInvalid, "kind"},
	}
	for _, c := range cases {
		a := e.Adjustment
		c.set(&a)
		err := a.Validate(time.Time{})
		var pe *Error
		if !errors.As(err, &pe) || !errors.Is(err, c.kind) || pe.Field != c.field {
			t.Errorf("%s: got %v, want %v on %q", c.name, err, c.kind, c.field)
		}
	}
	if err := (Event{Type: "punch"}).Validate(time.Time{}); !errors.Is(err, ErrType) {
		t.Errorf("Event of type punch: %v", err)
	}
}

// TestEncodingJSON embeds the types in a struct handled by encoding/json.
func TestEncodingJSON(t *testing.T) {
	e, err := Decode([]byte(sampleTap), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	type envelope struct {
		Event  Event       `json:"event"`
		Tap    Tap         `json:"tap"`
		Adj    *Adjustment `json:"adj"`
		Card   Card        `json:"card"`
		Status *Status     `json:"status,omitempty"`
	}
	card, _ := ParseCard(e.Tap.Card)
	in := envelope{Event: e, Tap: e.Tap, Card: card}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"event":` + sampleTap + `,"tap":` + sampleTap + `,"adj":null,"card":"felica:0123456789abcdef"}`
	if string(b) != want {
		t.Fatalf("json.Marshal:\n got %s\nwant %s", b, want)
	}
	var out envelope
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Event.Tap != e.Tap || out.Tap != e.Tap || out.Adj != nil || out.Card.String() != card.String() {
		t.Fatalf("json.Unmarshal = %+v", out)
	}
	if err := json.Unmarshal([]byte(`{"tap":`+sampleAdj+`}`), &out); !errors.Is(err, ErrType) {
		t.Errorf("an adjustment into a Tap: %v, want ErrType", err)
	}
	if err := json.Unmarshal([]byte(`{"tap":null}`), &out); err != nil || out.Tap != e.Tap {
		t.Errorf("null into a Tap: %v, %+v", err, out.Tap)
	}
	bad := e.Tap
	bad.Card = "felica:01"
	if _, err := json.Marshal(bad); !errors.Is(err, ErrCard) {
		t.Errorf("json.Marshal of a bad tap: %v, want ErrCard", err)
	}
}
