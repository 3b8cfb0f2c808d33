// Package civil provides calendar dates, months and fiscal years in Japan
// Standard Time, as plain integers so the overtime engine can use them on its
// hot path without allocating.
package civil

import (
	"fmt"
	"time"
)

// JST is Japan Standard Time. Japan has no daylight saving time, so a fixed
// zone is exact and needs no tzdata on the device.
var JST = time.FixedZone("JST", 9*3600)

const jstOffset = 9 * 3600

// Date is a calendar date counted in days since 1970-01-01 (proleptic
// Gregorian). The zero Date is 1970-01-01; use a separate flag where "no date"
// must be told apart.
type Date int32

// D returns the date y-m-d. Out-of-range days normalise like time.Date.
func D(y int, m time.Month, d int) Date {
	return Date(daysFromCivil(y, int(m), d))
}

// Parse reads a date written YYYY-MM-DD.
func Parse(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	d, ok := Scan(s)
	if !ok {
		return 0, fmt.Errorf("date %q: not a valid calendar date", s)
	}
	return d, nil
}

// Scan reads a date written YYYY-MM-DD from a string or bytes without
// allocating; false if s is not one.
func Scan[S ~string | ~[]byte](s S) (Date, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || !ValidYMD(y, m, d) {
		return 0, false
	}
	return D(y, time.Month(m), d), true
}

func digits[S ~string | ~[]byte](s S) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// ValidYMD reports whether y-m-d is a date of the proleptic Gregorian
// calendar.
func ValidYMD(y, m, d int) bool { return m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// YMD returns the year, month and day of d.
func (d Date) YMD() (int, time.Month, int) {
	y, m, dd := civilFromDays(int(d))
	return y, time.Month(m), dd
}

// String writes d as YYYY-MM-DD.
func (d Date) String() string {
	var b [10]byte
	t, _ := d.AppendText(b[:0])
	return string(t)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	w := (int(d) + 4) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

// Month returns the month d falls in.
func (d Date) Month() Month {
	y, m, _ := civilFromDays(int(d))
	return MonthOf(y, time.Month(m))
}

// Time returns the instant d starts (00:00 JST).
func (d Date) Time() time.Time {
	return time.Unix(int64(d)*86400-jstOffset, 0).In(JST)
}

// At returns the instant of minute-of-day min on d in JST; min may exceed
// 1440 for times after midnight that belong to the work date d.
func (d Date) At(min int) time.Time {
	return time.Unix(int64(d)*86400-jstOffset+int64(min)*60, 0).In(JST)
}

// WorkDate returns the work date of instant unix (seconds) for a work day that
// starts dayStartMin minutes after midnight JST, and the minute offset of the
// instant from 00:00 of that work date (so 01:30 the next morning is 1530 with
// a 04:00 day start). It does not allocate.
func WorkDate(unix int64, dayStartMin int) (Date, int) {
	local := unix + jstOffset - int64(dayStartMin)*60
	day := floorDiv(local, 86400)
	sec := local - day*86400
	return Date(day), int(sec/60) + dayStartMin
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Month is a calendar month counted as year*12 + (month-1).
type Month int32

// MonthOf returns the month y-m.
func MonthOf(y int, m time.Month) Month { return Month(y*12 + int(m) - 1) }

// ParseMonth reads a month written YYYY-MM.
func ParseMonth(s string) (Month, error) {
	if len(s) != 7 || s[4] != '-' {
		return 0, fmt.Errorf("month %q: want YYYY-MM", s)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	if !ok1 || !ok2 || m < 1 || m > 12 {
		return 0, fmt.Errorf("month %q: not a valid month", s)
	}
	return MonthOf(y, time.Month(m)), nil
}

// Year returns the calendar year of m.
func (m Month) Year() int { return int(m) / 12 }

// Mon returns the calendar month of m.
func (m Month) Mon() time.Month { return time.Month(int(m)%12 + 1) }

// String writes m as YYYY-MM.
func (m Month) String() string {
	var b [7]byte
	t, _ := m.AppendText(b[:0])
	return string(t)
}

// First returns the first date of m.
func (m Month) First() Date { return D(m.Year(), m.Mon(), 1) }

// Last returns the last date of m.
func (m Month) Last() Date { return (m + 1).First() - 1 }

// Days returns the number of days in m.
func (m Month) Days() int { return daysIn(m.Year(), int(m.Mon())) }

// FY returns the fiscal year (年度) m belongs to: April to March, named by the
// year it starts.
func (m Month) FY() int {
	if m.Mon() >= time.April {
		return m.Year()
	}
	return m.Year() - 1
}

// FYStart returns April of fiscal year fy.
func FYStart(fy int) Month { return MonthOf(fy, time.April) }

// FY returns the fiscal year d belongs to.
func (d Date) FY() int { return d.Month().FY() }

// daysFromCivil and civilFromDays are Howard Hinnant's algorithms.
func daysFromCivil(y, m, d int) int {
	// normalise month overflow like time.Date
	y += (m - 1) / 12
	m = (m-1)%12 + 1
	if m <= 0 {
		m += 12
		y--
	}
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civilFromDays(z int) (int, int, int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// First reports whether d is the first day of its month.
func (d Date) First() bool {
	_, _, dd := civilFromDays(int(d))
	return dd == 1
}
