package series

import (
	"time"

	"timeclock/aggregator/internal/engine"
	"timeclock/aggregator/internal/influxsink"
	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/lineproto"
)

// Records implements influxsink.RecordPoints.
type Records struct {
	roster rosterOf
}

// NewRecords returns the record points over the current engine's roster
// (eng is asked for every record: a reload swaps the engine).
func NewRecords(eng func() *engine.Engine) *Records {
	return &Records{roster: rosterOf{engine: eng}}
}

var _ influxsink.RecordPoints = (*Records)(nil)

// Record appends the point of a tap, an alert or a gateway status.
func (b *Records) Record(r influxsink.Record, buf *lineproto.Buffer) error {
	switch r.Kind {
	case journal.KindTap:
		ent, err := journal.DecodeEvent(r.Data)
		if err != nil {
			return err
		}
		t := &ent.Event.Tap
		staff := ""
		data := b.roster.get()
		if si, ok := data.StaffByCard(t.Card); ok {
			staff = data.Staff()[si].ID
		}
		// Two cards read at one reader in the same millisecond must stay two
		// points (the id and card are fields): the record's sequence in the
		// sub-millisecond nanoseconds, stable for a rewrite.
		punchPoint(buf, punchTags{t.Board, string(t.Dir), t.Gateway, t.Reader, t.School}, t.ID, t.Card, staff,
			t.Clock != "unsynced", t.TS.Truncate(time.Millisecond).Add(time.Duration(r.Seq%1_000_000)))
	case journal.KindAlert:
		a, err := journal.DecodeAlert(r.Data)
		if err != nil {
			return err
		}
		state := "cleared"
		if a.Raised {
			state = "raised"
		}
		// Several transitions can share a detection instant and tags (a
		// date change raises missing_punch for several dates): the record's
		// sequence number in the nanoseconds keeps each its own point, and
		// the same record always lands on the same point.
		buf.Point("alert").Tag("board", a.Board).Tag("rule", a.Rule).Tag("school", a.School).Tag("staff", a.Staff).
			Str("state", state).Float("value", a.Value).Float("threshold", a.Threshold).
			End(a.At.Truncate(time.Millisecond).Add(time.Duration(r.Seq % 1_000_000)))
	case journal.KindStatus:
		st, err := journal.DecodeStatus(r.Data)
		if err != nil {
			return err
		}
		buf.Point("gateway").Tag("board", st.Board).Tag("gateway", st.Gateway).Tag("school", st.School).
			Bool("online", st.Online).Int("queue", int64(st.Queue)).Bool("clock_synced", st.ClockSynced).
			End(st.TS)
	}
	return nil
}

// punchTags are the tags of a punch point.
type punchTags struct{ board, dir, gateway, reader, school string }

// punchPoint appends a tap's punch point (FORMATS.md §5), as Records writes
// it and State.Refresh writes it again.
func punchPoint(buf *lineproto.Buffer, tags punchTags, id, card, staff string, synced bool, at time.Time) {
	buf.Point("punch").Tag("board", tags.board).Tag("dir", tags.dir).Tag("gateway", tags.gateway).
		Tag("reader", tags.reader).Tag("school", tags.school).
		Str("id", id).Str("card", card).Str("staff", staff).Bool("clock_synced", synced).End(at)
}
