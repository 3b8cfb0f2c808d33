// Package series builds the InfluxDB points of FORMATS.md §5 for the two
// streams of influxsink. Records gives a journal record its own point: a
// tap its `punch` point, an alert transition its `alert` point, a gateway
// status its `gateway` point. State writes the current values of what
// records touched: a tap or an adjustment makes its staff member's work
// day, its month and every later month (fiscal-year sums and rolling windows
// move with it) and the board figures of those months due; a reference
// reload makes everything due, and once its rewrite is written the series
// the roster no longer writes (a staff member moved to another school or
// role) are dropped (State.Current, influxsink's pruning). Every point has
// fixed tags and time, so a rewrite overwrites and a replay is idempotent.
package series

import (
	"timeclock/aggregator/internal/engine"
	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/lineproto"
	"timeclock/internal/roster"
)

// Lookup finds a journaled event by id (a retract's target).
type Lookup func(id string) (journal.Entry, bool)

// rosterOf keeps the roster of the current engine, asked again only when a
// reload swapped the engine.
type rosterOf struct {
	engine func() *engine.Engine
	e      *engine.Engine
	data   *roster.Data
}

func (r *rosterOf) get() *roster.Data {
	if e := r.engine(); e != r.e {
		r.e, r.data = e, e.Roster()
	}
	return r.data
}

// staffTags adds the tags of a staff member's series, in key order.
func staffTags(b *lineproto.Buffer, s *roster.Staff) *lineproto.Buffer {
	return b.Tag("board", s.Board).Tag("role", string(s.Role)).Tag("school", s.School).
		Tag("school_type", string(s.SchoolType)).Tag("staff", s.ID)
}
