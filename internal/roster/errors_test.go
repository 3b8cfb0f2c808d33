package roster

import (
	"errors"
	"strings"
	"testing"

	"timeclock/internal/punch"
)

const (
	schedHead  = "schedule,days,start,end,break_min\n"
	rosterHead = "staff_id,name,role,board,school,school_type,schedule,cards,start_date,end_date\n"
	calHead    = "date,scope,kind,value,note\n"

	goodSched  = "std,Mon Tue Wed Thu Fri,08:15,16:45,45\n"
	goodStaff  = "T1,山田 太郎,teacher,nakatsu,nakatsu-e01,elementary,std,felica:0123456789abcdef,,\n"
	goodLock   = "2025-04-01,*,lock_time,19:00,施錠時間\n"
	otherStaff = "T2,佐藤 次郎,teacher,nakatsu,nakatsu-e01,elementary,std,,,\n"
)

// errorCase loads three files and expects exactly the errors want, in order.
// Each file defaults to a good header and row when left empty.
type errorCase struct {
	name                   string
	sched, roster, cal     string
	want                   []string
	nilData                bool // a whole file is refused
	keptStaff, keptEntries int  // -1: don't check
}

func runErrorCases(t *testing.T, cases []errorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := or(tc.sched, schedHead+goodSched)
			r := or(tc.roster, rosterHead+goodStaff)
			c := or(tc.cal, calHead+goodLock)
			d, errs := Load(strings.NewReader(s), strings.NewReader(r), strings.NewReader(c))
			var got []string
			for _, e := range errs {
				var le *LineError
				if !errors.As(e, &le) {
					t.Errorf("error %v is a %T, not a *LineError", e, e)
				}
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if (d == nil) != tc.nilData {
				t.Fatalf("data nil = %v, want %v", d == nil, tc.nilData)
			}
			if d == nil {
				return
			}
			if tc.keptStaff >= 0 && d.Len() != tc.keptStaff {
				t.Errorf("kept %d staff, want %d", d.Len(), tc.keptStaff)
			}
			if tc.keptEntries >= 0 && len(d.Calendar()) != tc.keptEntries {
				t.Errorf("kept %d calendar rows, want %d", len(d.Calendar()), tc.keptEntries)
			}
		})
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func TestScheduleErrors(t *testing.T) {
	runErrorCases(t, []errorCase{
		{name: "header order", sched: "schedule,days,end,start,break_min\n" + goodSched, nilData: true,
			want: []string{`schedules.csv:1: field header: got "schedule,days,end,start,break_min", want "schedule,days,start,end,break_min" (columns in this order)`}},
		{name: "empty file", sched: " ", nilData: true,
			want: []string{`schedules.csv:1: field header: got "", want "schedule,days,start,end,break_min" (columns in this order)`}},
		{name: "no bytes", sched: "\n", nilData: true,
			want: []string{`schedules.csv:1: empty file: want header row "schedule,days,start,end,break_min"`}},
		{name: "header after blank lines", sched: "\n\nschedule,days\n", nilData: true,
			want: []string{`schedules.csv:3: field header: got "schedule,days", want "schedule,days,start,end,break_min" (columns in this order)`}},
		{name: "bom and blank rows", sched: "\uFEFF" + schedHead + ",,,,\n" + goodSched + "\n,,,,\n", keptStaff: 1, keptEntries: 1},
		{name: "field count", sched: schedHead + goodSched + "x,Mon,08:00,17:00\n", keptStaff: 1, keptEntries: 1,
			want: []string{
				`schedules.csv:3: 4 fields, want 5 (schedule,days,start,end,break_min)`,
			}},
		{name: "quote", sched: schedHead + goodSched + "x,\"Mon,08:00,17:00,45\n", keptStaff: 1, keptEntries: 1,
			want: []string{
				`schedules.csv:3: column 23: extraneous or missing " in quoted-field`,
			}},
		{name: "bare quote", sched: schedHead + "x,Mo\"n,08:00,17:00,45\n" + goodSched, keptStaff: 1, keptEntries: 1,
			want: []string{
				`schedules.csv:2: column 5: bare " in non-quoted-field`,
			}},
		{name: "day name", sched: schedHead + goodSched + "x,Mon Funday,08:00,17:00,45\n", keptStaff: 1, keptEntries: 1,
			want: []string{
				`schedules.csv:3: field days: "Funday" is not a day (want Mon Tue Wed Thu Fri Sat Sun)`,
			}},
		{name: "day twice", sched: schedHead + goodSched + "x,Mon Tue Mon,08:00,17:00,45\n", keptStaff: 1, keptEntries: 1,
			want: []string{
				`schedules.csv:3: field days: Mon listed twice`,
			}},
		{name: "lower-case day", sched: schedHead + goodSched + "x,mon,08:00,17:00,45\n", keptStaff: 1, keptEntries: 1,
			want: []string{
				`schedules.csv:3: field days: "mon" is not a day (want Mon Tue Wed Thu Fri Sat Sun)`,
			}},
		{name: "no days", sched: schedHead + goodSched + "x,,08:00,17:00,45\n", keptStaff: 1, keptEntries: 1,
			want: []string{
				`schedules.csv:3: field days: no working days (want e.g. "Mon Tue Wed Thu Fri")`,
			}},
		{name: "times", sched: schedHead + goodSched + "x,Mon,8:5,24:00,45\nz,Mon,abc,-1:00,45\n", keptStaff: 1, keptEntries: 1,
			want: []string{
				`schedules.csv:3: field start: "8:5" is not a time HH:MM (00:00–23:59)`,
				`schedules.csv:3: field end: "24:00" is not a time HH:MM (00:00–23:59)`,
				`schedules.csv:4: field start: "abc" is not a time HH:MM (00:00–23:59)`,
				`schedules.csv:4: field end: "-1:00" is not a time HH:MM (00:00–23:59)`,
			}},
		{name: "break", sched: schedHead + goodSched + "x,Mon,08:00,17:00,4 5\ny,Mon,08:00,17:00,-5\n", keptStaff: 1, keptEntries: 1,
			want: []string{
				`schedules.csv:3: field break_min: "4 5" is not a whole number of minutes`,
				`schedules.csv:4: field break_min: -5 is negative`,
			}},
		{name: "end before start", sched: schedHead + goodSched + "x,Mon,17:00,08:00,45\ny,Mon,08:00,08:00,0\n", keptStaff: 1, keptEntries: 1,
			want: []string{
				`schedules.csv:3: field end: 08:00 is not after start 17:00`,
				`schedules.csv:4: field end: 08:00 is not after start 08:00`,
			}},
		{name: "no regular time", sched: schedHead + goodSched + "x,Mon,08:00,08:45,45\n", keptStaff: 1, keptEntries: 1,
			want: []string{
				`schedules.csv:3: field break_min: 45 leaves no regular time (end − start is 45 min)`,
			}},
		{name: "short hour accepted", sched: schedHead + "std,Mon Tue Wed Thu Fri,8:15,16:45,45\n", keptStaff: 1, keptEntries: 1},
		{name: "name", sched: schedHead + goodSched + "std 2,Mon,08:00,17:00,45\n,Mon,08:00,17:00,45\n", keptStaff: 1, keptEntries: 1,
			want: []string{
				`schedules.csv:3: field schedule: "std 2": want 1–40 of A–Z a–z 0–9 . _ -`,
				`schedules.csv:4: field schedule: "": want 1–40 of A–Z a–z 0–9 . _ -`,
			}},
		{name: "syntax and value errors", sched: schedHead + goodSched + "s t,Mon Mon,08:00,07:00,-1\n", keptStaff: 1, keptEntries: 1,
			want: []string{
				`schedules.csv:3: field schedule: "s t": want 1–40 of A–Z a–z 0–9 . _ -`,
				`schedules.csv:3: field days: Mon listed twice`,
				`schedules.csv:3: field end: 07:00 is not after start 08:00`,
				`schedules.csv:3: field break_min: -1 is negative`,
			}},
		{name: "duplicate name", sched: schedHead + goodSched + "std,Sat,08:00,12:00,0\n", keptStaff: 1, keptEntries: 1,
			want: []string{
				`schedules.csv:3: field schedule: "std" already defined on line 2`,
			}},
		{name: "unknown schedule", sched: schedHead + "other,Mon,08:00,17:00,45\n", keptStaff: 0, keptEntries: 1,
			want: []string{
				`roster.csv:2: field schedule: "std" is not in schedules.csv`,
			}},
	})
}

func TestRosterErrors(t *testing.T) {
	r := func(rows ...string) string { return rosterHead + goodStaff + strings.Join(rows, "\n") + "\n" }
	runErrorCases(t, []errorCase{
		{name: "header", roster: "staff_id,name\n", nilData: true, keptStaff: -1, keptEntries: -1,
			want: []string{
				`roster.csv:1: field header: got "staff_id,name", want "staff_id,name,role,board,school,school_type,schedule,cards,start_date,end_date" (columns in this order)`,
			}},
		{name: "staff_id", roster: r("T 2,x,teacher,nakatsu,nakatsu-e01,elementary,std,,,", "あ,x,teacher,nakatsu,nakatsu-e01,elementary,std,,,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`roster.csv:3: field staff_id: "T 2": want 1–40 of A–Z a–z 0–9 . _ -`,
				`roster.csv:4: field staff_id: "あ": want 1–40 of A–Z a–z 0–9 . _ -`,
			}},
		{name: "staff_id too long", roster: r(strings.Repeat("A", 41) + ",x,teacher,nakatsu,nakatsu-e01,elementary,std,,,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`roster.csv:3: field staff_id: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA": want 1–40 of A–Z a–z 0–9 . _ -`,
			}},
		{name: "name", roster: r("T2,,teacher,nakatsu,nakatsu-e01,elementary,std,,,", "T3,\xff\xfe,teacher,nakatsu,nakatsu-e01,elementary,std,,,", "T4,\"a\tb\",teacher,nakatsu,nakatsu-e01,elementary,std,,,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`roster.csv:3: field name: empty`,
				`roster.csv:4: field name: not valid UTF-8 (save the file as "CSV UTF-8")`,
				`roster.csv:5: field name: control character U+0009 in "a\tb"`,
			}},
		{name: "role", roster: r("T2,x,Teacher,nakatsu,nakatsu-e01,elementary,std,,,", "T3,x,,nakatsu,nakatsu-e01,elementary,std,,,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`roster.csv:3: field role: "Teacher": want one of principal, vice_principal, teacher, office, other`,
				`roster.csv:4: field role: "": want one of principal, vice_principal, teacher, office, other`,
			}},
		{name: "board and school ids", roster: r("T2,x,teacher,Nakatsu,nakatsu-e01,elementary,std,,,", "T3,x,teacher,nakatsu,nakatsu_e02,elementary,std,,,", "T4,x,teacher,,,elementary,std,,,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`roster.csv:3: field board: "Nakatsu": want 1–40 of a–z 0–9 -`,
				`roster.csv:4: field school: "nakatsu_e02": want 1–40 of a–z 0–9 -`,
				`roster.csv:5: field board: "": want 1–40 of a–z 0–9 -`,
				`roster.csv:5: field school: "": want 1–40 of a–z 0–9 -`,
			}},
		{name: "school_type", roster: r("T2,x,teacher,nakatsu,nakatsu-e01,primary,std,,,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`roster.csv:3: field school_type: "primary": want one of kindergarten, elementary, junior_high, compulsory, high, special_needs`,
			}},
		{name: "schedule", roster: r("T2,x,teacher,nakatsu,nakatsu-e01,elementary,part,,,", "T3,x,teacher,nakatsu,nakatsu-e01,elementary,,,,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`roster.csv:3: field schedule: "part" is not in schedules.csv`,
				`roster.csv:4: field schedule: empty`,
			}},
		{name: "cards syntax", roster: r("T2,x,teacher,nakatsu,nakatsu-e01,elementary,std,felica:0123,,", "T3,x,teacher,nakatsu,nakatsu-e01,elementary,std,FELICA:0123456789abcdef,,", "T4,x,teacher,nakatsu,nakatsu-e01,elementary,std,mifare:A1B2C3D4,,", "T5,x,teacher,nakatsu,nakatsu-e01,elementary,std,mifare:a1b2c3d4|,,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`roster.csv:3: field cards: "felica:0123": felica UID of 2 bytes (want 8)`,
				`roster.csv:4: field cards: "FELICA:0123456789abcdef": unknown tech "FELICA" (want felica, mifare, em4100, wiegand26 or wiegand34)`,
				`roster.csv:5: field cards: "mifare:A1B2C3D4": want lowercase hex digits after "mifare:"`,
				`roster.csv:6: field cards: "": want {tech}:{hex}`,
			}},
		{name: "card twice in a row", roster: r("T2,x,teacher,nakatsu,nakatsu-e01,elementary,std,mifare:a1b2c3d4| mifare:a1b2c3d4,,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`roster.csv:3: field cards: "mifare:a1b2c3d4" listed twice`,
			}},
		{name: "card of another", roster: r("T2,x,teacher,nakatsu,nakatsu-e01,elementary,std,mifare:a1b2c3d4|felica:0123456789abcdef,,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`roster.csv:3: field cards: "felica:0123456789abcdef" already belongs to T1 on line 2`,
			}},
		{name: "duplicate staff_id", roster: r("T1,x,teacher,nakatsu,nakatsu-e01,elementary,std,,,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`roster.csv:3: field staff_id: "T1" already on line 2`,
			}},
		{name: "dates", roster: r("T2,x,teacher,nakatsu,nakatsu-e01,elementary,std,,2026/04/01,", "T3,x,teacher,nakatsu,nakatsu-e01,elementary,std,,,2026-02-30", "T4,x,teacher,nakatsu,nakatsu-e01,elementary,std,,2026-04-02,2026-04-01", "T5,x,teacher,nakatsu,nakatsu-e01,elementary,std,,2026-04-01,2026-04-01"), keptStaff: 2, keptEntries: 1,
			want: []string{
				`roster.csv:3: field start_date: "2026/04/01" is not a date YYYY-MM-DD`,
				`roster.csv:4: field end_date: "2026-02-30" is not a calendar date`,
				`roster.csv:5: field end_date: 2026-04-01 is before start_date 2026-04-02`,
			}},
		{name: "school in two boards", roster: r("T2,x,teacher,usa,nakatsu-e01,elementary,std,,,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`roster.csv:3: field board: "usa", but school nakatsu-e01 is in board nakatsu on line 2`,
			}},
		{name: "school of two types", roster: r("T2,x,teacher,nakatsu,nakatsu-e01,junior_high,std,,,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`roster.csv:3: field school_type: "junior_high", but school nakatsu-e01 is elementary on line 2`,
			}},
		{name: "school is board", roster: r("T2,x,teacher,usa,usa,elementary,std,,,", "T3,x,teacher,usa,nakatsu,elementary,std,,,", "T4,x,teacher,nakatsu-e01,usa-e01,elementary,std,,,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`roster.csv:3: field school: "usa" is also its board's id; school and board ids must differ`,
				`roster.csv:4: field school: "nakatsu" is a board id on line 2`,
				`roster.csv:5: field board: "nakatsu-e01" is a school id on line 2`,
			}},
		{name: "many errors in one row", roster: r("t 1,,boss,X,Y,z,,felica:zz,2026-13-01,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`roster.csv:3: field staff_id: "t 1": want 1–40 of A–Z a–z 0–9 . _ -`,
				`roster.csv:3: field name: empty`,
				`roster.csv:3: field role: "boss": want one of principal, vice_principal, teacher, office, other`,
				`roster.csv:3: field board: "X": want 1–40 of a–z 0–9 -`,
				`roster.csv:3: field school: "Y": want 1–40 of a–z 0–9 -`,
				`roster.csv:3: field school_type: "z": want one of kindergarten, elementary, junior_high, compulsory, high, special_needs`,
				`roster.csv:3: field schedule: empty`,
				`roster.csv:3: field cards: "felica:zz": want lowercase hex digits after "felica:"`,
				`roster.csv:3: field start_date: "2026-13-01" is not a calendar date`,
			}},
	})
}

func TestCalendarErrors(t *testing.T) {
	c := func(rows ...string) string { return calHead + goodLock + strings.Join(rows, "\n") + "\n" }
	runErrorCases(t, []errorCase{
		{name: "header", cal: "date,scope,kind,note,value\n", nilData: true, keptStaff: -1, keptEntries: -1,
			want: []string{
				`calendar.csv:1: field header: got "date,scope,kind,note,value", want "date,scope,kind,value,note" (columns in this order)`,
			}},
		{name: "date", cal: c("2026-4-1,*,holiday,,", ",*,holiday,,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`calendar.csv:3: field date: "2026-4-1" is not a date YYYY-MM-DD`,
				`calendar.csv:4: field date: empty, want YYYY-MM-DD`,
			}},
		{name: "scope", cal: c("2026-04-01,Nakatsu,holiday,,", "2026-04-01,,holiday,,", "2026-04-01,nowhere,holiday,,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`calendar.csv:3: field scope: "Nakatsu": want a school id, a board id or *`,
				`calendar.csv:4: field scope: "": want a school id, a board id or *`,
				`calendar.csv:5: field scope: "nowhere" is no school or board of roster.csv`,
			}},
		{name: "kind", cal: c("2026-04-01,*,vacation,,", "2026-04-01,*,,,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`calendar.csv:3: field kind: "vacation": want one of holiday, closure, workday, lock_time`,
				`calendar.csv:4: field kind: "": want one of holiday, closure, workday, lock_time`,
			}},
		{name: "value", cal: c("2026-04-01,*,lock_time,7pm,", "2026-04-02,*,lock_time,,", "2026-04-03,*,holiday,19:00,", "2026-04-04,*,lock_time,24:00,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`calendar.csv:3: field value: "7pm" is not a time HH:MM (00:00–23:59)`,
				`calendar.csv:4: field value: "" is not a time HH:MM (00:00–23:59)`,
				`calendar.csv:5: field value: "19:00": only lock_time takes a value`,
				`calendar.csv:6: field value: "24:00" is not a time HH:MM (00:00–23:59)`,
			}},
		{name: "note", cal: c("2026-04-01,*,holiday,,\"a\x01\"", "2026-04-02,*,holiday,,\xe3\x81"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`calendar.csv:3: field note: control character U+0001 in "a\x01"`,
				`calendar.csv:4: field note: not valid UTF-8 (save the file as "CSV UTF-8")`,
			}},
		{name: "contradiction", cal: c("2026-08-13,nakatsu,holiday,,", "2026-08-13,nakatsu,workday,,", "2026-08-14,nakatsu-e01,workday,,", "2026-08-14,nakatsu-e01,closure,,"), keptStaff: 1, keptEntries: 3,
			want: []string{
				`calendar.csv:4: field kind: workday contradicts holiday for 2026-08-13 nakatsu on line 3`,
				`calendar.csv:6: field kind: closure contradicts workday for 2026-08-14 nakatsu-e01 on line 5`,
			}},
		{name: "repeat", cal: c("2026-08-13,nakatsu,holiday,,", "2026-08-13,nakatsu,closure,,", "2026-08-13,nakatsu,holiday,,"), keptStaff: 1, keptEntries: 2,
			want: []string{
				`calendar.csv:4: field kind: closure repeats holiday for 2026-08-13 nakatsu on line 3 (one day entry per date and scope)`,
				`calendar.csv:5: field kind: holiday repeats holiday for 2026-08-13 nakatsu on line 3 (one day entry per date and scope)`,
			}},
		{name: "lock contradiction", cal: c("2025-04-01,*,lock_time,18:30,", "2025-04-01,*,lock_time,19:00,"), keptStaff: 1, keptEntries: 1,
			want: []string{
				`calendar.csv:3: field value: lock_time 18:30 contradicts lock_time 19:00 for 2025-04-01 * on line 2`,
				`calendar.csv:4: field value: lock_time 19:00 repeats line 2`,
			}},
		{name: "no clash across scopes or kinds", cal: c("2026-08-13,nakatsu,holiday,,", "2026-08-13,nakatsu-e01,workday,,", "2026-08-13,*,closure,,", "2026-08-13,nakatsu,lock_time,18:00,", "2026-08-13,*,lock_time,18:00,"), keptStaff: 1, keptEntries: 6},
	})
}

// TestCardErrorUnwraps: a bad card's LineError wraps punch's error, so
// callers can count card problems with errors.Is.
func TestCardErrorUnwraps(t *testing.T) {
	_, errs := Load(strings.NewReader(schedHead+goodSched),
		strings.NewReader(rosterHead+"T1,x,teacher,nakatsu,nakatsu-e01,elementary,std,felica:01,,\n"), nil)
	if len(errs) != 1 || !errors.Is(errs[0], punch.ErrCard) {
		t.Fatalf("errors %v: want one wrapping punch.ErrCard", errs)
	}
}
