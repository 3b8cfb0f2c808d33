package roster

import (
	"errors"
	"io"
	"strings"

	"timeclock/internal/civil"
	"timeclock/internal/punch"
)

// Role is a staff member's role as reports group it (DOMAIN.md §1).
type Role string

// Roles.
const (
	RolePrincipal     Role = "principal"      // 校長
	RoleVicePrincipal Role = "vice_principal" // 副校長・教頭
	RoleTeacher       Role = "teacher"        // 教諭等
	RoleOffice        Role = "office"         // 事務職員
	RoleOther         Role = "other"
)

// Roles lists every role.
var Roles = []Role{RolePrincipal, RoleVicePrincipal, RoleTeacher, RoleOffice, RoleOther}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// SchoolType is the type of a school (DOMAIN.md §1).
type SchoolType string

// School types.
const (
	Kindergarten SchoolType = "kindergarten"  // 幼稚園
	Elementary   SchoolType = "elementary"    // 小学校
	JuniorHigh   SchoolType = "junior_high"   // 中学校
	Compulsory   SchoolType = "compulsory"    // 義務教育学校 (reported with junior_high)
	High         SchoolType = "high"          // 高校
	SpecialNeeds SchoolType = "special_needs" // 特別支援学校
)

// SchoolTypes lists every school type.
var SchoolTypes = []SchoolType{Kindergarten, Elementary, JuniorHigh, Compulsory, High, SpecialNeeds}

// Valid reports whether t is one of SchoolTypes.
func (t SchoolType) Valid() bool {
	for _, x := range SchoolTypes {
		if t == x {
			return true
		}
	}
	return false
}

// Staff is one row of roster.csv. Employment dates are inclusive; HasStart
// and HasEnd tell whether Start and End are set (an empty date in the file
// means open-ended, and Start/End are then 0 and meaningless).
type Staff struct {
	ID         string
	Name       string
	Role       Role
	Board      string
	School     string // home school (本務校): its calendar applies
	SchoolType SchoolType
	Schedule   string // a Schedule's Name
	Cards      []string
	Start      civil.Date
	End        civil.Date
	HasStart   bool
	HasEnd     bool
	Pos        Pos
}

// Employed reports whether d is inside s's employment dates.
func (s *Staff) Employed(d civil.Date) bool {
	return (!s.HasStart || d >= s.Start) && (!s.HasEnd || d <= s.End)
}

var rosterCols = []string{"staff_id", "name", "role", "board", "school", "school_type", "schedule", "cards", "start_date", "end_date"}

// ParseRoster reads roster.csv from r, naming it file in errors. It checks
// the syntax of each row (dates); New checks the values and the rows against
// each other (unique ids and cards, known schedules).
func ParseRoster(r io.Reader, file string) ([]Staff, []error) {
	s, errs, _ := parseRows(r, file, rosterCols, staffRow, checkStaff)
	return s, errs
}

func staffRow(f *fieldErrs, v []string) Staff {
	s := Staff{
		ID: v[0], Name: v[1], Role: Role(v[2]), Board: v[3], School: v[4],
		SchoolType: SchoolType(v[5]), Schedule: v[6], Pos: f.pos,
	}
	if v[7] != "" {
		s.Cards = strings.Split(v[7], "|")
		for i := range s.Cards {
			s.Cards[i] = strings.TrimSpace(s.Cards[i])
		}
	}
	s.Start, s.HasStart = f.date("start_date", v[8], true)
	s.End, s.HasEnd = f.date("end_date", v[9], true)
	return s
}

// checkStaff checks the values of one staff member on their own.
func checkStaff(s *Staff) []error {
	f := fieldErrs{pos: s.Pos}
	if !isID(s.ID, true) {
		f.add("staff_id", "%q: want 1–40 of A–Z a–z 0–9 . _ -", s.ID)
	}
	if s.Name == "" {
		f.add("name", "empty")
	} else {
		f.text("name", s.Name)
	}
	if !s.Role.Valid() {
		f.add("role", "%q: want one of principal, vice_principal, teacher, office, other", s.Role)
	}
	if !isID(s.Board, false) {
		f.add("board", "%q: want 1–40 of a–z 0–9 -", s.Board)
	}
	if !isID(s.School, false) {
		f.add("school", "%q: want 1–40 of a–z 0–9 -", s.School)
	}
	if !s.SchoolType.Valid() {
		f.add("school_type", "%q: want one of kindergarten, elementary, junior_high, compulsory, high, special_needs", s.SchoolType)
	}
	if s.Schedule == "" {
		f.add("schedule", "empty")
	}
	checkCards(&f, s.Cards)
	if s.HasStart && s.HasEnd && s.End < s.Start {
		f.add("end_date", "%s is before start_date %s", s.End, s.Start)
	}
	return f.errs
}

// checkCards validates each card id with punch.ParseCard, so an id that
// could never arrive in a tap is caught here, and refuses repeats.
func checkCards(f *fieldErrs, cards []string) {
	for i, c := range cards {
		if _, err := punch.ParseCard(c); err != nil {
			msg := err.Error()
			var pe *punch.Error
			if errors.As(err, &pe) {
				msg = pe.Reason
			}
			le := errAt(f.pos, "cards", "%s", msg)
			le.Err = err
			f.errs = append(f.errs, le)
			continue
		}
		for _, prev := range cards[:i] {
			if prev == c {
				f.add("cards", "%q listed twice", c)
				break
			}
		}
	}
}
