// Package simdata generates a realistic, deterministic school district: the
// reference data of FORMATS.md §3 and a history of taps and adjustments. It
// feeds benchmarks (a fiscal year of 10k staff), tests, and `make run`'s
// imported history, so rolling windows, alerts and tables have content.
package simdata

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"timeclock/internal/civil"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
)

// Config says what to generate.
type Config struct {
	Seed            uint64
	Boards          []string // board ids; default ["nakatsu"]
	SchoolsPerBoard int
	StaffPerSchool  int // at least 4: principal, vice principal, office, teachers
	From, To        civil.Date
}

// Staff is one generated staff member.
type Staff struct {
	ID, Name, Role, Board, School, SchoolType, Card, Gateway string
	// Lean is the staff member's mean daily overtime in minutes: the district
	// spreads from well under 45 h a month to beyond 100 h.
	Lean float64
}

// District is the generated reference data.
type District struct {
	Cfg   Config
	Staff []Staff // sorted by ID
}

var schoolTypes = []string{"elementary", "elementary", "junior_high", "elementary", "compulsory", "junior_high"}

// NewDistrict lays out boards, schools and staff.
func NewDistrict(cfg Config) *District {
	if len(cfg.Boards) == 0 {
		cfg.Boards = []string{"nakatsu"}
	}
	cfg.SchoolsPerBoard = max(cfg.SchoolsPerBoard, 1)
	cfg.StaffPerSchool = max(cfg.StaffPerSchool, 4)
	r := rand.New(rand.NewPCG(cfg.Seed, 1))
	d := &District{Cfg: cfg}
	n := 0
	for _, board := range cfg.Boards {
		for s := 0; s < cfg.SchoolsPerBoard; s++ {
			st := schoolTypes[s%len(schoolTypes)]
			prefix := map[string]string{"elementary": "e", "junior_high": "j", "compulsory": "c"}[st]
			school := fmt.Sprintf("%s-%s%02d", board, prefix, s+1)
			gw := fmt.Sprintf("gw-%s%02d-a", prefix, s+1)
			for k := 0; k < cfg.StaffPerSchool; k++ {
				n++
				role := "teacher"
				switch k {
				case 0:
					role = "principal"
				case 1:
					role = "vice_principal"
				case 2:
					role = "office"
				}
				d.Staff = append(d.Staff, Staff{
					ID: fmt.Sprintf("S%06d", n), Name: name(r), Role: role, Board: board, School: school,
					SchoolType: st, Card: punch.FormatCard("felica", cardID(cfg.Seed, n)), Gateway: gw,
					Lean: lean(r, role, st),
				})
			}
		}
	}
	return d
}

// lean draws a staff member's mean daily overtime: a log-normal spread whose
// centre depends on role and school type, as the boards' surveys report
// (vice principals and junior-high teachers longest).
func lean(r *rand.Rand, role, st string) float64 {
	centre := 75.0
	switch {
	case role == "vice_principal":
		centre = 150
	case role == "office":
		centre = 25
	case role == "principal":
		centre = 60
	case st != "elementary":
		centre = 105
	}
	return centre * math.Exp(r.NormFloat64()*0.55)
}

func cardID(seed uint64, n int) []byte {
	h := seed*0x9e3779b97f4a7c15 + uint64(n)*0xbf58476d1ce4e5b9
	h ^= h >> 31
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(h >> (8 * i))
	}
	b[0] = 0x01 // FeliCa IDm manufacturer byte
	return b
}

var family = []string{"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"}
var given = []string{"花子", "太郎", "美咲", "健太", "陽菜", "翔", "結衣", "大輔", "さくら", "誠"}

func name(r *rand.Rand) string { return family[r.IntN(len(family))] + " " + given[r.IntN(len(given))] }

// WriteDir writes schedules.csv, roster.csv, calendar.csv and events.jsonl
// into dir and returns the number of events written.
func (d *District) WriteDir(dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	files := []struct {
		name string
		fn   func(io.Writer) error
	}{
		{"schedules.csv", d.WriteSchedules},
		{"roster.csv", d.WriteRoster},
		{"calendar.csv", d.WriteCalendar},
	}
	for _, f := range files {
		if err := writeTo(filepath.Join(dir, f.name), f.fn); err != nil {
			return 0, err
		}
	}
	n := 0
	err := writeTo(filepath.Join(dir, "events.jsonl"), func(w io.Writer) error {
		var err error
		n, err = d.WriteEvents(w)
		return err
	})
	return n, err
}

func writeTo(path string, fn func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := fn(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// WriteSchedules writes schedules.csv.
func (d *District) WriteSchedules(w io.Writer) error {
	_, err := io.WriteString(w, "schedule,days,start,end,break_min\nstd,Mon Tue Wed Thu Fri,08:15,16:45,45\noffice,Mon Tue Wed Thu Fri,08:30,17:15,60\n")
	return err
}

// WriteRoster writes roster.csv.
func (d *District) WriteRoster(w io.Writer) error {
	if _, err := io.WriteString(w, "staff_id,name,role,board,school,school_type,schedule,cards,start_date,end_date\n"); err != nil {
		return err
	}
	for _, s := range d.Staff {
		sched := "std"
		if s.Role == "office" {
			sched = "office"
		}
		if _, err := fmt.Fprintf(w, "%s,%s,%s,%s,%s,%s,%s,%s,,\n", s.ID, s.Name, s.Role, s.Board, s.School, s.SchoolType, sched, s.Card); err != nil {
			return err
		}
	}
	return nil
}

// WriteCalendar writes calendar.csv: the lock times of the plans (19:00, 18:30
// from FY2027, 18:00 from FY2028) and the summer closure days of each board.
func (d *District) WriteCalendar(w io.Writer) error {
	if _, err := io.WriteString(w, "date,scope,kind,value,note\n2024-04-01,*,lock_time,19:00,学校施錠時刻\n2027-04-01,*,lock_time,18:30,学校施錠時刻（段階的に前倒し）\n2028-04-01,*,lock_time,18:00,学校施錠時刻（段階的に前倒し）\n"); err != nil {
		return err
	}
	for _, b := range d.Cfg.Boards {
		for y := d.Cfg.From.Month().Year(); y <= d.Cfg.To.Month().Year(); y++ {
			for day := 13; day <= 16; day++ {
				if _, err := fmt.Fprintf(w, "%04d-08-%02d,%s,closure,,学校閉庁日\n", y, day, b); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// workday reports whether staff work on d by default (weekday, not a holiday,
// not the year end, not a summer closure day).
func workday(d civil.Date) bool {
	wd := d.Weekday()
	if wd == time.Saturday || wd == time.Sunday {
		return false
	}
	if _, ok := roster.NationalHoliday(d); ok || roster.YearEnd(d) {
		return false
	}
	_, m, day := d.YMD()
	return !(m == time.August && day >= 13 && day <= 16)
}
