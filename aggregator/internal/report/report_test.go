package report

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"timeclock/aggregator/internal/web/webtest/harness"
)

func runReport(t *testing.T, data string, args ...string) (string, string, string, error) {
	t.Helper()
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := Main(append([]string{"-data", data, "-out", out}, args...), &stdout, &stderr)
	return out, stdout.String(), stderr.String(), err
}

// TestWorkedExample runs the report on DOMAIN.md §7 and compares with the
// numbers worked out by hand there.
func TestWorkedExample(t *testing.T) {
	out, _, stderr, err := runReport(t, "testdata/worked", "-from", "2026-06", "-to", "2026-06")
	if err != nil {
		t.Fatalf("report: %v\n%s", err, stderr)
	}
	for _, name := range []string{"staff_months.csv", "board_months.csv"} {
		got, want := harness.ReadFile(t, filepath.Join(out, name)), harness.ReadFile(t, filepath.Join("testdata/worked/want", name))
		if got != want {
			t.Errorf("%s:\n%s\nwant:\n%s", name, got, want)
		}
	}
	html := harness.ReadFile(t, filepath.Join(out, "tables_nakatsu_FY2026.html"))
	for _, want := range []string{"令和8年度", "2026年6月", "＊"} {
		if !strings.Contains(html, want) {
			t.Errorf("tables page lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "tables_nakatsu_FY2026.csv")); err != nil {
		t.Error(err)
	}
}

// TestOrderAndDuplicatesDoNotMatter shuffles the events and repeats some.
func TestOrderAndDuplicatesDoNotMatter(t *testing.T) {
	dir := copyData(t, "testdata/worked")
	lines := strings.Split(strings.TrimSpace(harness.ReadFile(t, filepath.Join(dir, "events.jsonl"))), "\n")
	lines = append(lines, lines[0], lines[3], lines[len(lines)-1])
	r := rand.New(rand.NewPCG(7, 7))
	r.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte(strings.Join(lines, "\r\n")+"\n\n"), 0o644)
	out, stdout, stderr, err := runReport(t, dir, "-from", "2026-06", "-to", "2026-06")
	if err != nil {
		t.Fatalf("report: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "(3 duplicates)") {
		t.Errorf("stdout %q", stdout)
	}
	if got, want := harness.ReadFile(t, filepath.Join(out, "staff_months.csv")), harness.ReadFile(t, "testdata/worked/want/staff_months.csv"); got != want {
		t.Errorf("shuffled: %s", got)
	}
}

func copyData(t *testing.T, from string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"schedules.csv", "roster.csv", "calendar.csv", "events.jsonl"} {
		b, err := os.ReadFile(filepath.Join(from, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestBadRowsReportedGoodRowsKept: bad lines are named with file and line,
// the exit status is 1, and the good rows are in the output.
func TestBadRowsReportedGoodRowsKept(t *testing.T) {
	dir := copyData(t, "testdata/worked")
	ev := harness.ReadFile(t, filepath.Join(dir, "events.jsonl"))
	ev = "{not json\n" + ev + `{"v":2,"type":"tap"}` + "\n" +
		`{"v":1,"type":"adjustment","id":"adj-9","staff":"NOBODY","date":"2026-06-02","kind":"offsite","minutes":5,"author":"a","reason":"r","created":"2026-06-03T09:00:00+09:00"}` + "\n"
	os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte(ev), 0o644)
	roster := harness.ReadFile(t, filepath.Join(dir, "roster.csv")) + "T2,x,wizard,nakatsu,nakatsu-e01,elementary,std,,,\n"
	os.WriteFile(filepath.Join(dir, "roster.csv"), []byte(roster), 0o644)

	out, _, stderr, err := runReport(t, dir, "-from", "2026-06", "-to", "2026-06")
	if !errors.Is(err, ErrBadInput) {
		t.Fatalf("err = %v, want ErrBadInput", err)
	}
	for _, want := range []string{"events.jsonl:1:", "events.jsonl:11:", "events.jsonl:12:", "roster.csv:3:"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if got, want := harness.ReadFile(t, filepath.Join(out, "staff_months.csv")), harness.ReadFile(t, "testdata/worked/want/staff_months.csv"); got != want {
		t.Errorf("good rows lost: %s", got)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-data", "x"},
		{"-data", "x", "-out", "y", "-from", "2026-13", "-to", "2026-06"},
		{"-data", "x", "-out", "y", "-from", "2026-06", "-to", "2026-05"},
		{"-data", "x", "-out", "y", "-from", "2026-06", "-to", "2026-06", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		err := Main(args, &stdout, &stderr)
		var ue UsageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: err %v, want a usage error", args, err)
		}
	}
}
