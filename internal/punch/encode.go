package punch

import (
	"strconv"
	"time"
)

// AppendJSON appends t as one JSON object, fields in the order of FORMATS.md
// §2, times in JST. It writes what it is given: call Validate first where t
// does not come from Decode.
func (t Tap) AppendJSON(dst []byte) []byte {
	dst = appendMember(dst, `{"v":1,"type":"tap","id":`, t.ID)
	dst = appendMember(dst, `,"board":`, t.Board)
	dst = appendMember(dst, `,"school":`, t.School)
	dst = appendMember(dst, `,"gateway":`, t.Gateway)
	dst = appendMember(dst, `,"reader":`, t.Reader)
	dst = appendMember(dst, `,"card":`, t.Card)
	dst = appendMember(dst, `,"dir":`, string(t.Dir))
	dst = append(dst, `,"ts":"`...)
	dst = appendTime(dst, t.TS)
	dst = appendMember(dst, `","clock":`, string(t.Clock))
	return append(dst, '}')
}

// AppendJSON appends a as one JSON object, fields in the order of FORMATS.md
// §2: minutes, time and dir, or target in place of the kind's fields. Like
// Tap.AppendJSON it does not validate.
func (a Adjustment) AppendJSON(dst []byte) []byte {
	dst = appendMember(dst, `{"v":1,"type":"adjustment","id":`, a.ID)
	dst = appendMember(dst, `,"staff":`, a.Staff)
	dst = append(dst, `,"date":"`...)
	dst, _ = a.Date.AppendText(dst)
	dst = appendMember(dst, `","kind":`, string(a.Kind))
	switch {
	case a.Kind.HasMinutes():
		dst = append(dst, `,"minutes":`...)
		dst = strconv.AppendInt(dst, int64(a.Minutes), 10)
	case a.Kind == KindMissingPunch:
		dst = appendMember(dst, `,"time":`, a.Time)
		dst = appendMember(dst, `,"dir":`, string(a.Dir))
	case a.Kind == KindRetract:
		dst = appendMember(dst, `,"target":`, a.Target)
	}
	dst = appendMember(dst, `,"author":`, a.Author)
	dst = appendMember(dst, `,"reason":`, a.Reason)
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
func (t Tap) MarshalJSON() ([]byte, error) { return validJSON(t.Validate(time.Time{}), t) }

// UnmarshalJSON decodes a tap event with Decode; another type is ErrType.
func (t *Tap) UnmarshalJSON(data []byte) error {
	return unmarshal(t, data, func(b []byte) (Tap, error) {
		e, err := decodeAs(b, TypeTap)
		return e.Tap, err
	})
}

// MarshalJSON validates a and writes it with AppendJSON.
func (a Adjustment) MarshalJSON() ([]byte, error) { return validJSON(a.Validate(time.Time{}), a) }

// UnmarshalJSON decodes an adjustment event with Decode; another type is ErrType.
func (a *Adjustment) UnmarshalJSON(data []byte) error {
	return unmarshal(a, data, func(b []byte) (Adjustment, error) {
		e, err := decodeAs(b, TypeAdjustment)
		return e.Adjustment, err
	})
}

// MarshalJSON validates e and writes it with AppendJSON.
func (e Event) MarshalJSON() ([]byte, error) { return validJSON(e.Validate(time.Time{}), e) }

// UnmarshalJSON decodes an event with Decode.
func (e *Event) UnmarshalJSON(data []byte) error {
	return unmarshal(e, data, func(b []byte) (Event, error) { return Decode(b, time.Time{}) })
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

// validJSON is the MarshalJSON of every type of the package: v written with
// its AppendJSON, unless v failed its validation with err.
func validJSON[T interface{ AppendJSON([]byte) []byte }](err error, v T) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	return v.AppendJSON(make([]byte, 0, 256)), nil
}

// unmarshal is the UnmarshalJSON of every type of the package: *dst becomes
// what decode makes of data, unless that fails. The JSON literal null, which
// encoding/json passes to UnmarshalJSON of a non-pointer field, leaves *dst
// as it is.
func unmarshal[T any](dst *T, data []byte, decode func([]byte) (T, error)) error {
	if string(data) == "null" {
		return nil
	}
	v, err := decode(data)
	if err == nil {
		*dst = v
	}
	return err
}
