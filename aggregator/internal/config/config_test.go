package config

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func dataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"schedules.csv", "roster.csv", "calendar.csv"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "agg.conf")
	os.WriteFile(file, []byte(`# example
influx-url = http://file:8086
influx-db = "fromfile"
http-listen = 127.0.0.1:9000
boards = a,b
`), 0o644)
	env := map[string]string{
		"TIMECLOCK_CONFIG":     file,
		"TIMECLOCK_INFLUX_URL": "http://env:8086",
		"TIMECLOCK_DEBOUNCE":   "30s",
	}
	c, err := Parse("serve", []string{"-http-listen", "127.0.0.1:7000", "-day-start", "05:30"},
		func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"flag beats file", c.HTTPListen, "127.0.0.1:7000"},
		{"env beats file", c.InfluxURL, "http://env:8086"},
		{"file, quotes removed", c.InfluxDB, "fromfile"},
		{"file list", strings.Join(c.Boards, "|"), "a|b"},
		{"env duration", c.Debounce, 30 * time.Second},
		{"default", c.BrokerListen, "127.0.0.1:1883"},
		{"day start", c.DayStartMin, 5*60 + 30},
		{"retention policy default", c.InfluxRP, ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(bad, []byte("nosuch = 1\njust words\ndebounce = soon\n"), 0o644)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"file errors with lines", []string{"-config", bad}, nil,
			[]string{"bad.conf:1: unknown setting", "bad.conf:2: want name = value", "bad.conf:3: debounce"}},
		{"missing file", []string{"-config", filepath.Join(dir, "none")}, nil, []string{"config file"}},
		{"bad env", nil, map[string]string{"TIMECLOCK_INFLUX_BATCH": "many"}, []string{"TIMECLOCK_INFLUX_BATCH"}},
		{"bad rate", []string{"-ingest-rate", "fast"}, nil, []string{"-ingest-rate"}},
		{"bad day start", []string{"-day-start", "25:00"}, nil, []string{"-day-start"}},
		{"stray argument", []string{"extra"}, nil, []string{"unexpected arguments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("serve", tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	data := dataDir(t)
	users := filepath.Join(t.TempDir(), "users.csv")
	os.WriteFile(users, []byte("user,role,scope,token_sha256\n"), 0o640)
	tokens := func(ts ...Token) func(*Config) { return func(c *Config) { c.Tokens = ts } }
	tests := []struct {
		name   string
		args   []string
		want   []string // empty: valid
		mutate func(*Config)
	}{
		{"defaults with data", nil, nil, nil},
		{"influx 1.8", []string{"-influx-url", "http://127.0.0.1:8086", "-influx-db", "tc"}, nil, nil},
		{"influx 2.x", []string{"-influx-url", "http://127.0.0.1:8086", "-influx-org", "o", "-influx-bucket", "b", "-influx-token", "t"}, nil, nil},
		{"influx without target", []string{"-influx-url", "http://127.0.0.1:8086"}, []string{"needs -influx-db"}, nil},
		{"influx both", []string{"-influx-url", "http://x:1", "-influx-db", "a", "-influx-bucket", "b"}, []string{"exclude each other"}, nil},
		{"influx 2 partial", []string{"-influx-url", "http://x:1", "-influx-token", "t"}, []string{"needs -influx-org"}, nil},
		{"bad influx url", []string{"-influx-url", "ftp://x", "-influx-db", "a"}, []string{"-influx-url"}, nil},
		{"bad mqtt url", []string{"-mqtt-url", "http://x:1"}, []string{"scheme"}, nil},
		{"bad board", []string{"-boards", "Nakatsu"}, []string{"not a board id"}, nil},
		{"cert without key", []string{"-mqtt-url", "ssl://x:8883", "-mqtt-cert", "c.pem"}, []string{"go together"}, nil},
		{"users file", []string{"-users", users}, nil, nil},
		{"users file missing", []string{"-users", users + ".none"}, []string{"-users"}, nil},
		{"no rate limit", []string{"-ingest-rate", "0", "-ingest-burst", "0"}, nil, nil},
		{"negative rate", []string{"-ingest-rate", "-1"}, []string{"-ingest-rate"}, nil},
		{"no burst", []string{"-ingest-burst", "0"}, []string{"-ingest-burst"}, nil},
		{"short secret", nil, []string{"shorter than 16"}, tokens(Token{"admin", "ops", "short"})},
		{"bad role", nil, []string{"role \"root\""}, tokens(Token{"root", "ops", "0123456789abcdef"})},
		{"reused secret", nil, []string{"used twice"},
			tokens(Token{"admin", "a", "0123456789abcdef"}, Token{"board", "b", "0123456789abcdef"})},
		{"bad listen", []string{"-http-listen", "8080"}, []string{"-http-listen"}, nil},
		{"bad log", []string{"-log-level", "loud"}, []string{"-log-level"}, nil},
		{"no data", []string{"-data", filepath.Join(data, "none")}, []string{"-data"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-data", data}, tt.args...)
			c, err := Parse("serve", args, func(string) string { return "" }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if tt.mutate != nil {
				tt.mutate(c)
			}
			err = c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func FuzzConfigFile(f *testing.F) {
	f.Add("influx-url = http://x:1\n# c\nboards = a,b\nusers = /etc/timeclock/users.csv\ningest-rate = 2.5\n")
	f.Add("=\n\"\"=\"\"\nconfig = x\n")
	f.Fuzz(func(t *testing.T, body string) {
		path := filepath.Join(t.TempDir(), "c.conf")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Parse("serve", []string{"-config", path}, func(string) string { return "" }, io.Discard)
		if err != nil {
			return
		}
		c.Validate() // must not panic, whatever it says
		if len(c.Tokens) > 0 {
			t.Fatalf("credentials from a file %q: %+v (a file names a users file, never a secret)", body, c.Tokens)
		}
	})
}
