package clocktrust

import "testing"

func TestParseBootID(t *testing.T) {
	cases := []struct {
		in   string
		ok   bool
		head byte
	}{
		{"3b2a1c0e-5d4f-4a3b-9c8d-7e6f5a4b3c2d\n", true, 0x3b},
		{"3B2A1C0E-5D4F-4A3B-9C8D-7E6F5A4B3C2D", true, 0x3b},
		{"3b2a1c0e-5d4f-4a3b-9c8d", false, 0},
		{"zz2a1c0e-5d4f-4a3b-9c8d-7e6f5a4b3c2d", false, 0},
		{"", false, 0},
	}
	for _, c := range cases {
		id, err := parseBootID(c.in)
		if (err == nil) != c.ok || id[0] != c.head {
			t.Errorf("parseBootID(%q) = %x, %v", c.in, id, err)
		}
	}
}

func TestSystem(t *testing.T) {
	s, err := NewSystem()
	if err != nil {
		t.Fatal(err)
	}
	if s.OSBoot() == ([16]byte{}) {
		t.Fatal("empty kernel boot id")
	}
	_, b1 := s.Now()
	_, b2 := s.Now()
	if b1 <= 0 || b2 < b1 {
		t.Fatalf("boot time %v then %v", b1, b2)
	}
	if _, err := s.Synced(); err != nil {
		t.Fatalf("adjtimex: %v", err)
	}
}
