package punch

import (
	"strconv"
	"time"
)

// AppendJSON appends t as one JSON object, fields in the order of FORMATS.md
// §2, times in JST. It writes what it is given: call Validate first where t
// does not come from Decode.
func (t Tap) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"v":1,"type":"tap","id":`...)
	dst = appendQuoted(dst, t.ID)
	dst = append(dst, `,"board":`...)
	dst = appendQuoted(dst, t.Board)
	dst = append(dst, `,"school":`...)
	dst = appendQuoted(dst, t.School)
	dst = append(dst, `,"gateway":`...)
	dst = appendQuoted(dst, t.Gateway)
	dst = append(dst, `,"reader":`...)
	dst = appendQuoted(dst, t.Reader)
	dst = append(dst, `,"card":`...)
	dst = appendQuoted(dst, t.Card)
	dst = append(dst, `,"dir":`...)
	dst = appendQuoted(dst, string(t.Dir))
	dst = append(dst, `,"ts":"`...)
	dst = appendTime(dst, t.TS)
	dst = append(dst, `","clock":`...)
	dst = appendQuoted(dst, string(t.Clock))
	return append(dst, '}')
}

// AppendJSON appends a as one JSON object, fields in the order of FORMATS.md
// §2: minutes, time and dir, or target in place of the kind's fields. Like
// Tap.AppendJSON it does not validate.
func (a Adjustment) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"v":1,"type":"adjustment","id":`...)
	dst = appendQuoted(dst, a.ID)
	dst = append(dst, `,"staff":`...)
	dst = appendQuoted(dst, a.Staff)
	dst = append(dst, `,"date":"`...)
	dst, _ = a.Date.AppendText(dst)
	dst = append(dst, `","kind":`...)
	dst = appendQuoted(dst, string(a.Kind))
	switch {
	case a.Kind.HasMinutes():
		dst = append(dst, `,"minutes":`...)
		dst = strconv.AppendInt(dst, int64(a.Minutes), 10)
	case a.Kind == KindMissingPunch:
		dst = append(dst, `,"time":`...)
		dst = appendQuoted(dst, a.Time)
		dst = append(dst, `,"dir":`...)
		dst = appendQuoted(dst, string(a.Dir))
	case a.Kind == KindRetract:
		dst = append(dst, `,"target":`...)
		dst = appendQuoted(dst, a.Target)
	}
	dst = append(dst, `,"author":`...)
	dst = appendQuoted(dst, a.Author)
	dst = append(dst, `,"reason":`...)
	dst = appendQuoted(dst, a.Reason)
	dst = append(dst, `,"created":"`...)
	dst = appendTime(dst, a.Created)
	return append(dst, `"}`...)
}

// AppendJSON appends the tap or the adjustment e holds, as its Type says.
func (e Event) AppendJSON(dst []byte) []byte {
	if e.Type == TypeAdjustment {
		return e.Adjustment.AppendJSON(dst)
	}
	return e.Tap.AppendJSON(dst)
}

// The types plug into encoding/json through the codec of this package, so
// other code can embed them in its own messages and files. Unmarshalling has
// no "now": the future check is off. A JSON null leaves the value as it is,
// as encoding/json does for its own types. Marshalling validates first, so
// encoding/json never writes an event Decode would reject.

// MarshalJSON validates t and writes it with AppendJSON.
func (t Tap) MarshalJSON() ([]byte, error) {
	if err := t.Validate(time.Time{}); err != nil {
		return nil, err
	}
	return t.AppendJSON(make([]byte, 0, 256)), nil
}

// UnmarshalJSON decodes a tap event with Decode; another type is ErrType.
func (t *Tap) UnmarshalJSON(data []byte) error {
	if isNull(data) {
		return nil
	}
	e, err := decodeAs(data, TypeTap)
	if err == nil {
		*t = e.Tap
	}
	return err
}

// MarshalJSON validates a and writes it with AppendJSON.
func (a Adjustment) MarshalJSON() ([]byte, error) {
	if err := a.Validate(time.Time{}); err != nil {
		return nil, err
	}
	return a.AppendJSON(make([]byte, 0, 256)), nil
}

// UnmarshalJSON decodes an adjustment event with Decode; another type is ErrType.
func (a *Adjustment) UnmarshalJSON(data []byte) error {
	if isNull(data) {
		return nil
	}
	e, err := decodeAs(data, TypeAdjustment)
	if err == nil {
		*a = e.Adjustment
	}
	return err
}

// MarshalJSON validates e and writes it with AppendJSON.
func (e Event) MarshalJSON() ([]byte, error) {
	if err := e.Validate(time.Time{}); err != nil {
		return nil, err
	}
	return e.AppendJSON(make([]byte, 0, 256)), nil
}

// UnmarshalJSON decodes an event with Decode.
func (e *Event) UnmarshalJSON(data []byte) error {
	if isNull(data) {
		return nil
	}
	d, err := Decode(data, time.Time{})
	if err == nil {
		*e = d
	}
	return err
}

func decodeAs(data []byte, want Type) (Event, error) {
	e, err := Decode(data, time.Time{})
	if err != nil {
		return e, err
	}
	if e.Type != want {
		return Event{}, newError(ErrType, "type", quote(string(e.Type))+" (want "+string(want)+")")
	}
	return e, nil
}

// isNull reports whether data is the JSON literal null, which encoding/json
// passes to UnmarshalJSON of a non-pointer field.
func isNull(data []byte) bool { return string(data) == "null" }
