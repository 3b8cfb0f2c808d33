package overtime

import (
	"cmp"
	"slices"
	"strings"

	"timeclock/internal/civil"
)

// Bucket bounds of DOMAIN.md §6 (Nobeoka): < 45 h, 45 h – < 80 h, 80 h – < 100 h, ≥ 100 h.
const (
	bucket45  = 45 * 60
	bucket80  = 80 * 60
	bucket100 = 100 * 60
)

// GroupStats aggregates staff-months of one group (DOMAIN.md §6).
type GroupStats struct {
	Headcount int   // staff with at least one scheduled day in the month
	Over45    int   // of them, month > 45 h
	SumMin    int64 // overtime minutes of all of them
	Buckets   [4]int
}

// Add counts one staff-month.
func (g *GroupStats) Add(overtime int64) {
	g.Headcount++
	g.SumMin += overtime
	if overtime > bucket45 {
		g.Over45++
	}
	switch {
	case overtime < bucket45:
		g.Buckets[0]++
	case overtime < bucket80:
		g.Buckets[1]++
	case overtime < bucket100:
		g.Buckets[2]++
	default:
		g.Buckets[3]++
	}
}

// SharePct returns the share over 45 h in percent.
func (g *GroupStats) SharePct() float64 {
	if g.Headcount == 0 {
		return 0
	}
	return 100 * float64(g.Over45) / float64(g.Headcount)
}

// MeanMin returns the mean monthly overtime in minutes.
func (g *GroupStats) MeanMin() float64 {
	if g.Headcount == 0 {
		return 0
	}
	return float64(g.SumMin) / float64(g.Headcount)
}

// All is the group key standing for every school type or role.
const All = "*"

// ReportType returns the school type a staff member is reported under:
// compulsory schools (義務教育学校) are reported with junior high schools.
func ReportType(schoolType string) string {
	if schoolType == "compulsory" {
		return "junior_high"
	}
	return schoolType
}

// BoardKey groups staff-months: board × school type × role × month, with All
// standing for every school type or role.
type BoardKey struct {
	Board, SchoolType, Role string
	Month                   civil.Month
}

// BoardRow is one group of the board's monthly table.
type BoardRow struct {
	BoardKey
	GroupStats
}

// BoardMonths aggregates the staff-months in [from, to] in which the staff
// has a scheduled day, per board × school type × role (each also as All),
// sorted by board, school type, role and month in byte order.
func (e *Engine) BoardMonths(from, to civil.Month) []BoardRow {
	groups := map[BoardKey]*GroupStats{}
	for si := range e.staff {
		info := &e.info[si]
		st := ReportType(info.SchoolType)
		for mo := from; mo <= to; mo++ {
			r, ok := e.StaffMonth(si, mo)
			if !ok {
				continue
			}
			for _, t := range [2]string{All, st} {
				for _, role := range [2]string{All, info.Role} {
					k := BoardKey{info.Board, t, role, mo}
					g := groups[k]
					if g == nil {
						g = &GroupStats{}
						groups[k] = g
					}
					g.Add(r.Overtime)
				}
			}
		}
	}
	rows := make([]BoardRow, 0, len(groups))
	for k, g := range groups {
		rows = append(rows, BoardRow{k, *g})
	}
	slices.SortFunc(rows, func(a, b BoardRow) int {
		return cmp.Or(strings.Compare(a.Board, b.Board), strings.Compare(a.SchoolType, b.SchoolType),
			strings.Compare(a.Role, b.Role), cmp.Compare(a.Month, b.Month))
	})
	return rows
}

// StaffMonth returns staff si's month mo when it counts for the board: the
// month is on the staff's record and has a scheduled day.
func (e *Engine) StaffMonth(si int, mo civil.Month) (MonthResult, bool) {
	s := &e.staff[si]
	if !s.hasRec || mo < s.first {
		return MonthResult{}, false
	}
	r := e.Month(si, mo)
	return r, r.Scheduled > 0
}
