package punch

import (
	"time"

	"timeclock/internal/civil"
)

// Field ids of events, in the order they are written.
const (
	efV = iota
	efType
	efID
	efBoard
	efSchool
	efGateway
	efReader
	efCard
	efDir
	efTS
	efClock
	efStaff
	efDate
	efKind
	efMinutes
	efTime
	efTarget
	efAuthor
	efReason
	efCreated
)

var eventFields = fields{"v", "type", "id", "board", "school", "gateway", "reader", "card", "dir", "ts", "clock",
	"staff", "date", "kind", "minutes", "time", "target", "author", "reason", "created"}

const (
	tapMask = 1<<efV | 1<<efType | 1<<efID | 1<<efBoard | 1<<efSchool | 1<<efGateway | 1<<efReader |
		1<<efCard | 1<<efDir | 1<<efTS | 1<<efClock
	adjCommon   = 1<<efV | 1<<efType | 1<<efID | 1<<efStaff | 1<<efDate | 1<<efKind | 1<<efAuthor | 1<<efReason | 1<<efCreated
	adjOptional = 1<<efMinutes | 1<<efTime | 1<<efDir | 1<<efTarget
)

// adjMask returns the fields an adjustment of kind k has.
func adjMask(k Kind) uint32 {
	switch {
	case k.HasMinutes():
		return adjCommon | 1<<efMinutes
	case k == KindMissingPunch:
		return adjCommon | 1<<efTime | 1<<efDir
	case k == KindRetract:
		return adjCommon | 1<<efTarget
	}
	return adjCommon
}

// Decode reads one event (a punch payload or a line of an event file) and
// validates it. Faults are reported in a fixed order, whatever the order of
// the keys: syntax, version, type, unknown or repeated keys, missing fields,
// then each field's value in written order. A timestamp more than MaxFuture
// after now is rejected; a zero now disables that check, for replaying files.
// Every error is an *Error.
//
// A decoded tap costs one allocation: its strings share one backing string.
func Decode(data []byte, now time.Time) (Event, error) {
	var msBuf [24]member
	d, err := newDecoder(data, tableEvent, msBuf[:0])
	if err != nil {
		return Event{}, err
	}
	if err := d.version(); err != nil {
		return Event{}, err
	}
	if !d.has(efType) {
		return Event{}, newError(ErrMissing, "type", "required")
	}
	typ, err := d.enum(efType, string(TypeTap), string(TypeAdjustment))
	if err != nil {
		return Event{}, err
	}
	switch Type(typ) {
	case TypeTap:
		return d.tap(now)
	case TypeAdjustment:
		return d.adjustment(now)
	}
	return Event{}, newError(ErrType, "type", quote(typ)+" (want tap or adjustment)")
}

// version checks "v" is the number 1.
func (d *decoder) version() error {
	if !d.has(efV) {
		return newError(ErrMissing, "v", "required")
	}
	m := d.member(efV)
	if m.kind != valNumber {
		return d.wrongKind(efV, "the number 1")
	}
	if raw := d.data[m.valStart:m.valEnd]; string(raw) != "1" {
		return newError(ErrVersion, "v", string(raw)+" (want 1)")
	}
	return nil
}

func (d *decoder) tap(now time.Time) (Event, error) {
	if err := d.checkKeys(tapMask, "a tap"); err != nil {
		return Event{}, err
	}
	if err := d.checkPresent(tapMask); err != nil {
		return Event{}, err
	}
	// The six strings a tap keeps go to one buffer and become one string.
	var sb [320]byte
	buf := sb[:0]
	var ends [6]int
	var err error
	for i, id := range [6]int{efID, efBoard, efSchool, efGateway, efReader, efCard} {
		if buf, err = d.appendText(buf, id); err != nil {
			return Event{}, err
		}
		ends[i] = len(buf)
	}
	var t Tap
	dir, err := d.enum(efDir, string(DirTap), string(DirIn), string(DirOut))
	if err != nil {
		return Event{}, err
	}
	if t.TS, err = d.timestamp(efTS); err != nil {
		return Event{}, err
	}
	clock, err := d.enum(efClock, string(ClockSynced), string(ClockUnsynced))
	if err != nil {
		return Event{}, err
	}
	s := string(buf)
	t.ID, t.Board, t.School = s[:ends[0]], s[ends[0]:ends[1]], s[ends[1]:ends[2]]
	t.Gateway, t.Reader, t.Card = s[ends[2]:ends[3]], s[ends[3]:ends[4]], s[ends[4]:ends[5]]
	t.Dir, t.Clock = Dir(dir), Clock(clock)
	if err := t.Validate(now); err != nil {
		return Event{}, err
	}
	return Event{Type: TypeTap, Tap: t}, nil
}

func (d *decoder) adjustment(now time.Time) (Event, error) {
	if err := d.checkKeys(adjCommon|adjOptional, "an adjustment"); err != nil {
		return Event{}, err
	}
	if !d.has(efKind) {
		return Event{}, newError(ErrMissing, "kind", "required")
	}
	var a Adjustment
	kind, err := d.enum(efKind, kindNames...)
	if err != nil {
		return Event{}, err
	}
	if a.Kind = Kind(kind); !a.Kind.Valid() {
		return Event{}, newError(ErrInvalid, "kind", quote(kind)+
			" (want offsite, telework, break_not_taken, self_study, leave, takehome, missing_punch or retract)")
	}
	mask := adjMask(a.Kind)
	if err := d.checkKeys(mask, "kind "+kind); err != nil {
		return Event{}, err
	}
	if err := d.checkPresent(mask); err != nil {
		return Event{}, err
	}
	if err := d.adjustmentValues(&a); err != nil {
		return Event{}, err
	}
	if err := a.Validate(now); err != nil {
		return Event{}, err
	}
	return Event{Type: TypeAdjustment, Adjustment: a}, nil
}

var kindNames = func() []string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return s
}()

// adjustmentValues reads the values of a's fields; the kind is already set.
func (d *decoder) adjustmentValues(a *Adjustment) error {
	var sb [512]byte
	buf := sb[:0]
	ids := [...]int{efID, efStaff, efTime, efTarget, efAuthor, efReason}
	var ends [len(ids)]int
	var err error
	for i, id := range ids {
		if d.has(id) {
			if buf, err = d.appendText(buf, id); err != nil {
				return err
			}
		}
		ends[i] = len(buf)
	}
	var tmp [32]byte
	date, err := d.text(efDate, tmp[:])
	if err != nil {
		return err
	}
	var ok bool
	if a.Date, ok = civil.Scan(date); !ok {
		return newError(ErrInvalid, "date", quote(string(date))+": want a calendar date YYYY-MM-DD")
	}
	if d.has(efMinutes) {
		if a.Minutes, err = d.integer(efMinutes); err != nil {
			return err
		}
	}
	if d.has(efDir) {
		dir, err := d.enum(efDir, string(DirIn), string(DirOut))
		if err != nil {
			return err
		}
		a.Dir = Dir(dir)
	}
	if a.Created, err = d.timestamp(efCreated); err != nil {
		return err
	}
	s := string(buf)
	a.ID, a.Staff, a.Time = s[:ends[0]], s[ends[0]:ends[1]], s[ends[1]:ends[2]]
	a.Target, a.Author, a.Reason = s[ends[2]:ends[3]], s[ends[3]:ends[4]], s[ends[4]:ends[5]]
	return nil
}
