// Package config provides the gateway's configuration: command-line flags,
// with TIMECLOCK_* environment variables as fallback, then an optional file
// of KEY=VALUE lines (the same syntax as a systemd EnvironmentFile, so one
// file serves both), then defaults. Load validates everything once at start
// so the service never meets a bad value later.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"timeclock/internal/cli"
	"timeclock/internal/punch"
)

// Reader is one card reader of the gateway.
type Reader struct {
	Name string // reader name in taps and status: [a-z0-9-]{1,40}
	Kind string // rcs620s, pn532, em4100, wiegand26, wiegand34, lines
	Path string // serial device, "D0,D1" GPIO names for Wiegand, a file or FIFO (or "-") for lines
	Dir  string // tap, in or out: what a read at this reader means
}

// Config is the validated configuration.
type Config struct {
	Board, School, Gateway string
	Readers                []Reader

	BrokerURL          string
	ClientID           string
	Username, Password string
	CAFile             string
	CertFile, KeyFile  string

	SpoolDir      string
	HighWater     int
	Window        int
	PublishRate   float64
	AckTimeout    time.Duration
	AckTimeoutMax time.Duration
	StatusEvery   time.Duration

	ClockSync    string // kernel, assume or untrusted
	UnsyncedHold time.Duration

	Debounce     time.Duration
	FeedbackHold time.Duration
	AnswerWindow time.Duration
	LEDPin       string
	BuzzerPin    string
	BuzzerToneHz int
	OLEDBus      string // I²C bus name for an SSD1306 ("" for none; "default" for the first bus)
	MetricsAddr  string
	LogLevel     string
	LogFormat    string
	CheckConfig  bool
	Version      string
}

// Kinds of reader the gateway can drive.
var Kinds = []string{"rcs620s", "pn532", "em4100", "wiegand26", "wiegand34", "lines"}

// EnvPrefix starts every environment variable and file key.
const EnvPrefix = "TIMECLOCK_"

// EnvName returns the variable that stands for flag name: spool-dir →
// TIMECLOCK_SPOOL_DIR.
func EnvName(flagName string) string { return cli.Env{Prefix: EnvPrefix}.Name(flagName) }

// readerList is the repeatable -reader flag.
type readerList struct{ rs *[]Reader }

func (l readerList) String() string {
	if l.rs == nil {
		return ""
	}
	var parts []string
	for _, r := range *l.rs {
		parts = append(parts, fmt.Sprintf("name=%s kind=%s path=%s dir=%s", r.Name, r.Kind, r.Path, r.Dir))
	}
	return strings.Join(parts, "; ")
}

// Set adds readers written "name=entrance kind=rcs620s path=/dev/ttyUSB0
// dir=in", several separated by ";" (as in TIMECLOCK_READERS).
func (l readerList) Set(s string) error {
	for _, spec := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '\n' }) {
		if strings.TrimSpace(spec) == "" {
			continue
		}
		r, err := parseReader(spec)
		if err != nil {
			return err
		}
		*l.rs = append(*l.rs, r)
	}
	return nil
}

func parseReader(spec string) (Reader, error) {
	r := Reader{Dir: "tap"}
	for _, f := range strings.Fields(spec) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return r, fmt.Errorf("reader %q: %q is not key=value", spec, f)
		}
		switch k {
		case "name":
			r.Name = v
		case "kind":
			r.Kind = v
		case "path":
			r.Path = v
		case "dir":
			r.Dir = v
		default:
			return r, fmt.Errorf("reader %q: unknown key %q (want name, kind, path, dir)", spec, k)
		}
	}
	return r, nil
}

// Load reads the configuration from args (without the program name), getenv
// and the file named by -config or TIMECLOCK_CONFIG. Usage and errors go to
// stderr; a -h asks for usage and returns flag.ErrHelp.
func Load(args []string, getenv func(string) string, stderr io.Writer) (*Config, error) {
	c := &Config{}
	fs := flag.NewFlagSet("gateway run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var file string
	fs.StringVar(&file, "config", "", "file of "+EnvPrefix+"KEY=VALUE lines (a systemd EnvironmentFile)")
	fs.StringVar(&c.Board, "board", "demo", "board of education id ([a-z0-9-]{1,40})")
	fs.StringVar(&c.School, "school", "demo-e01", "school id")
	fs.StringVar(&c.Gateway, "gateway", defaultGateway(), "gateway id, unique in the school; names the spool's tap ids")
	fs.Var(readerList{&c.Readers}, "reader",
		`a reader "name=entrance kind=rcs620s path=/dev/serial/by-id/... dir=in" (repeat, or separate with ;)`)
	fs.StringVar(&c.BrokerURL, "broker", "tcp://127.0.0.1:1883", "MQTT broker URL (tcp://, ssl://, ws://, wss://)")
	fs.StringVar(&c.ClientID, "client-id", "", "MQTT client id, stable across restarts (default timeclock-{gateway})")
	fs.StringVar(&c.Username, "username", "", "MQTT user name")
	fs.StringVar(&c.Password, "password", "", "MQTT password (prefer the environment or the config file)")
	fs.StringVar(&c.CAFile, "ca-file", "", "PEM CA bundle to verify the broker (TLS)")
	fs.StringVar(&c.CertFile, "cert-file", "", "PEM client certificate (TLS)")
	fs.StringVar(&c.KeyFile, "key-file", "", "PEM client key (TLS)")
	fs.StringVar(&c.SpoolDir, "spool-dir", "/var/lib/timeclock-gateway", "directory of the spool file")
	fs.IntVar(&c.HighWater, "high-water", 10000, "spool depth above which the status warns (never refuses)")
	fs.IntVar(&c.Window, "window", 100, "taps published and not yet acknowledged, at most")
	fs.Float64Var(&c.PublishRate, "publish-rate", 200, "publishes per second, at most (new and repeated)")
	fs.DurationVar(&c.AckTimeout, "ack-timeout", 30*time.Second, "republish a tap not acknowledged after this")
	fs.DurationVar(&c.AckTimeoutMax, "ack-timeout-max", 10*time.Minute, "the republish timeout doubles up to this")
	fs.DurationVar(&c.StatusEvery, "status-every", time.Minute, "refresh of the retained status")
	fs.StringVar(&c.ClockSync, "clock-sync", "kernel",
		"clock trust: kernel (NTP state via adjtimex), assume (synced), untrusted (never)")
	fs.DurationVar(&c.UnsyncedHold, "unsynced-hold", 2*time.Minute,
		"keep a tap made before clock sync unpublished this long, so its time can still be corrected")
	fs.DurationVar(&c.Debounce, "debounce", 3*time.Second, "ignore the same card at the same reader within this")
	fs.DurationVar(&c.FeedbackHold, "feedback-hold", 5*time.Second, "show a message this long before the idle screen")
	fs.DurationVar(&c.AnswerWindow, "answer-window", 20*time.Second,
		"show the aggregator's answer only for taps this recent (a drained backlog is not replayed on the screen)")
	fs.StringVar(&c.LEDPin, "led-pin", "", "GPIO of the LED (e.g. GPIO17; empty for none)")
	fs.StringVar(&c.BuzzerPin, "buzzer-pin", "", "GPIO of the buzzer (e.g. GPIO18; empty for none)")
	fs.IntVar(&c.BuzzerToneHz, "buzzer-tone", 0, "tone in Hz for a passive piezo on a PWM pin; 0 for an active buzzer")
	fs.StringVar(&c.OLEDBus, "oled-bus", "", `I²C bus of an SSD1306 128×64 at 0x3C ("default" for the first; empty for none)`)
	fs.StringVar(&c.MetricsAddr, "metrics", "", "listen address for Prometheus /metrics (e.g. 127.0.0.1:9101)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "text", "text or json")
	fs.BoolVar(&c.CheckConfig, "check-config", false, "validate the configuration, print it and exit")
	if err := cli.Parse(fs, args); err != nil {
		return nil, err
	}
	path := file
	if !cli.Given(fs)["config"] {
		path = getenv(EnvName("config"))
	}
	vals := map[string]string{}
	if path != "" {
		var err error
		if vals, err = readFile(path); err != nil {
			return nil, err
		}
	}
	// The environment first, then the file.
	env := cli.Env{Prefix: EnvPrefix, Names: map[string]string{"reader": "readers"}, Getenv: func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return vals[k]
	}}
	errs := env.Apply(fs)
	fs.VisitAll(func(f *flag.Flag) { delete(vals, env.Name(f.Name)) })
	for k := range vals {
		errs = append(errs, fmt.Errorf("%s: unknown key %s", path, k))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.ClientID == "" {
		c.ClientID = "timeclock-" + c.Gateway
	}
	return c, c.Validate()
}

// readFile reads the TIMECLOCK_KEY=VALUE lines of path: the syntax of a
// systemd EnvironmentFile, with # or ; starting a comment line and values
// quoted with " or '.
func readFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	settings, err := cli.ReadSettings(f, "#;", `"'`)
	vals := map[string]string{}
	for _, s := range settings {
		if !s.OK || !strings.HasPrefix(s.Key, EnvPrefix) {
			return nil, fmt.Errorf("%s:%d: want %sKEY=VALUE", path, s.Line, EnvPrefix)
		}
		vals[s.Key] = s.Value
	}
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	return vals, nil
}

// defaultGateway derives a gateway id from the host name.
func defaultGateway() string {
	h, _ := os.Hostname()
	return gatewayFromHost(h)
}

// gatewayFromHost makes a valid name of the first label of a host name.
func gatewayFromHost(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		case r == '.':
			return clip(b.String())
		default:
			b.WriteByte('-')
		}
	}
	return clip(b.String())
}

func clip(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	if s == "" {
		return "gw-1"
	}
	return s
}

// Validate checks every value and how they fit together.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	for _, n := range [...]struct{ flag, v string }{{"board", c.Board}, {"school", c.School}, {"gateway", c.Gateway}} {
		if !punch.ValidName(n.v) {
			bad("-%s %q: want 1 to 40 of [a-z0-9-]", n.flag, n.v)
		}
	}
	names := map[string]bool{}
	for _, r := range c.Readers {
		if !punch.ValidName(r.Name) {
			bad("reader %q: name must be 1 to 40 of [a-z0-9-]", r.Name)
		}
		if names[r.Name] {
			bad("reader %q named twice", r.Name)
		}
		names[r.Name] = true
		if !slices.Contains(Kinds, r.Kind) {
			bad("reader %q: kind %q (want one of %s)", r.Name, r.Kind, strings.Join(Kinds, ", "))
		}
		if r.Path == "" {
			bad("reader %q: path is empty", r.Name)
		}
		if (r.Kind == "wiegand26" || r.Kind == "wiegand34") && strings.Count(r.Path, ",") != 1 {
			bad("reader %q: path %q: want the two GPIO lines D0,D1 (e.g. GPIO5,GPIO6)", r.Name, r.Path)
		}
		if !slices.Contains([]string{string(punch.DirTap), string(punch.DirIn), string(punch.DirOut)}, r.Dir) {
			bad("reader %q: dir %q (want tap, in or out)", r.Name, r.Dir)
		}
	}
	if u, err := url.Parse(c.BrokerURL); err != nil || !slices.Contains(cli.BrokerSchemes, u.Scheme) || u.Host == "" {
		bad("-broker %q: want scheme://host:port with scheme tcp, mqtt, ssl, tls, mqtts, ws or wss", c.BrokerURL)
	}
	if len(c.ClientID) > 65535 || c.ClientID == "" {
		bad("-client-id %q: want 1 to 65535 bytes", c.ClientID)
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		bad("-cert-file and -key-file go together")
	}
	for _, f := range [...]struct{ flag, path string }{{"ca-file", c.CAFile}, {"cert-file", c.CertFile}, {"key-file", c.KeyFile}} {
		if f.path != "" {
			if _, err := os.Stat(f.path); err != nil {
				bad("-%s: %v", f.flag, err)
			}
		}
	}
	if c.SpoolDir == "" {
		bad("-spool-dir is empty")
	}
	if c.HighWater < 1 {
		bad("-high-water %d: want 1 or more", c.HighWater)
	}
	if c.Window < 1 || c.Window > 10000 {
		bad("-window %d: want 1 to 10000 (MQTT packet ids are few)", c.Window)
	}
	if !(c.PublishRate > 0) {
		bad("-publish-rate %v: want more than 0", c.PublishRate)
	}
	if c.AckTimeout <= 0 || c.AckTimeoutMax < c.AckTimeout {
		bad("-ack-timeout %v, -ack-timeout-max %v: want 0 < timeout <= max", c.AckTimeout, c.AckTimeoutMax)
	}
	for _, d := range [...]struct {
		flag string
		v    time.Duration
		min  time.Duration
	}{{"status-every", c.StatusEvery, 100 * time.Millisecond}, {"unsynced-hold", c.UnsyncedHold, 0}, {"debounce", c.Debounce, 0},
		{"feedback-hold", c.FeedbackHold, 0}, {"answer-window", c.AnswerWindow, 0}} {
		if d.v < d.min {
			bad("-%s %v: want at least %v", d.flag, d.v, d.min)
		}
	}
	if !slices.Contains([]string{"kernel", "assume", "untrusted"}, c.ClockSync) {
		bad("-clock-sync %q: want kernel, assume or untrusted", c.ClockSync)
	}
	if c.BuzzerToneHz < 0 || c.BuzzerToneHz > 20000 {
		bad("-buzzer-tone %d: want 0 to 20000", c.BuzzerToneHz)
	}
	return errors.Join(append(errs, cli.CheckLog(c.LogLevel, c.LogFormat, " ")...)...)
}

// Print writes the effective configuration as a config file would hold it,
// with the password hidden: the output of -check-config.
func (c *Config) Print(w io.Writer) {
	pw := ""
	if c.Password != "" {
		pw = "(set)"
	}
	rl := readerList{&c.Readers}
	for _, kv := range [...][2]string{
		{"board", c.Board}, {"school", c.School}, {"gateway", c.Gateway}, {"readers", rl.String()},
		{"broker", c.BrokerURL}, {"client-id", c.ClientID}, {"username", c.Username}, {"password", pw},
		{"ca-file", c.CAFile}, {"cert-file", c.CertFile}, {"key-file", c.KeyFile},
		{"spool-dir", c.SpoolDir}, {"high-water", strconv.Itoa(c.HighWater)}, {"window", strconv.Itoa(c.Window)},
		{"publish-rate", strconv.FormatFloat(c.PublishRate, 'g', -1, 64)}, {"ack-timeout", c.AckTimeout.String()},
		{"ack-timeout-max", c.AckTimeoutMax.String()}, {"status-every", c.StatusEvery.String()},
		{"clock-sync", c.ClockSync}, {"unsynced-hold", c.UnsyncedHold.String()}, {"debounce", c.Debounce.String()},
		{"feedback-hold", c.FeedbackHold.String()}, {"answer-window", c.AnswerWindow.String()},
		{"led-pin", c.LEDPin}, {"buzzer-pin", c.BuzzerPin}, {"buzzer-tone", strconv.Itoa(c.BuzzerToneHz)},
		{"oled-bus", c.OLEDBus}, {"metrics", c.MetricsAddr}, {"log-level", c.LogLevel}, {"log-format", c.LogFormat},
	} {
		fmt.Fprintf(w, "%s=%s\n", EnvName(kv[0]), strconv.Quote(kv[1]))
	}
}
