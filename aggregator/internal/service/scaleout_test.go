package service

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"timeclock/aggregator/internal/api"
	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/report"
	"timeclock/internal/civil"
	"timeclock/internal/influxtest"
	"timeclock/internal/mosquittotest"
	"timeclock/internal/punch"
)

// splitStaff is a staff member of the two-board roster of the scale-out test.
type splitStaff struct {
	id, board, school, schoolType, gateway, card string
}

const (
	boardA       = "nakatsu"
	boardB       = "usa"
	splitPerSite = 5 // staff per school; two schools per board
)

// splitRoster is two boards of two schools each: board A two elementary
// schools, board B an elementary and a junior high school.
func splitRoster() []splitStaff {
	var out []splitStaff
	sites := []struct{ board, school, typ string }{
		{boardA, "nakatsu-e00", "elementary"}, {boardA, "nakatsu-e01", "elementary"},
		{boardB, "usa-e00", "elementary"}, {boardB, "usa-j00", "junior_high"},
	}
	for k, s := range sites {
		for i := range splitPerSite {
			n := k*splitPerSite + i
			out = append(out, splitStaff{id: fmt.Sprintf("T%04d", n), board: s.board, school: s.school,
				schoolType: s.typ, gateway: "gw-" + s.school, card: fmt.Sprintf("felica:%016x", 0x1000+n)})
		}
	}
	return out
}

// writeSplitData writes schedules, calendar and the two-board roster into a
// new directory.
func writeSplitData(t *testing.T, staff []splitStaff) string {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "schedules.csv"), "schedule,days,start,end,break_min\nstd,Mon Tue Wed Thu Fri,08:15,16:45,45\n")
	// a board-wide lock time for board B, the global one for board A
	writeFile(t, filepath.Join(dir, "calendar.csv"), "date,scope,kind,value,note\n2025-04-01,*,lock_time,19:00,施錠\n"+
		"2025-04-01,"+boardB+",lock_time,20:00,施錠\n")
	var b strings.Builder
	b.WriteString("staff_id,name,role,board,school,school_type,schedule,cards,start_date,end_date\n")
	for i, s := range staff {
		// A start date, as rosters have: a reload then rewrites every
		// month from it (the case where one aggregator could overwrite the
		// other board's months with its own zeros).
		fmt.Fprintf(&b, "%s,教員 %d,teacher,%s,%s,%s,std,%s,2025-04-01,\n", s.id, i, s.board, s.school, s.schoolType, s.card)
	}
	writeFile(t, filepath.Join(dir, "roster.csv"), b.String())
	return dir
}

// copyData copies the reference files of dir into a new directory, for a
// report over other events.
func copyData(t *testing.T, dir string) string {
	out := t.TempDir()
	for _, name := range []string{"schedules.csv", "calendar.csv", "roster.csv"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(out, name), string(b))
	}
	return out
}

// splitTaps is every staff member in at 07:xx and out at 18:xx–21:xx on days
// consecutive days from d (weekends included: work on a day off), in time
// order.
func splitTaps(staff []splitStaff, days int, d civil.Date) []punch.Tap {
	var taps []punch.Tap
	seq := map[string]uint64{}
	for k := range days {
		day := d + civil.Date(k)
		for _, m := range []int{0, 1} {
			for i, s := range staff {
				min := 7*60 + (i*3+k)%50
				if m == 1 {
					min = 18*60 + (i*37+k*23)%200
				}
				seq[s.gateway]++
				taps = append(taps, punch.Tap{ID: punch.FormatTapID(s.gateway, 1, seq[s.gateway]), Board: s.board,
					School: s.school, Gateway: s.gateway, Reader: "entrance", Card: s.card, Dir: punch.DirTap,
					TS: day.At(min).In(civil.JST), Clock: punch.ClockSynced})
			}
		}
	}
	sort.SliceStable(taps, func(i, j int) bool { return taps[i].TS.Before(taps[j].TS) })
	return taps
}

// firstFew is the first five of ids, for a failure message.
func firstFew(ids []string) []string { return ids[:min(5, len(ids))] }

// sameTap compares two taps, their times as instants.
func sameTap(a, b punch.Tap) bool {
	at, bt := a.TS, b.TS
	a.TS, b.TS = time.Time{}, time.Time{}
	return a == b && at.Equal(bt)
}

// journaledTaps reads the taps in a journal by id.
func journaledTaps(t *testing.T, j *journal.Journal) map[string]punch.Tap {
	t.Helper()
	out := map[string]punch.Tap{}
	_, err := j.Scan(0, 0, func(seq uint64, kind journal.Kind, data []byte) error {
		if kind != journal.KindTap {
			return nil
		}
		e, err := journal.DecodeEvent(data)
		if err != nil {
			return fmt.Errorf("record %d: %w", seq, err)
		}
		if _, dup := out[e.Event.Tap.ID]; dup {
			t.Errorf("tap %s journaled twice in one journal (again at record %d)", e.Event.Tap.ID, seq)
		}
		out[e.Event.Tap.ID] = e.Event.Tap
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// reportOn writes taps as the events.jsonl of a copy of the reference data
// in dir, runs `aggregator report` over [from, to] on it and returns the
// folder with the tables.
func reportOn(t *testing.T, dir string, taps map[string]punch.Tap, from, to civil.Month) (data, out string) {
	t.Helper()
	data, out = copyData(t, dir), t.TempDir()
	var lines []string
	for _, tp := range taps {
		lines = append(lines, string(punch.Event{Type: punch.TypeTap, Tap: tp}.AppendJSON(nil)))
	}
	sort.Strings(lines) // any order will do: make it the same every run
	writeFile(t, filepath.Join(data, "events.jsonl"), strings.Join(lines, "\n")+"\n")
	var stderr strings.Builder
	if err := report.Run(report.Options{Data: data, Out: out, From: from, To: to}, io.Discard, &stderr); err != nil {
		t.Fatalf("report on %s: %v\n%s", data, err, stderr.String())
	}
	return data, out
}

// tableRows returns the data rows of a report table whose first column
// (staff_id or board) keep accepts.
func tableRows(t *testing.T, path string, keep func(first string) bool) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	var out []string
	for _, l := range lines[1:] {
		first, _, _ := strings.Cut(l, ",")
		if keep(first) {
			out = append(out, l)
		}
	}
	return out
}

// sameRows reports the first difference of two row lists, "" if equal.
func sameRows(got, want []string) string {
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return fmt.Sprintf("%d rows vs %d; row %d: %q, want %q", len(got), len(want), i, g, w)
		}
	}
	return ""
}

// servesRows checks that the service at base serves the overtime, days
// worked and fiscal-year total of every staff_months.csv row given.
func servesRows(t *testing.T, name, base string, rows []map[string]string) {
	t.Helper()
	bad := 0
	for _, r := range rows {
		var v struct {
			OvertimeMin int64 `json:"overtime_min"`
			DaysWorked  int   `json:"days_worked"`
			FYMin       int64 `json:"fy_min"`
		}
		url := fmt.Sprintf("%s/api/v1/staff/%s/months/%s", base, r["staff_id"], r["month"])
		if st := getJSON(t, url, &v); st != http.StatusOK {
			t.Errorf("%s: %s: status %d", name, url, st)
			continue
		}
		got := fmt.Sprintf("overtime %d days %d fy %d", v.OvertimeMin, v.DaysWorked, v.FYMin)
		want := fmt.Sprintf("overtime %s days %s fy %s", r["overtime_min"], r["days_worked"], r["fy_overtime_min"])
		if got != want {
			if bad++; bad <= 10 {
				t.Errorf("%s serves %s %s: %s; the report on the union of the journals: %s", name, r["staff_id"], r["month"], got, want)
			}
		}
	}
	if bad > 10 {
		t.Errorf("%s: %d staff months differ in all", name, bad)
	}
}

// seriesMatch compares the overtime_month and kpi_month points (all school
// types, all roles) in InfluxDB with the report tables in out.
func seriesMatch(t *testing.T, db *influxtest.Server, out string) (bool, string) {
	monthOf := func(ts time.Time) string { return ts.In(civil.JST).Format("2006-01") }
	got := map[string]string{}
	for _, r := range db.Query(t, "timeclock", `SELECT month_min, fy_min FROM overtime_month GROUP BY staff`) {
		got[r.Tags["staff"]+" "+monthOf(r.Time)] = fmt.Sprintf("month %v fy %v", r.Values["month_min"], r.Values["fy_min"])
	}
	var diffs []string
	rows := readCSV(t, filepath.Join(out, "staff_months.csv"))
	for _, r := range rows {
		k := r["staff_id"] + " " + r["month"]
		if want := fmt.Sprintf("month %s fy %s", r["overtime_min"], r["fy_overtime_min"]); got[k] != want {
			diffs = append(diffs, fmt.Sprintf("overtime_month %s: %q, report %q", k, got[k], want))
		}
	}
	got = map[string]string{}
	for _, r := range db.Query(t, "timeclock", `SELECT headcount, over45, b_lt45, b_45_80, b_80_100, b_ge100 FROM kpi_month WHERE school_type='*' AND role='*' GROUP BY board`) {
		got[r.Tags["board"]+" "+monthOf(r.Time)] = fmt.Sprintf("%v %v %v %v %v %v", r.Values["headcount"], r.Values["over45"],
			r.Values["b_lt45"], r.Values["b_45_80"], r.Values["b_80_100"], r.Values["b_ge100"])
	}
	n := len(rows)
	for _, r := range readCSV(t, filepath.Join(out, "board_months.csv")) {
		if r["school_type"] != "*" || r["role"] != "*" {
			continue
		}
		n++
		k := r["board"] + " " + r["month"]
		want := fmt.Sprintf("%s %s %s %s %s %s", r["headcount"], r["over45"], r["b_lt45"], r["b_45_80"], r["b_80_100"], r["b_ge100"])
		if got[k] != want {
			diffs = append(diffs, fmt.Sprintf("kpi_month %s: %q, report %q", k, got[k], want))
		}
	}
	return len(diffs) == 0, fmt.Sprintf("%d of %d points differ: %q", len(diffs), n, firstFew(diffs))
}

func metric(t *testing.T, base, name string) int {
	t.Helper()
	_, body := get(t, base+"/metrics", adminToken)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\d+)$`).FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// Two aggregators each serving one board (-boards) of a shared broker, both
// writing to one InfluxDB database: every tap is journaled by exactly one of
// them, answered, written once, and the two journals together give what one
// aggregator serving both boards gives.
func TestTwoAggregatorsSplitBoards(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mosquitto and influxd; skipped under -short")
	}
	began := time.Now()
	db := influxtest.Start(t, influxtest.WithoutFlux())
	broker := mosquittotest.Start(t)
	staff := splitRoster()
	dir := writeSplitData(t, staff)
	f := fixture{dir: dir, staff: len(staff)}
	boardOf := map[string]string{} // staff id → board
	for _, s := range staff {
		boardOf[s.id] = s.board
	}
	staffOfCard := map[string]string{}
	for _, s := range staff {
		staffOfCard[s.card] = s.id
	}

	cfgA := baseConfig(t, f, broker.URL(), db.URL())
	cfgA.Boards, cfgA.MQTTClientID = []string{boardA}, "aggregator-"+boardA
	cfgB := baseConfig(t, f, broker.URL(), db.URL())
	cfgB.Boards, cfgB.MQTTClientID = []string{boardB}, "aggregator-"+boardB
	if cfgA.State == cfgB.State || cfgA.InfluxDB != cfgB.InfluxDB {
		t.Fatalf("state %s and %s, databases %q and %q: want two states, one database", cfgA.State, cfgB.State, cfgA.InfluxDB, cfgB.InfluxDB)
	}
	aggA, aggB := start(t, cfgA), start(t, cfgB)
	baseA, baseB := "http://"+aggA.HTTPAddr(), "http://"+aggB.HTTPAddr()
	if aggA.HTTPAddr() == aggB.HTTPAddr() {
		t.Fatalf("both aggregators listen on %s", aggA.HTTPAddr())
	}
	fb := watchFeedback(t, broker.URL())

	// The reference: one aggregator serving both boards, on a broker of its
	// own (its answers must not stand in for the split pair's), fed the same
	// messages. It writes no InfluxDB series.
	refBroker := mosquittotest.Start(t)
	cfgR := baseConfig(t, f, refBroker.URL(), "")
	cfgR.MQTTClientID = "aggregator-both"
	aggR := start(t, cfgR)
	baseR := "http://" + aggR.HTTPAddr()

	taps := splitTaps(staff, 20, workday(time.Now())-40)
	byID := map[string]punch.Tap{}
	wantA, wantB := map[string]bool{}, map[string]bool{}
	for _, tp := range taps {
		byID[tp.ID] = tp
		if tp.Board == boardA {
			wantA[tp.ID] = true
		} else {
			wantB[tp.ID] = true
		}
	}
	if len(byID) != len(taps) || len(wantA) == 0 || len(wantB) == 0 {
		t.Fatalf("test data: %d taps, %d ids, %d of board A, %d of board B", len(taps), len(byID), len(wantA), len(wantB))
	}

	// Publish in time order, in chunks; after each chunk a few taps of the
	// chunk before are published again (a gateway that missed the answer),
	// some while the originals may still be in flight.
	gws := map[string]paho.Client{}
	for _, b := range []string{boardA, boardB} {
		gws[b] = mqttClient(t, broker.URL(), "gw-sim-"+b)
	}
	refGW := mqttClient(t, refBroker.URL(), "gw-sim-ref")
	send := func(tp punch.Tap) {
		p := tp.AppendJSON(nil)
		publish(t, gws[tp.Board], topicOf(tp), p)
		publish(t, refGW, topicOf(tp), p)
	}
	const chunkLen = 40
	dups := map[string]int{} // board → taps published again
	for lo := 0; lo < len(taps); lo += chunkLen {
		for _, tp := range taps[lo:min(lo+chunkLen, len(taps))] {
			send(tp)
		}
		if lo >= chunkLen {
			for k := lo - chunkLen; k < lo; k += 7 {
				send(taps[k])
				dups[taps[k].Board]++
			}
		}
	}
	// and the last few again, right after their originals
	for _, tp := range taps[len(taps)-5:] {
		send(tp)
		dups[tp.Board]++
	}
	if dups[boardA] == 0 || dups[boardB] == 0 {
		t.Fatalf("test data: duplicates %v: want some of each board", dups)
	}
	t.Logf("%d distinct taps (%d board %s, %d board %s), %d published again (%v)",
		len(byID), len(wantA), boardA, len(wantB), boardB, dups[boardA]+dups[boardB], dups)

	// 1. Every tap journaled exactly once across the two: A holds exactly
	// board A's, B exactly board B's.
	journaled := func(base string) uint64 {
		var v api.JournalView
		getJSON(t, base+"/api/v1/journal", &v)
		return v.Taps
	}
	for _, a := range []struct {
		name string
		base string
		want int
	}{{"aggregator " + boardA, baseA, len(wantA)}, {"aggregator " + boardB, baseB, len(wantB)}, {"reference aggregator", baseR, len(byID)}} {
		eventually(t, a.name+" journaling its taps", func() (bool, string) {
			n := journaled(a.base)
			return n >= uint64(a.want), fmt.Sprintf("%d of %d taps journaled", n, a.want)
		})
	}
	gotA, gotB, gotR := journaledTaps(t, aggA.Journal()), journaledTaps(t, aggB.Journal()), journaledTaps(t, aggR.Journal())
	for _, c := range []struct {
		name string
		got  map[string]punch.Tap
		want map[string]bool
	}{{"aggregator " + boardA, gotA, wantA}, {"aggregator " + boardB, gotB, wantB}} {
		var missing, foreign []string
		for id := range c.want {
			if _, ok := c.got[id]; !ok {
				missing = append(missing, id)
			}
		}
		for id, tp := range c.got {
			if !c.want[id] {
				foreign = append(foreign, id+" (board "+tp.Board+")")
			} else if !sameTap(tp, byID[id]) {
				t.Errorf("%s journaled %s as %+v, published %+v", c.name, id, tp, byID[id])
			}
		}
		sort.Strings(missing)
		sort.Strings(foreign)
		if len(missing) > 0 || len(foreign) > 0 || len(c.got) != len(c.want) {
			t.Errorf("%s journaled %d taps, want exactly its board's %d: %d missing %q, %d not of its board %q",
				c.name, len(c.got), len(c.want), len(missing), firstFew(missing), len(foreign), firstFew(foreign))
		}
	}
	var both []string
	for id := range gotA {
		if _, ok := gotB[id]; ok {
			both = append(both, id)
		}
	}
	if sort.Strings(both); len(both) > 0 {
		t.Errorf("%d taps journaled by both aggregators: %q", len(both), firstFew(both))
	}
	if len(gotR) != len(byID) {
		t.Errorf("the reference aggregator journaled %d taps, want %d", len(gotR), len(byID))
	}
	// 2. Every tap answered, by the aggregator of its board; every
	// duplicate answered again; InfluxDB holds each tap once.
	wantFB := len(byID) + dups[boardA] + dups[boardB]
	eventually(t, "feedback for every tap", func() (bool, string) {
		n, total := fb.count()
		return n == len(byID) && total >= wantFB, fmt.Sprintf("feedback for %d of %d taps, %d of %d answers", n, len(byID), total, wantFB)
	})
	if _, total := fb.count(); total != wantFB {
		t.Errorf("%d answers, want %d: one per tap and one per duplicate (a tap answered twice?)", total, wantFB)
	}
	bad := 0
	for id, tp := range byID {
		got, _ := fb.get(id)
		if got.Result != punch.ResultOK || got.Staff != staffOfCard[tp.Card] {
			if bad++; bad <= 5 {
				t.Errorf("feedback %s = %+v, want ok for %s", id, got, staffOfCard[tp.Card])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d taps without an ok answer for their staff member", bad)
	}
	// Every message was handled: the counts of each aggregator are final.
	for _, a := range []struct {
		name, base string
		taps, dups int
	}{{"aggregator " + boardA, baseA, len(wantA), dups[boardA]}, {"aggregator " + boardB, baseB, len(wantB), dups[boardB]}} {
		if n := metric(t, a.base, `timeclock_events_total{result="accepted"}`); n != a.taps {
			t.Errorf("%s: %d events accepted (metrics), want %d", a.name, n, a.taps)
		}
		eventually(t, a.name+" counting the duplicates", func() (bool, string) {
			n := metric(t, a.base, `timeclock_events_total{result="duplicate"}`)
			return n >= a.dups, fmt.Sprintf("%d duplicates counted (metrics) of the %d published again", n, a.dups)
		})
		if n := metric(t, a.base, `timeclock_events_total{result="duplicate"}`); n != a.dups {
			t.Errorf("%s: %d duplicates counted (metrics), want the %d published again", a.name, n, a.dups)
		}
		var rej struct {
			Total int `json:"total"`
		}
		getJSON(t, a.base+"/api/v1/rejected", &rej)
		if rej.Total != 0 {
			t.Errorf("%s rejected %d messages, want none", a.name, rej.Total)
		}
	}

	from, to := taps[0].TS.In(civil.JST), taps[len(taps)-1].TS.In(civil.JST)
	fromM, toM := civil.MonthOf(from.Year(), from.Month()), civil.MonthOf(to.Year(), to.Month())
	union := map[string]punch.Tap{}
	for id, tp := range gotA {
		union[id] = tp
	}
	for id, tp := range gotB {
		union[id] = tp
	}
	unionData, unionOut := reportOn(t, dir, union, fromM, toM)

	waitDB(t, db)
	eventually(t, "both aggregators caught up with InfluxDB", func() (bool, string) {
		a, b := aggA.InfluxLag(), aggB.InfluxLag()
		return a == 0 && b == 0, fmt.Sprintf("lag %d and %d", a, b)
	})
	eventually(t, "every tap a punch point", func() (bool, string) {
		n := count(t, db, `SELECT count(id) FROM punch`)
		return n >= len(byID), fmt.Sprintf("%d punch points, want %d", n, len(byID))
	})
	if n := count(t, db, `SELECT count(id) FROM punch`); n != len(byID) {
		t.Errorf("%d punch points, want %d: one per distinct tap", n, len(byID))
	}
	for b, want := range map[string]int{boardA: len(wantA), boardB: len(wantB)} {
		if n := count(t, db, fmt.Sprintf(`SELECT count(id) FROM punch WHERE board='%s'`, b)); n != want {
			t.Errorf("%d punch points of board %s, want %d", n, b, want)
		}
	}
	points := db.Query(t, "timeclock", `SELECT id FROM punch`)
	seen := map[string]int{}
	for _, r := range points {
		id, _ := r.Values["id"].(string)
		seen[id]++
	}
	for id, n := range seen {
		if n != 1 || byID[id].ID == "" {
			t.Errorf("punch point id %q: %d points, published: %v", id, n, byID[id].ID != "")
		}
	}

	// Both write the derived series of their own board only: the months
	// and board figures in the shared database are the union report's.
	eventually(t, "the months and board figures in InfluxDB equal the report on the union", func() (bool, string) {
		return seriesMatch(t, db, unionOut)
	})
	// A reload of one aggregator rewrites its own board's months and
	// figures only.
	aggA.Reload()
	eventually(t, boardA+" reloading", func() (bool, string) {
		n := aggA.Journal().Count(journal.KindReload)
		return n > 0 && aggA.InfluxLag() == 0, fmt.Sprintf("%d reloads journaled, InfluxDB lag %d", n, aggA.InfluxLag())
	})
	eventually(t, "after a reload of "+boardA+", the months and board figures in InfluxDB still equal the report on the union", func() (bool, string) {
		return seriesMatch(t, db, unionOut)
	})

	// 3. The two journals' reports together equal the report on their
	// union, which equals the reference aggregator's; each aggregator serves
	// its board's staff as the union report has them, the reference every
	// staff member.
	_, outA := reportOn(t, dir, gotA, fromM, toM)
	_, outB := reportOn(t, dir, gotB, fromM, toM)
	_, outR := reportOn(t, dir, gotR, fromM, toM)
	onBoard := func(b string) func(string) bool { return func(id string) bool { return boardOf[id] == b } }
	isBoard := func(b string) func(string) bool { return func(first string) bool { return first == b } }
	all := func(string) bool { return true }
	for _, table := range []struct {
		file string
		keep func(board string) func(string) bool
	}{{"staff_months.csv", onBoard}, {"board_months.csv", isBoard}} {
		u := func(keep func(string) bool) []string { return tableRows(t, filepath.Join(unionOut, table.file), keep) }
		split := append(tableRows(t, filepath.Join(outA, table.file), table.keep(boardA)),
			tableRows(t, filepath.Join(outB, table.file), table.keep(boardB))...)
		joined := append(u(table.keep(boardA)), u(table.keep(boardB))...)
		if len(joined) == 0 || len(u(all)) != len(joined) {
			t.Fatalf("%s of the union: %d rows, %d of them of the two boards", table.file, len(u(all)), len(joined))
		}
		if d := sameRows(split, joined); d != "" {
			t.Errorf("%s: board %s's rows of aggregator %s's report and board %s's of aggregator %s's differ from the report on the union: %s",
				table.file, boardA, boardA, boardB, boardB, d)
		}
		if d := sameRows(tableRows(t, filepath.Join(outR, table.file), all), u(all)); d != "" {
			t.Errorf("%s: the reference aggregator's report differs from the report on the union of the two journals: %s", table.file, d)
		}
	}
	rows := readCSV(t, filepath.Join(unionOut, "staff_months.csv"))
	var rowsA, rowsB []map[string]string
	for _, r := range rows {
		if boardOf[r["staff_id"]] == boardA {
			rowsA = append(rowsA, r)
		} else {
			rowsB = append(rowsB, r)
		}
	}
	servesRows(t, "aggregator "+boardA, baseA, rowsA)
	servesRows(t, "aggregator "+boardB, baseB, rowsB)
	sorted := make([]punch.Tap, 0, len(union))
	for _, tp := range union {
		sorted = append(sorted, tp)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].TS.Before(sorted[j].TS) })
	matchesReport(t, baseR, unionData, sorted, len(staff))
	t.Logf("%d staff months compared; took %s", len(rows), time.Since(began).Round(time.Millisecond))
}
