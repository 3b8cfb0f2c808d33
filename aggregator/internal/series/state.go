package series

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"timeclock/aggregator/internal/engine"
	"timeclock/aggregator/internal/influxsink"
	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/lineproto"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/roster"
)

// State implements influxsink.StatePoints.
type State struct {
	engine   func() *engine.Engine
	roster   rosterOf
	lookup   Lookup
	now      func() time.Time
	dayStart int
	boards   map[string]bool // the boards this aggregator serves; nil: all

	keys     *roster.Data // the roster whose staff indexes days and months hold
	days     map[dayKey]bool
	months   map[monthKey]bool // staff month from which every later month is due
	retracts []retract         // retracts whose target's date is looked up at the flush
	all      bool              // a reload: everything is due
	prune    bool              // a reload's rewrite is written: the series it left are to be dropped
}

type dayKey struct {
	staff int // index in the roster the key was made with
	date  civil.Date
}

type monthKey struct {
	staff int
	month civil.Month
}

type kpiKey struct {
	board string
	month civil.Month
}

type retract struct {
	staff  string
	target string
}

// NewState returns the state points over the current engine (eng is asked
// at every flush: a reload swaps the engine).
//
// boards are the boards the aggregator serves (empty: every board of the
// roster): when several aggregators share one roster and one InfluxDB, each
// rewrites only its own boards' staff and figures after a reload — another
// board's staff have no taps here, and their zeros would overwrite the
// values their own aggregator wrote.
func NewState(eng func() *engine.Engine, lookup Lookup, now func() time.Time, dayStartMin int, boards []string) *State {
	b := &State{engine: eng, roster: rosterOf{engine: eng}, lookup: lookup, now: now, dayStart: dayStartMin,
		days: map[dayKey]bool{}, months: map[monthKey]bool{}}
	if len(boards) > 0 {
		b.boards = map[string]bool{}
		for _, x := range boards {
			b.boards[x] = true
		}
	}
	return b
}

// serves reports whether staff member si's board is this aggregator's.
func (b *State) serves(data *roster.Data, si int) bool {
	return b.boards == nil || b.boards[data.Staff()[si].Board]
}

var _ influxsink.StatePoints = (*State)(nil)

// Touch notes the staff day a tap or an adjustment changed.
func (b *State) Touch(r influxsink.Record) error {
	switch r.Kind {
	case journal.KindTap:
		ent, err := journal.DecodeEvent(r.Data)
		if err != nil {
			return err
		}
		t := &ent.Event.Tap
		if si, ok := b.staffIndex(func(d *roster.Data) (int, bool) { return d.StaffByCard(t.Card) }); ok {
			date, _ := civil.WorkDate(t.TS.Unix(), b.dayStart)
			b.touch(si, date)
		}
	case journal.KindAdjustment:
		ent, err := journal.DecodeEvent(r.Data)
		if err != nil {
			return err
		}
		a := &ent.Event.Adjustment
		if a.Kind == "retract" {
			// The journal is being read: look the target up afterwards.
			b.retracts = append(b.retracts, retract{a.Staff, a.Target})
			return nil
		}
		if si, ok := b.staffIndex(func(d *roster.Data) (int, bool) { return d.StaffIndex(a.Staff) }); ok {
			b.touch(si, a.Date)
		}
	case journal.KindReload:
		b.all = true
	}
	return nil
}

// staffIndex finds a staff member in the current roster.
func (b *State) staffIndex(find func(*roster.Data) (int, bool)) (int, bool) {
	data := b.roster.get()
	b.rekey(data)
	return find(data)
}

// rekey makes data the roster of the keys. Keys made with another roster
// (a reload swapped it) are dropped and everything is made due: their
// indexes mean nothing now, and the reload moved every value anyway.
func (b *State) rekey(data *roster.Data) {
	if data == b.keys {
		return
	}
	if len(b.days) > 0 || len(b.months) > 0 {
		clear(b.days)
		clear(b.months)
		b.all = true
	}
	b.keys = data
}

// touch makes a staff member's work date, its month and every later month
// due.
func (b *State) touch(si int, date civil.Date) {
	b.days[dayKey{si, date}] = true
	b.months[monthKey{si, date.Month()}] = true
}

// chunk bounds the points built under one read lock of the engine: a write
// waiting for InfluxDB must never hold up ingest.
const chunk = 1000

// Flush appends the work days, months and board figures that are due.
func (b *State) Flush(batch int, buf *lineproto.Buffer, write func(*lineproto.Buffer) error) error {
	e := b.engine()
	data := e.Roster()
	b.rekey(data)
	for _, r := range b.retracts {
		if target, ok := b.lookup(r.target); ok {
			if si, ok := data.StaffIndex(r.staff); ok {
				b.touch(si, target.Event.Adjustment.Date)
			}
		}
	}
	today, _ := civil.WorkDate(b.now().Unix(), b.dayStart)
	if b.all {
		e.View(func(core *overtime.Engine, _ *roster.Data) {
			for si := range data.Len() {
				first, ok := core.FirstMonth(si)
				if !ok || !b.serves(data, si) {
					continue
				}
				for d := range core.Days(si, first.First(), today) {
					b.days[dayKey{si, d.Date}] = true
				}
				b.months[monthKey{si, first}] = true
			}
		})
	}
	days := slices.Collect(maps.Keys(b.days))
	months := slices.Collect(maps.Keys(b.months))
	kpi := map[kpiKey]bool{}
	for len(days) > 0 || len(months) > 0 {
		e.View(func(core *overtime.Engine, data *roster.Data) {
			for n := 0; len(days) > 0 && n < chunk; n++ {
				k := days[len(days)-1]
				days = days[:len(days)-1]
				workday(buf, core, data, k.staff, k.date)
			}
			for n := 0; len(months) > 0 && n < chunk; {
				k := months[len(months)-1]
				months = months[:len(months)-1]
				board := data.Staff()[k.staff].Board
				for mo := k.month; mo <= max(k.month, today.Month()); mo++ {
					month(buf, core, data, k.staff, mo, today)
					kpi[kpiKey{board, mo}] = true
					n++
				}
			}
		})
		if buf.Len() >= batch {
			if err := write(buf); err != nil {
				return err
			}
		}
	}
	boardFigures(e, kpi, buf)
	if err := write(buf); err != nil {
		return err
	}
	clear(b.days)
	clear(b.months)
	b.retracts = b.retracts[:0]
	b.prune = b.prune || b.all
	b.all = false
	return nil
}

var _ influxsink.Pruner = (*State)(nil)

// Prune reports whether a reload has been written since the last Pruned:
// then the series of work days, months and board figures that the current
// roster no longer writes (a staff member moved to another school, role or
// board) are to be dropped, among the boards this aggregator serves.
func (b *State) Prune() (due bool, measurements, boards []string) {
	return b.prune, []string{"workday", "overtime_month", "kpi_month"}, b.served()
}

// served returns the boards this aggregator serves, sorted (nil: all).
func (b *State) served() []string {
	boards := slices.Collect(maps.Keys(b.boards))
	slices.Sort(boards)
	return boards
}

var _ influxsink.Refresher = (*State)(nil)

// Refresh appends, after a reload, the punch points of taps of a card that
// no staff member held when they were written and one does now (a new
// teacher's card handed out before the roster listed it): written again
// with the staff member's id, as Records would write them now.
//
// It also finds the months written with a rolling average the current
// state no longer evaluates (the window now reaches before the staff
// member's first month on record: a start date moved later), deletes those
// points and appends them again: a write adds or replaces fields, it never
// removes one, so the old average would stay.
func (b *State) Refresh(query func(q string, each influxsink.SeriesFunc) error, buf *lineproto.Buffer) error {
	if err := b.refreshAverages(query, buf); err != nil {
		return err
	}
	data := b.engine().Roster()
	q := `SELECT "card", "clock_synced", "id" FROM "punch" WHERE "staff" = ''` + b.boardFilter(" AND ")
	return query(q+" GROUP BY *", func(tags map[string]string, columns []string, values [][]any) error {
		if !slices.Equal(columns, []string{"time", "card", "clock_synced", "id"}) {
			return fmt.Errorf("punch points read back with columns %v", columns)
		}
		for _, v := range values {
			card, _ := v[1].(string)
			si, ok := data.StaffByCard(card)
			if !ok {
				continue
			}
			n, _ := v[0].(json.Number)
			ns, err := n.Int64()
			if err != nil {
				return fmt.Errorf("punch point time %v: %w", v[0], err)
			}
			synced, _ := v[2].(bool)
			id, _ := v[3].(string)
			punchPoint(buf, punchTags{tags["board"], tags["dir"], tags["gateway"], tags["reader"], tags["school"]},
				id, card, data.Staff()[si].ID, synced, time.Unix(0, ns))
		}
		return nil
	})
}

// boardFilter is the InfluxQL condition on the boards this aggregator
// serves, after join ("" when it serves all).
func (b *State) boardFilter(join string) string {
	boards := b.served()
	if len(boards) == 0 {
		return ""
	}
	or := make([]string, len(boards))
	for i, x := range boards {
		or[i] = `"board" = ` + influxsink.Literal(x)
	}
	return join + "(" + strings.Join(or, " OR ") + ")"
}

// refreshAverages deletes and appends again the months whose stored
// averages the state no longer has (see Refresh).
func (b *State) refreshAverages(query func(q string, each influxsink.SeriesFunc) error, buf *lineproto.Buffer) error {
	type stored struct {
		staff string
		ns    int64
		avg   [7]bool // avgN present
	}
	var points []stored
	q := `SELECT "avg2", "avg3", "avg4", "avg5", "avg6" FROM "overtime_month"` + b.boardFilter(" WHERE ") + ` GROUP BY "staff"`
	err := query(q, func(tags map[string]string, columns []string, values [][]any) error {
		if !slices.Equal(columns, []string{"time", "avg2", "avg3", "avg4", "avg5", "avg6"}) {
			return fmt.Errorf("months read back with columns %v", columns)
		}
		for _, v := range values {
			n, _ := v[0].(json.Number)
			ns, err := n.Int64()
			if err != nil {
				return fmt.Errorf("month point time %v: %w", v[0], err)
			}
			p := stored{staff: tags["staff"], ns: ns}
			for k := 2; k <= 6; k++ {
				p.avg[k] = v[k-1] != nil
			}
			points = append(points, p)
		}
		return nil
	})
	if err != nil || len(points) == 0 {
		return err
	}
	today, _ := civil.WorkDate(b.now().Unix(), b.dayStart)
	var del []string
	b.engine().View(func(core *overtime.Engine, data *roster.Data) {
		for _, p := range points {
			si, ok := data.StaffIndex(p.staff)
			if !ok {
				continue // no one on the roster: the pruning drops the series
			}
			t := time.Unix(0, p.ns).In(civil.JST)
			mo := civil.MonthOf(t.Year(), t.Month())
			m := core.Month(si, mo)
			for k := 2; k <= 6; k++ {
				if p.avg[k] && !m.AvgOK[k] {
					del = append(del, fmt.Sprintf(`DELETE FROM "overtime_month" WHERE "staff" = %s AND time = %d`,
						influxsink.Literal(p.staff), p.ns))
					month(buf, core, data, si, mo, today)
					break
				}
			}
		}
	})
	for chunk := range slices.Chunk(del, 100) {
		if err := query(strings.Join(chunk, "; "), nil); err != nil {
			return err
		}
	}
	return nil
}

// Pruned notes that the series a reload left are dropped.
func (b *State) Pruned() { b.prune = false }

// Current reports whether the current roster writes a series of measurement
// with tags: a staff member's with their board, role, school and school
// type; a board figure's of a group (`*` for any role or school type) with
// a member, by the school type it is reported under.
func (b *State) Current(measurement string, tags map[string]string) bool {
	data := b.engine().Roster()
	switch measurement {
	case "workday", "overtime_month":
		si, ok := data.StaffIndex(tags["staff"])
		if !ok || len(tags) != 5 {
			return false
		}
		st := &data.Staff()[si]
		return tags["board"] == st.Board && tags["school"] == st.School && tags["role"] == string(st.Role) &&
			tags["school_type"] == string(st.SchoolType)
	case "kpi_month":
		for i := range data.Staff() {
			st := &data.Staff()[i]
			if st.Board == tags["board"] && (tags["role"] == overtime.All || tags["role"] == string(st.Role)) &&
				(tags["school_type"] == overtime.All || tags["school_type"] == overtime.ReportType(string(st.SchoolType))) {
				return true
			}
		}
		return false
	}
	return true
}

func workday(buf *lineproto.Buffer, core *overtime.Engine, data *roster.Data, si int, date civil.Date) {
	d, _ := core.Day(si, date)
	staffTags(buf.Point("workday"), &data.Staff()[si]).
		Int("presence_min", int64(d.Presence)).Int("at_work_min", int64(d.AtWork)).
		Int("regular_min", int64(d.Regular)).Int("overtime_min", int64(d.Overtime)).
		Bool("incomplete", d.Incomplete).
		End(date.Time())
}

func month(buf *lineproto.Buffer, core *overtime.Engine, data *roster.Data, si int, mo civil.Month, today civil.Date) {
	m := core.Month(si, mo)
	staffTags(buf.Point("overtime_month"), &data.Staff()[si]).
		Int("month_min", m.Overtime).Int("fy_min", m.FY).Int("over45_months", int64(m.Over45)).
		Str("level", m.Level.String())
	for n := 2; n <= 6; n++ {
		if v, ok := m.Avg(n); ok {
			buf.Float(avgFields[n], v)
		}
	}
	forecast := m.Overtime // a past month is what it is
	if mo == today.Month() {
		forecast = core.Forecast(si, today).Projected
	}
	buf.Int("forecast_min", forecast).End(mo.First().Time())
}

var avgFields = [7]string{2: "avg2", 3: "avg3", 4: "avg4", 5: "avg5", 6: "avg6"}

// boardFigures appends the board figures (kpi_month) of the months made
// due: they aggregate every staff member of a board, so they are computed
// once per flush rather than once per tap.
func boardFigures(e *engine.Engine, due map[kpiKey]bool, buf *lineproto.Buffer) {
	if len(due) == 0 {
		return
	}
	lo, hi := civil.Month(1<<30), civil.Month(0)
	for k := range due {
		lo, hi = min(lo, k.month), max(hi, k.month)
	}
	var rows []overtime.BoardRow
	e.View(func(core *overtime.Engine, _ *roster.Data) { rows = core.BoardMonths(lo, hi) })
	for _, r := range rows {
		if !due[kpiKey{r.Board, r.Month}] {
			continue
		}
		buf.Point("kpi_month").Tag("board", r.Board).Tag("role", r.Role).Tag("school_type", r.SchoolType).
			Int("headcount", int64(r.Headcount)).Int("over45", int64(r.Over45)).
			Float("share_over45", r.SharePct()).Float("mean_min", r.MeanMin()).
			Int("b_lt45", int64(r.Buckets[0])).Int("b_45_80", int64(r.Buckets[1])).
			Int("b_80_100", int64(r.Buckets[2])).Int("b_ge100", int64(r.Buckets[3])).
			End(r.Month.First().Time())
	}
}
