package punch

import (
	"time"

	"timeclock/internal/civil"
)

// Version is the only event version this package reads and writes ("v").
const Version = 1

// Type tells a tap from an adjustment ("type").
type Type string

// Event types.
const (
	TypeTap        Type = "tap"
	TypeAdjustment Type = "adjustment"
)

// Dir is the direction of a tap, or of the punch a missing_punch supplies.
type Dir string

// Directions. A missing_punch takes only DirIn or DirOut.
const (
	DirTap Dir = "tap" // unspecified: one reader, no buttons
	DirIn  Dir = "in"
	DirOut Dir = "out"
)

// Clock tells whether the gateway's clock was synchronised when it stamped a tap.
type Clock string

// Clock trust values.
const (
	ClockSynced   Clock = "synced"
	ClockUnsynced Clock = "unsynced"
)

// Kind is the kind of an adjustment (DOMAIN.md §2).
type Kind string

// Adjustment kinds.
const (
	KindOffsite       Kind = "offsite"
	KindTelework      Kind = "telework"
	KindBreakNotTaken Kind = "break_not_taken"
	KindSelfStudy     Kind = "self_study"
	KindLeave         Kind = "leave"
	KindTakehome      Kind = "takehome"
	KindMissingPunch  Kind = "missing_punch"
	KindRetract       Kind = "retract"
)

// Limits of the checks.
const (
	// MaxMinutes is the most one adjustment may carry: one whole work day.
	MaxMinutes = 1440
	// MaxFuture is how far after the caller's "now" a timestamp may lie;
	// more means a gateway clock gone wrong.
	MaxFuture = 10 * time.Minute
	// maxTextLen bounds author and reason, in bytes.
	maxTextLen = 1000
)

// Kinds lists every adjustment kind in the order of FORMATS.md §2.
var Kinds = []Kind{KindOffsite, KindTelework, KindBreakNotTaken, KindSelfStudy, KindLeave, KindTakehome,
	KindMissingPunch, KindRetract}

// HasMinutes reports whether adjustments of kind k carry "minutes".
func (k Kind) HasMinutes() bool {
	switch k {
	case KindOffsite, KindTelework, KindBreakNotTaken, KindSelfStudy, KindLeave, KindTakehome:
		return true
	}
	return false
}

// Valid reports whether k is one of the kinds of FORMATS.md §2.
func (k Kind) Valid() bool { return k.HasMinutes() || k == KindMissingPunch || k == KindRetract }

// Tap is a card read at a reader (FORMATS.md §2).
type Tap struct {
	ID      string // {gateway}:{boot}:{seq}, see FormatTapID
	Board   string
	School  string
	Gateway string
	Reader  string
	Card    string // {tech}:{lowercase hex}, see FormatCard
	Dir     Dir
	TS      time.Time
	Clock   Clock
}

// Adjustment is a person's correction or declaration (FORMATS.md §2). Which of
// Minutes, Time with Dir, and Target it carries depends on Kind; the others
// are zero.
type Adjustment struct {
	ID      string // adj-…, see ValidAdjustmentID
	Staff   string
	Date    civil.Date // the work date it applies to
	Kind    Kind
	Minutes int    // kinds with HasMinutes: 1…MaxMinutes
	Time    string // missing_punch: "HH:MM", 00–03 being the next morning; see WorkMinute
	Dir     Dir    // missing_punch: DirIn or DirOut
	Target  string // retract: the id of the adjustment it cancels
	Author  string
	Reason  string
	Created time.Time
}

// Event is one line of an event file or one punch payload: exactly one of Tap
// and Adjustment, as Type says. Values, not pointers, so decoding an event
// does not allocate beyond its strings.
type Event struct {
	Type       Type
	Tap        Tap
	Adjustment Adjustment
}

// ID returns the event's id, the key the aggregator is idempotent on.
func (e Event) ID() string {
	if e.Type == TypeAdjustment {
		return e.Adjustment.ID
	}
	return e.Tap.ID
}

// Validate checks e as Decode does; a zero now disables the future check.
func (e Event) Validate(now time.Time) error {
	switch e.Type {
	case TypeTap:
		return e.Tap.Validate(now)
	case TypeAdjustment:
		return e.Adjustment.Validate(now)
	}
	return newError(ErrType, "type", quote(string(e.Type))+" (want tap or adjustment)")
}

// Validate checks every field of t, in the order they are written, and then
// that the id names t's gateway. A zero now disables the future check.
func (t Tap) Validate(now time.Time) error {
	if _, _, _, err := ParseTapID(t.ID); err != nil {
		return err
	}
	for _, f := range [...]struct{ name, v string }{
		{"board", t.Board}, {"school", t.School}, {"gateway", t.Gateway}, {"reader", t.Reader},
	} {
		if err := checkName(f.name, f.v); err != nil {
			return err
		}
	}
	if _, _, err := checkCard(t.Card); err != nil {
		return err
	}
	if t.Dir != DirTap && t.Dir != DirIn && t.Dir != DirOut {
		return newError(ErrInvalid, "dir", quote(string(t.Dir))+" (want tap, in or out)")
	}
	if err := checkTime("ts", t.TS, now); err != nil {
		return err
	}
	if t.Clock != ClockSynced && t.Clock != ClockUnsynced {
		return newError(ErrInvalid, "clock", quote(string(t.Clock))+" (want synced or unsynced)")
	}
	if gw := tapIDGateway(t.ID); gw != t.Gateway {
		return newError(ErrID, "id", quote(t.ID)+": gateway part "+quote(gw)+" differs from gateway "+quote(t.Gateway))
	}
	return nil
}

// Validate checks every field of a, in the order they are written. A zero now
// disables the future check.
func (a Adjustment) Validate(now time.Time) error {
	if !ValidAdjustmentID(a.ID) {
		return newError(ErrID, "id", quote(a.ID)+": want adj- and 1 to 60 of [a-z0-9-]")
	}
	if !validStaff(a.Staff) {
		return newError(ErrInvalid, "staff", quote(a.Staff)+": want 1 to 64 of [A-Za-z0-9._-]")
	}
	if !a.Kind.Valid() {
		return newError(ErrInvalid, "kind", quote(string(a.Kind))+
			" (want offsite, telework, break_not_taken, self_study, leave, takehome, missing_punch or retract)")
	}
	if err := a.checkKindFields(); err != nil {
		return err
	}
	if err := checkText("author", a.Author); err != nil {
		return err
	}
	if err := checkText("reason", a.Reason); err != nil {
		return err
	}
	return checkTime("created", a.Created, now)
}

// checkKindFields checks minutes, time, dir and target against the kind: the
// ones the kind carries must be valid, the others absent.
func (a Adjustment) checkKindFields() error {
	notOfKind := func(field string) error {
		return newError(ErrUnknownField, field, "not a field of kind "+string(a.Kind))
	}
	if a.Kind.HasMinutes() {
		if a.Minutes < 1 || a.Minutes > MaxMinutes {
			return newError(ErrInvalid, "minutes", itoa(a.Minutes)+" (want 1 to 1440)")
		}
	} else if a.Minutes != 0 {
		return notOfKind("minutes")
	}
	if a.Kind == KindMissingPunch {
		if _, err := WorkMinute(a.Time); err != nil {
			return err
		}
		if a.Dir != DirIn && a.Dir != DirOut {
			return newError(ErrInvalid, "dir", quote(string(a.Dir))+" (want in or out)")
		}
	} else if a.Time != "" {
		return notOfKind("time")
	} else if a.Dir != "" {
		return notOfKind("dir")
	}
	if a.Kind == KindRetract {
		if !ValidAdjustmentID(a.Target) {
			return newError(ErrID, "target", quote(a.Target)+": want adj- and 1 to 60 of [a-z0-9-]")
		}
		if a.Target == a.ID {
			return newError(ErrInvalid, "target", quote(a.Target)+": an adjustment cannot retract itself")
		}
	} else if a.Target != "" {
		return notOfKind("target")
	}
	return nil
}

// checkTime rejects a zero time and one more than MaxFuture after now.
func checkTime(field string, t, now time.Time) error {
	if t.IsZero() {
		return newError(ErrInvalid, field, "zero time")
	}
	if y := t.In(civil.JST).Year(); y < 0 || y > 9999 {
		return newError(ErrInvalid, field, "year "+itoa(y)+" out of range")
	}
	if !now.IsZero() && t.Sub(now) > MaxFuture {
		return newError(ErrFuture, field, string(appendTime(nil, t))+" is "+t.Sub(now).String()+
			" after "+string(appendTime(nil, now))+" (at most 10m0s allowed)")
	}
	return nil
}
