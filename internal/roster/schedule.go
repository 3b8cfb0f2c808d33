package roster

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Weekdays is a set of days of the week: bit 1<<time.Weekday is set for each
// day in the set.
type Weekdays uint8

// AllWeekdays is the set of all seven days.
const AllWeekdays Weekdays = 1<<7 - 1

// weekOrder lists the days as schedules.csv writes them, Monday first.
var weekOrder = [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

var dayNames = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// WeekdaysOf returns the set of days ds.
func WeekdaysOf(ds ...time.Weekday) Weekdays {
	var w Weekdays
	for _, d := range ds {
		w |= 1 << d
	}
	return w
}

// Has reports whether d is in w.
func (w Weekdays) Has(d time.Weekday) bool { return w&(1<<d) != 0 }

// String writes w as schedules.csv does, e.g. "Mon Tue Wed Thu Fri".
func (w Weekdays) String() string {
	var parts []string
	for _, d := range weekOrder {
		if w.Has(d) {
			parts = append(parts, dayNames[d])
		}
	}
	return strings.Join(parts, " ")
}

// ParseWeekdays reads space-separated day names Mon … Sun, each at most once.
func ParseWeekdays(s string) (Weekdays, error) {
	var w Weekdays
	for _, tok := range strings.Fields(s) {
		d, ok := dayByName(tok)
		if !ok {
			return 0, fmt.Errorf("%q is not a day (want Mon Tue Wed Thu Fri Sat Sun)", tok)
		}
		if w.Has(d) {
			return 0, fmt.Errorf("%s listed twice", tok)
		}
		w |= 1 << d
	}
	return w, nil
}

func dayByName(s string) (time.Weekday, bool) {
	for d, n := range dayNames {
		if n == s {
			return time.Weekday(d), true
		}
	}
	return 0, false
}

// Schedule is one row of schedules.csv: a weekly work pattern with the same
// hours on every working day.
type Schedule struct {
	Name     string
	Days     Weekdays // working days; the other days are weekly days off
	Start    int      // minutes after midnight
	End      int      // minutes after midnight, after Start
	BreakMin int      // 休憩時間, deducted when presence exceeds 6 h
	Pos      Pos
}

// Regular returns the regular minutes (所定の勤務時間) of a working day:
// end − start − break.
func (s Schedule) Regular() int { return s.End - s.Start - s.BreakMin }

var scheduleCols = []string{"schedule", "days", "start", "end", "break_min"}

// ParseSchedules reads schedules.csv from r, naming it file in errors. It
// checks the syntax of each row; New checks the values (a positive regular
// time, unique names).
func ParseSchedules(r io.Reader, file string) ([]Schedule, []error) {
	s, errs, _ := parseRows(r, file, scheduleCols, scheduleRow, checkSchedule)
	return s, errs
}

func scheduleRow(f *fieldErrs, v []string) Schedule {
	s := Schedule{Name: v[0], Pos: f.pos}
	days, err := ParseWeekdays(v[1])
	if err != nil {
		f.add("days", "%v", err)
	}
	s.Days = days
	s.Start = f.clock("start", v[2])
	s.End = f.clock("end", v[3])
	b, err := strconv.Atoi(v[4])
	if err != nil {
		f.add("break_min", "%q is not a whole number of minutes", v[4])
	}
	s.BreakMin = b
	return s
}

// checkSchedule checks the values of s, wherever it came from.
func checkSchedule(s *Schedule) []error {
	f := fieldErrs{pos: s.Pos}
	if !isID(s.Name, true) {
		f.add("schedule", "%q: want 1–40 of A–Z a–z 0–9 . _ -", s.Name)
	}
	if s.Days == 0 || s.Days&^AllWeekdays != 0 {
		f.add("days", "no working days (want e.g. \"Mon Tue Wed Thu Fri\")")
	}
	startOK := s.Start >= 0 && s.Start < 24*60
	endOK := s.End >= 0 && s.End < 24*60
	if !startOK {
		f.add("start", "%d minutes is outside 00:00–23:59", s.Start)
	}
	if !endOK {
		f.add("end", "%d minutes is outside 00:00–23:59", s.End)
	}
	if s.BreakMin < 0 {
		f.add("break_min", "%d is negative", s.BreakMin)
	}
	switch {
	case !startOK || !endOK:
	case s.End <= s.Start:
		f.add("end", "%s is not after start %s", formatClock(s.End), formatClock(s.Start))
	case s.BreakMin >= 0 && s.Regular() <= 0:
		f.add("break_min", "%d leaves no regular time (end − start is %d min)", s.BreakMin, s.End-s.Start)
	}
	return f.errs
}
