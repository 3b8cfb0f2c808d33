package roster

import (
	"fmt"
	"testing"
	"time"

	"github.com/rickar/cal/v2/jp"

	"timeclock/internal/civil"
)

// nationalHolidays lists, by hand from 国民の祝日に関する法律, every national
// holiday of 2025–2028. Happy Mondays: 成人の日 and スポーツの日 the 2nd
// Monday, 海の日 and 敬老の日 the 3rd. Equinoxes as announced / predicted:
// 春分 3/20, 3/20, 3/21, 3/20; 秋分 9/23, 9/23, 9/23, 9/22.
var nationalHolidays = map[int][]string{
	2025: {
		"2025-01-01 元日", "2025-01-13 成人の日", "2025-02-11 建国記念の日",
		"2025-02-23 天皇誕生日", "2025-02-24 振替休日", // 2/23 is a Sunday
		"2025-03-20 春分の日", "2025-04-29 昭和の日",
		"2025-05-03 憲法記念日", "2025-05-04 みどりの日", "2025-05-05 こどもの日",
		"2025-05-06 振替休日", // 5/4 is a Sunday; 5/5 is itself a holiday
		"2025-07-21 海の日", "2025-08-11 山の日", "2025-09-15 敬老の日", "2025-09-23 秋分の日",
		"2025-10-13 スポーツの日", "2025-11-03 文化の日",
		"2025-11-23 勤労感謝の日", "2025-11-24 振替休日", // 11/23 is a Sunday
	},
	2026: {
		"2026-01-01 元日", "2026-01-12 成人の日", "2026-02-11 建国記念の日", "2026-02-23 天皇誕生日",
		"2026-03-20 春分の日", "2026-04-29 昭和の日",
		"2026-05-03 憲法記念日", "2026-05-04 みどりの日", "2026-05-05 こどもの日",
		"2026-05-06 振替休日", // 5/3 is a Sunday; 5/4 and 5/5 are holidays
		"2026-07-20 海の日", "2026-08-11 山の日",
		"2026-09-21 敬老の日", "2026-09-22 国民の休日", "2026-09-23 秋分の日", // between two holidays
		"2026-10-12 スポーツの日", "2026-11-03 文化の日", "2026-11-23 勤労感謝の日",
	},
	2027: {
		"2027-01-01 元日", "2027-01-11 成人の日", "2027-02-11 建国記念の日", "2027-02-23 天皇誕生日",
		"2027-03-21 春分の日", "2027-03-22 振替休日", // 3/21 is a Sunday
		"2027-04-29 昭和の日", "2027-05-03 憲法記念日", "2027-05-04 みどりの日", "2027-05-05 こどもの日",
		"2027-07-19 海の日", "2027-08-11 山の日", "2027-09-20 敬老の日", "2027-09-23 秋分の日",
		"2027-10-11 スポーツの日", "2027-11-03 文化の日", "2027-11-23 勤労感謝の日",
	},
	2028: {
		"2028-01-01 元日", // a Saturday: no substitute
		"2028-01-10 成人の日", "2028-02-11 建国記念の日", "2028-02-23 天皇誕生日", "2028-03-20 春分の日",
		"2028-04-29 昭和の日", // a Saturday
		"2028-05-03 憲法記念日", "2028-05-04 みどりの日", "2028-05-05 こどもの日",
		"2028-07-17 海の日", "2028-08-11 山の日", "2028-09-18 敬老の日", "2028-09-22 秋分の日",
		"2028-10-09 スポーツの日", "2028-11-03 文化の日", "2028-11-23 勤労感謝の日",
	},
}

// TestNationalHolidaysByHand checks every day of 2025–2028: the listed
// holidays with their names, and no holiday on any other day.
func TestNationalHolidaysByHand(t *testing.T) {
	for year, list := range nationalHolidays {
		want := make(map[civil.Date]string)
		for _, s := range list {
			var ds, name string
			if _, err := fmt.Sscanf(s, "%s %s", &ds, &name); err != nil {
				t.Fatalf("bad list entry %q", s)
			}
			d, err := civil.Parse(ds)
			if err != nil {
				t.Fatal(err)
			}
			want[d] = name
		}
		for d := civil.D(year, time.January, 1); d < civil.D(year+1, time.January, 1); d++ {
			got, ok := NationalHoliday(d)
			if w, isHol := want[d]; ok != isHol || got != w {
				t.Errorf("NationalHoliday(%s %s) = %q, %v; want %q, %v", d, d.Weekday(), got, ok, w, isHol)
			}
		}
	}
}

// TestNationalHolidayNeighbours spells out the days around the tricky cases,
// so a failure reads directly.
func TestNationalHolidayNeighbours(t *testing.T) {
	tests := []struct {
		date string
		want string // "" for a non-holiday
	}{
		{"2025-02-22", ""}, {"2025-02-25", ""},
		{"2025-05-02", ""}, {"2025-05-07", ""},
		{"2025-11-22", ""}, {"2025-11-25", ""},
		{"2026-05-02", ""}, {"2026-05-07", ""},
		{"2026-09-20", ""}, {"2026-09-22", "国民の休日"}, {"2026-09-24", ""},
		{"2027-03-20", ""}, {"2027-03-23", ""},
		{"2027-05-06", ""},      // 5/3–5/5 are Mon–Wed: no substitute
		{"2028-01-03", ""},      // year-end but no national holiday
		{"2028-05-06", ""},      // Saturday after GW
		{"2028-09-19", ""},      // after 敬老の日 (Mon 9/18); 秋分 is Fri 9/22
		{"2028-09-21", ""},      // the day before 秋分 (Fri)
		{"2019-04-30", "国民の休日"}, // between 昭和の日 and 即位の日
		{"2019-05-02", "国民の休日"},
		{"2019-05-06", "振替休日"},
		{"2019-12-23", ""}, // no 天皇誕生日 in 2019
		{"2018-12-23", "天皇誕生日"}, {"2018-12-24", "振替休日"},
		{"2020-07-24", "スポーツの日"}, {"2020-10-12", ""}, {"2020-08-10", "山の日"}, {"2020-08-11", ""},
		{"2021-08-08", "山の日"}, {"2021-08-09", "振替休日"},
		{"2019-10-14", "体育の日"}, {"2019-10-22", "即位礼正殿の儀の行われる日"},
		{"2015-09-22", "国民の休日"}, {"2032-09-21", "国民の休日"},
		{"2006-01-01", ""}, {"2100-01-01", ""}, // outside the years known
	}
	for _, tt := range tests {
		d, err := civil.Parse(tt.date)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := NationalHoliday(d)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("NationalHoliday(%s %s) = %q, %v; want %q", tt.date, d.Weekday(), got, ok, tt.want)
		}
	}
}

func TestYearEnd(t *testing.T) {
	for d := civil.D(2026, time.December, 20); d <= civil.D(2027, time.January, 10); d++ {
		_, m, day := d.YMD()
		want := m == time.December && day >= 29 || m == time.January && day <= 3
		if got := YearEnd(d); got != want {
			t.Errorf("YearEnd(%s) = %v, want %v", d, got, want)
		}
	}
	for _, s := range []string{"1999-12-31", "2150-01-02"} { // outside the holiday table too
		d, _ := civil.Parse(s)
		if !YearEnd(d) {
			t.Errorf("YearEnd(%s) = false", s)
		}
	}
}

// rickarWrong lists the dates where github.com/rickar/cal/v2/jp v2.1.13
// disagrees with the law: it keeps 天皇誕生日 on 2019-12-23 (none that year),
// misses the Olympic moves of 山の日 in 2020 and 2021 (8/10; 8/8 with its
// 振替休日 8/9), and lists the September 国民の休日 only to 2032. This is why
// the package computes the law itself.
var rickarWrong = map[string]bool{
	"2019-12-23": true, "2020-08-10": true, "2020-08-11": true,
	"2021-08-08": true, "2021-08-09": true, "2021-08-11": true,
	"2037-09-22": true, "2043-09-22": true, "2049-09-21": true, "2054-09-22": true, "2060-09-21": true,
	"2071-09-22": true, "2077-09-21": true, "2088-09-21": true, "2094-09-21": true, "2099-09-22": true,
}

// TestAgainstRickarCal cross-checks every date (not the names) of the years
// known with an independent implementation; they must differ exactly on
// rickarWrong.
func TestAgainstRickarCal(t *testing.T) {
	for y := FirstHolidayYear; y <= LastHolidayYear; y++ {
		theirs := make(map[civil.Date]bool)
		for _, h := range jp.Holidays {
			actual, observed := h.Calc(y)
			for _, tm := range []time.Time{actual, observed} {
				if !tm.IsZero() {
					theirs[civil.D(tm.Year(), tm.Month(), tm.Day())] = true
				}
			}
		}
		for d := civil.D(y, time.January, 1); d < civil.D(y+1, time.January, 1); d++ {
			name, ours := NationalHoliday(d)
			if (ours != theirs[d]) != rickarWrong[d.String()] {
				t.Errorf("%s %s: ours %q %v, rickar %v", d, d.Weekday(), name, ours, theirs[d])
			}
		}
	}
}

// TestHolidayRules checks properties of the law for every year known: a
// holiday on a Sunday is followed by a 振替休日 after the run of holidays,
// and every day between two 国民の祝日 is a holiday.
func TestHolidayRules(t *testing.T) {
	first := civil.D(FirstHolidayYear, time.January, 1)
	last := civil.D(LastHolidayYear, time.December, 31)
	national := func(d civil.Date) bool { return (tableCode(d) & nameMask).national() }
	count := 0
	for d := first + 1; d < last; d++ {
		if national(d) && d.Weekday() == time.Sunday {
			n := d + 1
			for national(n) {
				n++
			}
			if name, _ := NationalHoliday(n); name != "振替休日" {
				t.Errorf("%s is a Sunday holiday but %s is %q", d, n, name)
			}
			count++
		}
		if !national(d) && national(d-1) && national(d+1) {
			if name, _ := NationalHoliday(d); name != "国民の休日" {
				t.Errorf("%s between two holidays is %q", d, name)
			}
		}
	}
	if count < 50 {
		t.Errorf("only %d Sunday holidays in %d–%d: table not built?", count, FirstHolidayYear, LastHolidayYear)
	}
}
