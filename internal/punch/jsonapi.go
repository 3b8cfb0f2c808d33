package punch

import (
	"time"
)

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
