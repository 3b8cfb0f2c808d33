package roster

import (
	"fmt"
	"slices"
	"strconv"
)

// Default file names, used by LoadDir and Load and in the errors of records
// read from them.
const (
	SchedulesFile = "schedules.csv"
	RosterFile    = "roster.csv"
	CalendarFile  = "calendar.csv"
)

// LineError is a problem with one row (or, with Line 0, one whole file) of the
// reference data. Field is the column name, or "" when the row or file as a
// whole is at fault. Err, when set, is the underlying error (for example a
// *punch.Error for a bad card id, or an *fs.PathError).
type LineError struct {
	File  string
	Line  int
	Field string
	Msg   string
	Err   error
}

// Error writes "roster.csv:7: field cards: …", leaving out the line when it
// is 0 and the field when it is empty.
func (e *LineError) Error() string {
	s := e.File
	if e.Line > 0 {
		s += ":" + strconv.Itoa(e.Line)
	}
	if e.Field != "" {
		s += ": field " + e.Field
	}
	return s + ": " + e.Msg
}

// Unwrap returns the underlying error, if any.
func (e *LineError) Unwrap() error { return e.Err }

// Pos is where a record came from. Records built in code have the zero Pos;
// New then names them by their slice position, as file "(schedules)",
// "(roster)" or "(calendar)" and line index+1.
type Pos struct {
	File string
	Line int
}

// String writes "file:line".
func (p Pos) String() string { return p.File + ":" + strconv.Itoa(p.Line) }

// orMemory returns p, or the in-memory position of the i-th record when p is
// the zero Pos.
func (p Pos) orMemory(kind string, i int) Pos {
	if p.File == "" && p.Line == 0 {
		return Pos{File: "(" + kind + ")", Line: i + 1}
	}
	return p
}

// errAt builds a LineError at p.
func errAt(p Pos, field, format string, args ...any) *LineError {
	return &LineError{File: p.File, Line: p.Line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// lineRef names the record at p from another record's error message; both
// are in the same file, so the line is enough.
func lineRef(p Pos) string { return "line " + strconv.Itoa(p.Line) }

// sortErrors orders errs by file, in the order of files, and then by line;
// errors of other files go last, in their original order. It is stable so
// the errors of one row keep their column order.
func sortErrors(errs []error, files ...string) {
	rank := func(e error) (int, int) {
		le, ok := e.(*LineError)
		if !ok {
			return len(files), 0
		}
		for i, f := range files {
			if le.File == f {
				return i, le.Line
			}
		}
		return len(files), 0
	}
	slices.SortStableFunc(errs, func(a, b error) int {
		fa, la := rank(a)
		fb, lb := rank(b)
		if fa != fb {
			return fa - fb
		}
		return la - lb
	})
}
