package reader

import "testing"

func TestKinds(t *testing.T) {
	cases := []struct {
		kind   Kind
		baud   int
		polled bool
		reads  string
	}{
		{RCS620S, 115200, true, "felica"},
		{PN532, 115200, true, "felica mifare"},
		{EM4100, 9600, false, "em4100"},
	}
	for _, c := range cases {
		k, err := ParseKind(string(c.kind))
		if err != nil || k != c.kind || k.Baud() != c.baud || k.Polled() != c.polled {
			t.Errorf("%s: ParseKind %v %v, Baud %d, Polled %v", c.kind, k, err, k.Baud(), k.Polled())
		}
		var reads string
		for _, tech := range []string{"felica", "mifare", "em4100", "wiegand26"} {
			if k.Reads(tech) {
				if reads != "" {
					reads += " "
				}
				reads += tech
			}
		}
		if reads != c.reads {
			t.Errorf("%s reads %q, want %q", c.kind, reads, c.reads)
		}
	}
	if _, err := ParseKind("wiegand26"); err == nil {
		t.Error("ParseKind(wiegand26): no error")
	}
}
