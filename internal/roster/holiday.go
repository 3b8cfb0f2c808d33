package roster

import (
	"math"
	"time"

	"timeclock/internal/civil"
)

// The years NationalHoliday knows. The law took its present shape (昭和の日,
// みどりの日 on 5/4, a substitute holiday on the next non-holiday) in 2007;
// the equinox formula below holds to 2099. Outside these years
// NationalHoliday reports no holidays; YearEnd works for any year.
const (
	FirstHolidayYear = 2007
	LastHolidayYear  = 2099
)

// hcode names a day off in the date table: the low bits index holidayNames,
// yearEndBit marks 12/29–1/3.
type hcode uint8

const (
	hNone hcode = iota
	hNewYear
	hComingOfAge
	hFoundation
	hEmperor
	hVernal
	hShowa
	hConstitution
	hGreenery
	hChildren
	hMarine
	hMountain
	hAged
	hAutumnal
	hHealthSports // 体育の日, to 2019
	hSports       // スポーツの日, from 2020
	hCulture
	hLabor
	hEnthronement         // 2019-05-01 (special law, treated as a 国民の祝日)
	hEnthronementCeremony // 2019-10-22 (likewise)
	hSubstitute           // 振替休日
	hCitizens             // 国民の休日
	hYearEndOnly          // 年末年始 on a date that is no national holiday

	yearEndBit hcode = 0x80
	nameMask   hcode = 0x1f
)

var holidayNames = [...]string{
	hNewYear:              "元日",
	hComingOfAge:          "成人の日",
	hFoundation:           "建国記念の日",
	hEmperor:              "天皇誕生日",
	hVernal:               "春分の日",
	hShowa:                "昭和の日",
	hConstitution:         "憲法記念日",
	hGreenery:             "みどりの日",
	hChildren:             "こどもの日",
	hMarine:               "海の日",
	hMountain:             "山の日",
	hAged:                 "敬老の日",
	hAutumnal:             "秋分の日",
	hHealthSports:         "体育の日",
	hSports:               "スポーツの日",
	hCulture:              "文化の日",
	hLabor:                "勤労感謝の日",
	hEnthronement:         "即位の日",
	hEnthronementCeremony: "即位礼正殿の儀の行われる日",
	hSubstitute:           "振替休日",
	hCitizens:             "国民の休日",
	hYearEndOnly:          "年末年始",
}

// YearEndName is the name Day gives 12/29–1/3 when no holiday falls on it.
const YearEndName = "年末年始"

// national reports whether c is a 国民の祝日 proper, the days the
// substitute and in-between rules look at.
func (c hcode) national() bool { return c >= hNewYear && c <= hEnthronementCeremony }

// dayTab holds one hcode per date from FirstHolidayYear-01-01 on; built once
// (93 years, 34 kB, well under a millisecond) so Day is a single load.
var (
	tabFirst = civil.D(FirstHolidayYear, time.January, 1)
	dayTab   = buildDayTable()
)

func buildDayTable() []hcode {
	end := civil.D(LastHolidayYear+1, time.January, 1)
	tab := make([]hcode, end-tabFirst)
	for y := FirstHolidayYear; y <= LastHolidayYear; y++ {
		first := civil.D(y, time.January, 1)
		markYear(y, tab[first-tabFirst:civil.D(y+1, time.January, 1)-tabFirst])
	}
	for i := range tab {
		if YearEnd(tabFirst + civil.Date(i)) {
			if tab[i] == hNone {
				tab[i] = hYearEndOnly
			}
			tab[i] |= yearEndBit
		}
	}
	return tab
}

// markYear fills year (one entry per day of year y) with the law's holidays:
// 国民の祝日に関する法律 art. 2, then art. 3(3) (a day between two 国民の祝日
// is 国民の休日), then art. 3(2) (a 国民の祝日 on a Sunday makes the nearest
// following day that is no 国民の祝日 a holiday).
func markYear(y int, year []hcode) {
	first := civil.D(y, time.January, 1)
	mark := func(m time.Month, d int, c hcode) { year[civil.D(y, m, d)-first] = c }
	for _, h := range fixedHolidays(y) {
		mark(h.m, h.d, h.c)
	}
	for i := 1; i+1 < len(year); i++ {
		if year[i] == hNone && year[i-1].national() && year[i+1].national() {
			year[i] = hCitizens
		}
	}
	for i := range year {
		if !year[i].national() || (first+civil.Date(i)).Weekday() != time.Sunday {
			continue
		}
		j := i + 1
		for j < len(year) && year[j].national() {
			j++
		}
		if j < len(year) {
			year[j] = hSubstitute
		}
	}
}

type yearDay struct {
	m time.Month
	d int
	c hcode
}

// fixedHolidays lists the 国民の祝日 of year y, with the one-off moves of
// 2019 (enthronement) and 2020–2021 (Olympic special measures law).
func fixedHolidays(y int) []yearDay {
	hs := []yearDay{
		{time.January, 1, hNewYear},
		{time.January, nthMonday(y, time.January, 2), hComingOfAge},
		{time.February, 11, hFoundation},
		{time.March, vernalEquinox(y), hVernal},
		{time.April, 29, hShowa},
		{time.May, 3, hConstitution},
		{time.May, 4, hGreenery},
		{time.May, 5, hChildren},
		{time.September, nthMonday(y, time.September, 3), hAged},
		{time.September, autumnalEquinox(y), hAutumnal},
		{time.November, 3, hCulture},
		{time.November, 23, hLabor},
	}
	switch {
	case y <= 2018:
		hs = append(hs, yearDay{time.December, 23, hEmperor})
	case y >= 2020:
		hs = append(hs, yearDay{time.February, 23, hEmperor})
	}
	switch y {
	case 2019:
		hs = append(hs, yearDay{time.May, 1, hEnthronement}, yearDay{time.October, 22, hEnthronementCeremony})
	case 2020:
		hs = append(hs, yearDay{time.July, 23, hMarine}, yearDay{time.July, 24, hSports}, yearDay{time.August, 10, hMountain})
		return hs
	case 2021:
		hs = append(hs, yearDay{time.July, 22, hMarine}, yearDay{time.July, 23, hSports}, yearDay{time.August, 8, hMountain})
		return hs
	}
	hs = append(hs, yearDay{time.July, nthMonday(y, time.July, 3), hMarine})
	if y >= 2016 {
		hs = append(hs, yearDay{time.August, 11, hMountain})
	}
	if y >= 2020 {
		hs = append(hs, yearDay{time.October, nthMonday(y, time.October, 2), hSports})
	} else {
		hs = append(hs, yearDay{time.October, nthMonday(y, time.October, 2), hHealthSports})
	}
	return hs
}

// nthMonday returns the day of month of the n-th Monday of y-m (the Happy
// Monday holidays).
func nthMonday(y int, m time.Month, n int) int {
	wd := civil.D(y, m, 1).Weekday()
	return 1 + (int(time.Monday)-int(wd)+7)%7 + 7*(n-1)
}

// vernalEquinox and autumnalEquinox give the day of 春分 (March) and 秋分
// (September) by the usual approximation for 1980–2099. The official dates,
// announced each February for the next year (国立天文台 暦要項), agree with it
// for every year announced so far; a later announcement that differed would
// need a change here.
func vernalEquinox(y int) int { return equinox(y, 20.8431) }

func autumnalEquinox(y int) int { return equinox(y, 23.2488) }

func equinox(y int, base float64) int {
	n := float64(y - 1980)
	return int(math.Floor(base + 0.242194*n - math.Floor(n/4)))
}

// NationalHoliday returns the name of the national holiday on d (国民の祝日,
// 振替休日 or 国民の休日), if d is one. It knows the years FirstHolidayYear to
// LastHolidayYear.
func NationalHoliday(d civil.Date) (string, bool) {
	c := tableCode(d) & nameMask
	if c == hNone || c == hYearEndOnly {
		return "", false
	}
	return holidayNames[c], true
}

// YearEnd reports whether d is in the year-end break, 29 December to
// 3 January (年末年始の休日).
func YearEnd(d civil.Date) bool {
	_, m, day := d.YMD()
	return m == time.December && day >= 29 || m == time.January && day <= 3
}

// tableCode returns d's hcode, computing the year-end part for dates outside
// the table.
func tableCode(d civil.Date) hcode {
	if i := int(d) - int(tabFirst); i >= 0 && i < len(dayTab) {
		return dayTab[i]
	}
	if YearEnd(d) {
		return hYearEndOnly | yearEndBit
	}
	return hNone
}
