package punch_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"timeclock/internal/civil"
	"timeclock/internal/punch"
)

// refEvent is what encoding/json makes of an event, the reference the
// hand-written decoder is compared with. Pointers tell absent from zero.
type refEvent struct {
	V       *int       `json:"v"`
	Type    *string    `json:"type"`
	ID      *string    `json:"id"`
	Board   *string    `json:"board"`
	School  *string    `json:"school"`
	Gateway *string    `json:"gateway"`
	Reader  *string    `json:"reader"`
	Card    *string    `json:"card"`
	Dir     *string    `json:"dir"`
	TS      *time.Time `json:"ts"`
	Clock   *string    `json:"clock"`
	Staff   *string    `json:"staff"`
	Date    *string    `json:"date"`
	Kind    *string    `json:"kind"`
	Minutes *int       `json:"minutes"`
	Time    *string    `json:"time"`
	Target  *string    `json:"target"`
	Author  *string    `json:"author"`
	Reason  *string    `json:"reason"`
	Created *time.Time `json:"created"`
}

func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the value")
	}
	return nil
}

func addSeeds(f *testing.F, set goldenSet) {
	for _, s := range validSamples(set) {
		f.Add(s.Data)
	}
	for _, s := range invalidSamples(set) {
		f.Add(s.Data)
	}
}

// reencode checks that v, decoded from data, encodes as JSON that decodes
// again and then encodes to the same bytes (the encoding is canonical), and
// returns the second decoding.
func reencode[T interface{ AppendJSON([]byte) []byte }](t *testing.T, data []byte, v T, decode func([]byte) (T, error)) T {
	t.Helper()
	out := v.AppendJSON(nil)
	v2, err := decode(out)
	if err != nil {
		t.Fatalf("%q encodes as %s, which does not decode: %v", data, out, err)
	}
	if out2 := v2.AppendJSON(nil); !bytes.Equal(out, out2) {
		t.Fatalf("not canonical: %s re-encodes as %s", out, out2)
	}
	return v2
}

// checkSyntax holds the decoder to encoding/json on syntax: what json.Valid
// rejects is rejected, and ErrSyntax only for what json.Valid rejects.
func checkSyntax(t *testing.T, data []byte, err error) {
	t.Helper()
	valid := json.Valid(data)
	if !valid && err == nil {
		t.Fatalf("accepted invalid JSON %q", data)
	}
	if valid && errors.Is(err, punch.ErrSyntax) {
		t.Fatalf("%q: reported %v, but encoding/json finds it valid", data, err)
	}
	var pe *punch.Error
	if err != nil && !errors.As(err, &pe) {
		t.Fatalf("%q: error %v is a %T, not a *punch.Error", data, err, err)
	}
}

func FuzzDecode(f *testing.F) {
	addSeeds(f, setEvents)
	f.Add([]byte(`{"v":1,"type":"tap","id":"g:1:1","board":"b","school":"s","gateway":"g","reader":"r","card":"em4100:0102030405","dir":"in","ts":"2026-06-01T07:40:00.123456789Z","clock":"unsynced"}`))
	f.Add([]byte(` {"clock":"synced","ts":"2026-06-01T07:40:00-03:30","dir":"out","card":"mifare:01020304","reader":"r","gateway":"g","school":"s","board":"b","id":"g:0:0","type":"tap","v":1} `))
	f.Add([]byte(`{"v":1,"type":"adjustment","id":"adj-1","staff":"T1","date":"2026-06-02","kind":"self_study","minutes":5,"author":"\u0041","reason":"\ud83d\ude00 \ud800 \/","created":"2026-06-03T09:00:00+09:00"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := punch.Decode(data, time.Time{})
		checkSyntax(t, data, err)
		if err != nil {
			return
		}
		var ref refEvent
		if err := strictUnmarshal(data, &ref); err != nil {
			t.Fatalf("accepted %q, encoding/json rejects it: %v", data, err)
		}
		compareRef(t, data, e, ref)
		e2 := reencode(t, data, e, func(b []byte) (punch.Event, error) { return punch.Decode(b, time.Time{}) })
		if !e2.Tap.TS.Equal(e.Tap.TS.Truncate(time.Millisecond)) ||
			!e2.Adjustment.Created.Equal(e.Adjustment.Created.Truncate(time.Millisecond)) {
			t.Fatalf("%q: times change in a round trip: %s", data, e2.AppendJSON(nil))
		}
	})
}

// compareRef checks e has the values encoding/json found in the same input.
func compareRef(t *testing.T, data []byte, e punch.Event, ref refEvent) {
	t.Helper()
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	type pair struct {
		field, got, want string
	}
	pairs := []pair{{"type", string(e.Type), str(ref.Type)}}
	var minutes int
	if ref.Minutes != nil {
		minutes = *ref.Minutes
	}
	switch e.Type {
	case punch.TypeTap:
		tp := e.Tap
		pairs = append(pairs, pair{"id", tp.ID, str(ref.ID)}, pair{"board", tp.Board, str(ref.Board)},
			pair{"school", tp.School, str(ref.School)}, pair{"gateway", tp.Gateway, str(ref.Gateway)},
			pair{"reader", tp.Reader, str(ref.Reader)}, pair{"card", tp.Card, str(ref.Card)},
			pair{"dir", string(tp.Dir), str(ref.Dir)}, pair{"clock", string(tp.Clock), str(ref.Clock)})
		if ref.TS == nil || !tp.TS.Equal(*ref.TS) {
			t.Fatalf("%q: ts %v, encoding/json %v", data, tp.TS, ref.TS)
		}
	case punch.TypeAdjustment:
		a := e.Adjustment
		pairs = append(pairs, pair{"id", a.ID, str(ref.ID)}, pair{"staff", a.Staff, str(ref.Staff)},
			pair{"date", a.Date.String(), str(ref.Date)}, pair{"kind", string(a.Kind), str(ref.Kind)},
			pair{"time", a.Time, str(ref.Time)}, pair{"dir", string(a.Dir), str(ref.Dir)},
			pair{"target", a.Target, str(ref.Target)}, pair{"author", a.Author, str(ref.Author)},
			pair{"reason", a.Reason, str(ref.Reason)})
		if a.Minutes != minutes {
			t.Fatalf("%q: minutes %d, encoding/json %d", data, a.Minutes, minutes)
		}
		if ref.Created == nil || !a.Created.Equal(*ref.Created) {
			t.Fatalf("%q: created %v, encoding/json %v", data, a.Created, ref.Created)
		}
		if d, err := civil.Parse(str(ref.Date)); err != nil || d != a.Date {
			t.Fatalf("%q: date %v, encoding/json %q", data, a.Date, str(ref.Date))
		}
	}
	if ref.V == nil || *ref.V != 1 {
		t.Fatalf("%q: accepted, encoding/json reads v %v", data, ref.V)
	}
	for _, p := range pairs {
		if p.got != p.want {
			t.Fatalf("%q: %s %q, encoding/json %q", data, p.field, p.got, p.want)
		}
	}
}

func FuzzDecodeStatus(f *testing.F) {
	addSeeds(f, setStatuses)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := punch.DecodeStatus(data, time.Time{})
		checkSyntax(t, data, err)
		if err != nil {
			return
		}
		var ref struct {
			Online      *bool             `json:"online"`
			TS          *time.Time        `json:"ts"`
			Queue       *int              `json:"queue"`
			ClockSynced *bool             `json:"clock_synced"`
			Readers     map[string]string `json:"readers"`
			Version     *string           `json:"version"`
		}
		if err := strictUnmarshal(data, &ref); err != nil {
			t.Fatalf("accepted %q, encoding/json rejects it: %v", data, err)
		}
		if ref.Online == nil || *ref.Online != s.Online || ref.TS == nil || !ref.TS.Equal(s.TS) ||
			ref.Queue == nil || *ref.Queue != s.Queue || ref.ClockSynced == nil || *ref.ClockSynced != s.ClockSynced ||
			ref.Version == nil || *ref.Version != s.Version || len(ref.Readers) != len(s.Readers) {
			t.Fatalf("%q: decoded %+v, encoding/json %+v", data, s, ref)
		}
		for k, v := range ref.Readers {
			if s.Readers[k] != v {
				t.Fatalf("%q: reader %q = %q, encoding/json %q", data, k, s.Readers[k], v)
			}
		}
		reencode(t, data, s, func(b []byte) (punch.Status, error) { return punch.DecodeStatus(b, time.Time{}) })
	})
}

func FuzzDecodeFeedback(f *testing.F) {
	addSeeds(f, setFeedback)
	f.Fuzz(func(t *testing.T, data []byte) {
		fb, err := punch.DecodeFeedback(data)
		checkSyntax(t, data, err)
		if err != nil {
			return
		}
		var ref punch.Feedback
		var raw struct {
			ID               *string `json:"id"`
			Result           *string `json:"result"`
			Staff            *string `json:"staff"`
			TodayMin         *int    `json:"today_min"`
			MonthOvertimeMin *int    `json:"month_overtime_min"`
			Level            *string `json:"level"`
		}
		if err := strictUnmarshal(data, &raw); err != nil {
			t.Fatalf("accepted %q, encoding/json rejects it: %v", data, err)
		}
		if raw.ID == nil || raw.Result == nil || raw.Staff == nil || raw.TodayMin == nil ||
			raw.MonthOvertimeMin == nil || raw.Level == nil {
			t.Fatalf("accepted %q, encoding/json misses a field: %+v", data, raw)
		}
		ref = punch.Feedback{ID: *raw.ID, Result: punch.Result(*raw.Result), Staff: *raw.Staff,
			TodayMin: *raw.TodayMin, MonthOvertimeMin: *raw.MonthOvertimeMin, Level: punch.Level(*raw.Level)}
		if fb != ref {
			t.Fatalf("%q: decoded %+v, encoding/json %+v", data, fb, ref)
		}
		if fb2 := reencode(t, data, fb, punch.DecodeFeedback); fb2 != fb {
			t.Fatalf("%q: %+v decodes again as %+v", data, fb, fb2)
		}
	})
}
