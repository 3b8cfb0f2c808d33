// Package mosquittotest starts a real, private Mosquitto 2 broker for a test:
// on free loopback ports, with its configuration, persistence and log in a
// temporary directory, stopped when the test ends. Restart stops and starts
// it on the same port with the same persistence, so fault tests can take the
// broker away in the middle of a burst.
//
// The binary is $TIMECLOCK_MOSQUITTO, else mosquitto in PATH, else
// /usr/sbin/mosquitto (Debian's package, installed by `make deps`).
package mosquittotest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"timeclock/internal/daemontest"
)

// DefaultConfig is the configuration body used unless WithConfig replaces
// it: one anonymous listener, persistence in the broker's directory, and
// queues large enough that a test's burst to an offline client is kept
// whole. {{PORT}} and {{DIR}} are filled in as described at WithConfig.
const DefaultConfig = `listener {{PORT}} 127.0.0.1
allow_anonymous true
persistence true
persistence_location {{DIR}}/
max_queued_messages 1000000
max_queued_bytes 0
max_inflight_messages 1000
`

// Broker is a running Mosquitto started by Start.
type Broker struct {
	tb    testing.TB
	proc  *daemontest.Process
	dir   string
	port  int
	ports map[string]int
}

type config struct {
	body  string
	extra []string
}

// Option changes the broker's configuration.
type Option func(*config)

// WithConfig replaces DefaultConfig with body, a whole mosquitto.conf (for a
// TLS listener, an ACL, a password file). Placeholders:
//   - {{PORT}}: the main port, a free loopback port (URL and Port use it);
//     the body must have a listener on it;
//   - {{PORT:name}}: another free port, the same for every use of name,
//     returned by PortOf(name) — e.g. "listener {{PORT:tls}} 127.0.0.1";
//   - {{DIR}}: the broker's temporary directory (no trailing slash), which
//     holds mosquitto.conf and mosquitto.log.
//
// Logging (to the log file shown on failure) and, when the test runs as root,
// "user root" (so the broker can use the test's directories) are added by the
// helper and must not be in body.
func WithConfig(body string) Option { return func(c *config) { c.body = body } }

// WithConfigLines appends lines to the configuration, with the same
// placeholders as WithConfig.
func WithConfigLines(lines ...string) Option {
	return func(c *config) { c.extra = append(c.extra, lines...) }
}

// WithoutPersistence turns persistence off: a Restart then loses sessions
// and queued messages, as a broker without a disk would.
func WithoutPersistence() Option {
	return WithConfigLines("persistence false")
}

// Start runs a private broker for the test and waits until its listeners
// accept connections. It is stopped, and its directory removed, when the test
// ends. A missing mosquitto fails the test ("run make deps"), except under
// -short, where the test is skipped.
func Start(tb testing.TB, opts ...Option) *Broker {
	tb.Helper()
	bin := daemontest.Binary(tb, "mosquitto", "TIMECLOCK_MOSQUITTO", "mosquitto", "/usr/sbin/mosquitto")
	c := config{body: DefaultConfig}
	for _, o := range opts {
		o(&c)
	}
	b := &Broker{tb: tb, dir: tb.TempDir(), ports: map[string]int{}}
	conf, err := b.expand(tb, c)
	if err != nil {
		tb.Fatalf("mosquittotest: %v", err)
	}
	path := filepath.Join(b.dir, "mosquitto.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		tb.Fatalf("mosquittotest: %v", err)
	}
	ports := []int{b.port}
	for _, p := range b.ports {
		ports = append(ports, p)
	}
	b.proc = daemontest.Start(tb, daemontest.Spec{
		Name:    "mosquitto",
		Version: version(bin),
		Path:    bin,
		Args:    []string{"-c", path},
		Dir:     b.dir,
		LogFile: filepath.Join(b.dir, "mosquitto.log"),
		Ready:   daemontest.TCPReady(ports...),
	})
	return b
}

var placeholder = regexp.MustCompile(`\{\{([^}]*)\}\}`)

// expand fills in the placeholders and puts the helper's own lines first.
func (b *Broker) expand(tb testing.TB, c config) (string, error) {
	body := c.body
	if len(c.extra) > 0 {
		body = strings.TrimRight(body, "\n") + "\n" + strings.Join(c.extra, "\n") + "\n"
	}
	if !strings.Contains(body, "{{PORT}}") {
		return "", fmt.Errorf("configuration has no {{PORT}} listener:\n%s", body)
	}
	b.port = daemontest.FreePort(tb)
	var bad []string
	body = placeholder.ReplaceAllStringFunc(body, func(m string) string {
		key := m[2 : len(m)-2]
		switch {
		case key == "PORT":
			return fmt.Sprint(b.port)
		case key == "DIR":
			return b.dir
		case strings.HasPrefix(key, "PORT:") && len(key) > len("PORT:"):
			name := key[len("PORT:"):]
			if _, ok := b.ports[name]; !ok {
				b.ports[name] = daemontest.FreePort(tb)
			}
			return fmt.Sprint(b.ports[name])
		}
		bad = append(bad, m)
		return m
	})
	if len(bad) > 0 {
		return "", fmt.Errorf("unknown placeholders %v in configuration", bad)
	}
	var head strings.Builder
	head.WriteString("# written by timeclock/internal/mosquittotest\n")
	if os.Geteuid() == 0 {
		// Mosquitto drops root for user "mosquitto", who could not write
		// the test's directory.
		head.WriteString("user root\n")
	}
	head.WriteString("log_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\nlog_type information\n")
	head.WriteString("connection_messages true\nlog_timestamp_format %Y-%m-%dT%H:%M:%S\n\n")
	return head.String() + body, nil
}

// URL is the broker's address for MQTT clients: tcp://127.0.0.1:port.
func (b *Broker) URL() string { return "tcp://" + daemontest.Addr(b.port) }

// Port is the main listener's port.
func (b *Broker) Port() int { return b.port }

// PortOf is the port that {{PORT:name}} stood for in the configuration; it
// fails the test that started the broker if there was none.
func (b *Broker) PortOf(name string) int {
	b.tb.Helper()
	p, ok := b.ports[name]
	if !ok {
		b.tb.Fatalf("mosquittotest: no {{PORT:%s}} in the configuration", name)
	}
	return p
}

// Dir is the broker's temporary directory ({{DIR}}).
func (b *Broker) Dir() string { return b.dir }

// Stop stops the broker gracefully; it saves its persistence on the way.
func (b *Broker) Stop() { b.proc.Stop() }

// Restart stops the broker and starts it again on the same ports with the
// same configuration and persistence, and waits until it accepts connections.
// Call it from the test's goroutine.
func (b *Broker) Restart() { b.proc.Restart() }

// version asks the binary for its version: "mosquitto -h" prints
// "mosquitto version 2.0.11" first (and exits with status 3).
func version(bin string) string {
	return daemontest.Version(bin, func(bin string) string {
		out, _ := exec.Command(bin, "-h").CombinedOutput()
		if m := regexp.MustCompile(`mosquitto version (\S+)`).FindSubmatch(out); m != nil {
			return string(m[1])
		}
		return ""
	})
}
