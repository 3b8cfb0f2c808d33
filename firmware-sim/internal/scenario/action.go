// Package scenario says what happens at firmware-sim's emulated readers:
// cards tapped, held and removed, and faults (garbage on the line, NACKs,
// slow answers, a reader unplugged). Actions come from a scenario file
// (text or JSONL, with time offsets), from commands typed at a prompt, or
// from a random load generator; Play, Prompt and Load apply them to a
// Target, the set of readers.
//
// One command grammar serves the prompt and the text scenario (which puts a
// time offset first):
//
//	READER CARD [HOLD]    tap CARD (e.g. felica:012e4cd23a1b5c6d) for HOLD (default 500ms)
//	READER present CARD   put CARD on the reader until removed
//	READER remove         take the card away
//	READER unplug [FOR]   pull the cable; plug it back after FOR (default: stays out)
//	READER replug         plug it back
//	READER garbage [N]    N random bytes on the line (default 16)
//	READER nack [N]       NACK the next N commands (default 1)
//	READER slow DELAY     answer DELAY late (0 to stop)
package scenario

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"timeclock/internal/punch"
)

// Verb is what an Action does.
type Verb string

// The verbs.
const (
	Tap     Verb = "tap"
	Present Verb = "present"
	Remove  Verb = "remove"
	Unplug  Verb = "unplug"
	Replug  Verb = "replug"
	Garbage Verb = "garbage"
	NACK    Verb = "nack"
	Slow    Verb = "slow"
)

// Defaults of the optional arguments.
const (
	DefaultHold    = 500 * time.Millisecond
	DefaultGarbage = 16
)

// Action is one thing done to one reader.
type Action struct {
	At     time.Duration // offset from the start of a scenario
	Reader string
	Verb   Verb
	Card   string        // Tap, Present
	Hold   time.Duration // Tap
	For    time.Duration // Unplug: until replug (0: stays out); Slow: the delay
	N      int           // Garbage: bytes; NACK: commands
}

// String writes a in the command grammar (without its offset).
func (a Action) String() string {
	switch a.Verb {
	case Tap:
		return a.Reader + " " + a.Card + " " + a.Hold.String()
	case Present:
		return a.Reader + " present " + a.Card
	case Unplug:
		if a.For > 0 {
			return a.Reader + " unplug " + a.For.String()
		}
	case Slow:
		return a.Reader + " slow " + a.For.String()
	case Garbage, NACK:
		return a.Reader + " " + string(a.Verb) + " " + strconv.Itoa(a.N)
	}
	return a.Reader + " " + string(a.Verb)
}

// ends is how long after its start an action still has effects a scenario
// must wait for: the hold of a tap, the time out of an unplug.
func (a Action) ends() time.Duration {
	switch a.Verb {
	case Tap:
		return a.At + a.Hold
	case Unplug:
		return a.At + a.For
	}
	return a.At
}

// ParseCommand reads one command of the grammar, split into fields.
func ParseCommand(f []string) (Action, error) {
	if len(f) < 2 {
		return Action{}, fmt.Errorf("want READER and a card or a verb, got %q", strings.Join(f, " "))
	}
	a := Action{Reader: f[0]}
	what, args := f[1], f[2:]
	if strings.Contains(what, ":") {
		a.Verb, a.Card, a.Hold = Tap, what, DefaultHold
		if err := checkCard(what); err != nil {
			return Action{}, err
		}
		if len(args) > 0 {
			hold, err := positive("hold", args[0])
			if err != nil {
				return Action{}, err
			}
			a.Hold, args = hold, args[1:]
		}
		return a, noMore(args)
	}
	a.Verb = Verb(what)
	var err error
	switch a.Verb {
	case Present:
		if len(args) == 0 {
			return Action{}, fmt.Errorf("present: want a card")
		}
		a.Card, args = args[0], args[1:]
		err = checkCard(a.Card)
	case Remove, Replug:
	case Unplug:
		if len(args) > 0 {
			a.For, err = positive("unplug time", args[0])
			args = args[1:]
		}
	case Slow:
		if len(args) == 0 {
			return Action{}, fmt.Errorf("slow: want a delay (0 to stop)")
		}
		a.For, err = time.ParseDuration(args[0])
		if err == nil && a.For < 0 {
			err = fmt.Errorf("slow: delay %s is negative", args[0])
		}
		args = args[1:]
	case Garbage, NACK:
		a.N = DefaultGarbage
		if a.Verb == NACK {
			a.N = 1
		}
		if len(args) > 0 {
			a.N, err = count(string(a.Verb), args[0])
			args = args[1:]
		}
	default:
		return Action{}, fmt.Errorf("%q is neither a card id nor one of tap, present, remove, unplug, replug, garbage, nack, slow", what)
	}
	if err != nil {
		return Action{}, err
	}
	return a, noMore(args)
}

func checkCard(s string) error {
	_, err := punch.ParseCard(s)
	return err
}

func positive(what, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s %q: want a positive duration like 500ms", what, s)
	}
	return d, nil
}

func count(what, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 4096 {
		return 0, fmt.Errorf("%s count %q: want 1 to 4096", what, s)
	}
	return n, nil
}

func noMore(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected %q", strings.Join(args, " "))
	}
	return nil
}
