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
		buf.Point("punch").Tag("board", t.Board).Tag("dir", string(t.Dir)).Tag("gateway", t.Gateway).
			Tag("reader", t.Reader).Tag("school", t.School).
			Str("id", t.ID).Str("card", t.Card).Str("staff", staff).Bool("clock_synced", t.Clock != "unsynced").
			// Two cards read at one reader in the same millisecond must stay
			// two points (the id and card are fields): the record's sequence in
			// the sub-millisecond nanoseconds, stable for a rewrite.
			End(t.TS.Truncate(time.Millisecond).Add(time.Duration(r.Seq % 1_000_000)))
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
