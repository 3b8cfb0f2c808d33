package civil

import (
	"testing"
	"time"
)

func TestDateRoundTripAgainstTime(t *testing.T) {
	start := time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 365*40; i++ {
		tt := start.AddDate(0, 0, i)
		d := D(tt.Year(), tt.Month(), tt.Day())
		y, m, dd := d.YMD()
		if y != tt.Year() || m != tt.Month() || dd != tt.Day() {
			t.Fatalf("%v: got %d-%d-%d", tt, y, m, dd)
		}
		if d.Weekday() != tt.Weekday() {
			t.Fatalf("%v: weekday %v want %v", tt, d.Weekday(), tt.Weekday())
		}
		if got := d.String(); got != tt.Format("2006-01-02") {
			t.Fatalf("String %q", got)
		}
		p, err := Parse(d.String())
		if err != nil || p != d {
			t.Fatalf("Parse(%s) = %v, %v", d, p, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{"", "2026-02-29", "2026-13-01", "2026-1-01", "2026/01/01", "abcd-01-01", "2026-04-31"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
	if _, err := Parse("2028-02-29"); err != nil {
		t.Errorf("leap day rejected: %v", err)
	}
	for _, s := range []string{"2026-00", "2026-13", "26-01", "2026-1"} {
		if _, err := ParseMonth(s); err == nil {
			t.Errorf("ParseMonth(%q) accepted", s)
		}
	}
}

func TestWorkDate(t *testing.T) {
	cases := []struct {
		ts   string
		date string
		min  int
	}{
		{"2026-06-01T07:40:00+09:00", "2026-06-01", 460},
		{"2026-06-02T01:30:00+09:00", "2026-06-01", 1530},
		{"2026-06-02T03:59:59+09:00", "2026-06-01", 1679},
		{"2026-06-02T04:00:00+09:00", "2026-06-02", 240},
		{"2026-06-01T19:00:00Z", "2026-06-02", 240},
	}
	for _, c := range cases {
		tt, _ := time.Parse(time.RFC3339, c.ts)
		d, m := WorkDate(tt.Unix(), 240)
		if d.String() != c.date || m != c.min {
			t.Errorf("%s: got %s %d, want %s %d", c.ts, d, m, c.date, c.min)
		}
	}
}

func TestMonthAndFY(t *testing.T) {
	m, err := ParseMonth("2027-03")
	if err != nil {
		t.Fatal(err)
	}
	if m.FY() != 2026 || (m+1).FY() != 2027 || m.String() != "2027-03" {
		t.Errorf("FY of %s = %d, next %s FY %d", m, m.FY(), m+1, (m + 1).FY())
	}
	if FYStart(2026).String() != "2026-04" {
		t.Errorf("FYStart %s", FYStart(2026))
	}
	if got := MonthOf(2028, 2).Last().String(); got != "2028-02-29" {
		t.Errorf("Last = %s", got)
	}
	if d := D(2026, 6, 1); d.Month().String() != "2026-06" || d.FY() != 2026 {
		t.Errorf("month of %s", d)
	}
	if got := D(2026, 6, 1).At(19*60 + 10).Format(time.RFC3339); got != "2026-06-01T19:10:00+09:00" {
		t.Errorf("At = %s", got)
	}
}

func TestValidYMD(t *testing.T) {
	for _, c := range []struct {
		y, m, d int
		ok      bool
	}{
		{2026, 1, 31, true}, {2026, 4, 30, true}, {2026, 4, 31, false}, {2026, 2, 28, true}, {2026, 2, 29, false},
		{2028, 2, 29, true}, {1900, 2, 29, false}, {2000, 2, 29, true}, {2026, 0, 1, false}, {2026, 13, 1, false},
		{2026, 6, 0, false}, {2026, 12, 31, true}, {2026, 12, 32, false},
	} {
		if got := ValidYMD(c.y, c.m, c.d); got != c.ok {
			t.Errorf("ValidYMD(%d, %d, %d) = %v, want %v", c.y, c.m, c.d, got, c.ok)
		}
	}
}

// Scan reads bytes without allocating, as the tap decoder does, and the
// same text as a string.
func TestScan(t *testing.T) {
	for d := D(1999, 1, 1); d < D(2031, 1, 1); d++ {
		got, ok := Scan([]byte(d.String()))
		if !ok || got != d {
			t.Fatalf("Scan(%s) = %v, %v", d, got, ok)
		}
	}
	for _, s := range []string{"2026-02-29", "2100-02-29", "2026-04-31", "2026-00-01", "2026-01-00", "2026-1-01", "2026/01/01", ""} {
		if got, ok := Scan([]byte(s)); ok {
			t.Errorf("Scan(%q) = %v", s, got)
		}
		if got, ok := Scan(s); ok {
			t.Errorf("Scan(string %q) = %v", s, got)
		}
	}
	if _, ok := Scan("2000-02-29"); !ok {
		t.Error("Scan rejects 2000-02-29")
	}
	b := []byte("2026-06-01")
	if n := testing.AllocsPerRun(100, func() { Scan(b) }); n != 0 {
		t.Errorf("Scan of bytes: %v allocations, want 0", n)
	}
}
