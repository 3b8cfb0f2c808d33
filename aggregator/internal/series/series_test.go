package series

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"timeclock/aggregator/internal/engine"
	"timeclock/aggregator/internal/influxsink"
	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/lineproto"
	"timeclock/aggregator/internal/web/webtest/harness"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/punch"
)

// staffT1 is the roster row of the one staff member of most tests.
const staffT1 = "T1,山田 花子,teacher,nakatsu,nakatsu-e01,elementary,std,felica:0123456789abcdef,,"

// newEngine returns an engine over harness.Roster's reference data with the
// staff of rows.
func newEngine(t *testing.T, rows ...string) *engine.Engine {
	t.Helper()
	e, err := engine.New(harness.Roster(t, rows...), overtime.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func tapRec(seq uint64, id, card string, ts time.Time) influxsink.Record {
	ev := punch.Event{Type: punch.TypeTap, Tap: punch.Tap{ID: id, Board: "nakatsu", School: "nakatsu-e01",
		Gateway: "gw-e01-a", Reader: "entrance", Card: card, Dir: punch.DirTap, TS: ts, Clock: punch.ClockSynced}}
	return influxsink.Record{Seq: seq, Kind: journal.KindTap, Data: journal.AppendEvent(nil, journal.Entry{Event: ev})}
}

// lines splits line protocol into its points, without the time, as written.
func lines(b *lineproto.Buffer) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(string(b.Bytes()), "\n"), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// build runs recs through both streams: the records' own points, then the
// state they touched (work days and months; the board figures apart).
func build(t *testing.T, e *engine.Engine, lookup Lookup, now func() time.Time, recs []influxsink.Record) (points, kpi []string) {
	t.Helper()
	rb := NewRecords(func() *engine.Engine { return e })
	sb := NewState(func() *engine.Engine { return e }, lookup, now, 240, nil)
	var buf lineproto.Buffer
	for _, r := range recs {
		if err := rb.Record(r, &buf); err != nil {
			t.Fatal(err)
		}
		if err := sb.Touch(r); err != nil {
			t.Fatal(err)
		}
	}
	if !buf.Sorted() {
		t.Errorf("record points with unsorted tags:\n%s", buf.Bytes())
	}
	points = lines(&buf)
	var state lineproto.Buffer
	write := func(b *lineproto.Buffer) error {
		if !b.Sorted() {
			t.Errorf("state points with unsorted tags:\n%s", b.Bytes())
		}
		for _, l := range lines(b) {
			if strings.HasPrefix(l, "kpi_month,") {
				kpi = append(kpi, l)
			} else {
				points = append(points, l)
			}
		}
		b.Reset()
		return nil
	}
	if err := sb.Flush(1000, &state, write); err != nil {
		t.Fatal(err)
	}
	// A second flush has nothing left.
	var again []string
	if err := sb.Flush(1000, &state, func(b *lineproto.Buffer) error { again = append(again, lines(b)...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Errorf("second flush wrote %v", again)
	}
	return points, kpi
}

func TestPoints(t *testing.T) {
	jun1 := civil.D(2026, time.June, 1)
	now := func() time.Time { return jun1.At(21 * 60) } // the same month: one month point each
	in, out := jun1.At(7*60+40), jun1.At(19*60+10)
	alertAt := time.Date(2026, 6, 1, 21, 0, 0, 5e6, civil.JST)
	tests := []struct {
		name  string
		apply []time.Time // taps applied to the engine before building
		recs  []influxsink.Record
		want  []string // substrings of the points, in order
		kpi   []string
	}{
		{
			name:  "tap of a known card",
			apply: []time.Time{in, out},
			recs:  []influxsink.Record{tapRec(1, "gw-e01-a:1:000001", "felica:0123456789abcdef", in), tapRec(2, "gw-e01-a:1:000002", "felica:0123456789abcdef", out)},
			want: []string{
				`punch,board=nakatsu,dir=tap,gateway=gw-e01-a,reader=entrance,school=nakatsu-e01 id="gw-e01-a:1:000001",card="felica:0123456789abcdef",staff="T1",clock_synced=true ` + fmt.Sprint(in.UnixNano()+1), // + the record sequence in ns,
				`punch,`,
				`workday,board=nakatsu,role=teacher,school=nakatsu-e01,school_type=elementary,staff=T1 presence_min=690i,at_work_min=645i,regular_min=465i,overtime_min=180i,incomplete=false ` + fmt.Sprint(jun1.Time().UnixNano()),
				`overtime_month,board=nakatsu,role=teacher,school=nakatsu-e01,school_type=elementary,staff=T1 month_min=180i,fy_min=180i,over45_months=0i,level="ok",forecast_min=`,
			},
			kpi: []string{`kpi_month,board=nakatsu,role=*,school_type=* headcount=1i,over45=0i,share_over45=0,mean_min=180,b_lt45=1i,b_45_80=0i,b_80_100=0i,b_ge100=0i`},
		},
		{
			name: "tap of an unknown card: a punch point, nothing else",
			recs: []influxsink.Record{tapRec(1, "gw-e01-a:1:000009", "felica:ffffffffffffffff", in)},
			want: []string{`staff=""`},
		},
		{
			name: "alert: the record's sequence number in the nanoseconds",
			recs: []influxsink.Record{{Seq: 1_000_042, Kind: journal.KindAlert, Data: journal.Marshal(journal.Alert{Staff: "T1",
				Board: "nakatsu", School: "nakatsu-e01", Rule: "lock_time", Raised: true, Period: "2026-06-01", Value: 1150,
				Threshold: 1140, At: alertAt})}},
			want: []string{`alert,board=nakatsu,rule=lock_time,school=nakatsu-e01,staff=T1 state="raised",value=1150,threshold=1140 ` +
				fmt.Sprint(alertAt.UnixNano()+42)},
		},
		{
			name: "gateway status",
			recs: []influxsink.Record{{Seq: 1, Kind: journal.KindStatus, Data: journal.Marshal(journal.Status{Board: "nakatsu",
				School: "nakatsu-e01", Gateway: "gw-e01-a", Online: false, Queue: 7, TS: alertAt})}},
			want: []string{`gateway,board=nakatsu,gateway=gw-e01-a,school=nakatsu-e01 online=false,queue=7i,clock_synced=false ` + fmt.Sprint(alertAt.UnixNano())},
		},
		{
			name:  "reload: every recorded day and month again",
			apply: []time.Time{in, out},
			recs:  []influxsink.Record{{Seq: 3, Kind: journal.KindReload, Data: journal.Marshal(journal.Reload{})}},
			want:  []string{`workday,`, `overtime_month,`},
			kpi:   []string{`kpi_month,`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, staffT1)
			for i, ts := range tt.apply {
				tap := punch.Tap{ID: fmt.Sprintf("gw-e01-a:1:%06d", i+1), Board: "nakatsu", School: "nakatsu-e01",
					Gateway: "gw-e01-a", Reader: "entrance", Card: "felica:0123456789abcdef", Dir: punch.DirTap, TS: ts,
					Clock: punch.ClockSynced}
				if _, err := e.Apply(punch.Event{Type: punch.TypeTap, Tap: tap}); err != nil {
					t.Fatal(err)
				}
			}
			got, kpi := build(t, e, func(string) (journal.Entry, bool) { return journal.Entry{}, false }, now, tt.recs)
			if len(got) != len(tt.want) {
				t.Fatalf("%d points, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("point %d\n got %s\nwant %s", i, got[i], w)
				}
			}
			if len(kpi) < len(tt.kpi) {
				t.Fatalf("board figures %v, want %v", kpi, tt.kpi)
			}
			for i, w := range tt.kpi {
				if !strings.Contains(strings.Join(kpi, "\n"), w) {
					t.Errorf("board figure %d: %v lacks %s", i, kpi, w)
				}
			}
			if len(tt.kpi) == 0 && len(kpi) > 0 {
				t.Errorf("board figures %v, want none", kpi)
			}
		})
	}
}
