package punch

import (
	"maps"
	"slices"
	"strconv"
	"time"
)

// Status is the retained gateway status of FORMATS.md §1; the gateway's last
// will is a Status with Online false.
type Status struct {
	Online      bool
	TS          time.Time
	Queue       int               // taps in the spool not yet acknowledged
	ClockSynced bool              // whether the gateway's clock is synchronised
	Readers     map[string]string // reader name → state: ReaderOK or a short fault text
	Version     string            // gateway software version
}

// ReaderOK is the state of a working reader in Status.Readers.
const ReaderOK = "ok"

// Result is the aggregator's verdict on a tap, sent back as Feedback.
type Result string

// Feedback results.
const (
	ResultOK          Result = "ok"
	ResultUnknownCard Result = "unknown_card"
	ResultRejected    Result = "rejected"
)

// Level is how close the staff is to the limits, for the gateway's LED,
// buzzer and display.
type Level string

// Feedback levels.
const (
	LevelOK       Level = "ok"
	LevelWarn     Level = "warn"
	LevelCritical Level = "critical"
)

// Feedback is the aggregator's answer to one tap (FORMATS.md §1).
type Feedback struct {
	ID               string // the tap id
	Result           Result
	Staff            string // "" when the card is unknown
	TodayMin         int    // 在校等時間 of the work date so far
	MonthOvertimeMin int    // 時間外在校等時間 of the month so far
	Level            Level
}

// Validate checks s; a zero now disables the future check.
func (s Status) Validate(now time.Time) error {
	if err := checkTime("ts", s.TS, now); err != nil {
		return err
	}
	if s.Queue < 0 {
		return newError(ErrInvalid, "queue", itoa(s.Queue)+" (want 0 or more)")
	}
	for _, name := range slices.Sorted(maps.Keys(s.Readers)) {
		if !ValidName(name) {
			return newError(ErrInvalid, "readers", "reader "+quote(name)+": want 1 to 40 of [a-z0-9-]")
		}
		if err := checkText("readers."+name, s.Readers[name]); err != nil {
			return err
		}
	}
	return checkText("version", s.Version)
}

// Validate checks f.
func (f Feedback) Validate() error {
	if _, _, _, err := ParseTapID(f.ID); err != nil {
		return err
	}
	switch f.Result {
	case ResultOK, ResultUnknownCard, ResultRejected:
	default:
		return newError(ErrInvalid, "result", quote(string(f.Result))+" (want ok, unknown_card or rejected)")
	}
	if (f.Staff != "" || f.Result == ResultOK) && !validStaff(f.Staff) {
		return newError(ErrInvalid, "staff", quote(f.Staff)+": want 1 to 64 of [A-Za-z0-9._-]")
	}
	if f.TodayMin < 0 {
		return newError(ErrInvalid, "today_min", itoa(f.TodayMin)+" (want 0 or more)")
	}
	if f.MonthOvertimeMin < 0 {
		return newError(ErrInvalid, "month_overtime_min", itoa(f.MonthOvertimeMin)+" (want 0 or more)")
	}
	switch f.Level {
	case LevelOK, LevelWarn, LevelCritical:
		return nil
	}
	return newError(ErrInvalid, "level", quote(string(f.Level))+" (want ok, warn or critical)")
}

// AppendJSON appends s as one JSON object in the order of FORMATS.md §1,
// readers sorted by name so equal statuses are equal bytes.
func (s Status) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"online":`...)
	dst = strconv.AppendBool(dst, s.Online)
	dst = append(dst, `,"ts":"`...)
	dst = appendTime(dst, s.TS)
	dst = append(dst, `","queue":`...)
	dst = strconv.AppendInt(dst, int64(s.Queue), 10)
	dst = append(dst, `,"clock_synced":`...)
	dst = strconv.AppendBool(dst, s.ClockSynced)
	dst = append(dst, `,"readers":{`...)
	for i, name := range slices.Sorted(maps.Keys(s.Readers)) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendQuoted(dst, name)
		dst = append(dst, ':')
		dst = appendQuoted(dst, s.Readers[name])
	}
	dst = appendMember(dst, `},"version":`, s.Version)
	return append(dst, '}')
}

// AppendJSON appends f as one JSON object in the order of FORMATS.md §1.
func (f Feedback) AppendJSON(dst []byte) []byte {
	dst = appendMember(dst, `{"id":`, f.ID)
	dst = appendMember(dst, `,"result":`, string(f.Result))
	dst = appendMember(dst, `,"staff":`, f.Staff)
	dst = append(dst, `,"today_min":`...)
	dst = strconv.AppendInt(dst, int64(f.TodayMin), 10)
	dst = append(dst, `,"month_overtime_min":`...)
	dst = strconv.AppendInt(dst, int64(f.MonthOvertimeMin), 10)
	dst = appendMember(dst, `,"level":`, string(f.Level))
	return append(dst, '}')
}

// MarshalJSON validates s and writes it with AppendJSON.
func (s Status) MarshalJSON() ([]byte, error) { return validJSON(s.Validate(time.Time{}), s) }

// UnmarshalJSON decodes s with DecodeStatus, without the future check.
func (s *Status) UnmarshalJSON(data []byte) error {
	return unmarshal(s, data, func(b []byte) (Status, error) { return DecodeStatus(b, time.Time{}) })
}

// MarshalJSON validates f and writes it with AppendJSON.
func (f Feedback) MarshalJSON() ([]byte, error) { return validJSON(f.Validate(), f) }

// UnmarshalJSON decodes f with DecodeFeedback.
func (f *Feedback) UnmarshalJSON(data []byte) error { return unmarshal(f, data, DecodeFeedback) }
