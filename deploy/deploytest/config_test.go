package deploytest

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// settings reads a mosquitto.conf into its options (comments dropped), in
// order of appearance for each option.
func settings(conf string) map[string][]string {
	m := map[string][]string{}
	for l := range strings.Lines(conf) {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' {
			continue
		}
		k, v, _ := strings.Cut(l, " ")
		m[k] = append(m[k], strings.TrimSpace(v))
	}
	return m
}

// TestShippedConfigSettings pins the security and durability settings of
// deploy/mosquitto/mosquitto.conf. Several of them also have a behavioural
// test (broker_test.go), but some are masked there by another setting
// (use_username_as_clientid refuses a client without a user name before
// allow_anonymous is asked), so each is checked here as written.
func TestShippedConfigSettings(t *testing.T) {
	conf, err := os.ReadFile(RepoPath(t, "deploy/mosquitto/mosquitto.conf"))
	if err != nil {
		t.Fatal(err)
	}
	s := settings(string(conf))
	for k, v := range s {
		if len(v) > 1 {
			t.Errorf("%s set %d times: %q", k, len(v), v)
		}
	}
	want := map[string]string{
		"persistence":                  "true",
		"allow_anonymous":              "false",
		"per_listener_settings":        "false",
		"require_certificate":          "true",
		"use_identity_as_username":     "false",
		"use_username_as_clientid":     "true",
		"allow_zero_length_clientid":   "false",
		"tls_version":                  "tlsv1.2",
		"listener":                     "8883",
		"password_file":                ShippedCredsDir + "/passwd",
		"acl_file":                     ShippedCredsDir + "/acl",
		"cafile":                       ShippedCredsDir + "/ca-bundle.crt",
		"certfile":                     ShippedCredsDir + "/server/server.crt",
		"keyfile":                      ShippedCredsDir + "/server/server.key",
		"persistence_location":         "/var/lib/mosquitto/",
		"max_queued_bytes":             "0",
		"retain_available":             "true",
		"persistent_client_expiration": "",
	}
	for k, v := range want {
		got := strings.Join(s[k], " ")
		if got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	atLeast := map[string]int{
		"max_queued_messages":   1000000, // two weeks of a large board's taps
		"max_inflight_messages": 100,     // the gateway's default publish window
	}
	for k, min := range atLeast {
		n, err := strconv.Atoi(strings.Join(s[k], " "))
		if err != nil || n < min {
			t.Errorf("%s = %q, want a number of at least %d", k, s[k], min)
		}
	}
	if n, err := strconv.Atoi(strings.Join(s["autosave_interval"], "")); err != nil || n < 1 || n > 60 {
		t.Errorf("autosave_interval = %q: want 1 to 60 seconds (what a broker crash can lose)", s["autosave_interval"])
	}
	for _, k := range []string{"include_dir", "log_dest", "password_file_plain", "psk_file", "plugin", "auth_plugin"} {
		if _, ok := s[k]; ok {
			t.Errorf("%s is set: the shipped file is the whole security posture (and mosquittotest adds the logging)", k)
		}
	}
}

func TestRenderMosquittoConf(t *testing.T) {
	conf, err := os.ReadFile(RepoPath(t, "deploy/mosquitto/mosquitto.conf"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := RenderMosquittoConf(string(conf), "/tmp/creds")
	if err != nil {
		t.Fatal(err)
	}
	s := settings(got)
	for k, want := range map[string]string{
		"listener":             "{{PORT}} 127.0.0.1",
		"persistence_location": "{{DIR}}/",
		"password_file":        "/tmp/creds/passwd",
		"keyfile":              "/tmp/creds/server/server.key",
	} {
		if v := strings.Join(s[k], " "); v != want {
			t.Errorf("rendered %s = %q, want %q", k, v, want)
		}
	}
	if strings.Contains(got, ShippedCredsDir) {
		t.Errorf("rendered configuration still names %s", ShippedCredsDir)
	}
	// Everything else is the shipped file, line for line.
	if a, b := strings.Count(string(conf), "\n"), strings.Count(got, "\n"); a != b {
		t.Errorf("rendered %d lines from %d", b, a)
	}

	for name, bad := range map[string]string{
		"second listener":  string(conf) + "\nlistener 1883\n",
		"no TLS listener":  strings.Replace(string(conf), ShippedListener, "listener 8884", 1),
		"moved store":      strings.Replace(string(conf), ShippedPersistence, "persistence_location /srv/mqtt/", 1),
		"moved creds":      strings.ReplaceAll(string(conf), ShippedCredsDir, "/srv/creds"),
		"two persistences": string(conf) + "\n" + ShippedPersistence + "\n",
	} {
		if _, err := RenderMosquittoConf(bad, "/tmp/creds"); err == nil {
			t.Errorf("%s: rendered without complaint", name)
		}
	}
}

// snapshot maps every file under dir to its content hash, mode and time
// (a symbolic link to its target).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			m[rel] = "-> " + target
			return err
		}
		if d.IsDir() {
			m[rel+"/"] = fmt.Sprintf("%v %v", fi.Mode(), fi.ModTime().UnixNano())
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		m[rel] = fmt.Sprintf("%x %v %v", sha256.Sum256(b), fi.Mode(), fi.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func diffSnapshots(a, b map[string]string) []string {
	var d []string
	for k, v := range a {
		if b[k] != v {
			d = append(d, fmt.Sprintf("%s: %s → %s", k, v, b[k]))
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			d = append(d, fmt.Sprintf("%s: new %s", k, v))
		}
	}
	return d
}

func TestCredsScript(t *testing.T) {
	b := StartBroker(t, Setup{
		Gateways:    []Gateway{{"nakatsu", "nakatsu-e01", "gw-a"}},
		Aggregators: []Aggregator{{"agg-nakatsu", []string{"nakatsu"}}},
	})
	creds := func(args ...string) (string, error) {
		return TryScript(t, "deploy/mosquitto/mqtt-creds.sh", append([]string{"--dir", b.Creds, "--no-reload"}, args...)...)
	}
	rerun := [][]string{
		{"ca", "--board", "nakatsu"},
		{"server", "--board", "nakatsu", "--host", "localhost", "--ip", "127.0.0.1"},
		{"gateway", "--board", "nakatsu", "--school", "nakatsu-e01", "--gateway", "gw-a"},
		{"aggregator", "--user", "agg-nakatsu", "--board", "nakatsu"},
		{"acl"},
	}
	before := snapshot(t, b.Creds)
	for _, args := range rerun {
		if out, err := creds(args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	if d := diffSnapshots(before, snapshot(t, b.Creds)); len(d) > 0 {
		t.Errorf("a second run changed:\n%s", strings.Join(d, "\n"))
	}

	modes := map[string]fs.FileMode{
		"ca/nakatsu/ca.key":       0o600,
		"server/server.key":       0o640,
		"passwd":                  0o640,
		"acl":                     0o640,
		"clients.tsv":             0o600,
		"clients/gw-a/client.key": 0o600,
		"clients/gw-a/password":   0o600,
		"clients/gw-a/ca.crt":     0o644,
	}
	for rel, want := range modes {
		fi, err := os.Stat(filepath.Join(b.Creds, rel))
		if err != nil {
			t.Errorf("%v", err)
		} else if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", rel, fi.Mode().Perm(), want)
		}
	}

	refused := []struct {
		args []string
		say  string
	}{
		{[]string{"gateway", "--board", "nakatsu", "--school", "nakatsu-j01", "--gateway", "gw-a"}, "already registered"},
		{[]string{"gateway", "--board", "nakatsu", "--school", "nakatsu-e01", "--gateway", "agg-nakatsu"}, "already registered"},
		{[]string{"gateway", "--board", "nakatsu", "--school", "Nakatsu E01", "--gateway", "gw-x"}, "[a-z0-9-]"},
		{[]string{"gateway", "--board", "usa", "--school", "usa-e01", "--gateway", "gw-u"}, "no CA yet"},
		{[]string{"aggregator", "--user", "gw-a", "--board", "nakatsu"}, "already registered"},
		{[]string{"server", "--board", "nakatsu"}, "--host"},
		{[]string{"frobnicate"}, "unknown command"},
	}
	for _, r := range refused {
		out, err := creds(r.args...)
		if err == nil || !strings.Contains(out, r.say) {
			t.Errorf("%v: err %v, output:\n%s\nwant a failure saying %q", r.args, err, out, r.say)
		}
	}
	if d := diffSnapshots(before, snapshot(t, b.Creds)); len(d) > 0 {
		t.Errorf("refused commands changed:\n%s", strings.Join(d, "\n"))
	}

	// An aggregator that takes on a second board gets its topics.
	if out, err := creds("ca", "--board", "usa"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := creds("aggregator", "--user", "agg-nakatsu", "--board", "nakatsu", "--board", "usa"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	acl, err := os.ReadFile(filepath.Join(b.Creds, "acl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"topic read timeclock/v1/usa/+/+/punch", "topic write timeclock/v1/usa/+/+/feedback",
		"topic read timeclock/v1/nakatsu/+/+/punch"} {
		if !strings.Contains(string(acl), "\n"+line+"\n") {
			t.Errorf("acl lacks %q:\n%s", line, acl)
		}
	}
	bundle, err := os.ReadFile(filepath.Join(b.Creds, "ca-bundle.crt"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(bundle), "BEGIN CERTIFICATE"); n != 2 {
		t.Errorf("ca-bundle.crt holds %d certificates, want the 2 boards' CAs", n)
	}
}
