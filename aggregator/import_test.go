package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"timeclock/aggregator/internal/journal"
	"timeclock/internal/cli"
)

// dataDir writes reference data of two teachers of board nakatsu.
func dataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"schedules.csv": "schedule,days,start,end,break_min\nstd,Mon Tue Wed Thu Fri,08:15,16:45,45\n",
		"roster.csv": "staff_id,name,role,board,school,school_type,schedule,cards,start_date,end_date\n" +
			"T0001,山田,teacher,nakatsu,nakatsu-e01,elementary,std,felica:0000000000000001,,\n" +
			"T0002,田中,teacher,nakatsu,nakatsu-e01,elementary,std,felica:0000000000000002,,\n",
		"calendar.csv": "date,scope,kind,value,note\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func tapLine(seq, card int, ts string) string {
	return fmt.Sprintf(`{"v":1,"type":"tap","id":"gw-e01:1:%06d","board":"nakatsu","school":"nakatsu-e01","gateway":"gw-e01",`+
		`"reader":"entrance","card":"felica:%016x","dir":"tap","ts":"%s","clock":"synced"}`, seq, card, ts)
}

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, &out, &errb)
	if err != nil {
		code = cli.ExitCode(err)
		fmt.Fprintln(&errb, err)
	}
	return code, out.String(), errb.String()
}

func TestImportCommand(t *testing.T) {
	data, state := dataDir(t), t.TempDir()
	events := filepath.Join(t.TempDir(), "events.jsonl")
	good := tapLine(1, 1, "2026-04-01T07:40:00.000+09:00") + "\n" + tapLine(2, 1, "2026-04-01T19:10:00.000+09:00") + "\n"
	os.WriteFile(events, []byte(good+"not json\n"+tapLine(3, 2, "2026-04-01T08:00:00.000+09:00")+"\n"), 0o644)

	code, out, errOut := runCmd(t, "import", "-data", data, "-state", state, "-events", events)
	if code != 1 || !strings.Contains(errOut, events+":3:") || !strings.Contains(out, "3 taps and 0 adjustments journaled") {
		t.Fatalf("first import: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "import", "-data", data, "-state", state, "-events", events)
	if code != 1 || !strings.Contains(out, "0 taps and 0 adjustments journaled") || !strings.Contains(out, "3 already journaled") ||
		!strings.Contains(out, "records 3 → 3") {
		t.Fatalf("second import: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}

	// A clean file: exit status 0.
	clean := filepath.Join(t.TempDir(), "clean.jsonl")
	os.WriteFile(clean, []byte(good), 0o644)
	if code, out, errOut := runCmd(t, "import", "-data", data, "-state", state, "-events", clean); code != 0 {
		t.Fatalf("clean import: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}

	// While the aggregator holds the journal: a clear refusal.
	j, err := journal.Open(filepath.Join(state, journal.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	importLockTimeout = 10 * time.Millisecond
	defer func() { importLockTimeout = time.Second }()
	code, _, errOut = runCmd(t, "import", "-data", data, "-state", state, "-events", clean)
	if code != 1 || !strings.Contains(errOut, "in use: stop the aggregator") {
		t.Errorf("import into a held journal: exit %d, %s", code, errOut)
	}
}

func TestImportUsage(t *testing.T) {
	data := dataDir(t)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no events", []string{"import", "-data", data}, 2, "-events FILE is required"},
		{"stray argument", []string{"import", "-events", "x", "y"}, 2, "required, and nothing else"},
		{"bad flag", []string{"import", "-nosuch"}, 2, "nosuch"},
		{"missing file", []string{"import", "-data", data, "-state", t.TempDir(), "-events", "/nonexistent.jsonl"}, 1, "no such file"},
		{"missing data", []string{"import", "-data", "/nonexistent", "-events", "x"}, 1, "unusable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCmd(t, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %s; want %d with %q", code, errOut, tt.code, tt.want)
			}
		})
	}
}

// TestExportCommand exports what import journaled: the same events, once
// each, in journal order, which import takes back as already journaled.
func TestExportCommand(t *testing.T) {
	data, state := dataDir(t), t.TempDir()
	events := filepath.Join(t.TempDir(), "events.jsonl")
	adj := `{"v":1,"type":"adjustment","id":"adj-1","staff":"T0001","date":"2026-04-01","kind":"offsite","minutes":60,` +
		`"author":"principal-e01","reason":"引率","created":"2026-04-02T09:00:00+09:00"}`
	lines := []string{tapLine(1, 1, "2026-04-01T07:40:00.123+09:00"), adj, tapLine(2, 1, "2026-04-01T19:10:00.500+09:00")}
	in := strings.Join(append(lines, lines[0]), "\n") + "\n" // the first tap twice
	os.WriteFile(events, []byte(in), 0o644)
	if code, out, errOut := runCmd(t, "import", "-data", data, "-state", state, "-events", events); code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	out := filepath.Join(t.TempDir(), "out.jsonl")
	code, _, errOut := runCmd(t, "export", "-state", state, "-out", out)
	if code != 0 || !strings.Contains(errOut, "2 taps and 1 adjustments exported") {
		t.Fatalf("export: exit %d\n%s", code, errOut)
	}
	got, _ := os.ReadFile(out)
	if want := strings.Join(lines, "\n") + "\n"; string(got) != want {
		t.Fatalf("exported\n%s\nwant\n%s", got, want)
	}
	if code, _, errOut := runCmd(t, "export", "-state", t.TempDir()); code != 1 || !strings.Contains(errOut, "no journal") {
		t.Fatalf("export of no journal: exit %d\n%s", code, errOut)
	}
}
