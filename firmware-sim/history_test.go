package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"timeclock/internal/cli"
	"timeclock/internal/roster"
)

func TestHistoryWritesALoadableDistrict(t *testing.T) {
	out := t.TempDir()
	var stdout bytes.Buffer
	args := []string{"history", "-out", out, "-from", "2026-06-01", "-to", "2026-06-30", "-boards", "nakatsu,nobeoka", "-schools", "2", "-staff", "6"}
	if err := run(context.Background(), args, func(string) string { return "" }, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "history: 24 staff") {
		t.Errorf("stdout %q", stdout.String())
	}
	data, errs := roster.LoadDir(out)
	if len(errs) > 0 || data.Len() != 24 {
		t.Fatalf("roster: %d staff, %v", data.Len(), errs)
	}
	ev, err := os.ReadFile(filepath.Join(out, "events.jsonl"))
	if err != nil || bytes.Count(ev, []byte("\n")) < 24*15 {
		t.Errorf("events: %d lines, %v", bytes.Count(ev, []byte("\n")), err)
	}
}

func TestHistoryUsage(t *testing.T) {
	for _, args := range [][]string{
		{"history"},
		{"history", "-out", "x", "-from", "2026-06-31", "-to", "2026-07-01"},
		{"history", "-out", "x", "-from", "2026-06-01", "-to", "2026-05-01"},
		{"history", "-out", "x", "-from", "2026-06-01", "-to", "2026-06-02", "-staff", "2"},
	} {
		err := run(context.Background(), args, func(string) string { return "" }, &bytes.Buffer{}, &bytes.Buffer{})
		var ue cli.UsageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}
