package roster

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

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
	scheds, e, fatal := parseSchedules(r[0], names[0])
	collect(e, fatal)
	staff, e, fatal := parseRoster(r[1], names[1])
	collect(e, fatal)
	var cal []CalendarEntry
	if r[2] != nil {
		cal, e, fatal = parseCalendar(r[2], names[2])
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
