package punch

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseCard(t *testing.T) {
	cases := []struct {
		in   string
		tech string
		uid  []byte
	}{
		{"felica:0123456789abcdef", TechFeliCa, []byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}},
		{"mifare:04a24b72", TechMifare, []byte{0x04, 0xa2, 0x4b, 0x72}},
		{"mifare:04a24b723c5e80", TechMifare, []byte{0x04, 0xa2, 0x4b, 0x72, 0x3c, 0x5e, 0x80}},
		{"mifare:04a24b723c5e80112233", TechMifare, []byte{0x04, 0xa2, 0x4b, 0x72, 0x3c, 0x5e, 0x80, 0x11, 0x22, 0x33}},
		{"em4100:67003b51c6", TechEM4100, []byte{0x67, 0x00, 0x3b, 0x51, 0xc6}},
		{"wiegand26:d41b81", TechWiegand26, []byte{0xd4, 0x1b, 0x81}},
		{"wiegand34:89d41b81", TechWiegand34, []byte{0x89, 0xd4, 0x1b, 0x81}},
	}
	for _, c := range cases {
		got, err := ParseCard(c.in)
		if err != nil {
			t.Errorf("ParseCard(%q): %v", c.in, err)
			continue
		}
		if got.Tech != c.tech || !bytes.Equal(got.UID, c.uid) {
			t.Errorf("ParseCard(%q) = %s %x, want %s %x", c.in, got.Tech, got.UID, c.tech, c.uid)
		}
		if s := FormatCard(c.tech, c.uid); s != c.in {
			t.Errorf("FormatCard(%s, %x) = %q, want %q", c.tech, c.uid, s, c.in)
		}
		if s := got.String(); s != c.in {
			t.Errorf("String() = %q, want %q", s, c.in)
		}
	}
}

func TestParseCardErrors(t *testing.T) {
	cases := []struct {
		in, err string
	}{
		{"", `card: invalid card: "": want {tech}:{hex}`},
		{"0123456789abcdef", `card: invalid card: "0123456789abcdef": want {tech}:{hex}`},
		{"iclass:01020304", `card: invalid card: "iclass:01020304": unknown tech "iclass" (want felica, mifare, em4100, wiegand26 or wiegand34)`},
		{"FeliCa:0123456789abcdef", `card: invalid card: "FeliCa:0123456789abcdef": unknown tech "FeliCa" (want felica, mifare, em4100, wiegand26 or wiegand34)`},
		{"felica:0123456789ABCDEF", `card: invalid card: "felica:0123456789ABCDEF": want lowercase hex digits after "felica:"`},
		{"felica:0123456789abcde", `card: invalid card: "felica:0123456789abcde": odd number of hex digits`},
		{"felica:0123456789abcdef00", `card: invalid card: "felica:0123456789abcdef00": felica UID of 9 bytes (want 8)`},
		{"felica:", `card: invalid card: "felica:": felica UID of 0 bytes (want 8)`},
		{"mifare:0102030405", `card: invalid card: "mifare:0102030405": mifare UID of 5 bytes (want 4, 7 or 10)`},
		{"em4100:67003b51", `card: invalid card: "em4100:67003b51": em4100 UID of 4 bytes (want 5)`},
		{"wiegand26:d41b8100", `card: invalid card: "wiegand26:d41b8100": wiegand26 UID of 4 bytes (want 3)`},
		{"wiegand34:89d41b", `card: invalid card: "wiegand34:89d41b": wiegand34 UID of 3 bytes (want 4)`},
		{"felica: 0123456789abcde", `card: invalid card: "felica: 0123456789abcde": want lowercase hex digits after "felica:"`},
		{"felica:01:23456789abcdef", `card: invalid card: "felica:01:23456789abcdef": want lowercase hex digits after "felica:"`},
	}
	for _, c := range cases {
		_, err := ParseCard(c.in)
		if err == nil {
			t.Errorf("ParseCard(%q) accepted", c.in)
			continue
		}
		if err.Error() != c.err {
			t.Errorf("ParseCard(%q) error\n got %s\nwant %s", c.in, err, c.err)
		}
		if !errors.Is(err, ErrCard) {
			t.Errorf("ParseCard(%q): %v is not ErrCard", c.in, err)
		}
	}
}

func TestCardText(t *testing.T) {
	var c Card
	if err := c.UnmarshalText([]byte("em4100:67003b51c6")); err != nil {
		t.Fatal(err)
	}
	b, err := c.MarshalText()
	if err != nil || string(b) != "em4100:67003b51c6" {
		t.Fatalf("MarshalText = %q, %v", b, err)
	}
	if err := c.UnmarshalText([]byte("em4100:67")); err == nil {
		t.Fatal("UnmarshalText accepted a short UID")
	}
}

func TestCheckCardDoesNotAllocate(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		if _, _, err := checkCard("mifare:04a24b723c5e80"); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Fatalf("checkCard allocates %v times", n)
	}
}

func FuzzParseCard(f *testing.F) {
	for _, s := range []string{"felica:0123456789abcdef", "mifare:04a24b72", "em4100:67003b51c6", "wiegand26:d41b81", "x:", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCard(s)
		if err != nil {
			if !errors.Is(err, ErrCard) {
				t.Fatalf("ParseCard(%q): error %v is not ErrCard", s, err)
			}
			return
		}
		if got := c.String(); got != s {
			t.Fatalf("ParseCard(%q).String() = %q: not canonical", s, got)
		}
	})
}
