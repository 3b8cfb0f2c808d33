package report

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"timeclock/internal/roster"
)

// FuzzReplay feeds arbitrary bytes as events.jsonl: the replay never panics,
// every complaint names events.jsonl and a line that exists, and the number
// of bad lines plus applied events never exceeds the non-blank lines.
func FuzzReplay(f *testing.F) {
	seed, err := os.ReadFile("testdata/worked/events.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("{}\n\n{\"v\":1}\r\n"))
	f.Add([]byte(strings.Repeat("x", 100)))
	data, errs := roster.LoadDir("testdata/worked")
	if len(errs) > 0 {
		f.Fatal(errs)
	}
	lineRef := regexp.MustCompile(`^events\.jsonl:(\d+): `)
	f.Fuzz(func(t *testing.T, in []byte) {
		eng, err := newEngine(data)
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		st, err := replay(eng, bytes.NewReader(in), 2, &stderr)
		if err != nil {
			return // a line longer than the scanner allows: reported as an error, not a panic
		}
		lines := 0
		for _, l := range bytes.Split(in, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				lines++
			}
		}
		if st.bad+st.events+st.unknownCards > lines {
			t.Fatalf("%d bad + %d events + %d unknown > %d lines", st.bad, st.events, st.unknownCards, lines)
		}
		for _, msg := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
			if msg != "" && !lineRef.MatchString(msg) {
				t.Fatalf("complaint without file and line: %q", msg)
			}
		}
	})
}
