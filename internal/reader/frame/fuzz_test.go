package frame

import (
	"bytes"
	"testing"
)

// FuzzDecoder checks the decoder on arbitrary bytes: it never panics, the
// frames it returns are in the input as written, and cutting the input into
// two writes anywhere changes nothing.
func FuzzDecoder(f *testing.F) {
	for _, v := range vectors {
		f.Add(unhex(f, v.wire), uint8(3))
	}
	f.Add(unhex(f, "55 55 00 00 00 00 00 FF 03 FD D4 14 01 17 00"), uint8(7))
	f.Add(unhex(f, "00 00 FF FF FF 00 03 FD D5 4B 00 E0 00 00 FF 00"), uint8(9))
	f.Add(unhex(f, "00 00 FF 03 FD D5 4B 00 E0 00 00 FF 00 FF 00"), uint8(10))
	f.Fuzz(func(t *testing.T, in []byte, cut uint8) {
		whole, wholeErrs := decodeAll(in, len(in))
		split, splitErrs := decodeAll(in, int(cut)%(len(in)+1))
		if len(whole) != len(split) || wholeErrs != splitErrs {
			t.Fatalf("%d frames and %d errors in one write, %d and %d in two", len(whole), wholeErrs, len(split), splitErrs)
		}
		for i, f := range whole {
			if f.String() != split[i].String() {
				t.Fatalf("frame %d: %v in one write, %v in two", i, f, split[i])
			}
			wire := f.Bytes()
			wire = wire[:len(wire)-1] // the postamble is optional
			if f.Kind == Info {
				wire = wire[5:] // TFI, data, DCS: the header may have been the extended one
			}
			if !bytes.Contains(in, wire) {
				t.Fatalf("frame %v (% X) is not in the input", f, wire)
			}
		}
	})
}

// decodeAll decodes in written to a Decoder in two parts, cut at cut, and
// returns the frames and the number of errors.
func decodeAll(in []byte, cut int) (frames []Frame, errs int) {
	var d Decoder
	for _, part := range [][]byte{in[:cut], in[cut:]} {
		d.Write(part)
		for {
			f, ok, err := d.Next()
			if err != nil {
				errs++
				continue
			}
			if !ok {
				break
			}
			frames = append(frames, f)
		}
	}
	return frames, errs
}

// FuzzParseFeliCaTarget checks the FeliCa poll answer parser on arbitrary
// bodies: no panic, and an IDm only from its place in the body.
func FuzzParseFeliCaTarget(f *testing.F) {
	f.Add(unhex(f, "01 01 12 01 01 2E 4C D2 3A 1B 5C 6D 03 32 42 82 82 47 AA FF"))
	f.Add(unhex(f, "01 01 14 01 01 2E 4C D2 3A 1B 5C 6D 03 32 42 82 82 47 AA FF 88 B4"))
	f.Fuzz(func(t *testing.T, body []byte) {
		idm, err := parseFeliCaTarget(body)
		if err == nil && idm != nil && (len(idm) != 8 || !bytes.Equal(idm, body[4:12])) {
			t.Fatalf("IDm % X from % X", idm, body)
		}
	})
}

// FuzzParseTypeATarget checks the Type A poll answer parser on arbitrary
// bodies: no panic, and a UID only of an allowed length taken from the body.
func FuzzParseTypeATarget(f *testing.F) {
	f.Add(unhex(f, "01 01 00 44 00 07 04 A2 4B 72 3C 5E 80"))
	f.Add(unhex(f, "01 01 00 04 20 04 A1 B2 C3 D4 05 78 80 70 02"))
	f.Add(unhex(f, "02 01 00 04 08 04 A1 B2 C3 D4 02 00 04 08 04 01 02 03 04"))
	f.Fuzz(func(t *testing.T, body []byte) {
		uid, err := parseTypeATarget(body)
		if err != nil || uid == nil {
			return
		}
		if n := len(uid); n != 4 && n != 7 && n != 10 || !bytes.Equal(uid, body[6:6+n]) {
			t.Fatalf("UID % X from % X", uid, body)
		}
	})
}
