package tapid

import (
	"errors"
	"testing"

	"timeclock/internal/punch"
)

func TestString(t *testing.T) {
	cases := []struct {
		id   ID
		want string
	}{
		{ID{"gw-e01-a", 3, 42}, "gw-e01-a:3:000042"},
		{ID{"g", 1, 1}, "g:1:000001"},
		{ID{"g", 4294967295, 999999}, "g:4294967295:999999"},
		{ID{"g", 2, 1000000}, "g:2:1000000"},
		{ID{"g", 2, 18446744073709551615}, "g:2:18446744073709551615"},
	}
	for _, c := range cases {
		if got := c.id.String(); got != c.want {
			t.Errorf("%+v.String() = %q, want %q", c.id, got, c.want)
		}
		back, err := Parse(c.want)
		if err != nil || back != c.id {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", c.want, back, err, c.id)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, s := range []string{
		"", "gw", "gw:3", "gw:3:42", "gw:3:0000042", "gw:03:000042", "gw:0:000001", "gw:3:000000",
		"GW:3:000001", "g w:3:000001", ":3:000001", "gw::000001", "gw:3:", "gw:3:-00001", "gw:+3:000001",
		"gw:4294967296:000001", "gw:1:18446744073709551616", "gw:1:2:000003",
		"a23456789012345678901234567890123456789012:1:000001",
	} {
		if id, err := Parse(s); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %+v, %v; want ErrSyntax", s, id, err)
		}
	}
}

func TestLess(t *testing.T) {
	cases := []struct {
		a, b ID
		want bool
	}{
		{ID{"g", 1, 2}, ID{"g", 1, 3}, true},
		{ID{"g", 1, 3}, ID{"g", 1, 2}, false},
		{ID{"g", 1, 999}, ID{"g", 2, 1}, true},
		{ID{"g", 2, 1}, ID{"g", 1, 999}, false},
		{ID{"g", 2, 1}, ID{"g", 2, 1}, false},
	}
	for _, c := range cases {
		if got := c.a.Less(c.b); got != c.want {
			t.Errorf("%v.Less(%v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// FuzzParse checks that whatever Parse accepts writes back to the same bytes:
// one tap has one spelling.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"gw-e01-a:3:000042", "g:1:1000000", "gw:03:000042", "x:1:2:3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := Parse(s)
		if err != nil {
			return
		}
		if id.String() != s {
			t.Fatalf("Parse(%q) = %+v, which writes %q", s, id, id.String())
		}
		if !punch.ValidName(id.Gateway) || id.Boot == 0 || id.Seq == 0 {
			t.Fatalf("Parse(%q) accepted %+v", s, id)
		}
	})
}
