// Package config reads the settings of `aggregator serve`: command-line
// flags first, then TIMECLOCK_* environment variables, then an optional
// file of `name = value` lines (the flag names), then the defaults. Validate
// checks everything a start would trip over, so -check-config can report it
// without starting anything.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"timeclock/internal/cli"
)

// Config is everything `aggregator serve` needs.
type Config struct {
	Data  string // directory with schedules.csv, roster.csv, calendar.csv
	State string // directory of the journal and the embedded broker's store

	Boards []string // boards whose punch topics are subscribed

	MQTTURL      string // empty: run the embedded broker and use it
	MQTTClientID string
	MQTTUser     string
	MQTTPassword string
	MQTTShare    string // shared-subscription group ($share/GROUP/...) for active/standby instances
	MQTTCA       string // PEM file of the CA for TLS URLs
	MQTTCert     string // client certificate (PEM) for TLS client authentication
	MQTTKey      string
	BrokerListen string // listener of the embedded broker

	InfluxURL      string // empty: no InfluxDB sink
	InfluxDB       string // 1.8: database (bucket db/rp)
	InfluxRP       string // 1.8: retention policy, empty for the default one
	InfluxUser     string // 1.8: user (token "user:password")
	InfluxPassword string
	InfluxOrg      string // 2.x
	InfluxBucket   string // 2.x
	InfluxToken    string // 2.x
	InfluxCreateDB bool   // 1.8: CREATE DATABASE at start
	InfluxBatch    int    // points per write

	HTTPListen string
	// DebugListen serves Go's profiler (net/http/pprof) when not empty:
	// loopback only, no users, for profiling a running aggregator.
	DebugListen string
	// Users is the users file of the API and the live page (package auth:
	// user, role, scope and the SHA-256 of each token).
	Users string
	// Tokens are credentials given in-process (tests, embedding); a
	// deployment lists its users in the Users file, which keeps no secret.
	Tokens []Token

	IngestRate  float64 // MQTT messages per second per gateway before they are deferred; 0: no limit
	IngestBurst int     // messages a gateway may send at once above the rate

	DayStartMin   int           // the work day starts this many minutes after midnight JST
	Debounce      time.Duration // taps of one card closer than this count once
	ReloadEvery   time.Duration // how often the reference files are checked for changes
	SnapshotEvery time.Duration // how often the engine snapshot is written (0: only at shutdown)

	LogLevel    string
	LogFormat   string // text or json
	CheckConfig bool
}

// Token is a credential given in-process: its role, and a name that is both
// the user (the author written on adjustments) and the scope (board id,
// school id or staff id; an admin's is only a name).
type Token struct {
	Role   string // board, principal, staff, admin
	Name   string
	Secret string
}

// Roles of the API.
var Roles = []string{"board", "principal", "staff", "admin"}

// EnvPrefix is the prefix of the environment variables: flag -influx-url is
// TIMECLOCK_INFLUX_URL.
const EnvPrefix = "TIMECLOCK_"

// EnvName returns the environment variable of flag name.
func EnvName(name string) string { return cli.Env{Prefix: EnvPrefix}.Name(name) }

// Parse reads the configuration from args (without the subcommand), the
// environment and the file named by -config. Help output goes to out.
func Parse(name string, args []string, getenv func(string) string, out io.Writer) (*Config, error) {
	c := &Config{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	var file, boards, dayStart string
	fs.StringVar(&file, "config", "", "optional file of `name = value` lines (flag names without the dash)")
	fs.StringVar(&c.Data, "data", "data", "directory with schedules.csv, roster.csv and (optional) calendar.csv (FORMATS.md §3)")
	fs.StringVar(&c.State, "state", "var/aggregator", "directory of the journal and the embedded broker's store")
	fs.StringVar(&boards, "boards", "", "comma-separated boards to subscribe to (default: the boards of roster.csv)")
	fs.StringVar(&c.MQTTURL, "mqtt-url", "", "broker URL (tcp://, ssl://, ws://, wss://); empty runs the embedded broker")
	fs.StringVar(&c.MQTTClientID, "mqtt-client-id", "timeclock-aggregator", "MQTT client id (persistent session: keep it stable)")
	fs.StringVar(&c.MQTTUser, "mqtt-user", "", "MQTT user")
	fs.StringVar(&c.MQTTPassword, "mqtt-password", "", "MQTT password")
	fs.StringVar(&c.MQTTShare, "mqtt-share", "", "subscribe as shared-subscription `group` ($share/group/...) for a standby instance")
	fs.StringVar(&c.MQTTCA, "mqtt-ca", "", "PEM file of the CA that signed the broker's certificate")
	fs.StringVar(&c.MQTTCert, "mqtt-cert", "", "client certificate (PEM) for TLS client authentication")
	fs.StringVar(&c.MQTTKey, "mqtt-key", "", "client key (PEM)")
	fs.StringVar(&c.BrokerListen, "broker-listen", "127.0.0.1:1883", "listen address of the embedded broker (used when -mqtt-url is empty)")
	fs.StringVar(&c.InfluxURL, "influx-url", "", "InfluxDB URL (e.g. http://127.0.0.1:8086); empty disables the series")
	fs.StringVar(&c.InfluxDB, "influx-db", "", "InfluxDB 1.8 database (writes go to bucket db/rp)")
	fs.StringVar(&c.InfluxRP, "influx-rp", "", "InfluxDB 1.8 retention policy (empty: the database's default)")
	fs.StringVar(&c.InfluxUser, "influx-user", "", "InfluxDB 1.8 user")
	fs.StringVar(&c.InfluxPassword, "influx-password", "", "InfluxDB 1.8 password")
	fs.StringVar(&c.InfluxOrg, "influx-org", "", "InfluxDB 2.x organisation")
	fs.StringVar(&c.InfluxBucket, "influx-bucket", "", "InfluxDB 2.x bucket")
	fs.StringVar(&c.InfluxToken, "influx-token", "", "InfluxDB 2.x token")
	fs.BoolVar(&c.InfluxCreateDB, "influx-create-db", false, "InfluxDB 1.8: create the database at start (needs an InfluxDB user allowed to; deploy/influxdb/setup-influxdb.sh creates it for a locked-down server)")
	fs.IntVar(&c.InfluxBatch, "influx-batch", 5000, "points per InfluxDB write")
	fs.StringVar(&c.HTTPListen, "http-listen", "127.0.0.1:8080", "listen address of /healthz, /readyz, /metrics and the API")
	fs.StringVar(&c.DebugListen, "debug-listen", "", "listen address of Go's profiler (/debug/pprof/), e.g. 127.0.0.1:6060; empty: off")
	fs.StringVar(&c.Users, "users", "", "users `file` of the API and the live page: user,role,scope,token_sha256 (create it with: aggregator users add)")
	fs.Float64Var(&c.IngestRate, "ingest-rate", 100, "MQTT messages per second a gateway may send; more are held in the journal file and journaled and answered at this rate (beyond 5,000 held per gateway the gateway sends them again). 0: no limit")
	fs.IntVar(&c.IngestBurst, "ingest-burst", 2000, "messages a gateway may send at once above -ingest-rate (a backlog after an outage)")
	fs.StringVar(&dayStart, "day-start", "04:00", "time of day the work day starts (JST)")
	fs.DurationVar(&c.Debounce, "debounce", 60*time.Second, "taps of one card closer than this count once")
	fs.DurationVar(&c.ReloadEvery, "reload-every", 10*time.Second, "how often the reference files are checked for changes (SIGHUP reloads at once)")
	fs.DurationVar(&c.SnapshotEvery, "snapshot-every", 10*time.Minute, "how often the engine's state is saved (engine.snap in -state) so a restart replays only the journal after it; it is also saved at shutdown. 0: only at shutdown")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "text", "text or json")
	fs.BoolVar(&c.CheckConfig, "check-config", false, "validate the configuration and the reference files, then exit")
	if err := cli.Parse(fs, args); err != nil {
		return nil, err
	}
	env := cli.Env{Prefix: EnvPrefix, Getenv: getenv}
	errs := env.Apply(fs)
	if file != "" {
		if err := applyFile(fs, file, env); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c.Boards = splitList(boards)
	var err error
	if c.DayStartMin, err = parseClock(dayStart); err != nil {
		return nil, fmt.Errorf("-day-start: %w", err)
	}
	return c, nil
}

// applyFile sets the flags not yet set, on the command line or in the
// environment, from the `name = value` lines of path.
func applyFile(fs *flag.FlagSet, path string, env cli.Env) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	settings, err := cli.ReadSettings(f, "#", `"`)
	set := cli.Given(fs)
	var errs []error
	for _, s := range settings {
		switch {
		case !s.OK:
			errs = append(errs, fmt.Errorf("%s:%d: want name = value", path, s.Line))
		case s.Key == "config":
			errs = append(errs, fmt.Errorf("%s:%d: a config file cannot name another", path, s.Line))
		case fs.Lookup(s.Key) == nil:
			errs = append(errs, fmt.Errorf("%s:%d: unknown setting %q", path, s.Line, s.Key))
		case set[s.Key] || env.Getenv(env.Name(s.Key)) != "":
			// the command line or the environment wins
		default:
			if err := fs.Set(s.Key, s.Value); err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: %s: %w", path, s.Line, s.Key, err))
			}
		}
	}
	if err != nil {
		errs = append(errs, fmt.Errorf("config file: %w", err))
	}
	return errors.Join(errs...)
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("%q: want HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

var nameRE = regexp.MustCompile(`^[a-z0-9-]{1,40}$`)

// Validate checks the settings that do not need the reference files.
func (c *Config) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Data == "" {
		add("-data: empty")
	}
	for _, f := range []string{"schedules.csv", "roster.csv"} { // calendar.csv is optional
		if _, err := os.Stat(filepath.Join(c.Data, f)); err != nil {
			add("-data: %v", err)
		}
	}
	if c.State == "" {
		add("-state: empty")
	}
	for _, b := range c.Boards {
		if !nameRE.MatchString(b) {
			add("-boards: %q is not a board id ([a-z0-9-]{1,40})", b)
		}
	}
	if c.MQTTURL != "" {
		u, err := url.Parse(c.MQTTURL)
		switch {
		case err != nil:
			add("-mqtt-url: %v", err)
		case !slices.Contains(cli.BrokerSchemes, u.Scheme):
			add("-mqtt-url: scheme %q: want tcp, mqtt, ssl, tls, mqtts, ws or wss", u.Scheme)
		case u.Host == "":
			add("-mqtt-url: %q has no host", c.MQTTURL)
		}
	} else if _, _, err := net.SplitHostPort(c.BrokerListen); err != nil {
		add("-broker-listen: %v", err)
	}
	if c.MQTTClientID == "" {
		add("-mqtt-client-id: empty")
	}
	if c.MQTTShare != "" && !nameRE.MatchString(c.MQTTShare) {
		add("-mqtt-share: %q: want [a-z0-9-]{1,40}", c.MQTTShare)
	}
	if (c.MQTTCert == "") != (c.MQTTKey == "") {
		add("-mqtt-cert and -mqtt-key go together")
	}
	for _, f := range []string{c.MQTTCA, c.MQTTCert, c.MQTTKey} {
		if f != "" {
			if _, err := os.Stat(f); err != nil {
				add("%v", err)
			}
		}
	}
	if c.InfluxURL != "" {
		if u, err := url.Parse(c.InfluxURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("-influx-url: %q: want http(s)://host:port", c.InfluxURL)
		}
		v1, v2 := c.InfluxDB != "", c.InfluxBucket != "" || c.InfluxOrg != "" || c.InfluxToken != ""
		switch {
		case v1 && v2:
			add("-influx-db (1.8) and -influx-org/-influx-bucket/-influx-token (2.x) exclude each other")
		case !v1 && !v2:
			add("-influx-url needs -influx-db (1.8) or -influx-org and -influx-bucket (2.x)")
		case v2 && (c.InfluxOrg == "" || c.InfluxBucket == ""):
			add("InfluxDB 2.x needs -influx-org and -influx-bucket")
		}
		if c.InfluxBatch < 1 || c.InfluxBatch > 100_000 {
			add("-influx-batch: %d outside 1–100000", c.InfluxBatch)
		}
	}
	if _, _, err := net.SplitHostPort(c.HTTPListen); err != nil {
		add("-http-listen: %v", err)
	}
	if c.DebugListen != "" {
		if _, _, err := net.SplitHostPort(c.DebugListen); err != nil {
			add("-debug-listen: %v", err)
		}
	}
	if c.Users != "" {
		if _, err := os.Stat(c.Users); err != nil {
			add("-users: %v", err)
		}
	}
	secrets := map[string]bool{}
	for _, t := range c.Tokens {
		if !slices.Contains(Roles, t.Role) {
			add("tokens: role %q: want one of %s", t.Role, strings.Join(Roles, ", "))
		}
		if len(t.Secret) < 16 {
			add("tokens: the secret of %s:%s is shorter than 16 characters", t.Role, t.Name)
		}
		if secrets[t.Secret] {
			add("tokens: the secret of %s:%s is used twice", t.Role, t.Name)
		}
		secrets[t.Secret] = true
	}
	if c.IngestRate < 0 || c.IngestRate > 1e6 {
		add("-ingest-rate: %v outside 0–1000000", c.IngestRate)
	}
	if c.IngestRate > 0 && (c.IngestBurst < 1 || c.IngestBurst > 1_000_000) {
		add("-ingest-burst: %d outside 1–1000000", c.IngestBurst)
	}
	if c.Debounce < 0 || c.Debounce > time.Hour {
		add("-debounce: %v outside 0–1h", c.Debounce)
	}
	if c.ReloadEvery <= 0 {
		add("-reload-every: must be positive")
	}
	if c.SnapshotEvery != 0 && c.SnapshotEvery < time.Minute {
		add("-snapshot-every: %v: 0 or at least 1m", c.SnapshotEvery)
	}
	return errors.Join(append(errs, cli.CheckLog(c.LogLevel, c.LogFormat, ": ")...)...)
}
