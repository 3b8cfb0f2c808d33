package roster

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLookups(t *testing.T) {
	d := loadExample(t)
	var ids []string
	for _, s := range d.Staff() {
		ids = append(ids, s.ID)
	}
	if want := []string{"N1", "N2", "O1", "P1", "T1", "T2", "T3", "T4", "V1"}; !slices.Equal(ids, want) {
		t.Fatalf("staff order %v, want %v", ids, want)
	}
	tests := []struct {
		card, id string
	}{
		{"felica:0123456789abcdef", "T1"},
		{"felica:0123456789abcd01", "T2"},
		{"mifare:04a24b723c5e80", "T2"}, // second card
		{"em4100:67003b51c6", "T3"},
		{"wiegand26:d41b81", "T4"},
		{"wiegand34:89d41b81", "O1"},
	}
	for _, tt := range tests {
		i, ok := d.StaffByCard(tt.card)
		if !ok || d.Staff()[i].ID != tt.id {
			t.Errorf("StaffByCard(%s) = %d, %v; want %s", tt.card, i, ok, tt.id)
		}
		j, ok := d.StaffIndex(tt.id)
		if !ok || j != i {
			t.Errorf("StaffIndex(%s) = %d, %v; want %d", tt.id, j, ok, i)
		}
	}
	for _, card := range []string{"", "felica:0123456789ABCDEF", "felica:0000000000000000"} {
		if i, ok := d.StaffByCard(card); ok {
			t.Errorf("StaffByCard(%q) = %d, want none", card, i)
		}
	}
	for _, id := range []string{"", "T0", "T10", "t1", "Z9"} {
		if i, ok := d.StaffIndex(id); ok {
			t.Errorf("StaffIndex(%q) = %d, want none", id, i)
		}
	}
	t4 := index(t, d, "T4")
	if s := d.ScheduleOf(t4); s.Name != "short" || s.Regular() != 315 || s.Days.String() != "Mon Wed Fri" {
		t.Errorf("ScheduleOf(T4) = %+v", s)
	}
	wantSchools := []School{
		{"nakatsu-e01", "nakatsu", Elementary}, {"nakatsu-j01", "nakatsu", JuniorHigh},
		{"nobeoka-e01", "nobeoka", Elementary}, {"nobeoka-s01", "nobeoka", SpecialNeeds},
	}
	if got := d.Schools(); !slices.Equal(got, wantSchools) {
		t.Errorf("Schools() = %v, want %v", got, wantSchools)
	}
	t2 := d.Staff()[index(t, d, "T2")]
	if !t2.HasStart || t2.Start.String() != "2026-04-01" || t2.HasEnd || t2.Role != RoleTeacher || t2.Name != "佐藤 次郎" {
		t.Errorf("T2 = %+v", t2)
	}
}

// TestNewInMemory: records built in code are checked like file rows and
// named by their slice position; New copies what it keeps.
func TestNewInMemory(t *testing.T) {
	cards := []string{"felica:0123456789abcdef"}
	a := member("A", "b1", "s1")
	a.Cards = cards
	b := member("B", "b1", "s1")
	b.Cards = []string{"felica:0123456789abcdef"}
	c := member("C", "b1", "s1")
	c.Schedule = "none"
	bad := std
	bad.Name, bad.BreakMin = "bad", 600
	d, errs := New([]Schedule{std, bad}, []Staff{a, b, c},
		[]CalendarEntry{{Scope: "s9", Kind: KindHoliday}, {Scope: "*", Kind: "x"}})
	want := []string{
		`(schedules):2: field break_min: 600 leaves no regular time (end − start is 510 min)`,
		`(roster):2: field cards: "felica:0123456789abcdef" already belongs to A on line 1`,
		`(roster):3: field schedule: "none" is not in schedules.csv`,
		`(calendar):1: field scope: "s9" is no school or board of roster.csv`,
		`(calendar):2: field kind: "x": want one of holiday, closure, workday, lock_time`,
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d.Len() != 1 {
		t.Fatalf("kept %d staff, want 1", d.Len())
	}
	cards[0] = "mifare:a1b2c3d4"
	if d.Staff()[0].Cards[0] != "felica:0123456789abcdef" {
		t.Error("New kept the caller's cards slice")
	}
	if _, ok := d.StaffByCard("felica:0123456789abcdef"); !ok {
		t.Error("card lost")
	}
}

// TestNewEmpty: an empty roster still answers nothing and does not panic on
// construction; a roster with no calendar has no lock time.
func TestNewEmpty(t *testing.T) {
	d, errs := New(nil, nil, nil)
	if len(errs) > 0 || d.Len() != 0 {
		t.Fatalf("New(nil) = %d staff, %v", d.Len(), errs)
	}
	if _, ok := d.StaffIndex("A"); ok {
		t.Error("StaffIndex on empty roster")
	}
}

func TestWeekdays(t *testing.T) {
	tests := []struct {
		in, out string
		err     bool
	}{
		{"Mon Tue Wed Thu Fri", "Mon Tue Wed Thu Fri", false},
		{"Sun Sat", "Sat Sun", false},
		{"  Mon\tWed  ", "Mon Wed", false},
		{"", "", false}, // New refuses an empty set
		{"Mon,Tue", "", true},
		{"Monday", "", true},
		{"Fri Fri", "", true},
	}
	for _, tt := range tests {
		w, err := ParseWeekdays(tt.in)
		if (err != nil) != tt.err || (err == nil && w.String() != tt.out) {
			t.Errorf("ParseWeekdays(%q) = %q, %v", tt.in, w, err)
		}
	}
	if w := WeekdaysOf(time.Sunday, time.Saturday); !w.Has(time.Sunday) || w.Has(time.Monday) || w == AllWeekdays {
		t.Errorf("WeekdaysOf = %v", w)
	}
}

func TestParseClock(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"00:00", 0, true}, {"08:15", 495, true}, {"8:15", 495, true}, {"23:59", 1439, true},
		{"24:00", 0, false}, {"12:60", 0, false}, {"8:5", 0, false}, {"123:00", 0, false},
		{"-1:00", 0, false}, {"+8:00", 0, false}, {"08:1x", 0, false}, {"0815", 0, false}, {"", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseClock(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("parseClock(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
