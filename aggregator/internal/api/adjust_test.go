package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"timeclock/internal/punch"
)

func TestDecodeAdjustment(t *testing.T) {
	tests := []struct {
		body    string
		wantErr string
		want    adjustmentIn
	}{
		{`{"staff":"T1","date":"2026-06-02","kind":"offsite","minutes":120,"reason":"引率"}`, "",
			adjustmentIn{Staff: "T1", Date: "2026-06-02", Kind: "offsite", Minutes: 120, Reason: "引率"}},
		{`{"staff":"T1","author":"me"}`, "unknown field", adjustmentIn{}},
		{`{"staff":"T1"} {"staff":"T2"}`, "one JSON object", adjustmentIn{}},
		{`{"staff":`, "body", adjustmentIn{}},
		{`{"minutes":"120"}`, "body", adjustmentIn{}},
	}
	for _, tt := range tests {
		got, err := decodeAdjustment(strings.NewReader(tt.body))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err %v, want %q", tt.body, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: %+v %v, want %+v", tt.body, got, err, tt.want)
		}
	}
}

func FuzzDecodeAdjustment(f *testing.F) {
	f.Add(`{"id":"adj-1","staff":"T1","date":"2026-06-02","kind":"missing_punch","time":"01:30","dir":"out","reason":"x"}`)
	f.Add(`{"staff":"T1","kind":"retract","target":"adj-1"}`)
	f.Fuzz(func(t *testing.T, body string) {
		in, err := decodeAdjustment(strings.NewReader(body))
		if err != nil {
			return
		}
		// what decodes survives a round trip through its own encoding
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		again, err := decodeAdjustment(bytes.NewReader(b))
		if err != nil || again != in {
			t.Fatalf("round trip of %q: %+v %v, want %+v", body, again, err, in)
		}
	})
}

func TestNewAdjustmentID(t *testing.T) {
	a, b := newAdjustmentID(1_700_000_000_000_000_000), newAdjustmentID(1_700_000_000_000_000_000)
	if a == b {
		t.Errorf("two ids in the same nanosecond are equal: %s", a)
	}
	for _, id := range []string{a, b} {
		if !punch.ValidAdjustmentID(id) {
			t.Errorf("id %q is not an adjustment id", id)
		}
	}
}
