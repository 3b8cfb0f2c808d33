package sim

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"timeclock/firmware-sim/internal/scenario"
	"timeclock/internal/reader"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseSpec(t *testing.T) {
	cases := []struct {
		in   string
		want Spec
		err  string
	}{
		{in: "name=entrance kind=rcs620s", want: Spec{Name: "entrance", Kind: reader.RCS620S}},
		{in: " name=gate  kind=em4100 link=/tmp/g crlf ", want: Spec{Name: "gate", Kind: reader.EM4100, Link: "/tmp/g", CRLF: true}},
		{in: "kind=pn532", err: "want at least name=NAME"},
		{in: "name=a/b kind=pn532", err: "want at least name=NAME"},
		{in: "name=x kind=felica", err: `reader kind "felica"`},
		{in: "name=x kind=pn532 speed=9600", err: `"speed=9600"`},
		{in: "name=x kind=pn532 crlf=yes", err: `"crlf=yes"`},
		{in: "name=x kind=rcs620s crlf", err: "crlf is for em4100"},
	}
	for _, c := range cases {
		got, err := ParseSpec(c.in)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want one containing %q", c.in, err, c.err)
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("%q: %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

// lockedBuffer is output read while timers may still write to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestApply(t *testing.T) {
	var out lockedBuffer
	link := filepath.Join(t.TempDir(), "door")
	r, err := Open([]Spec{{Name: "door", Kind: reader.PN532, Link: link}, {Name: "gate", Kind: reader.EM4100}}, &out, true,
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, c := range []struct {
		cmd, err string
	}{
		{cmd: "door mifare:a1b2c3d4 1s"},
		{cmd: "door slow 20ms"},
		{cmd: "door nack 2"},
		{cmd: "door garbage 8"},
		{cmd: "gate present em4100:67003b51c6"},
		{cmd: "gate remove"},
		{cmd: "gate felica:012e4cd23a1b5c6d", err: "EM4100 tags only"},
		{cmd: "hall remove", err: `no reader "hall" (have door, gate)`},
		{cmd: "door unplug"},
		{cmd: "door garbage", err: "unplugged"},
		{cmd: "door unplug", err: "already unplugged"},
		{cmd: "door replug"},
		{cmd: "gate unplug 20ms"},
	} {
		a, err := scenario.ParseCommand(strings.Fields(c.cmd))
		if err != nil {
			t.Fatal(err)
		}
		err = r.Apply(a)
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%q: %v, want error %q", c.cmd, err, c.err)
		}
	}
	// The gate comes back on its own: wait for it (bounded; only a broken
	// replug timer reaches the bound).
	for deadline := time.Now().Add(15 * time.Second); !strings.HasPrefix(r.Readers()[1], "reader gate"); {
		if time.Now().After(deadline) {
			t.Fatalf("gate never replugged: %q", r.Readers())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if target, err := os.Readlink(link); err != nil || !strings.Contains(out.String(), "reader door pn532 "+target+" "+link) {
		t.Errorf("link %q, %v; output:\n%s", target, err, out.String())
	}
	for _, want := range []string{"did door mifare:a1b2c3d4 1s", "did gate remove", "unplugged door", "did door replug"} {
		if !strings.Contains(out.String(), want+"\n") {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if got := r.Readers(); len(got) != 2 || !strings.HasPrefix(got[0], "reader door pn532 /dev/") || !strings.HasPrefix(got[1], "reader gate em4100 /dev/") {
		t.Errorf("Readers() = %q", got)
	}
	if _, err := Open([]Spec{{Name: "a", Kind: reader.PN532}, {Name: "a", Kind: reader.EM4100}}, &out, true, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("Open with a name twice: no error")
	}
}
