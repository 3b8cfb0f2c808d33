package overtime

import "timeclock/internal/civil"

// Dir is the direction of a tap.
type Dir uint8

// Tap directions. DirTap is unspecified: first tap of the day is 出勤, last is 退勤.
const (
	DirTap Dir = iota
	DirIn
	DirOut
)

// Kind is the kind of an adjustment (DOMAIN.md §2).
type Kind uint8

// Adjustment kinds.
const (
	KindOffsite Kind = iota + 1
	KindTelework
	KindBreakNotTaken
	KindSelfStudy
	KindMissingPunch
	KindLeave
	KindTakehome
	KindRetract
)

var kindNames = [...]string{
	KindOffsite:       "offsite",
	KindTelework:      "telework",
	KindBreakNotTaken: "break_not_taken",
	KindSelfStudy:     "self_study",
	KindMissingPunch:  "missing_punch",
	KindLeave:         "leave",
	KindTakehome:      "takehome",
	KindRetract:       "retract",
}

// String returns the wire name of k.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// ParseKind returns the Kind named s.
func ParseKind(s string) (Kind, bool) {
	for k, n := range kindNames {
		if n != "" && n == s {
			return Kind(k), true
		}
	}
	return 0, false
}

// DayInfo is what the calendar says about one staff member's date.
type DayInfo struct {
	Employed bool // inside the staff's employment dates
	Regular  int  // regular minutes before leave; 0 on days off or outside employment
	DayOff   bool
	LockMin  int // lock time in force (minute of day), -1 if none
}

// Calendar resolves schedules, days off and lock times. internal/roster
// implements it; the engine calls it only when a day or month is recomputed.
type Calendar interface {
	Day(staff int, d civil.Date) DayInfo
}

// StaffInfo is what the engine needs to know about a staff member.
type StaffInfo struct {
	ID         string
	Board      string
	School     string // home school
	SchoolType string
	Role       string
	BreakMin   int // the schedule's break, deducted when presence exceeds Config.BreakAfterMin
	// Start is the first date of employment; when HasStart is false the first
	// month on record is the month of the staff's earliest event.
	Start    civil.Date
	HasStart bool
}

// Tap is a card read, already resolved to a staff index.
type Tap struct {
	Staff    int
	Ms       int64  // Unix milliseconds
	ID       uint64 // HashID of the event id
	Dir      Dir
	Unsynced bool // the gateway's clock was not synchronised
}

// Adjustment is a person's entry (DOMAIN.md §2), resolved to a staff index.
type Adjustment struct {
	Staff   int
	ID      uint64 // HashID of the adjustment id
	Date    civil.Date
	Kind    Kind
	Minutes int    // offsite, telework, break_not_taken, self_study, leave, takehome
	Min     int    // missing_punch: minute offset from 00:00 of Date (may exceed 1440)
	Dir     Dir    // missing_punch: DirIn or DirOut
	Target  uint64 // retract: HashID of the cancelled adjustment
}

// HashID turns an event id into the 64-bit key the engine deduplicates on.
func HashID(id string) uint64 {
	// FNV-1a inline: hash.Hash would allocate per call.
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= prime
	}
	return h
}

// Config holds the engine's tunables; DefaultConfig gives DOMAIN.md's values.
type Config struct {
	DayStartMin   int   // work day starts this many minutes after midnight (240 = 04:00)
	DebounceMs    int64 // taps closer than this count once
	BreakAfterMin int   // break deducted when presence exceeds this
	IntervalMin   int   // 勤務間インターバル
	Over45Min     int   // the monthly bound counted by over45 months
	Rules         []Rule
	// TrackChanges records changed days and months and alert transitions for
	// DrainChanges; batch replays turn it off.
	TrackChanges bool
}

// DefaultConfig returns DOMAIN.md's decisions and rules.
func DefaultConfig() Config {
	return Config{
		DayStartMin:   4 * 60,
		DebounceMs:    60_000,
		BreakAfterMin: 6 * 60,
		IntervalMin:   11 * 60,
		Over45Min:     45 * 60,
		Rules:         DefaultRules(),
		TrackChanges:  true,
	}
}
