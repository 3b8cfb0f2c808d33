package punch

import (
	"strconv"
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
