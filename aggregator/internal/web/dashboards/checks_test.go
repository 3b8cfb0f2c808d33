package dashboards

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"timeclock/aggregator/internal/journal"
	"timeclock/internal/civil"
	"timeclock/internal/influxtest"
	"timeclock/internal/overtime"
	"timeclock/internal/roster"
)

type check = func([]influxtest.Row) error

// checks gives each query of the dashboards, by "uid title refId" (or "uid
// var name"), what its rows must be.
func (w *world) checks() map[string]check {
	c := map[string]check{}
	for _, uid := range []string{"timeclock-board", "timeclock-school", "timeclock-alerts", "timeclock-gateways"} {
		c[uid+" var board"] = w.tagValues(w.a.District.Cfg.Boards)
		var schools []string
		for _, s := range w.a.District.Staff {
			if s.Board == w.board && !slices.Contains(schools, s.School) {
				schools = append(schools, s.School)
			}
		}
		if uid != "timeclock-board" { // the board overview has no school
			c[uid+" var school"] = w.tagValues(schools)
		}
	}
	w.boardChecks(c)
	w.schoolChecks(c)
	w.alertChecks(c)
	w.gatewayChecks(c)
	return c
}

func (w *world) tagValues(values []string) check {
	want := slices.Sorted(slices.Values(values))
	return func(rows []influxtest.Row) error {
		var got []string
		for _, r := range rows {
			got = append(got, fmt.Sprint(r.Values["value"]))
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			return fmt.Errorf("values %v, want %v", got, want)
		}
		return nil
	}
}

// reportRow is board_months.csv's row of the board for month mo.
func (w *world) reportRow(schoolType, role string, mo civil.Month) map[string]string {
	return w.months[[3]string{w.board, schoolType, role}][mo]
}

// stat checks a one-value panel of the board's current month against the
// report: as a count, or as a figure with one decimal (scaled by mul).
func (w *world) stat(col, field string, mul float64) check {
	return func(rows []influxtest.Row) error {
		want := w.reportRow("*", "*", w.cur)
		if len(rows) != 1 {
			return fmt.Errorf("%d rows, want 1", len(rows))
		}
		got := number(rows[0], col) * mul
		if mul == 1 && field != "share_over45" {
			if strconv.FormatFloat(got, 'f', -1, 64) != want[field] {
				return fmt.Errorf("%s = %v, want %s", col, got, want[field])
			}
			return nil
		}
		if !sameDecimal(got, want[field]) {
			return fmt.Errorf("%s = %v, want %s", col, got, want[field])
		}
		return nil
	}
}

// kpiRows checks rows of kpi_month (tagged by tag, or not) against every
// report row of the board with at least 5 staff: cols maps a column to its
// report field and scale.
func (w *world) kpiRows(tag string, cols map[string]struct {
	field string
	mul   float64
}) check {
	return func(rows []influxtest.Row) error {
		want := 0
		for k, byMonth := range w.months {
			if k[0] != w.board {
				continue
			}
			typeGroups, roleGroups := k[1] != "*" && k[2] == "*", k[1] == "*" && k[2] != "*"
			if (tag == "" && k != [3]string{w.board, "*", "*"}) || (tag == "school_type" && !typeGroups) ||
				(tag == "role" && !roleGroups) {
				continue
			}
			for _, r := range byMonth {
				if n, _ := strconv.Atoi(r["headcount"]); n >= 5 {
					want++
				}
			}
		}
		if len(rows) != want || want == 0 {
			return fmt.Errorf("%d rows, want %d", len(rows), want)
		}
		for _, r := range rows {
			st, role := "*", "*"
			switch tag {
			case "school_type":
				st = r.Tags[tag]
			case "role":
				role = r.Tags[tag]
			}
			mo := monthOf(r.Time)
			if !r.Time.Equal(mo.First().Time()) {
				return fmt.Errorf("point at %v, not at a month's start", r.Time)
			}
			rep := w.reportRow(st, role, mo)
			if rep == nil {
				return fmt.Errorf("no report row for %s %s %s", st, role, mo)
			}
			for col, f := range cols {
				got := number(r, col) * f.mul
				if f.field == "share_over45" || f.field == "mean_min" {
					if !sameDecimal(got, rep[f.field]) {
						return fmt.Errorf("%s %s %s: %s = %v, report %s", st, role, mo, col, got, rep[f.field])
					}
				} else if strconv.FormatFloat(got, 'f', -1, 64) != rep[f.field] {
					return fmt.Errorf("%s %s %s: %s = %v, report %s", st, role, mo, col, got, rep[f.field])
				}
			}
		}
		return nil
	}
}

type colSpec = map[string]struct {
	field string
	mul   float64
}

// projected counts the board's staff whose month is projected over min.
func (w *world) projected(min int64) int {
	n := 0
	w.view(func(core *overtime.Engine, data *roster.Data) {
		for si, s := range data.Staff() {
			if s.Board == w.board && core.Forecast(si, w.today).Projected > min {
				n++
			}
		}
	})
	return n
}

func countIs(col string, want func() int) check {
	return func(rows []influxtest.Row) error {
		n := want()
		if n == 0 && len(rows) == 0 {
			return nil
		}
		if len(rows) != 1 || number(rows[0], col) != float64(n) {
			return fmt.Errorf("want %s = %d", col, n)
		}
		return nil
	}
}

func (w *world) boardChecks(c map[string]check) {
	const b = "timeclock-board "
	c[b+"対象人数 (staff counted) A"] = w.stat("対象人数", "headcount", 1)
	c[b+"45時間超人数 (over 45 h) A"] = w.stat("45時間超人数", "over45", 1)
	c[b+"45時間超の割合 (share over 45 h) A"] = w.stat("割合", "share_over45", 1)
	c[b+"平均時間 (mean, hours) A"] = w.stat("平均時間", "mean_min", 60)
	c[b+"平均時間と45時間超の割合の推移 (monthly mean and share) A"] = w.kpiRows("", colSpec{
		"平均時間（h）": {"mean_min", 60}, "45時間超の割合（%）": {"share_over45", 1}})
	c[b+"分布 (distribution) A"] = w.kpiRows("", colSpec{"45時間未満": {"b_lt45", 1}, "45〜80時間未満": {"b_45_80", 1},
		"80〜100時間未満": {"b_80_100", 1}, "100時間以上": {"b_ge100", 1}})
	group := colSpec{"対象人数": {"headcount", 1}, "45時間超人数": {"over45", 1}, "割合（%）": {"share_over45", 1},
		"平均時間（h）": {"mean_min", 60}}
	c[b+"学校種別 (by school type) A"] = w.kpiRows("school_type", group)
	c[b+"職種別 (by role) A"] = w.kpiRows("role", group)
	c[b+"月末45時間超の見込み (projected over 45 h) A"] = countIs("見込み45時間超", func() int { return w.projected(45 * 60) })
	c[b+"月末80時間超の見込み (projected over 80 h) A"] = countIs("見込み80時間超", func() int { return w.projected(80 * 60) })
}

// staffMonths runs fn for each staff member of the school and month of the
// history.
func (w *world) staffMonths(fn func(core *overtime.Engine, si int, s *roster.Staff, mo civil.Month)) {
	w.view(func(core *overtime.Engine, data *roster.Data) {
		for si := range data.Staff() {
			s := &data.Staff()[si]
			if s.School != w.school {
				continue
			}
			first, ok := core.FirstMonth(si)
			for mo := w.a.From.Month(); ok && mo <= w.cur; mo++ {
				if mo >= first {
					fn(core, si, s, mo)
				}
			}
		}
	})
}

// perDay checks rows grouped by day (fill 0) against want by date.
func perDay(col string, scale float64, want func() map[civil.Date]float64) check {
	return func(rows []influxtest.Row) error {
		exp := want()
		seen := 0
		for _, r := range rows {
			d := dateOf(r.Time)
			got := number(r, col) * scale
			if !near(got, exp[d]) {
				return fmt.Errorf("%s: %s = %v, want %v", d, col, got, exp[d])
			}
			if exp[d] != 0 {
				seen++
			}
		}
		nonzero := 0
		for _, v := range exp {
			if v != 0 {
				nonzero++
			}
		}
		if seen != nonzero || nonzero == 0 {
			return fmt.Errorf("%d days with a value, want %d", seen, nonzero)
		}
		return nil
	}
}

func (w *world) schoolChecks(c map[string]check) {
	const s = "timeclock-school "
	c[s+"平均時間の推移 (school mean by month) A"] = func(rows []influxtest.Row) error {
		sum, n := map[civil.Month]float64{}, map[civil.Month]float64{}
		w.staffMonths(func(core *overtime.Engine, si int, _ *roster.Staff, mo civil.Month) {
			sum[mo] += float64(core.Month(si, mo).Overtime)
			n[mo]++
		})
		if len(rows) != len(n) {
			return fmt.Errorf("%d months, want %d", len(rows), len(n))
		}
		for _, r := range rows {
			mo := monthOf(r.Time)
			if got, want := number(r, "平均時間（h）")*60, sum[mo]/n[mo]; !r.Time.Equal(mo.First().Time()) || !near(got, want) {
				return fmt.Errorf("%s: %v minutes at %v, want %v at the month's start", mo, got, r.Time, want)
			}
		}
		return nil
	}
	c[s+"職員ごとの月の時間外 (each staff member by month) A"] = func(rows []influxtest.Row) error {
		want := map[string]float64{}
		w.staffMonths(func(core *overtime.Engine, si int, st *roster.Staff, mo civil.Month) {
			want[st.ID+" "+mo.String()] = float64(core.Month(si, mo).Overtime)
		})
		got := map[string]float64{}
		for _, r := range rows {
			got[r.Tags["staff"]+" "+monthOf(r.Time).String()] = number(r, "月") * 60
		}
		return equalMaps(got, want)
	}
	c[s+"職員別 最新の月 (staff, latest month) A"] = func(rows []influxtest.Row) error {
		want := map[string]map[string]any{}
		w.staffMonths(func(core *overtime.Engine, si int, st *roster.Staff, mo civil.Month) {
			if mo != w.cur {
				return
			}
			m := core.Month(si, mo)
			exp := map[string]any{"月": float64(m.Overtime) / 60, "年度累計": float64(m.FY) / 60,
				"45時間超の月数": float64(m.Over45), "見込み": float64(core.Forecast(si, w.today).Projected) / 60,
				"状態": m.Level.String(), "role": string(st.Role)}
			if v, ok := m.Avg(2); ok {
				exp["2か月平均"] = v / 60
			}
			want[st.ID] = exp
		})
		if len(rows) != len(want) || len(want) == 0 {
			return fmt.Errorf("%d staff, want %d", len(rows), len(want))
		}
		for _, r := range rows {
			exp := want[r.Tags["staff"]]
			if exp == nil {
				return fmt.Errorf("staff %q is not at the school", r.Tags["staff"])
			}
			if err := columns(r, "月", "年度累計", "2か月平均", "6か月平均", "45時間超の月数", "見込み", "状態"); err != nil {
				return err
			}
			for col, v := range exp {
				switch v := v.(type) {
				case float64:
					if !near(number(r, col), v) {
						return fmt.Errorf("%s: %s = %v, want %v", r.Tags["staff"], col, number(r, col), v)
					}
				case string:
					got := r.Values[col]
					if col == "role" {
						got = r.Tags["role"]
					}
					if got != v {
						return fmt.Errorf("%s: %s = %v, want %v", r.Tags["staff"], col, got, v)
					}
				}
			}
		}
		return nil
	}
	c[s+"日ごとの時間外の合計 (overtime per day) A"] = perDay("時間外（h）", 60, func() map[civil.Date]float64 {
		out := map[civil.Date]float64{}
		w.staffMonths(func(core *overtime.Engine, si int, _ *roster.Staff, mo civil.Month) {
			for d := range core.Days(si, mo.First(), mo.Last()) {
				out[d.Date] += float64(d.Overtime)
			}
		})
		return out
	})
	c[s+"打刻数 (taps) A"] = perDay("打刻", 1, func() map[civil.Date]float64 {
		out := map[civil.Date]float64{}
		for _, tp := range w.taps {
			if tp.School == w.school {
				out[dateOf(tp.TS)]++
			}
		}
		return out
	})
	c[s+"打刻漏れの日 (incomplete days) A"] = perDay("打刻漏れ", 1, func() map[civil.Date]float64 {
		out := map[civil.Date]float64{}
		w.staffMonths(func(core *overtime.Engine, si int, _ *roster.Staff, mo civil.Month) {
			for d := range core.Days(si, mo.First(), mo.Last()) {
				if d.Incomplete {
					out[d.Date]++
				}
			}
		})
		return out
	})
}

func (w *world) alertChecks(c map[string]check) {
	const a = "timeclock-alerts "
	counts := func(state string, rules ...string) map[string]float64 {
		out := map[string]float64{}
		for _, al := range w.alertRecs {
			if al.Board == w.board && (al.Raised == (state == "raised")) && (len(rules) == 0 || slices.Contains(rules, al.Rule)) {
				out[al.Rule]++
			}
		}
		return out
	}
	for rule, title := range map[string]string{"doctor_80": "医師面接指導 (doctor_80)", "principal_3m45": "校長面談 (principal_3m45)",
		"interval_11": "勤務間インターバル (interval_11)", "lock_time": "施錠時刻 (lock_time)", "missing_punch": "打刻漏れ (missing_punch)"} {
		c[a+title+" A"] = countIs("発生", func() int { return int(total(counts("raised", rule))) })
	}
	c[a+"上限超過 (limits) A"] = countIs("発生", func() int {
		return int(total(counts("raised", "month_45", "year_360", "month_100", "year_720", "avg_80", "over45_6")))
	})
	c[a+"ルール別の発生 (raised by rule) A"] = func(rows []influxtest.Row) error {
		want := counts("raised")
		if total(want) == 0 {
			return fmt.Errorf("the history raised no alert for %s", w.board)
		}
		return equalMaps(sumBy(rows, "rule", "count"), want)
	}
	c[a+"ルール別 発生・解消 (raised and cleared by rule) A"] = func(rows []influxtest.Row) error {
		return equalMaps(sumBy(rows, "rule", "発生"), counts("raised"))
	}
	c[a+"ルール別 発生・解消 (raised and cleared by rule) B"] = func(rows []influxtest.Row) error {
		want := counts("cleared")
		if total(want) == 0 && len(rows) == 0 {
			return nil
		}
		return equalMaps(sumBy(rows, "rule", "解消"), want)
	}
	c[a+"学校のアラート一覧 (alerts at the school) A"] = func(rows []influxtest.Row) error {
		var want []journal.Alert
		all := w.alertRecs
		for i := len(all) - 1; i >= 0 && len(want) < 100; i-- {
			if all[i].School == w.school {
				want = append(want, all[i])
			}
		}
		if len(rows) != len(want) || len(want) == 0 {
			return fmt.Errorf("%d rows, want %d", len(rows), len(want))
		}
		for i, r := range rows {
			al := want[i]
			state := "cleared"
			if al.Raised {
				state = "raised"
			}
			if err := columns(r, "rule", "staff", "state", "value", "threshold"); err != nil {
				return err
			}
			if r.Values["rule"] != al.Rule || r.Values["staff"] != al.Staff || r.Values["state"] != state ||
				!near(number(r, "value"), al.Value) || !near(number(r, "threshold"), al.Threshold) {
				return fmt.Errorf("row %d: %v, want the journal's %+v", i, r, al)
			}
		}
		return nil
	}
}

func (w *world) gatewayChecks(c map[string]check) {
	const g = "timeclock-gateways "
	tapsBy := func(keep func(school string) bool, unsynced bool) map[string]float64 {
		out := map[string]float64{}
		for _, tp := range w.taps {
			if tp.Board == w.board && keep(tp.School) && (!unsynced || tp.Clock == "unsynced") {
				out[tp.Gateway]++
			}
		}
		return out
	}
	inBoard := func(string) bool { return true }
	c[g+"端末の最新の状態 (latest status) A"] = func(rows []influxtest.Row) error {
		n := 0
		for _, r := range rows {
			st, ok := w.statuses[r.Tags["gateway"]+"@"+r.Tags["school"]]
			if !ok {
				return fmt.Errorf("unknown gateway %v", r.Tags)
			}
			if r.Values["接続"] != st.Online || number(r, "未送信") != float64(st.Queue) || r.Values["時計同期"] != st.ClockSynced {
				return fmt.Errorf("%v, want online %v, queue %d, clock synced %v", r, st.Online, st.Queue, st.ClockSynced)
			}
			n++
		}
		if want := len(w.schoolsOf(w.board)); n != want {
			return fmt.Errorf("%d gateways, want %d", n, want)
		}
		return nil
	}
	c[g+"未送信の打刻 (spool depth) A"] = func(rows []influxtest.Row) error {
		got := map[string]float64{}
		for _, r := range rows {
			if v := number(r, "未送信"); !math.IsNaN(v) {
				got[r.Tags["gateway"]] = math.Max(got[r.Tags["gateway"]], v)
			}
		}
		want := map[string]float64{}
		for _, school := range w.schoolsOf(w.board) {
			for key, st := range w.statuses {
				if key[len(key)-len(school)-1:] == "@"+school {
					want[key[:len(key)-len(school)-1]] = float64(st.Queue)
				}
			}
		}
		return equalMaps(got, want)
	}
	c[g+"端末ごとの打刻数 (taps per gateway) A"] = func(rows []influxtest.Row) error {
		return equalMaps(sumBy(rows, "gateway", "打刻"), tapsBy(inBoard, false))
	}
	c[g+"時計未同期の打刻 (taps with an unsynchronised clock) A"] = func(rows []influxtest.Row) error {
		return equalMaps(map[string]float64{"": total(sumBy(rows, "", "未同期"))}, map[string]float64{"": total(tapsBy(inBoard, true))})
	}
	c[g+"学校の打刻数 (taps at the school) A"] = func(rows []influxtest.Row) error {
		return equalMaps(sumBy(rows, "gateway", "打刻"), tapsBy(func(s string) bool { return s == w.school }, false))
	}
}

func total(m map[string]float64) float64 {
	n := 0.0
	for _, v := range m {
		n += v
	}
	return n
}

func (w *world) schoolsOf(board string) []string {
	var out []string
	for _, s := range w.a.District.Staff {
		if s.Board == board && !slices.Contains(out, s.School) {
			out = append(out, s.School)
		}
	}
	return out
}
