package punch

import (
	"errors"
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	cases := []struct {
		in string
		ok bool
	}{
		{"nakatsu", true}, {"nakatsu-e01", true}, {"gw-e01-a", true}, {"0", true}, {"-", true},
		{strings.Repeat("a", 40), true}, {strings.Repeat("a", 41), false}, {"", false},
		{"Nakatsu", false}, {"naka_tsu", false}, {"naka tsu", false}, {"naka/tsu", false},
		{"+", false}, {"#", false}, {"中津", false},
	}
	for _, c := range cases {
		if got := ValidName(c.in); got != c.ok {
			t.Errorf("ValidName(%q) = %v, want %v", c.in, got, c.ok)
		}
	}
}

func TestValidStaffID(t *testing.T) {
	for _, s := range []string{"T0001", "t1", "office_07.b", "A-1", strings.Repeat("9", 64)} {
		if !ValidStaffID(s) {
			t.Errorf("ValidStaffID(%q) = false", s)
		}
	}
	for _, s := range []string{"", "T 1", "T/1", "山田", strings.Repeat("9", 65), "T1\n"} {
		if ValidStaffID(s) {
			t.Errorf("ValidStaffID(%q) = true", s)
		}
	}
}

func TestTapID(t *testing.T) {
	cases := []struct {
		gw        string
		boot, seq uint64
		id        string
	}{
		{"gw-e01-a", 3, 42, "gw-e01-a:3:000042"},
		{"g", 0, 0, "g:0:000000"},
		{"g", 1, 123456, "g:1:123456"},
		{"g", 1, 1234567, "g:1:1234567"},
		{"g", 1<<64 - 1, 1<<64 - 1, "g:18446744073709551615:18446744073709551615"},
	}
	for _, c := range cases {
		id := FormatTapID(c.gw, c.boot, c.seq)
		if id != c.id {
			t.Errorf("FormatTapID(%s, %d, %d) = %s, want %s", c.gw, c.boot, c.seq, id, c.id)
		}
		gw, boot, seq, err := ParseTapID(id)
		if err != nil || gw != c.gw || boot != c.boot || seq != c.seq {
			t.Errorf("ParseTapID(%s) = %s, %d, %d, %v", id, gw, boot, seq, err)
		}
	}
	for _, id := range []string{"", "g", "g:1", "g:1:", "g::1", ":1:1", "G:1:1", "g:1:1:1", "g:-1:1", "g:1:+1",
		"g:1:18446744073709551616", "g:1:000000000000000000001", "g:1: 1"} {
		if _, _, _, err := ParseTapID(id); !errors.Is(err, ErrID) {
			t.Errorf("ParseTapID(%q) = %v, want ErrID", id, err)
		}
	}
}

func TestAdjustmentID(t *testing.T) {
	for _, s := range []string{"adj-000123", "adj-1", "adj-2026-0603-0001", "adj-" + strings.Repeat("a", 60)} {
		if !ValidAdjustmentID(s) {
			t.Errorf("ValidAdjustmentID(%q) = false", s)
		}
	}
	for _, s := range []string{"", "adj-", "adj", "ADJ-1", "adj-A", "adj_1", "x-1", "adj-" + strings.Repeat("a", 61), "adj-1 "} {
		if ValidAdjustmentID(s) {
			t.Errorf("ValidAdjustmentID(%q) = true", s)
		}
	}
}

func TestWorkMinute(t *testing.T) {
	cases := []struct {
		in  string
		min int
	}{
		{"07:40", 460}, {"01:30", 1530}, {"00:00", 1440}, {"03:59", 1679}, {"04:00", 240}, {"23:59", 1439},
		{"19:05", 1145}, {"12:00", 720},
	}
	for _, c := range cases {
		got, err := WorkMinute(c.in)
		if err != nil || got != c.min {
			t.Errorf("WorkMinute(%s) = %d, %v, want %d", c.in, got, err, c.min)
		}
	}
	for _, s := range []string{"", "7:40", "07:4", "0740", "24:00", "25:00", "07:60", "07-40", "07:40 ", "ab:cd", "-1:00"} {
		if _, err := WorkMinute(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("WorkMinute(%q) = %v, want ErrInvalid", s, err)
		}
	}
}

func TestCheckText(t *testing.T) {
	for _, s := range []string{"修学旅行引率", "a", "引率 \"県大会\" \\ ok", strings.Repeat("x", 1000)} {
		if err := checkText("reason", s); err != nil {
			t.Errorf("checkText(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "a\tb", "a\x00", "a\x7f", "a\u0085", "bad \xff", strings.Repeat("x", 1001)} {
		if err := checkText("reason", s); !errors.Is(err, ErrInvalid) {
			t.Errorf("checkText(%q) = %v, want ErrInvalid", s, err)
		}
	}
}
