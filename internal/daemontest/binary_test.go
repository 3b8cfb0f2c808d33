package daemontest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBinary(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "prog")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	sh, err := filepathLook("sh")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		env        string
		candidates []string
		want       string // the path found, or "" for a failure
		message    string // in the failure
	}{
		{"env wins", exe, []string{"sh"}, exe, ""},
		{"env names a missing file", filepath.Join(dir, "nope"), []string{"sh"}, "", "TIMECLOCK_FAKE_BIN="},
		{"env names a plain file", plain, nil, "", "not an executable"},
		{"first candidate that exists", "", []string{filepath.Join(dir, "nope"), plain, exe, "sh"}, exe, ""},
		{"looked up in PATH", "", []string{"timeclock-no-such-program", "sh"}, sh, ""},
		{"none", "", []string{filepath.Join(dir, "nope"), "timeclock-no-such-program"}, "", "prog not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("TIMECLOCK_FAKE_BIN", tc.env)
			r := &recorder{T: t}
			var got string
			r.run(func(tb testing.TB) { got = Binary(tb, "prog", "TIMECLOCK_FAKE_BIN", tc.candidates...) })
			if tc.want != "" {
				if got != tc.want || r.Failed() {
					t.Errorf("got %q (failed %v: %s), want %q", got, r.Failed(), r.text(), tc.want)
				}
				return
			}
			out := r.text()
			if !strings.Contains(out, tc.message) || (tc.env == "" && !strings.Contains(out, "run make deps")) {
				t.Errorf("message %q lacks %q", out, tc.message)
			}
			// A missing component fails the test; only -short skips it.
			if testing.Short() && tc.env == "" {
				if !r.skipped {
					t.Errorf("under -short a missing binary should skip: %s", out)
				}
			} else if !r.Failed() {
				t.Errorf("missing binary did not fail the test: %s", out)
			}
		})
	}
}

func filepathLook(name string) (string, error) {
	p, err := findBinary("", []string{name})
	if err != nil {
		return "", err
	}
	return filepath.Abs(p)
}

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "module timeclock\n") {
		t.Errorf("%s/go.mod is not the timeclock module", root)
	}
	wd, _ := os.Getwd()
	if rel, err := filepath.Rel(root, wd); err != nil || rel != filepath.Join("internal", "daemontest") {
		t.Errorf("module root %s, working dir %s: rel %q", root, wd, rel)
	}
}
