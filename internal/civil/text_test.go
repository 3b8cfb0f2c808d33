package civil

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDateText(t *testing.T) {
	for _, d := range []Date{D(2026, time.June, 2), D(1970, 1, 1), D(2000, 2, 29), D(9999, 12, 31), D(5, 3, 4)} {
		b, err := d.MarshalText()
		if err != nil || string(b) != d.String() {
			t.Errorf("MarshalText(%v) = %q, %v", d, b, err)
		}
		var p Date
		if err := p.UnmarshalText(b); err != nil || p != d {
			t.Errorf("UnmarshalText(%q) = %v, %v", b, p, err)
		}
	}
	var p Date
	if err := p.UnmarshalText([]byte("2026-02-30")); err == nil {
		t.Error("UnmarshalText accepted 2026-02-30")
	}
}

func TestMonthText(t *testing.T) {
	for _, m := range []Month{MonthOf(2026, time.April), MonthOf(2027, time.March), MonthOf(12, time.December)} {
		b, err := m.MarshalText()
		if err != nil || string(b) != m.String() {
			t.Errorf("MarshalText(%v) = %q, %v", m, b, err)
		}
		var p Month
		if err := p.UnmarshalText(b); err != nil || p != m {
			t.Errorf("UnmarshalText(%q) = %v, %v", b, p, err)
		}
	}
	var p Month
	if err := p.UnmarshalText([]byte("2026-13")); err == nil {
		t.Error("UnmarshalText accepted 2026-13")
	}
}

func TestTextInJSON(t *testing.T) {
	type row struct {
		Date  Date  `json:"date"`
		Month Month `json:"month"`
	}
	in := row{D(2026, time.June, 2), MonthOf(2026, time.June)}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"date":"2026-06-02","month":"2026-06"}` {
		t.Fatalf("json = %s", b)
	}
	var out row
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Fatalf("round trip = %+v, %v", out, err)
	}
	m := map[Date]int{in.Date: 1}
	if b, err := json.Marshal(m); err != nil || string(b) != `{"2026-06-02":1}` {
		t.Fatalf("map key json = %s, %v", b, err)
	}
}
