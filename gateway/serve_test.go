package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"timeclock/internal/cli"
)

func TestRunCheckConfig(t *testing.T) {
	env := map[string]string{"TIMECLOCK_SCHOOL": "env-school"}
	getenv := func(k string) string { return env[k] }
	cases := []struct {
		args     []string
		code     int    // 0 for no error
		stdout   string // must contain
		errorHas string
	}{
		{[]string{"run", "-check-config", "-gateway", "gw-1"}, 0, `TIMECLOCK_SCHOOL="env-school"`, ""},
		{[]string{"-check-config", "-gateway", "gw-1", "-board", "b1"}, 0, `TIMECLOCK_BOARD="b1"`, ""},
		{[]string{"run", "-check-config", "-gateway", "GW"}, 2, "", `-gateway "GW"`},
		{[]string{"run", "-no-such-flag"}, 2, "", "no-such-flag"},
		{[]string{"frobnicate"}, 2, "", "usage"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), c.args, getenv, &stdout, &stderr)
		code := 0
		if err != nil {
			code = cli.ExitCode(err)
		}
		if code != c.code || !strings.Contains(stdout.String(), c.stdout) ||
			(c.errorHas != "" && !strings.Contains(err.Error(), c.errorHas)) {
			t.Errorf("run %q: code %d, err %v, stdout %q", c.args, code, err, stdout.String())
		}
	}
}
