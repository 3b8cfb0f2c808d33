package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Parse parses args into fs; arguments left after the flags are an error.
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return nil
}

// Usage returns the error of parsing a command line as a UsageError; nil
// for nil and for flag.ErrHelp (the usage has been printed: nothing failed).
func Usage(err error) error {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return UsageError{err.Error()}
}

// Given returns the names of the flags of fs set on the command line or since.
func Given(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// Env makes environment variables stand for the flags not given on the
// command line.
type Env struct {
	Prefix    string              // of every variable, e.g. TIMECLOCK_
	Getenv    func(string) string // the variables, e.g. os.Getenv
	Names     map[string]string   // where a variable is not named after its flag: "reader": "readers"
	ShowValue bool                // put a bad value in its error (where no value is a secret)
}

// Name returns the variable of flag name: with prefix TIMECLOCK_, spool-dir
// is TIMECLOCK_SPOOL_DIR.
func (e Env) Name(flag string) string {
	if n, ok := e.Names[flag]; ok {
		flag = n
	}
	return e.Prefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// Apply sets each flag of fs not set yet from its variable, unless that is
// empty, and returns the errors of bad values in the order of the flags'
// names: `VARIABLE: error`, or `VARIABLE="value": error` with ShowValue.
func (e Env) Apply(fs *flag.FlagSet) []error {
	given := Given(fs)
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := e.Name(f.Name)
		v := e.Getenv(name)
		if given[f.Name] || v == "" {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			if e.ShowValue {
				name += "=" + strconv.Quote(v)
			}
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	})
	return errs
}

// Setting is a line of a settings file.
type Setting struct {
	Line       int // from 1
	Key, Value string
	OK         bool // false for a line without "=": Key is all of it
}

// ReadSettings returns the "key = value" lines of r, up to an error in
// reading it: spaces around key and value left out, blank lines and lines
// that start with one of comments passed over, a value enclosed in one of
// quotes (the same at both ends) unquoted.
func ReadSettings(r io.Reader, comments, quotes string) ([]Setting, error) {
	var out []Setting
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.IndexByte(comments, line[0]) >= 0 {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if v = strings.TrimSpace(v); len(v) >= 2 && strings.IndexByte(quotes, v[0]) >= 0 && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		out = append(out, Setting{n, strings.TrimSpace(k), v, ok})
	}
	return out, sc.Err()
}

// Values that settings of more than one program take.
var (
	LogLevels     = []string{"debug", "info", "warn", "error"}                  // of -log-level (NewLogger)
	LogFormats    = []string{"text", "json"}                                    // of -log-format (NewLogger)
	BrokerSchemes = []string{"tcp", "mqtt", "ssl", "tls", "mqtts", "ws", "wss"} // of an MQTT broker URL
)

// CheckLog returns the errors of a -log-level and a -log-format that
// NewLogger does not take. sep stands between the flag and the value, as in
// the rest of the program's errors: "-log-level" + sep + `"loud": want …`.
func CheckLog(level, format, sep string) []error {
	var errs []error
	if !slices.Contains(LogLevels, level) {
		errs = append(errs, fmt.Errorf("-log-level%s%q: want debug, info, warn or error", sep, level))
	}
	if !slices.Contains(LogFormats, format) {
		errs = append(errs, fmt.Errorf("-log-format%s%q: want text or json", sep, format))
	}
	return errs
}
