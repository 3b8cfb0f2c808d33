package roster

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Data is a loaded, checked roster with its schedules and calendar, ready to
// answer Day. Staff are indexed 0 … Len()-1 in staff_id order. Data is
// immutable; the slices its methods return must not be modified.
type Data struct {
	schedules []Schedule      // by Name
	staff     []Staff         // by ID
	calendar  []CalendarEntry // by Date, Scope, Kind
	schools   []School        // by ID
	cards     map[string]int32

	hot   []staffDay  // per staff, what Day needs
	cals  []schoolCal // merged calendars, shared by schools with the same rows
	names []string    // names of calendar days off, indexed by dayEntry.name
}

// School is a school as the roster describes it.
type School struct {
	ID    string
	Board string
	Type  SchoolType
}

// New checks schedules, staff and calendar and builds Data from the good
// records, returning every problem found as a *LineError. A record that fails
// a check is left out, and so is the later of two records that clash (a
// repeated schedule name or staff_id, a card already given to someone, a
// school already listed under another board or type, a second day kind or
// lock time for the same date and scope). Records built in code (zero Pos)
// are named in errors by their position in the slice. New copies what it
// keeps; the caller may reuse the slices.
func New(schedules []Schedule, staff []Staff, calendar []CalendarEntry) (*Data, []error) {
	d := &Data{cards: make(map[string]int32)}
	var errs []error
	byName := d.addSchedules(schedules, &errs)
	ix := d.addStaff(staff, byName, &errs)
	d.addCalendar(calendar, ix, &errs)
	d.build(byName)
	return d, errs
}

func (d *Data) addSchedules(in []Schedule, errs *[]error) map[string]int {
	byName := make(map[string]int, len(in))
	for i, s := range in {
		s.Pos = s.Pos.orMemory("schedules", i)
		if e := checkSchedule(&s); len(e) > 0 {
			*errs = append(*errs, e...)
			continue
		}
		if j, dup := byName[s.Name]; dup {
			*errs = append(*errs, errAt(s.Pos, "schedule", "%q already defined on %s", s.Name, lineRef(d.schedules[j].Pos)))
			continue
		}
		byName[s.Name] = len(d.schedules)
		d.schedules = append(d.schedules, s)
	}
	slices.SortFunc(d.schedules, func(a, b Schedule) int { return strings.Compare(a.Name, b.Name) })
	for i, s := range d.schedules {
		byName[s.Name] = i
	}
	return byName
}

// rosterIndex is what New knows about the staff kept so far, to find clashes
// and, later, to check calendar scopes.
type rosterIndex struct {
	schedules map[string]int
	ids       map[string]int // staff_id → index in kept
	cards     map[string]int // card → index in kept
	schools   map[string]int // school id → index in kept of its first staff
	boards    map[string]int // board id → likewise
	kept      []Staff
}

func (d *Data) addStaff(in []Staff, schedules map[string]int, errs *[]error) *rosterIndex {
	ix := &rosterIndex{
		schedules: schedules,
		ids:       make(map[string]int, len(in)),
		cards:     make(map[string]int, len(in)),
		schools:   make(map[string]int),
		boards:    make(map[string]int),
		kept:      make([]Staff, 0, len(in)),
	}
	for i, s := range in {
		s.Pos = s.Pos.orMemory("roster", i)
		e := checkStaff(&s)
		if len(e) == 0 {
			e = ix.clashes(&s)
		}
		if len(e) > 0 {
			*errs = append(*errs, e...)
			continue
		}
		ix.keep(s)
	}
	d.staff = slices.Clone(ix.kept)
	slices.SortFunc(d.staff, func(a, b Staff) int { return strings.Compare(a.ID, b.ID) })
	for i := range d.staff {
		for _, c := range d.staff[i].Cards {
			d.cards[c] = int32(i)
		}
	}
	for _, k := range ix.schools {
		s := &ix.kept[k]
		d.schools = append(d.schools, School{ID: s.School, Board: s.Board, Type: s.SchoolType})
	}
	slices.SortFunc(d.schools, func(a, b School) int { return strings.Compare(a.ID, b.ID) })
	return ix
}

func (ix *rosterIndex) keep(s Staff) {
	k := len(ix.kept)
	s.Cards = slices.Clone(s.Cards)
	ix.kept = append(ix.kept, s)
	ix.ids[s.ID] = k
	for _, c := range s.Cards {
		ix.cards[c] = k
	}
	if _, ok := ix.schools[s.School]; !ok {
		ix.schools[s.School] = k
	}
	if _, ok := ix.boards[s.Board]; !ok {
		ix.boards[s.Board] = k
	}
}

// clashes checks s against the schedules and the staff kept before it.
func (ix *rosterIndex) clashes(s *Staff) []error {
	f := fieldErrs{pos: s.Pos}
	if k, dup := ix.ids[s.ID]; dup {
		f.add("staff_id", "%q already on %s", s.ID, lineRef(ix.kept[k].Pos))
	}
	if _, ok := ix.schedules[s.Schedule]; !ok {
		f.add("schedule", "%q is not in schedules.csv", s.Schedule)
	}
	switch k, known := ix.schools[s.School]; {
	case s.School == s.Board:
		f.add("school", "%q is also its board's id; school and board ids must differ", s.School)
	case known && ix.kept[k].Board != s.Board:
		f.add("board", "%q, but school %s is in board %s on %s", s.Board, s.School, ix.kept[k].Board, lineRef(ix.kept[k].Pos))
	case known && ix.kept[k].SchoolType != s.SchoolType:
		f.add("school_type", "%q, but school %s is %s on %s", s.SchoolType, s.School, ix.kept[k].SchoolType, lineRef(ix.kept[k].Pos))
	}
	if k, ok := ix.boards[s.School]; ok {
		f.add("school", "%q is a board id on %s", s.School, lineRef(ix.kept[k].Pos))
	}
	if k, ok := ix.schools[s.Board]; ok {
		f.add("board", "%q is a school id on %s", s.Board, lineRef(ix.kept[k].Pos))
	}
	for _, c := range s.Cards {
		if k, taken := ix.cards[c]; taken {
			f.add("cards", "%q already belongs to %s on %s", c, ix.kept[k].ID, lineRef(ix.kept[k].Pos))
		}
	}
	return f.errs
}

// Len returns the number of staff.
func (d *Data) Len() int { return len(d.staff) }

// Staff returns the staff, sorted by staff_id; index i is staff index i.
func (d *Data) Staff() []Staff { return d.staff }

// Schedules returns the schedules, sorted by name.
func (d *Data) Schedules() []Schedule { return d.schedules }

// Calendar returns the accepted calendar rows, sorted by date, scope and kind.
func (d *Data) Calendar() []CalendarEntry { return d.calendar }

// Schools returns the schools of the roster's staff, sorted by id.
func (d *Data) Schools() []School { return d.schools }

// ScheduleOf returns the schedule of staff index i.
func (d *Data) ScheduleOf(i int) Schedule { return d.schedules[d.hot[i].sched] }

// StaffIndex returns the index of the staff member with id.
func (d *Data) StaffIndex(id string) (int, bool) {
	return slices.BinarySearchFunc(d.staff, id, func(s Staff, id string) int { return strings.Compare(s.ID, id) })
}

// StaffByCard returns the index of the staff member who holds card.
func (d *Data) StaffByCard(card string) (int, bool) {
	i, ok := d.cards[card]
	return int(i), ok
}

// LoadDir reads dir/schedules.csv, dir/roster.csv and, if it exists,
// dir/calendar.csv, and builds Data from their good rows with New. Errors
// name each file by its path in dir and come sorted by file, then line. Data
// is nil only when a file as a whole cannot be used (missing, unreadable, a
// wrong header): then nothing it says can be trusted, nor anything that
// depends on it.
func LoadDir(dir string) (*Data, []error) {
	paths := [3]string{
		filepath.Join(dir, SchedulesFile),
		filepath.Join(dir, RosterFile),
		filepath.Join(dir, CalendarFile),
	}
	var readers [3]io.Reader
	var errs []error
	for i, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			if i == 2 && errors.Is(err, fs.ErrNotExist) {
				continue // the calendar is optional
			}
			errs = append(errs, fileError(p, err))
			continue
		}
		defer f.Close()
		readers[i] = f
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return load(readers, paths)
}

// Load is LoadDir over readers; calendar may be nil. Errors name the files
// schedules.csv, roster.csv and calendar.csv.
func Load(schedules, roster, calendar io.Reader) (*Data, []error) {
	return load([3]io.Reader{schedules, roster, calendar}, [3]string{SchedulesFile, RosterFile, CalendarFile})
}

func load(r [3]io.Reader, names [3]string) (*Data, []error) {
	var errs []error
	anyFatal := false
	collect := func(e []error, fatal bool) {
		errs = append(errs, e...)
		anyFatal = anyFatal || fatal
	}
	scheds, e, fatal := parseRows(r[0], names[0], scheduleCols, scheduleRow, checkSchedule)
	collect(e, fatal)
	staff, e, fatal := parseRows(r[1], names[1], rosterCols, staffRow, checkStaff)
	collect(e, fatal)
	var cal []CalendarEntry
	if r[2] != nil {
		cal, e, fatal = parseRows(r[2], names[2], calendarCols, calendarRow, checkEntry)
		collect(e, fatal)
	}
	if anyFatal {
		sortErrors(errs, names[:]...)
		return nil, errs
	}
	d, e := New(scheds, staff, cal)
	errs = append(errs, e...)
	sortErrors(errs, names[:]...)
	return d, errs
}

// fileError reports a file that cannot be opened, without repeating its path.
func fileError(path string, err error) *LineError {
	msg := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		msg = pe.Op + ": " + pe.Err.Error()
	}
	return &LineError{File: path, Msg: msg, Err: err}
}
