// Package influxtest starts a real, private InfluxDB 1.8 (influxd) for a
// test: HTTP and RPC on free loopback ports, meta, data and WAL in a
// temporary directory, Flux and the v2-compatible API on (clients write to
// bucket "db/rp"), stopped when the test ends. Restart keeps the data and the
// port. Query runs InfluxQL and returns rows, to check what was written.
//
// The binary is $TIMECLOCK_INFLUXD, else .tools/bin/influxd under the module
// root (built by `make deps`), else influxd in PATH.
package influxtest

import (
	"context"
	"debug/buildinfo"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"timeclock/internal/daemontest"
)

// Server is a running influxd started by Start.
type Server struct {
	tb      testing.TB
	proc    *daemontest.Process
	dir     string
	port    int
	rpcPort int
}

type config struct {
	databases []string
	noFlux    bool
	auth      bool
}

// Option changes how the server is started.
type Option func(*config)

// WithDatabases creates the databases once the server is ready (the
// v2-compatible write API needs the database to exist).
func WithDatabases(names ...string) Option {
	return func(c *config) { c.databases = append(c.databases, names...) }
}

// WithoutFlux turns Flux off: influxd then starts in about 0.1 s instead of
// 2–3 s (compiling Flux's standard library). The v2-compatible write API
// still works; /api/v2/query answers 403.
func WithoutFlux() Option { return func(c *config) { c.noFlux = true } }

// WithAuth turns authentication on ([http] auth-enabled), as in
// production: the server starts without users, so the test creates the
// admin first, and Query, CreateDB and WithDatabases (which send no
// credentials) are refused.
func WithAuth() Option { return func(c *config) { c.auth = true } }

// Start runs a private influxd for the test and waits until /ping answers.
// It is stopped, and its directory removed, when the test ends. A missing
// influxd fails the test ("run make deps"), except under -short, where the
// test is skipped.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	var candidates []string
	if root, err := daemontest.ModuleRoot(); err == nil {
		candidates = append(candidates, filepath.Join(root, ".tools", "bin", "influxd"))
	}
	bin := daemontest.Binary(tb, "influxd", "TIMECLOCK_INFLUXD", append(candidates, "influxd")...)
	var c config
	for _, o := range opts {
		o(&c)
	}
	s := &Server{tb: tb, dir: tb.TempDir(), port: daemontest.FreePort(tb), rpcPort: daemontest.FreePort(tb)}
	conf := filepath.Join(s.dir, "influxdb.conf")
	if err := os.WriteFile(conf, []byte(s.config(!c.noFlux, c.auth)), 0o644); err != nil {
		tb.Fatalf("influxtest: %v", err)
	}
	s.proc = daemontest.Start(tb, daemontest.Spec{
		Name:    "influxd",
		Version: version(bin),
		Path:    bin,
		Args:    []string{"run", "-config", conf},
		Env:     environ(),
		Dir:     s.dir,
		LogFile: filepath.Join(s.dir, "influxd.log"),
		Ready:   s.ping,
	})
	for _, db := range c.databases {
		s.CreateDB(db)
	}
	return s
}

// config is influxd's configuration file: everything under the test's
// directory, every listener on loopback (the RPC port too, which would take
// :8088 on all interfaces by default), nothing sent home.
func (s *Server) config(flux, auth bool) string {
	return fmt.Sprintf(`# written by timeclock/internal/influxtest
reporting-disabled = true
bind-address = "127.0.0.1:%d"

[meta]
  dir = %q

[data]
  dir = %q
  wal-dir = %q
  query-log-enabled = false

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:%d"
  auth-enabled = %t
  log-enabled = false
  flux-enabled = %t

[logging]
  level = "warn"
  suppress-logo = true
`, s.rpcPort, filepath.Join(s.dir, "meta"), filepath.Join(s.dir, "data"), filepath.Join(s.dir, "wal"), s.port, auth, flux)
}

// environ is the test's environment without INFLUXDB_* variables, which
// would override the configuration file.
func environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "INFLUXDB_") {
			env = append(env, kv)
		}
	}
	return env
}

func (s *Server) ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/ping", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("/ping: %s", resp.Status)
	}
	return nil
}

// URL is the server's HTTP address: http://127.0.0.1:port.
func (s *Server) URL() string { return "http://" + daemontest.Addr(s.port) }

// Port is the HTTP port.
func (s *Server) Port() int { return s.port }

// Dir is the server's temporary directory (meta, data, wal, the
// configuration and the log).
func (s *Server) Dir() string { return s.dir }

// Stop stops the server gracefully.
func (s *Server) Stop() { s.proc.Stop() }

// Restart stops the server and starts it again with the same data and port,
// and waits until it answers. Call it from the test's goroutine.
func (s *Server) Restart() { s.proc.Restart() }

// version is the module version the binary was built from ("v1.8.10"):
// `go install …@v1.8.10` does not set the version influxd itself reports.
func version(bin string) string {
	return daemontest.Version(bin, func(bin string) string {
		if info, err := buildinfo.ReadFile(bin); err == nil {
			return info.Main.Version
		}
		return ""
	})
}
