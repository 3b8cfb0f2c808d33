// Package deploytest runs the shipped deployment files in tests, so that
// what is tested is what gets installed: StartBroker starts a real Mosquitto
// from deploy/mosquitto/mosquitto.conf, with its ports and paths swapped for
// the test's, and the CA, certificates, passwords and ACL made by
// deploy/mosquitto/mqtt-creds.sh; Script runs the scripts of deploy/.
//
// Its own tests cover the broker's security (TLS, passwords, the ACL), the
// InfluxDB 1.8 setup and the Raspberry Pi installer. The package is tests
// only: nothing outside it runs the deployment files.
package deploytest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"timeclock/internal/daemontest"
	"timeclock/internal/mosquittotest"
)

// RepoPath returns the path of rel (slash-separated, from the module root)
// in the repository the test runs in.
func RepoPath(tb testing.TB, rel string) string {
	tb.Helper()
	root, err := daemontest.ModuleRoot()
	if err != nil {
		tb.Fatalf("deploytest: module root: %v", err)
	}
	return filepath.Join(root, filepath.FromSlash(rel))
}

// Script runs the repository's bash script rel with args and returns its
// output (stdout and stderr together); a failure fails the test.
func Script(tb testing.TB, rel string, args ...string) string {
	tb.Helper()
	out, err := TryScript(tb, rel, args...)
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", rel, strings.Join(args, " "), err, out)
	}
	return out
}

// TryScript is Script for runs expected to fail: it returns the error.
func TryScript(tb testing.TB, rel string, args ...string) (string, error) {
	tb.Helper()
	cmd := exec.CommandContext(daemontest.WaitContext(tb), "bash", append([]string{RepoPath(tb, rel)}, args...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Shipped paths of deploy/mosquitto/mosquitto.conf that RenderMosquittoConf
// replaces.
const (
	ShippedCredsDir    = "/etc/mosquitto/timeclock"
	ShippedPersistence = "persistence_location /var/lib/mosquitto/"
	ShippedListener    = "listener 8883"
)

// RenderMosquittoConf turns the shipped configuration into a body for
// mosquittotest.WithConfig: the TLS listener on the test's port (loopback
// only), persistence in the broker's directory, the credentials from
// credsDir. Nothing else changes; it fails if the shipped file no longer
// has exactly the lines it replaces, so a changed file cannot slip past.
func RenderMosquittoConf(conf, credsDir string) (string, error) {
	lines := strings.Split(conf, "\n")
	var listeners, persistence int
	for i, l := range lines {
		switch strings.TrimSpace(l) {
		case ShippedListener:
			lines[i] = "listener {{PORT}} 127.0.0.1"
			listeners++
		case ShippedPersistence:
			lines[i] = "persistence_location {{DIR}}/"
			persistence++
		}
		if f := strings.Fields(l); len(f) > 0 && f[0] == "listener" && strings.TrimSpace(l) != ShippedListener {
			return "", fmt.Errorf("unexpected listener line %q: the shipped broker has one TLS listener, %q", l, ShippedListener)
		}
	}
	if listeners != 1 || persistence != 1 {
		return "", fmt.Errorf("want one %q and one %q, found %d and %d", ShippedListener, ShippedPersistence, listeners, persistence)
	}
	out := strings.Join(lines, "\n")
	if !strings.Contains(out, ShippedCredsDir+"/") {
		return "", fmt.Errorf("no path under %s: the credentials have moved", ShippedCredsDir)
	}
	return strings.ReplaceAll(out, ShippedCredsDir+"/", credsDir+"/"), nil
}

// Gateway is a gateway to register on the broker (user name = ID).
type Gateway struct{ Board, School, ID string }

// Aggregator is an aggregator user serving Boards.
type Aggregator struct {
	User   string
	Boards []string
}

// Setup lists the clients StartBroker registers with mqtt-creds.sh.
type Setup struct {
	Gateways    []Gateway
	Aggregators []Aggregator
}

// Broker is a running Mosquitto with the shipped configuration.
type Broker struct {
	*mosquittotest.Broker
	// Creds is mqtt-creds.sh's state directory: ca/, server/, passwd,
	// acl, clients/<user>/{ca.crt,client.crt,client.key,password}.
	Creds string
}

// StartBroker makes a CA for every board of setup, the broker's certificate
// (for localhost and 127.0.0.1) and every client's credentials with
// deploy/mosquitto/mqtt-creds.sh, then starts Mosquitto with the rendered
// shipped configuration. Without openssl or mosquitto the test fails ("run
// make deps"), or is skipped under -short.
func StartBroker(tb testing.TB, setup Setup) *Broker {
	tb.Helper()
	daemontest.Binary(tb, "openssl", "", "openssl")
	daemontest.Binary(tb, "mosquitto_passwd", "", "mosquitto_passwd", "/usr/bin/mosquitto_passwd")
	creds := filepath.Join(tb.TempDir(), "creds")
	creds1 := func(args ...string) {
		Script(tb, "deploy/mosquitto/mqtt-creds.sh", append([]string{"--dir", creds, "--no-reload"}, args...)...)
	}
	boards := map[string]bool{}
	var order []string
	for _, g := range setup.Gateways {
		if !boards[g.Board] {
			boards[g.Board] = true
			order = append(order, g.Board)
		}
	}
	for _, a := range setup.Aggregators {
		for _, b := range a.Boards {
			if !boards[b] {
				boards[b] = true
				order = append(order, b)
			}
		}
	}
	if len(order) == 0 {
		tb.Fatal("deploytest: StartBroker needs at least one gateway or aggregator")
	}
	for _, b := range order {
		creds1("ca", "--board", b)
	}
	creds1("server", "--board", order[0], "--host", "localhost", "--ip", "127.0.0.1")
	for _, g := range setup.Gateways {
		creds1("gateway", "--board", g.Board, "--school", g.School, "--gateway", g.ID)
	}
	for _, a := range setup.Aggregators {
		args := []string{"aggregator", "--user", a.User}
		for _, b := range a.Boards {
			args = append(args, "--board", b)
		}
		creds1(args...)
	}
	conf, err := os.ReadFile(RepoPath(tb, "deploy/mosquitto/mosquitto.conf"))
	if err != nil {
		tb.Fatal(err)
	}
	body, err := RenderMosquittoConf(string(conf), creds)
	if err != nil {
		tb.Fatalf("deploytest: deploy/mosquitto/mosquitto.conf: %v", err)
	}
	return &Broker{Broker: mosquittotest.Start(tb, mosquittotest.WithConfig(body)), Creds: creds}
}

// URL is the broker's TLS address: ssl://127.0.0.1:port.
func (b *Broker) URL() string { return "ssl://" + daemontest.Addr(b.Port()) }

// PlainURL is the same port without TLS, which the broker must refuse.
func (b *Broker) PlainURL() string { return "tcp://" + daemontest.Addr(b.Port()) }

// ClientFile returns the path of one of user's files in Creds/clients/user:
// ca.crt, client.crt, client.key or password.
func (b *Broker) ClientFile(user, name string) string {
	return filepath.Join(b.Creds, "clients", user, name)
}

// Password returns user's MQTT password.
func (b *Broker) Password(tb testing.TB, user string) string {
	tb.Helper()
	pw, err := os.ReadFile(b.ClientFile(user, "password"))
	if err != nil {
		tb.Fatalf("deploytest: %v", err)
	}
	return strings.TrimSpace(string(pw))
}

// TLSConfig is what user's client needs: the broker verified against the
// user's ca.crt, and the user's certificate.
func (b *Broker) TLSConfig(tb testing.TB, user string) *tls.Config {
	tb.Helper()
	return ClientTLS(tb, b.ClientFile(user, "ca.crt"), b.ClientFile(user, "client.crt"), b.ClientFile(user, "client.key"))
}

// ClientTLS builds a TLS 1.2+ client configuration from PEM files; cert and
// key may be empty for none.
func ClientTLS(tb testing.TB, ca, cert, key string) *tls.Config {
	tb.Helper()
	pem, err := os.ReadFile(ca)
	if err != nil {
		tb.Fatalf("deploytest: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		tb.Fatalf("deploytest: %s holds no certificate", ca)
	}
	tc := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if cert != "" {
		kp, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			tb.Fatalf("deploytest: %v", err)
		}
		tc.Certificates = []tls.Certificate{kp}
	}
	return tc
}
