package punch

import "time"

var statusFields = fields{"online", "ts", "queue", "clock_synced", "readers", "version"}

var feedbackFields = fields{"id", "result", "staff", "today_min", "month_overtime_min", "level"}

// newDecoderAll is newDecoder for status and feedback, which have no
// optional fields: the members must be each field of table once and nothing
// else. what names the message for the reasons.
func newDecoderAll(data []byte, table int, what string, ms []member) (decoder, error) {
	d, err := newDecoder(data, table, ms)
	all := uint32(1)<<len(tables[table]) - 1
	if err == nil {
		err = d.checkKeys(all, what)
	}
	if err == nil {
		err = d.checkPresent(all)
	}
	return d, err
}

// DecodeStatus reads and validates a gateway status payload. A ts more than
// MaxFuture after now is rejected; a zero now disables the check.
func DecodeStatus(data []byte, now time.Time) (Status, error) {
	var msBuf [8]member
	d, err := newDecoderAll(data, tableStatus, "a status", msBuf[:0])
	if err != nil {
		return Status{}, err
	}
	var s Status
	if s.Online, err = d.boolean(0); err != nil {
		return Status{}, err
	}
	if s.TS, err = d.timestamp(1); err != nil {
		return Status{}, err
	}
	if s.Queue, err = d.integer(2); err != nil {
		return Status{}, err
	}
	if s.ClockSynced, err = d.boolean(3); err != nil {
		return Status{}, err
	}
	if s.Readers, err = d.readers(4); err != nil {
		return Status{}, err
	}
	var tmp [64]byte
	version, err := d.text(5, tmp[:])
	if err != nil {
		return Status{}, err
	}
	s.Version = string(version)
	if err := s.Validate(now); err != nil {
		return Status{}, err
	}
	return s, nil
}

// readers reads the object of reader states: string keys to string values.
func (d *decoder) readers(id int) (map[string]string, error) {
	m := d.member(id)
	if m.kind != valObject {
		return nil, d.wrongKind(id, "an object")
	}
	var msBuf [8]member
	s := scanner{data: d.data, pos: int(m.valStart)}
	ms, err := s.object(msBuf[:0], 1) // checked by scanTop already
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(ms))
	for _, r := range ms {
		key := d.data[r.keyStart:r.keyEnd]
		if r.keyEsc {
			key = appendUnescaped(nil, key)
		}
		name := string(key)
		if r.kind != valString {
			return nil, newError(ErrInvalid, "readers."+name, "want a string, got "+r.kind.String())
		}
		if _, dup := out[name]; dup {
			return nil, newError(ErrInvalid, "readers."+name, "reader repeated")
		}
		raw := d.data[r.valStart:r.valEnd]
		if !validUTF8(raw) {
			return nil, newError(ErrInvalid, "readers."+name, "invalid UTF-8")
		}
		if r.valEsc {
			raw = appendUnescaped(nil, raw)
		}
		out[name] = string(raw)
	}
	return out, nil
}

// DecodeFeedback reads and validates a feedback payload.
func DecodeFeedback(data []byte) (Feedback, error) {
	var msBuf [8]member
	d, err := newDecoderAll(data, tableFeedback, "a feedback", msBuf[:0])
	if err != nil {
		return Feedback{}, err
	}
	var f Feedback
	var tmp [128]byte
	id, err := d.text(0, tmp[:])
	if err != nil {
		return Feedback{}, err
	}
	f.ID = string(id)
	result, err := d.enum(1, string(ResultOK), string(ResultUnknownCard), string(ResultRejected))
	if err != nil {
		return Feedback{}, err
	}
	f.Result = Result(result)
	staff, err := d.text(2, tmp[:])
	if err != nil {
		return Feedback{}, err
	}
	f.Staff = string(staff)
	if f.TodayMin, err = d.integer(3); err != nil {
		return Feedback{}, err
	}
	if f.MonthOvertimeMin, err = d.integer(4); err != nil {
		return Feedback{}, err
	}
	level, err := d.enum(5, string(LevelOK), string(LevelWarn), string(LevelCritical))
	if err != nil {
		return Feedback{}, err
	}
	f.Level = Level(level)
	if err := f.Validate(); err != nil {
		return Feedback{}, err
	}
	return f, nil
}
