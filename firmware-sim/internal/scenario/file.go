package scenario

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// maxErrors bounds the errors Parse reports: a file that is not a scenario
// at all should not flood the terminal.
const maxErrors = 10

// Parse reads a scenario: one action per line, in either form, mixed as
// convenient; blank lines and lines starting with # are skipped.
//
// Text: OFFSET then a command of the grammar, e.g.
//
//	1.5s entrance felica:012e4cd23a1b5c6d 400ms
//	3s   entrance unplug 2s
//
// JSONL: an object with "at", "reader" and either "card" (and "hold") for a
// tap or "do" (a verb) and "arg", e.g.
//
//	{"at":"1.5s","reader":"entrance","card":"felica:012e4cd23a1b5c6d","hold":"400ms"}
//	{"at":"3s","reader":"entrance","do":"unplug","arg":"2s"}
//
// Offsets count from the start of the scenario. The actions come back
// sorted by offset (in file order where equal). Errors name the file (name)
// and line.
func Parse(r io.Reader, name string) ([]Action, error) {
	var actions []Action
	var errs []error
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		a, ok, err := ParseLine(sc.Text())
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s:%d: %w", name, n, err))
		case ok:
			actions = append(actions, a)
		}
		if len(errs) == maxErrors {
			errs = append(errs, fmt.Errorf("%s: stopped after %d errors", name, maxErrors))
			break
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", name, err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.SortStableFunc(actions, func(a, b Action) int { return int(a.At - b.At) })
	return actions, nil
}

// ParseLine reads one scenario line; ok is false for a blank or comment
// line.
func ParseLine(line string) (a Action, ok bool, err error) {
	line = strings.TrimSpace(line)
	switch {
	case line == "" || line[0] == '#':
		return Action{}, false, nil
	case line[0] == '{':
		a, err = parseJSON([]byte(line))
	default:
		a, err = parseText(strings.Fields(line))
	}
	return a, err == nil, err
}

func parseText(f []string) (Action, error) {
	at, err := offset(f[0])
	if err != nil {
		return Action{}, err
	}
	a, err := ParseCommand(f[1:])
	a.At = at
	return a, err
}

// jsonAction is the JSONL form of an action.
type jsonAction struct {
	At     string `json:"at"`
	Reader string `json:"reader"`
	Card   string `json:"card"`
	Hold   string `json:"hold"`
	Do     string `json:"do"`
	Arg    string `json:"arg"`
}

func parseJSON(b []byte) (Action, error) {
	var j jsonAction
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return Action{}, fmt.Errorf("JSON: %w", err)
	}
	if dec.More() {
		return Action{}, errors.New("JSON: more than one value on the line")
	}
	at, err := offset(j.At)
	if err != nil {
		return Action{}, fmt.Errorf(`"at": %w`, err)
	}
	if j.Reader == "" || strings.ContainsAny(j.Reader, " \t") {
		return Action{}, fmt.Errorf(`"reader" %q: want a reader name`, j.Reader)
	}
	f := []string{j.Reader}
	switch {
	case j.Card != "" && j.Do == "":
		f = append(f, j.Card)
		if j.Hold != "" {
			f = append(f, j.Hold)
		}
	case j.Do != "" && j.Card == "" && j.Hold == "":
		f = append(f, j.Do)
		if j.Arg != "" {
			f = append(f, strings.Fields(j.Arg)...)
		}
	default:
		return Action{}, errors.New(`want either "card" (and "hold") or "do" (and "arg")`)
	}
	a, err := ParseCommand(f)
	a.At = at
	return a, err
}

// offset reads a time offset from the start: a duration ≥ 0 ("0" allowed).
func offset(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("offset %q: want a duration from the start like 1.5s", s)
	}
	return d, nil
}
