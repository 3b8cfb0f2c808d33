package scenario

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"timeclock/internal/reader"
	"timeclock/internal/reader/readertest"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestParseCommand(t *testing.T) {
	cases := []struct {
		in, want, err string
	}{
		{in: "entrance felica:012e4cd23a1b5c6d", want: "entrance felica:012e4cd23a1b5c6d 500ms"},
		{in: "entrance mifare:a1b2c3d4 2s", want: "entrance mifare:a1b2c3d4 2s"},
		{in: "door present em4100:67003b51c6", want: "door present em4100:67003b51c6"},
		{in: "door remove", want: "door remove"},
		{in: "door unplug", want: "door unplug"},
		{in: "door unplug 3s", want: "door unplug 3s"},
		{in: "door replug", want: "door replug"},
		{in: "door garbage", want: "door garbage 16"},
		{in: "door nack 3", want: "door nack 3"},
		{in: "door slow 0", want: "door slow 0s"},
		{in: "door", err: "want READER and a card or a verb"},
		{in: "door felica:XYZ", err: "lowercase hex"},
		{in: "door felica:012e4cd23a1b5c6d -1s", err: "hold"},
		{in: "door felica:012e4cd23a1b5c6d 1s extra", err: `unexpected "extra"`},
		{in: "door present", err: "want a card"},
		{in: "door unplug soon", err: "unplug time"},
		{in: "door slow", err: "want a delay"},
		{in: "door slow -5ms", err: "negative"},
		{in: "door garbage 0", err: "garbage count"},
		{in: "door nack many", err: "nack count"},
		{in: "door dance", err: "neither a card id nor"},
	}
	for _, c := range cases {
		a, err := ParseCommand(strings.Fields(c.in))
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want one containing %q", c.in, err, c.err)
		case c.err == "" && (err != nil || a.String() != c.want):
			t.Errorf("%q: %q, %v; want %q", c.in, a.String(), err, c.want)
		}
	}
}

func TestParseFile(t *testing.T) {
	f, err := os.Open("testdata/morning.scenario")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	actions, err := Parse(f, "morning.scenario")
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for _, a := range actions {
		fmt.Fprintf(&got, "%-6v %s\n", a.At, a)
	}
	readertest.Golden(t, "morning.golden", got.String())
}

func TestParseFileErrors(t *testing.T) {
	in := strings.Join([]string{
		"# fine",
		"0s entrance felica:012e4cd23a1b5c6d",
		"soon entrance remove",
		`{"at":"1s","reader":"x","card":"felica:012e4cd23a1b5c6d","do":"remove"}`,
		`{"at":"1s","reader":"x","colour":"red"}`,
		`{"at":"-1s","reader":"x","do":"remove"}`,
		`{"at":"1s","reader":"","do":"remove"}`,
		"2s entrance wobble",
	}, "\n")
	_, err := Parse(strings.NewReader(in), "bad.scenario")
	for _, want := range []string{
		`bad.scenario:3: offset "soon"`,
		`bad.scenario:4: want either "card"`,
		`bad.scenario:5: JSON: json: unknown field "colour"`,
		`bad.scenario:6: "at": offset "-1s"`,
		`bad.scenario:7: "reader" ""`,
		`bad.scenario:8: "wobble" is neither`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse error %v: want it to contain %q", err, want)
		}
	}
}

// FuzzParseLine checks the scenario parser on arbitrary lines: no panic,
// and an action it accepts writes back (offset and command) to a line that
// parses to the same action.
func FuzzParseLine(f *testing.F) {
	f.Add("1.5s entrance felica:012e4cd23a1b5c6d 400ms")
	f.Add(`{"at":"3s","reader":"entrance","do":"unplug","arg":"2s"}`)
	f.Add(`{"at":"0","reader":"x","card":"mifare:04a24b723c5e80"}`)
	f.Add("0s door slow 1h")
	f.Fuzz(func(t *testing.T, line string) {
		a, ok, err := ParseLine(line)
		if err != nil || !ok {
			return
		}
		back, ok, err := ParseLine(a.At.String() + " " + a.String())
		if err != nil || !ok || back != a {
			t.Fatalf("%q → %+v; written back %q → %+v, %v", line, a, a.At.String()+" "+a.String(), back, err)
		}
	})
}

// recorder is a Target that logs what is applied, with the (fake) time.
type recorder struct {
	mu    sync.Mutex
	start time.Time
	log   []string
	fail  string // a reader whose actions fail
}

func (r *recorder) Apply(a Action) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, fmt.Sprintf("%v %s", time.Since(r.start), a))
	if a.Reader == r.fail {
		return fmt.Errorf("reader %s is broken", a.Reader)
	}
	return nil
}

func (r *recorder) Readers() []string { return []string{"reader entrance rcs620s /dev/pts/9"} }

func TestPlay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, _ := os.Open("testdata/morning.scenario")
		defer f.Close()
		actions, err := Parse(f, "morning")
		if err != nil {
			t.Fatal(err)
		}
		r := &recorder{start: time.Now(), fail: "exit"}
		failed := Play(t.Context(), actions, r, discard)
		if d := time.Since(r.start); d != 7*time.Second || failed != 4 {
			t.Errorf("Play ended after %v with %d failures, want 7s (the last action) and 4", d, failed)
		}
		want := []string{"0s entrance felica:012e4cd23a1b5c6d 400ms", "1s exit present em4100:0b00123456",
			"1.5s entrance mifare:04a24b723c5e80 500ms", "2s exit em4100:67003b51c6 1s", "2s entrance garbage 32",
			"3s entrance unplug 2s", "3s exit nack 1", "4s exit slow 150ms",
			"6s entrance present felica:0101010101010101", "7s entrance remove"}
		if strings.Join(r.log, "|") != strings.Join(want, "|") {
			t.Errorf("applied\n%s\nwant\n%s", strings.Join(r.log, "\n"), strings.Join(want, "\n"))
		}
	})
}

func TestPlayWaitsForTheLastHold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{start: time.Now()}
		Play(t.Context(), []Action{{At: time.Second, Reader: "a", Verb: Tap, Card: "mifare:a1b2c3d4", Hold: 3 * time.Second},
			{At: 2 * time.Second, Reader: "a", Verb: Remove}}, r, discard)
		if d := time.Since(r.start); d != 4*time.Second {
			t.Errorf("Play ended after %v, want 4s", d)
		}
	})
}

func TestPrompt(t *testing.T) {
	r := &recorder{start: time.Now()}
	in := strings.NewReader("help\n\nentrance felica:012e4cd23a1b5c6d 1s\nentrance dance\nlist\n# note\nexit unplug 2s\nquit\nentrance remove\n")
	var out strings.Builder
	if err := Prompt(context.Background(), in, &out, r); err != nil {
		t.Fatal(err)
	}
	if len(r.log) != 2 || !strings.HasSuffix(r.log[0], "entrance felica:012e4cd23a1b5c6d 1s") || !strings.HasSuffix(r.log[1], "exit unplug 2s") {
		t.Errorf("applied %q", r.log)
	}
	for _, want := range []string{"READER CARD [HOLD]", `error: "dance" is neither`, "reader entrance rcs620s /dev/pts/9"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("prompt output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestLoad(t *testing.T) {
	pool := GeneratePool(20, 7)
	readers := []ReaderKind{{"entrance", reader.RCS620S}, {"staff", reader.PN532}, {"gate", reader.EM4100}}
	run := func() []string {
		var log []string
		synctest.Test(t, func(t *testing.T) {
			r := &recorder{start: time.Now()}
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Second)
			defer cancel()
			l := Load{Rate: 2, Hold: 400 * time.Millisecond, Seed: 1, Pool: pool, Readers: readers}
			if err := l.Run(ctx, r, discard); err != nil {
				t.Fatal(err)
			}
			log = r.log
		})
		return log
	}
	log := run()
	if n := len(log); n < 150 || n > 250 {
		t.Errorf("%d taps in 100 s at 2/s", n)
	}
	kinds := map[string]reader.Kind{"entrance": reader.RCS620S, "staff": reader.PN532, "gate": reader.EM4100}
	for _, l := range log {
		f := strings.Fields(l) // offset, reader, card, hold
		tech, _, _ := strings.Cut(f[2], ":")
		hold, _ := time.ParseDuration(f[3])
		if !kinds[f[1]].Reads(tech) || hold < 200*time.Millisecond || hold > 600*time.Millisecond {
			t.Fatalf("tap %q: card or hold does not fit", l)
		}
	}
	if again := run(); strings.Join(again, "|") != strings.Join(log, "|") {
		t.Error("the same seed gave other taps")
	}
	if err := (Load{Rate: 1, Pool: []string{"felica:012e4cd23a1b5c6d"}, Readers: readers}).Run(context.Background(), &recorder{}, discard); err == nil ||
		!strings.Contains(err.Error(), "staff") && !strings.Contains(err.Error(), "gate") {
		t.Errorf("a pool without EM4100 tags: %v, want an error naming the reader", err)
	}
}

func TestPools(t *testing.T) {
	pool := GeneratePool(4, 1)
	if len(pool) != 12 || strings.Join(pool, " ") != strings.Join(GeneratePool(4, 1), " ") {
		t.Fatalf("GeneratePool(4, 1) = %q", pool)
	}
	text := "# cards\n" + strings.Join(pool, "\n") + "\n"
	got, err := ReadPool(strings.NewReader(text), "cards.txt")
	if err != nil || strings.Join(got, " ") != strings.Join(pool, " ") {
		t.Errorf("ReadPool(text) = %q, %v", got, err)
	}
	roster := "staff_id,name,role,board,school,school_type,schedule,cards,start_date,end_date\n" +
		"T0001,佐藤 花子,teacher,nakatsu,nakatsu-e01,elementary,std,felica:012e4cd23a1b5c6d|mifare:a1b2c3d4,2026-04-01,\n" +
		"T0002,鈴木 太郎,teacher,nakatsu,nakatsu-e01,elementary,std,,2026-04-01,\n"
	got, err = ReadPool(strings.NewReader(roster), "roster.csv")
	if err != nil || strings.Join(got, " ") != "felica:012e4cd23a1b5c6d mifare:a1b2c3d4" {
		t.Errorf("ReadPool(roster) = %q, %v", got, err)
	}
	_, err = ReadPool(strings.NewReader(strings.Replace(roster, "mifare:a1b2c3d4", "mifare:A1", 1)), "roster.csv")
	if err == nil || !strings.Contains(err.Error(), "roster.csv:2:") {
		t.Errorf("bad roster card: %v, want an error at roster.csv:2", err)
	}
	if _, err = ReadPool(strings.NewReader("felica:1234\n"), "cards.txt"); err == nil || !strings.Contains(err.Error(), "cards.txt:1:") {
		t.Errorf("bad card: %v, want an error at cards.txt:1", err)
	}
}
