package config

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "gateway.env")
	os.WriteFile(file, []byte(`# example
TIMECLOCK_BOARD=file-board
TIMECLOCK_SCHOOL="file-school"
TIMECLOCK_GATEWAY='file-gw'
TIMECLOCK_READERS=name=entrance kind=rcs620s path=/dev/ttyUSB0 dir=in; name=back kind=wiegand26 path=GPIO5,GPIO6
TIMECLOCK_ACK_TIMEOUT=45s
`), 0o644)
	cases := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, c *Config)
	}{
		{"defaults", []string{"-gateway", "gw-1"}, nil, func(t *testing.T, c *Config) {
			if c.Board != "demo" || c.BrokerURL != "tcp://127.0.0.1:1883" || c.ClientID != "timeclock-gw-1" ||
				c.AckTimeout != 30*time.Second || c.Window != 100 || len(c.Readers) != 0 || c.ClockSync != "kernel" {
				t.Errorf("defaults: %+v", c)
			}
		}},
		{"file", []string{"-config", file}, nil, func(t *testing.T, c *Config) {
			want := []Reader{{"entrance", "rcs620s", "/dev/ttyUSB0", "in"}, {"back", "wiegand26", "GPIO5,GPIO6", "tap"}}
			if c.Board != "file-board" || c.School != "file-school" || c.Gateway != "file-gw" ||
				c.AckTimeout != 45*time.Second || !reflect.DeepEqual(c.Readers, want) {
				t.Errorf("from file: %+v", c)
			}
		}},
		{"env over file", nil, map[string]string{"TIMECLOCK_CONFIG": file, "TIMECLOCK_BOARD": "env-board",
			"TIMECLOCK_READERS": "name=x kind=lines path=-"}, func(t *testing.T, c *Config) {
			if c.Board != "env-board" || c.School != "file-school" || len(c.Readers) != 1 || c.Readers[0].Name != "x" {
				t.Errorf("env over file: %+v", c)
			}
		}},
		{"flag over env", []string{"-board", "flag-board", "-reader", "name=a kind=em4100 path=/dev/ttyS0",
			"-reader", "name=b kind=pn532 path=/dev/ttyS1 dir=out"},
			map[string]string{"TIMECLOCK_CONFIG": file, "TIMECLOCK_BOARD": "env-board"}, func(t *testing.T, c *Config) {
				if c.Board != "flag-board" || len(c.Readers) != 2 || c.Readers[1].Dir != "out" {
					t.Errorf("flag over env: %+v", c)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Load(c.args, env(c.env), &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, cfg)
		})
	}
}

func TestLoadRejects(t *testing.T) {
	dir := t.TempDir()
	badFile := filepath.Join(dir, "bad.env")
	os.WriteFile(badFile, []byte("BOARD=x\n"), 0o644)
	unknown := filepath.Join(dir, "unknown.env")
	os.WriteFile(unknown, []byte("TIMECLOCK_COLOUR=blue\n"), 0o644)
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-board", "Nakatsu"}, nil, `-board "Nakatsu"`},
		{[]string{"-gateway", ""}, nil, `-gateway ""`},
		{[]string{"-reader", "name=a kind=felica path=/dev/x"}, nil, `kind "felica"`},
		{[]string{"-reader", "name=a kind=em4100"}, nil, `path is empty`},
		{[]string{"-reader", "name=a kind=em4100 path=/x", "-reader", "name=a kind=em4100 path=/y"}, nil, `named twice`},
		{[]string{"-reader", "name=a kind=wiegand26 path=GPIO5"}, nil, `D0,D1`},
		{[]string{"-reader", "name=a kind=em4100 path=/x dir=up"}, nil, `dir "up"`},
		{[]string{"-reader", "name=a kind=em4100 path=/x colour=red"}, nil, `unknown key "colour"`},
		{[]string{"-reader", "entrance"}, nil, `not key=value`},
		{[]string{"-broker", "http://x:1883"}, nil, `-broker`},
		{[]string{"-broker", "tcp://"}, nil, `-broker`},
		{[]string{"-cert-file", "/x"}, nil, `go together`},
		{[]string{"-ca-file", "/nonexistent/ca.pem"}, nil, `-ca-file`},
		{[]string{"-window", "0"}, nil, `-window 0`},
		{[]string{"-publish-rate", "0"}, nil, `-publish-rate`},
		{[]string{"-ack-timeout", "1m", "-ack-timeout-max", "30s"}, nil, `-ack-timeout`},
		{[]string{"-status-every", "10ms"}, nil, `-status-every`},
		{[]string{"-clock-sync", "ntp"}, nil, `-clock-sync`},
		{[]string{"-log-level", "loud"}, nil, `-log-level`},
		{[]string{"extra"}, nil, `unexpected arguments`},
		{nil, map[string]string{"TIMECLOCK_WINDOW": "many"}, `TIMECLOCK_WINDOW`},
		{[]string{"-config", badFile}, nil, `bad.env:1`},
		{[]string{"-config", unknown}, nil, `unknown key TIMECLOCK_COLOUR`},
		{[]string{"-config", filepath.Join(dir, "missing.env")}, nil, `missing.env`},
	}
	for _, c := range cases {
		_, err := Load(c.args, env(c.env), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Load(%q, %v) = %v, want an error with %q", c.args, c.env, err, c.want)
		}
	}
	if _, err := Load([]string{"-h"}, env(nil), &bytes.Buffer{}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}

// TestPrintLoadsBack checks that -check-config's output is itself a valid
// config file that gives the same configuration (the password aside).
func TestPrintLoadsBack(t *testing.T) {
	c, err := Load([]string{"-gateway", "gw-e01-a", "-board", "nakatsu", "-school", "nakatsu-e01",
		"-reader", "name=entrance kind=rcs620s path=/dev/serial/by-id/usb-x dir=in; name=side kind=lines path=- dir=out",
		"-window", "7", "-publish-rate", "12.5", "-oled-bus", "default"}, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	c.Print(&buf)
	file := filepath.Join(t.TempDir(), "printed.env")
	os.WriteFile(file, buf.Bytes(), 0o644)
	back, err := Load([]string{"-config", file}, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if !reflect.DeepEqual(c, back) {
		t.Fatalf("printed\n%s\nloads back as %+v, want %+v", buf.String(), back, c)
	}
}

func TestPrintHidesPassword(t *testing.T) {
	c, err := Load([]string{"-password", "s3cret"}, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	c.Print(&buf)
	if strings.Contains(buf.String(), "s3cret") || !strings.Contains(buf.String(), `TIMECLOCK_PASSWORD="(set)"`) {
		t.Fatalf("printed:\n%s", buf.String())
	}
}

func TestGatewayFromHost(t *testing.T) {
	cases := map[string]string{
		"raspberrypi":           "raspberrypi",
		"Gate_01.school.local":  "gate-01",
		"":                      "gw-1",
		".local":                "gw-1",
		strings.Repeat("x", 80): strings.Repeat("x", 40),
	}
	for in, want := range cases {
		if got := gatewayFromHost(in); got != want {
			t.Errorf("gatewayFromHost(%q) = %q, want %q", in, got, want)
		}
	}
}
