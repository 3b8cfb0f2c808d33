package report

import (
	"bufio"
	"io"
	"slices"
	"strconv"
	"strings"

	"timeclock/internal/civil"
	"timeclock/internal/overtime"
)

// breachColumn lists the rule ids the staff_months breaches column reports
// (FORMATS.md §4), in the order written: sorted.
var breachColumn = []string{"avg_80", "doctor_80", "month_100", "month_45", "over45_6", "principal_3m45", "year_360", "year_720"}

const staffMonthsHeader = "staff_id,month,days_worked,incomplete_days,overtime_min,fy_overtime_min,avg2,avg3,avg4,avg5,avg6,over45_months_fy,breaches,interval_breaches,lock_breaches"

// WriteStaffMonths writes staff_months.csv: one row per staff and month in
// [from, to] on the staff's record with a scheduled day, sorted by staff id
// then month: the engine's staff are the roster's, which is sorted by id.
func WriteStaffMonths(w io.Writer, e *overtime.Engine, from, to civil.Month) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(staffMonthsHeader + "\n")
	var line []byte
	var ids []string
	for si := 0; si < e.Staff(); si++ {
		id := e.Info(si).ID
		for mo := from; mo <= to; mo++ {
			r, ok := e.StaffMonth(si, mo)
			if !ok {
				continue
			}
			line = line[:0]
			line = appendCSVField(line, id)
			line = append(line, ',')
			line = append(line, mo.String()...)
			for _, v := range []int64{int64(r.DaysWorked), int64(r.Incomplete), r.Overtime, r.FY} {
				line = append(line, ',')
				line = strconv.AppendInt(line, v, 10)
			}
			for n := 2; n <= 6; n++ {
				line = append(line, ',')
				if r.AvgOK[n] {
					line = append(line, ratio(r.AvgSum[n], int64(n), 2)...)
				}
			}
			line = append(line, ',')
			line = strconv.AppendInt(line, int64(r.Over45), 10)
			line = append(line, ',')
			ids = reportedBreaches(e, ids[:0], r.Breaches)
			line = append(line, strings.Join(ids, ";")...)
			line = append(line, ',')
			line = strconv.AppendInt(line, int64(r.IntervalBreaches), 10)
			line = append(line, ',')
			line = strconv.AppendInt(line, int64(r.LockBreaches), 10)
			line = append(line, '\n')
			bw.Write(line)
		}
	}
	return bw.Flush()
}

// reportedBreaches returns the breached rules of mask that the report names,
// sorted.
func reportedBreaches(e *overtime.Engine, dst []string, mask uint64) []string {
	for _, id := range e.BreachIDs(nil, mask) {
		if _, ok := slices.BinarySearch(breachColumn, id); ok {
			dst = append(dst, id)
		}
	}
	slices.Sort(dst)
	return dst
}

const boardMonthsHeader = "board,school_type,role,month,headcount,over45,share_over45,mean_min,b_lt45,b_45_80,b_80_100,b_ge100"

// WriteBoardMonths writes board_months.csv from the board groups.
func WriteBoardMonths(w io.Writer, rows []overtime.BoardRow) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(boardMonthsHeader + "\n")
	var line []byte
	for _, r := range rows {
		line = line[:0]
		line = appendCSVField(line, r.Board)
		line = append(line, ',')
		line = append(line, r.SchoolType...)
		line = append(line, ',')
		line = append(line, r.Role...)
		line = append(line, ',')
		line = append(line, r.Month.String()...)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(r.Headcount), 10)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(r.Over45), 10)
		line = append(line, ',')
		line = append(line, ratio(int64(r.Over45)*100, int64(r.Headcount), 1)...)
		line = append(line, ',')
		line = append(line, ratio(r.SumMin, int64(r.Headcount), 1)...)
		for _, b := range r.Buckets {
			line = append(line, ',')
			line = strconv.AppendInt(line, int64(b), 10)
		}
		line = append(line, '\n')
		bw.Write(line)
	}
	return bw.Flush()
}

// appendCSVField quotes s when CSV needs it (ids are validated upstream, but a
// report must never write a broken row).
func appendCSVField(dst []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	dst = append(dst, strings.ReplaceAll(s, `"`, `""`)...)
	return append(dst, '"')
}
