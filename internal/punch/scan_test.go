package punch

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// TestScanAgreesWithEncodingJSON runs the decoder over tricky JSON and checks
// it calls a syntax error exactly what encoding/json calls one.
func TestScanAgreesWithEncodingJSON(t *testing.T) {
	inputs := []string{
		``, ` `, `{`, `}`, `{}`, `[]`, `null`, `true`, `"x"`, `1`, `{} `, ` {}`, `{}{}`, `{},`, `{"a"}`, `{"a":}`,
		`{"a":1,}`, `{,"a":1}`, `{"a":1 "b":2}`, `{"a" 1}`, `{'a':1}`, `{a:1}`, `{"a":01}`, `{"a":-}`, `{"a":-0}`,
		`{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":1e+}`, `{"a":1E-7}`, `{"a":1.5e3}`, `{"a":+1}`, `{"a":0x1}`,
		`{"a":tru}`, `{"a":nul}`, `{"a":falsey}`, `{"a":"\x"}`, `{"a":"\u12"}`, `{"a":"\u12G4"}`, `{"a":"\uD83D"}`,
		`{"a":"` + "\x01" + `"}`, `{"a":"` + "\x7f" + `"}`, `{"a":"` + "\xff" + `"}`, `{"a":"\/\b\f\n\r\t\"\\"}`,
		`{"a":[1,2,[3,{"b":null}]]}`, `{"a":[1,2,]}`, `{"a":[,1]}`, `{"a":{"b":1,}}`, `{"a":{"b"}}`, `{"a":[}`,
		`{"a":1}` + "\n", "\t{\"a\"\r:\n1}", `{"a":1}x`, `{"a":"b"`, `{"a":"b`, `{"a`, `{"a":1` + "\x00" + `}`,
		"\ufeff{}", `{"a":[[[[[[[[[[]]]]]]]]]]}`, `{"":1}`, `{"\u0000":1}`,
	}
	for _, in := range inputs {
		valid := json.Valid([]byte(in))
		for _, decode := range []func([]byte) error{
			func(b []byte) error { _, err := Decode(b, time.Time{}); return err },
			func(b []byte) error { _, err := DecodeStatus(b, time.Time{}); return err },
			func(b []byte) error { _, err := DecodeFeedback(b); return err },
		} {
			err := decode([]byte(in))
			if err == nil {
				t.Errorf("%q accepted", in)
				continue
			}
			if syntax := errors.Is(err, ErrSyntax); syntax == valid {
				t.Errorf("%q: json.Valid %v, decoder %v", in, valid, err)
			}
		}
	}
}

func TestAppendUnescaped(t *testing.T) {
	cases := []string{
		`plain`, `\"\\\/\b\f\n\r\t`, `\u0041\u00e9\u4fee`, `\ud83d\ude8c`, `\ud800`, `\udc00`, `\ud800\u0041`,
		`\ud800\ud800\udc00`, `\udbff\udfff`, `a\u0000b`, `\uD83D\uDE8C`, `x\ud83dy`, `\ud83d\u`,
	}
	for _, raw := range cases {
		var want string
		if err := json.Unmarshal([]byte(`"`+raw+`"`), &want); err != nil {
			// not a valid string: only the scanner's business
			if _, _, _, serr := (&scanner{data: []byte(`"` + raw + `"`)}).str(); serr == nil {
				t.Errorf("%s: encoding/json rejects (%v), scanner accepts", raw, err)
			}
			continue
		}
		if got := string(appendUnescaped(nil, []byte(raw))); got != want {
			t.Errorf("appendUnescaped(%s) = %q, want %q", raw, got, want)
		}
	}
}

// TestSpecial8 checks the eight-byte test against the byte table for every
// byte value in every position, among plain and high bytes.
func TestSpecial8(t *testing.T) {
	for _, fill := range []byte{'a', 0x80, 0xff, 0x21, 0x5b, 0x5d} {
		for pos := 0; pos < 8; pos++ {
			for c := 0; c < 256; c++ {
				var b [8]byte
				for i := range b {
					b[i] = fill
				}
				b[pos] = byte(c)
				want := !plain[c] || !plain[fill]
				if got := special8(binary.LittleEndian.Uint64(b[:])); got != want {
					t.Fatalf("special8(%x) = %v, want %v", b, got, want)
				}
			}
		}
	}
}

func TestValidUTF8(t *testing.T) {
	for _, s := range []string{"", "ascii only, longer than eight", "修学旅行", "abcdefgh修", "abcdefghijklmnopq\u00e9"} {
		if !validUTF8([]byte(s)) {
			t.Errorf("validUTF8(%q) = false", s)
		}
	}
	for _, s := range []string{"\xff", "abcdefgh\xff", "abcdefghijklmnop\xe3\x81", "\xc0\xafabcdefgh"} {
		if validUTF8([]byte(s)) {
			t.Errorf("validUTF8(%q) = true", s)
		}
	}
}
