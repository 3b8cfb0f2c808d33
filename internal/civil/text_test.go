package civil

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDateText(t *testing.T) {
	textRoundTrip(t, []Date{D(2026, time.June, 2), D(1970, 1, 1), D(2000, 2, 29), D(9999, 12, 31), D(5, 3, 4)}, "2026-02-30")
}

func TestMonthText(t *testing.T) {
	textRoundTrip(t, []Month{MonthOf(2026, time.April), MonthOf(2027, time.March), MonthOf(12, time.December)}, "2026-13")
}

// textRoundTrip checks that each of vs is written as its String and read
// back, and that bad is refused.
func textRoundTrip[T interface {
	comparable
	String() string
	MarshalText() ([]byte, error)
}, P interface {
	*T
	UnmarshalText([]byte) error
}](t *testing.T, vs []T, bad string) {
	t.Helper()
	for _, v := range vs {
		b, err := v.MarshalText()
		if err != nil || string(b) != v.String() {
			t.Errorf("MarshalText(%v) = %q, %v", v, b, err)
		}
		var p T
		if err := P(&p).UnmarshalText(b); err != nil || p != v {
			t.Errorf("UnmarshalText(%q) = %v, %v", b, p, err)
		}
	}
	var p T
	if err := P(&p).UnmarshalText([]byte(bad)); err == nil {
		t.Errorf("UnmarshalText accepted %s", bad)
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
