package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// flags is a flag set like the programs': strings, a number, a duration.
func flags() (*flag.FlagSet, *string, *string, *int, *time.Duration) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	name := fs.String("spool-dir", "/var/spool", "")
	reader := fs.String("reader", "", "")
	n := fs.Int("window", 100, "")
	d := fs.Duration("ack-timeout", time.Second, "")
	return fs, name, reader, n, d
}

func TestEnvApply(t *testing.T) {
	fs, dir, reader, n, d := flags()
	if err := Parse(fs, []string{"-window", "7"}); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"TC_SPOOL_DIR": "/tmp/spool", "TC_WINDOW": "9", "TC_ACK_TIMEOUT": "", "TC_READERS": "a", "TC_READER": "b",
	}
	env := Env{Prefix: "TC_", Getenv: func(k string) string { return vars[k] }, Names: map[string]string{"reader": "readers"}}
	if errs := env.Apply(fs); len(errs) > 0 {
		t.Fatal(errs)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"variable", *dir, "/tmp/spool"},
		{"the command line wins", *n, 7},
		{"an empty variable is not set", *d, time.Second},
		{"renamed variable", *reader, "a"},
		{"name", env.Name("spool-dir"), "TC_SPOOL_DIR"},
		{"renamed", env.Name("reader"), "TC_READERS"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if got, want := Given(fs), map[string]bool{"window": true, "spool-dir": true, "reader": true}; !reflect.DeepEqual(got, want) {
		t.Errorf("Given after Apply = %v, want %v", got, want)
	}
}

func TestEnvApplyErrors(t *testing.T) {
	vars := map[string]string{"TC_WINDOW": "many", "TC_ACK_TIMEOUT": "hunter2"}
	for _, show := range []bool{false, true} {
		fs, _, _, _, _ := flags()
		errs := Env{Prefix: "TC_", Getenv: func(k string) string { return vars[k] }, ShowValue: show}.Apply(fs)
		var got []string
		for _, err := range errs {
			got = append(got, err.Error())
		}
		want := []string{"TC_ACK_TIMEOUT: parse error", "TC_WINDOW: parse error"} // in the order of the flags, no value
		if show {
			want = []string{`TC_ACK_TIMEOUT="hunter2": parse error`, `TC_WINDOW="many": parse error`}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ShowValue %v: errors %q, want %q", show, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	fs, _, _, _, _ := flags()
	if err := Parse(fs, []string{"-window", "3", "extra", "more"}); err == nil ||
		err.Error() != `unexpected arguments ["extra" "more"]` {
		t.Errorf("stray arguments: %v", err)
	}
	fs, _, _, _, _ = flags()
	if err := Parse(fs, []string{"-nosuch"}); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("unknown flag: %v", err)
	}
	fs, _, _, _, _ = flags()
	if err := Parse(fs, []string{"-h"}); !errors.Is(err, flag.ErrHelp) || Usage(err) != nil {
		t.Errorf("-h: %v, usage %v", err, Usage(err))
	}
}

func TestReadSettings(t *testing.T) {
	in := "# comment\n\n  ; semicolon\nkey = value\nquoted = \"a b\"\nsingle='c'\nodd = \"d'\nwords only\nempty =\n"
	got, err := ReadSettings(strings.NewReader(in), "#;", `"'`)
	if err != nil {
		t.Fatal(err)
	}
	want := []Setting{{4, "key", "value", true}, {5, "quoted", "a b", true}, {6, "single", "c", true},
		{7, "odd", `"d'`, true}, {8, "words only", "", false}, {9, "empty", "", true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	got, _ = ReadSettings(strings.NewReader("; x = 1\nsingle = 'c'\n"), "#", `"`)
	if want := []Setting{{1, "; x", "1", true}, {2, "single", "'c'", true}}; !reflect.DeepEqual(got, want) {
		t.Errorf("other syntax: got %+v, want %+v", got, want)
	}
	got, err = ReadSettings(strings.NewReader("a = 1\n"+strings.Repeat("x", 70_000)+"\nb = 2\n"), "#", `"`)
	if err == nil || len(got) != 1 {
		t.Errorf("too long a line: %+v, %v", got, err)
	}
}

type statusError struct{ code int }

func (e statusError) Error() string { return fmt.Sprint("status ", e.code) }
func (e statusError) ExitCode() int { return e.code }

func TestExitCode(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{errors.New("plain"), 1},
		{UsageError{"bad flag"}, 2},
		{fmt.Errorf("wrapped: %w", UsageError{"bad flag"}), 2},
		{statusError{3}, 3},
		{fmt.Errorf("wrapped: %w", statusError{0}), 0},
		{Usage(errors.New("flag provided but not defined: -x")), 2},
	} {
		if got := ExitCode(c.err); got != c.want {
			t.Errorf("ExitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
	if err := Usage(errors.New("x")); err.Error() != "x" {
		t.Errorf("Usage keeps the message: %q", err)
	}
	if Usage(nil) != nil {
		t.Error("Usage(nil) is not nil")
	}
}

func TestNewLogger(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger("warn", "json", &buf)
	log.Info("hidden")
	log.Warn("shown", "k", 1)
	if s := buf.String(); strings.Contains(s, "hidden") || !strings.Contains(s, `"msg":"shown","k":1`) {
		t.Errorf("json at warn: %q", s)
	}
	buf.Reset()
	log = NewLogger("debug", "text", &buf)
	log.Debug("detail")
	if s := buf.String(); !strings.Contains(s, "level=DEBUG msg=detail") {
		t.Errorf("text at debug: %q", s)
	}
}

func TestCheckLog(t *testing.T) {
	if errs := CheckLog("warn", "json", " "); errs != nil {
		t.Errorf("CheckLog(warn, json) = %v", errs)
	}
	got := fmt.Sprint(CheckLog("loud", "xml", ": "))
	if want := `[-log-level: "loud": want debug, info, warn or error -log-format: "xml": want text or json]`; got != want {
		t.Errorf("CheckLog = %s, want %s", got, want)
	}
}
