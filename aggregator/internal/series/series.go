// Package series builds the InfluxDB points of FORMATS.md §5 from journal
// records and the engine's current state: a tap gives its `punch` point and
// makes its staff member's work day, months and board figures due for a
// rewrite; an alert record gives its `alert` point, a gateway status its
// `gateway` point, a reference reload makes everything due. Work days and
// months are written with their current values at fixed tags and time, so
// a rewrite overwrites and a replay is idempotent.
package series

import (
	"time"

	"github.com/influxdata/influxdb-client-go/v2/api/write"

	"timeclock/aggregator/internal/engine"
	"timeclock/aggregator/internal/influxsink"
	"timeclock/aggregator/internal/journal"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/roster"
)

// Lookup finds a journaled event by id (a retract's target).
type Lookup func(id string) (journal.Entry, bool)

// Builder implements influxsink.Builder.
type Builder struct {
	engine   func() *engine.Engine
	lookup   Lookup
	now      func() time.Time
	dayStart int

	days   map[dayKey]bool
	months map[monthKey]bool // staff month from which every later month is due
	kpi    map[kpiKey]bool
	all    bool // a reload: everything is due
}

type dayKey struct {
	staff string
	date  civil.Date
}

type monthKey struct {
	staff string
	month civil.Month
}

type kpiKey struct {
	board string
	month civil.Month
}

// New returns a builder over the current engine (eng is called for every
// batch: a reload swaps the engine).
func New(eng func() *engine.Engine, lookup Lookup, now func() time.Time, dayStartMin int) *Builder {
	return &Builder{engine: eng, lookup: lookup, now: now, dayStart: dayStartMin,
		days: map[dayKey]bool{}, months: map[monthKey]bool{}, kpi: map[kpiKey]bool{}}
}

var _ influxsink.Builder = (*Builder)(nil)

// Points emits the points of recs and of the work days and months they
// touch. Points are built under the engine's read lock in bounded chunks and
// emitted outside it: a write waiting for InfluxDB must never hold up ingest.
func (b *Builder) Points(recs []influxsink.Record, emit func(*write.Point) error) error {
	var pts []*write.Point
	var err error
	collect := func(p *write.Point) error { pts = append(pts, p); return nil }
	b.engine().View(func(_ *overtime.Engine, data *roster.Data) {
		for _, r := range recs {
			if err = b.record(r, data, collect); err != nil {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	if err := emitAll(pts, emit); err != nil {
		return err
	}
	return b.staffPoints(emit)
}

// emitAll emits points with their tags sorted, as InfluxDB prefers them.
func emitAll(pts []*write.Point, emit func(*write.Point) error) error {
	for _, p := range pts {
		if err := emit(p.SortTags()); err != nil {
			return err
		}
	}
	return nil
}

func (b *Builder) record(r influxsink.Record, data *roster.Data, emit func(*write.Point) error) error {
	switch r.Kind {
	case journal.KindTap:
		ent, err := journal.DecodeEvent(r.Data)
		if err != nil {
			return err
		}
		t := &ent.Event.Tap
		staff := ""
		if si, ok := data.StaffByCard(t.Card); ok {
			staff = data.Staff()[si].ID
			date, _ := civil.WorkDate(t.TS.Unix(), b.dayStart)
			b.touch(staff, date)
		}
		p := write.NewPointWithMeasurement("punch").
			AddTag("board", t.Board).AddTag("school", t.School).AddTag("gateway", t.Gateway).
			AddTag("reader", t.Reader).AddTag("dir", string(t.Dir)).
			AddField("id", t.ID).AddField("card", t.Card).AddField("staff", staff).
			AddField("clock_synced", t.Clock != "unsynced").
			// Two cards read at one reader in the same millisecond must stay
			// two points (the id and card are fields): the record's sequence in
			// the sub-millisecond nanoseconds, stable for a rewrite.
			SetTime(t.TS.Truncate(time.Millisecond).Add(time.Duration(r.Seq % 1_000_000)))
		return emit(p)
	case journal.KindAdjustment:
		ent, err := journal.DecodeEvent(r.Data)
		if err != nil {
			return err
		}
		a := &ent.Event.Adjustment
		date := a.Date
		if a.Kind == "retract" {
			target, ok := b.lookup(a.Target)
			if !ok {
				return nil // retracts nothing the journal holds
			}
			date = target.Event.Adjustment.Date
		}
		b.touch(a.Staff, date)
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
		at := a.At.Truncate(time.Millisecond).Add(time.Duration(r.Seq % 1_000_000))
		return emit(write.NewPointWithMeasurement("alert").
			AddTag("board", a.Board).AddTag("school", a.School).AddTag("staff", a.Staff).AddTag("rule", a.Rule).
			AddField("state", state).AddField("value", a.Value).AddField("threshold", a.Threshold).
			SetTime(at))
	case journal.KindStatus:
		st, err := journal.DecodeStatus(r.Data)
		if err != nil {
			return err
		}
		return emit(write.NewPointWithMeasurement("gateway").
			AddTag("board", st.Board).AddTag("school", st.School).AddTag("gateway", st.Gateway).
			AddField("online", st.Online).AddField("queue", int64(st.Queue)).AddField("clock_synced", st.ClockSynced).
			SetTime(st.TS))
	case journal.KindReload:
		b.all = true
	}
	return nil
}

// touch makes a staff member's work date, its month and every later month
// (fiscal-year sums and rolling windows move with it) due.
func (b *Builder) touch(staff string, date civil.Date) {
	b.days[dayKey{staff, date}] = true
	k := monthKey{staff, date.Month()}
	b.months[k] = true
}

// chunk bounds the points built under one read lock.
const chunk = 1000

func (b *Builder) staffPoints(emit func(*write.Point) error) error {
	today, _ := civil.WorkDate(b.now().Unix(), b.dayStart)
	if b.all {
		b.all = false
		b.engine().View(func(core *overtime.Engine, data *roster.Data) {
			for si := range data.Len() {
				first, ok := core.FirstMonth(si)
				if !ok {
					continue
				}
				id := data.Staff()[si].ID
				for d := range core.Days(si, first.First(), today) {
					b.days[dayKey{id, d.Date}] = true
				}
				b.months[monthKey{id, first}] = true
			}
		})
	}
	days := make([]dayKey, 0, len(b.days))
	for k := range b.days {
		days = append(days, k)
	}
	months := make([]monthKey, 0, len(b.months))
	for k := range b.months {
		months = append(months, k)
	}
	for len(days) > 0 || len(months) > 0 {
		var pts []*write.Point
		b.engine().View(func(core *overtime.Engine, data *roster.Data) {
			for len(days) > 0 && len(pts) < chunk {
				k := days[len(days)-1]
				days = days[:len(days)-1]
				if si, ok := data.StaffIndex(k.staff); ok {
					pts = append(pts, b.workday(core, data, si, k.date))
				}
			}
			for len(months) > 0 && len(pts) < chunk {
				k := months[len(months)-1]
				months = months[:len(months)-1]
				si, ok := data.StaffIndex(k.staff)
				if !ok {
					continue
				}
				board := data.Staff()[si].Board
				for mo := k.month; mo <= max(k.month, today.Month()); mo++ {
					pts = append(pts, b.month(core, data, si, mo, today))
					b.kpi[kpiKey{board, mo}] = true
				}
			}
		})
		if err := emitAll(pts, emit); err != nil {
			return err
		}
	}
	clear(b.days)
	clear(b.months)
	return nil
}

func (b *Builder) workday(core *overtime.Engine, data *roster.Data, si int, date civil.Date) *write.Point {
	d, _ := core.Day(si, date)
	return staffTags(write.NewPointWithMeasurement("workday"), &data.Staff()[si]).
		AddField("presence_min", int64(d.Presence)).AddField("at_work_min", int64(d.AtWork)).
		AddField("regular_min", int64(d.Regular)).AddField("overtime_min", int64(d.Overtime)).
		AddField("incomplete", d.Incomplete).
		SetTime(date.Time())
}

func (b *Builder) month(core *overtime.Engine, data *roster.Data, si int, mo civil.Month, today civil.Date) *write.Point {
	m := core.Month(si, mo)
	p := staffTags(write.NewPointWithMeasurement("overtime_month"), &data.Staff()[si]).
		AddField("month_min", m.Overtime).AddField("fy_min", m.FY).AddField("over45_months", int64(m.Over45)).
		AddField("level", m.Level.String())
	for n := 2; n <= 6; n++ {
		if v, ok := m.Avg(n); ok {
			p.AddField(avgFields[n], v)
		}
	}
	forecast := m.Overtime // a past month is what it is
	if mo == today.Month() {
		forecast = core.Forecast(si, today).Projected
	}
	return p.AddField("forecast_min", forecast).SetTime(mo.First().Time())
}

var avgFields = [7]string{2: "avg2", 3: "avg3", 4: "avg4", 5: "avg5", 6: "avg6"}

func staffTags(p *write.Point, s *roster.Staff) *write.Point {
	return p.AddTag("board", s.Board).AddTag("school", s.School).AddTag("staff", s.ID).
		AddTag("role", string(s.Role)).AddTag("school_type", string(s.SchoolType))
}

// Deferred emits the board figures (kpi_month) of the months made due since
// the last call: they aggregate every staff member of a board, so they are
// computed once per flush rather than once per tap.
func (b *Builder) Deferred(emit func(*write.Point) error) error {
	if len(b.kpi) == 0 {
		return nil
	}
	lo, hi := civil.Month(1<<30), civil.Month(0)
	for k := range b.kpi {
		lo, hi = min(lo, k.month), max(hi, k.month)
	}
	var rows []overtime.BoardRow
	b.engine().View(func(core *overtime.Engine, _ *roster.Data) { rows = core.BoardMonths(lo, hi) })
	var pts []*write.Point
	for _, r := range rows {
		if !b.kpi[kpiKey{r.Board, r.Month}] {
			continue
		}
		pts = append(pts, write.NewPointWithMeasurement("kpi_month").
			AddTag("board", r.Board).AddTag("school_type", r.SchoolType).AddTag("role", r.Role).
			AddField("headcount", int64(r.Headcount)).AddField("over45", int64(r.Over45)).
			AddField("share_over45", r.SharePct()).AddField("mean_min", r.MeanMin()).
			AddField("b_lt45", int64(r.Buckets[0])).AddField("b_45_80", int64(r.Buckets[1])).
			AddField("b_80_100", int64(r.Buckets[2])).AddField("b_ge100", int64(r.Buckets[3])).
			SetTime(r.Month.First().Time()))
	}
	if err := emitAll(pts, emit); err != nil {
		return err
	}
	clear(b.kpi)
	return nil
}
