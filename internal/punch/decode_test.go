package punch

import (
	"errors"
	"strings"
	"testing"
	"time"

	"timeclock/internal/civil"
)

const sampleTap = `{"v":1,"type":"tap","id":"gw-e01-a:3:000042","board":"nakatsu","school":"nakatsu-e01","gateway":"gw-e01-a","reader":"entrance","card":"felica:0123456789abcdef","dir":"tap","ts":"2026-06-01T07:40:00.123+09:00","clock":"synced"}`

const sampleAdj = `{"v":1,"type":"adjustment","id":"adj-000123","staff":"T0001","date":"2026-06-02","kind":"offsite","minutes":120,"author":"principal-e01","reason":"修学旅行引率","created":"2026-06-03T09:00:00+09:00"}`

// TestDecodeNonCanonical decodes valid input in forms the encoder does not
// write and checks what it canonicalises to.
func TestDecodeNonCanonical(t *testing.T) {
	cases := []struct {
		name, in, out string
	}{
		{"FORMATS.md example with line breaks and spaces",
			"{\"v\":1,\"type\":\"tap\",\"id\":\"gw-e01-a:3:000042\",\"board\":\"nakatsu\",\"school\":\"nakatsu-e01\",\"gateway\":\"gw-e01-a\",\n \"reader\":\"entrance\",\"card\":\"felica:0123456789abcdef\",\"dir\":\"tap\",\"ts\":\"2026-06-01T07:40:00.123+09:00\",\n \"clock\":\"synced\"}\r\n",
			sampleTap},
		{"keys in reverse order",
			`{"clock":"synced","ts":"2026-06-01T07:40:00.123+09:00","dir":"tap","card":"felica:0123456789abcdef","reader":"entrance","gateway":"gw-e01-a","school":"nakatsu-e01","board":"nakatsu","id":"gw-e01-a:3:000042","type":"tap","v":1}`,
			sampleTap},
		{"UTC and sub-millisecond digits",
			strings.Replace(sampleTap, "2026-06-01T07:40:00.123+09:00", "2026-05-31T22:40:00.123999999Z", 1),
			sampleTap},
		{"negative offset, one fraction digit",
			strings.Replace(sampleTap, "2026-06-01T07:40:00.123+09:00", "2026-05-31T19:10:00.1-03:30", 1),
			strings.Replace(sampleTap, "07:40:00.123", "07:40:00.100", 1)},
		{"escaped keys and values",
			`{"\u0076":1,"typ\u0065":"t\u0061p","id":"gw-e01-a:3:000042","board":"nakatsu","school":"nakatsu\u002de01","gateway":"gw-e01-a","reader":"entrance","card":"felica:0123456789abcdef","dir":"tap","ts":"2026\u002d06-01T07:40:00.123+09:00","clock":"sync\u0065d"}`,
			sampleTap},
		{"escapes in a reason",
			strings.Replace(sampleAdj, "修学旅行引率", `\u4fee\u5b66\u65c5\u884c \"\u5f15\u7387\" \/ \\ \ud83d\ude8c \ud800x`, 1),
			strings.Replace(sampleAdj, "修学旅行引率", `修学旅行 \"引率\" / \\ 🚌 �x`, 1)},
		{"minus zero minutes of an offset",
			strings.Replace(sampleAdj, "+09:00", "-00:00", 1),
			strings.Replace(sampleAdj, "09:00:00+09:00", "18:00:00+09:00", 1)},
	}
	for _, c := range cases {
		e, err := Decode([]byte(c.in), time.Time{})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := string(e.AppendJSON(nil)); got != c.out {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.out)
		}
	}
}

// TestDecodeOrder checks which fault is reported when there are several: the
// order is fixed, whatever the order of the keys.
func TestDecodeOrder(t *testing.T) {
	cases := []struct {
		name, in string
		kind     error
		field    string
	}{
		{"syntax before version", `{"v":2,"type":"tap"`, ErrSyntax, ""},
		{"syntax after an unknown field", `{"x":1,"v":1,"type":"tap",}`, ErrSyntax, ""},
		{"version before type", `{"type":"punch","v":2}`, ErrVersion, "v"},
		{"type before unknown fields", `{"x":1,"v":1,"type":"punch"}`, ErrType, "type"},
		{"unknown field before missing ones", `{"v":1,"type":"tap","x":1}`, ErrUnknownField, "x"},
		{"first unknown field in input order", `{"v":1,"type":"tap","b":1,"a":1}`, ErrUnknownField, "b"},
		{"repeat before a later unknown", `{"v":1,"v":1,"type":"tap","x":1}`, ErrInvalid, "v"},
		{"unknown before a later repeat", `{"v":1,"type":"tap","x":1,"v":1}`, ErrUnknownField, "x"},
		{"missing in written order", `{"v":1,"type":"tap","clock":"synced"}`, ErrMissing, "id"},
		{"kind before its fields", `{"v":1,"type":"adjustment","time":"07:00"}`, ErrMissing, "kind"},
		{"field of another kind before missing", `{"v":1,"type":"adjustment","kind":"retract","minutes":5}`,
			ErrUnknownField, "minutes"},
		{"value types before value checks",
			strings.Replace(strings.Replace(sampleTap, `"board":"nakatsu"`, `"board":"N"`, 1), `"clock":"synced"`, `"clock":1`, 1),
			ErrInvalid, "clock"},
		{"card before ts", strings.Replace(strings.Replace(sampleTap, "felica:", "x:", 1), "2026-06-01", "2027-06-01", 1),
			ErrCard, "card"},
		{"id format before the names", strings.Replace(strings.Replace(sampleTap, "gw-e01-a:3", "gw-e01-a:x", 1), `"board":"nakatsu"`, `"board":"N"`, 1),
			ErrID, "id"},
		{"names before the id/gateway match", strings.Replace(strings.Replace(sampleTap, "gw-e01-a:3", "gw-x:3", 1), `"board":"nakatsu"`, `"board":"N"`, 1),
			ErrInvalid, "board"},
	}
	for _, c := range cases {
		_, err := Decode([]byte(c.in), time.Date(2026, 7, 1, 0, 0, 0, 0, civil.JST))
		var pe *Error
		if !errors.As(err, &pe) || !errors.Is(err, c.kind) || pe.Field != c.field {
			t.Errorf("%s: got %v, want kind %v on field %q", c.name, err, c.kind, c.field)
		}
	}
}

func TestDecodeFuture(t *testing.T) {
	ts := time.Date(2026, 6, 1, 7, 40, 0, 123e6, civil.JST)
	cases := []struct {
		now  time.Time
		want error
	}{
		{time.Time{}, nil},
		{ts, nil},
		{ts.Add(-MaxFuture), nil},
		{ts.Add(-MaxFuture - time.Nanosecond), ErrFuture},
		{ts.Add(-24 * time.Hour), ErrFuture},
		{ts.Add(365 * 24 * time.Hour), nil}, // the past is the aggregator's business
	}
	for _, c := range cases {
		_, err := Decode([]byte(sampleTap), c.now)
		if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("now %v: got %v, want %v", c.now, err, c.want)
		}
	}
}

func TestDecodeKeepsNoInput(t *testing.T) {
	buf := []byte(sampleTap)
	e, err := Decode(buf, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range buf {
		buf[i] = 'x'
	}
	if got := string(e.AppendJSON(nil)); got != sampleTap {
		t.Fatalf("the event changed with its input buffer: %s", got)
	}
}

func TestDecodeAllocations(t *testing.T) {
	cases := []struct {
		name string
		in   string
		max  float64
	}{
		{"tap", sampleTap, 1},
		{"adjustment", sampleAdj, 1},
		{"tap with escapes", strings.Replace(sampleTap, `"entrance"`, `"entr\u0061nce"`, 1), 1},
	}
	for _, c := range cases {
		data := []byte(c.in)
		n := testing.AllocsPerRun(200, func() {
			if _, err := Decode(data, time.Time{}); err != nil {
				t.Fatal(err)
			}
		})
		if n > c.max {
			t.Errorf("%s: %v allocations per Decode, want at most %v", c.name, n, c.max)
		}
	}
}

func TestDecodeDeepNesting(t *testing.T) {
	in := `{"v":1,"type":"tap","reader":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`
	_, err := Decode([]byte(in), time.Time{})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v, want ErrInvalid for nesting", err)
	}
	in = `{"v":1,"type":"tap","reader":` + strings.Repeat("[", 10) + strings.Repeat("]", 9) + `}`
	if _, err = Decode([]byte(in), time.Time{}); !errors.Is(err, ErrSyntax) {
		t.Fatalf("got %v, want ErrSyntax for an unclosed array", err)
	}
}

func TestDecodeManyMembers(t *testing.T) {
	in := strings.Replace(sampleTap, `"v":1`, `"v":1`+strings.Repeat(`,"v":1`, 40), 1)
	_, err := Decode([]byte(in), time.Time{})
	var pe *Error
	if !errors.As(err, &pe) || !errors.Is(err, ErrInvalid) || pe.Field != "v" || pe.Reason != "field repeated" {
		t.Fatalf("got %v, want v repeated", err)
	}
}

func TestDecodeMaxPayload(t *testing.T) {
	pad := strings.Repeat(" ", MaxPayload-len(sampleTap))
	if _, err := Decode([]byte(sampleTap+pad), time.Time{}); err != nil {
		t.Fatalf("payload of MaxPayload bytes: %v", err)
	}
	_, err := Decode([]byte(sampleTap+pad+" "), time.Time{})
	if !errors.Is(err, ErrInvalid) || err.Error() != "invalid field value: payload of 65537 bytes (at most 65536)" {
		t.Fatalf("payload over MaxPayload: %v", err)
	}
}

func TestDecodeInvalidUTF8(t *testing.T) {
	for _, bad := range []string{"\xff", "principal \xe3\x81", "\xc0\xaf"} {
		adj := strings.Replace(sampleAdj, "修学旅行引率", bad, 1)
		if _, err := Decode([]byte(adj), time.Time{}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "invalid UTF-8") {
			t.Errorf("reason %q: got %v, want ErrInvalid for invalid UTF-8", bad, err)
		}
		status := `{"online":true,"ts":"2026-06-01T07:40:00+09:00","queue":0,"clock_synced":true,"readers":{"entrance":"` + bad + `"},"version":"1"}`
		if _, err := DecodeStatus([]byte(status), time.Time{}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "invalid UTF-8") {
			t.Errorf("reader state %q: got %v, want ErrInvalid for invalid UTF-8", bad, err)
		}
	}
	if _, err := Decode([]byte(sampleAdj), time.Time{}); err != nil {
		t.Errorf("the valid sample: %v", err)
	}
}
