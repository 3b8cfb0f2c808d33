package report

import (
	"slices"

	"timeclock/internal/civil"
	"timeclock/internal/overtime"
)

// MinGroup is the smallest group shown apart in the published tables: a
// group of fewer staff is hidden (守秘義務, DOMAIN.md §6).
const MinGroup = 5

// Roles and school types of the role × school-type table, in print order.
var (
	tableRoles = []string{"principal", "vice_principal", "office", "teacher"}
	tableTypes = []string{"elementary", "junior_high"}
)

// FYTables are the board's published tables for one fiscal year (DOMAIN.md §6).
type FYTables struct {
	Board  string
	FY     int
	Months []MonthTable // April … March, only months inside the report range
	Types  []string     // school types present, sorted
	// Fiscal year over the staff who had at least one counted month.
	Staff       int
	Ge540       int   // staff with fiscal-year overtime ≥ 540 h
	Ge960       int   // staff with fiscal-year overtime ≥ 960 h
	StaffMonths int   // counted staff-months
	Under45     int   // staff-months ≤ 45 h (not over 45 h)
	SumMin      int64 // overtime of all counted staff-months
	RoleType    map[[2]string]*overtime.GroupStats
	// Counts over the year.
	RuleMonths       map[string]int // staff-months breaching each monthly rule
	IntervalBreaches int
	LockBreaches     int
	Reductions       int // self_study and retract adjustments
	ReductionMin     int // self_study minutes subtracted
	IncompleteDays   int
	TakehomeMin      int
}

// MonthTable is one month of the tables, for the whole board and per school type.
type MonthTable struct {
	Month  civil.Month
	All    overtime.GroupStats
	ByType map[string]*overtime.GroupStats
}

// BuildFYTables aggregates the staff-months of board in fiscal year fy that
// fall inside [from, to].
func BuildFYTables(e *overtime.Engine, board string, fy int, from, to civil.Month) *FYTables {
	t := &FYTables{Board: board, FY: fy, RoleType: map[[2]string]*overtime.GroupStats{}, RuleMonths: map[string]int{}}
	start, end := max(civil.FYStart(fy), from), min(civil.FYStart(fy)+11, to)
	for mo := start; mo <= end; mo++ {
		t.Months = append(t.Months, MonthTable{Month: mo, ByType: map[string]*overtime.GroupStats{}})
	}
	types := map[string]bool{}
	var ids []string
	for si := 0; si < e.Staff(); si++ {
		info := e.Info(si)
		if info.Board != board {
			continue
		}
		st := overtime.ReportType(info.SchoolType)
		var year int64
		counted := false
		for i := range t.Months {
			mt := &t.Months[i]
			r, ok := e.StaffMonth(si, mt.Month)
			if !ok {
				continue
			}
			counted = true
			types[st] = true
			year += r.Overtime
			mt.All.Add(r.Overtime)
			Group(mt.ByType, st).Add(r.Overtime)
			Group(t.RoleType, [2]string{info.Role, st}).Add(r.Overtime)
			t.StaffMonths++
			t.SumMin += r.Overtime
			if r.Overtime <= 45*60 {
				t.Under45++
			}
			for _, id := range e.BreachIDs(ids[:0], r.Breaches) {
				t.RuleMonths[id]++
			}
			t.IntervalBreaches += r.IntervalBreaches
			t.LockBreaches += r.LockBreaches
			t.Reductions += r.Reductions
			t.ReductionMin += r.Reduction
			t.IncompleteDays += r.Incomplete
			t.TakehomeMin += r.Takehome
		}
		if counted {
			t.Staff++
			if year >= 540*60 {
				t.Ge540++
			}
			if year >= 960*60 {
				t.Ge960++
			}
		}
	}
	for st := range types {
		t.Types = append(t.Types, st)
	}
	slices.Sort(t.Types)
	return t
}

// Group returns group k of m, added empty if m has none yet: the tables
// and the live page (package web) group staff-months alike.
func Group[K comparable](m map[K]*overtime.GroupStats, k K) *overtime.GroupStats {
	g := m[k]
	if g == nil {
		g = &overtime.GroupStats{}
		m[k] = g
	}
	return g
}

// FiscalYears returns the fiscal years [from, to] touches.
func FiscalYears(from, to civil.Month) []int {
	var fys []int
	for fy := from.FY(); fy <= to.FY(); fy++ {
		fys = append(fys, fy)
	}
	return fys
}
