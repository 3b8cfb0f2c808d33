package roster

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"timeclock/internal/civil"
	"timeclock/internal/punch"
)

// table reads the rows of one CSV file after checking its header.
type table struct {
	file string
	cols []string
	r    *csv.Reader
}

// row is one data row: its fields (trimmed) and where it starts.
type row struct {
	pos    Pos
	fields []string
}

// openTable skips a UTF-8 BOM and checks the header row against cols. A
// failure here concerns the whole file, which must then not be used.
func openTable(r io.Reader, file string, cols []string) (*table, *LineError) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // counted by next, to report and go on
	t := &table{file: file, cols: cols, r: cr}
	want := strings.Join(cols, ",")
	head, err := cr.Read()
	switch {
	case errors.Is(err, io.EOF):
		return nil, &LineError{File: file, Line: 1, Msg: "empty file: want header row " + strconv.Quote(want)}
	case err != nil:
		return nil, t.readError(err, 1)
	}
	for i := range head {
		head[i] = strings.TrimSpace(head[i])
	}
	if got := strings.Join(head, ","); got != want {
		line, _ := cr.FieldPos(0)
		return nil, &LineError{File: file, Line: line, Field: "header",
			Msg: fmt.Sprintf("got %q, want %q (columns in this order)", got, want)}
	}
	return t, nil
}

// parseRows reads the data rows of a file with columns cols, converting
// the trimmed fields of each with conv, which reports its syntax errors to f
// (at the row's position, f.pos). A row conv finds fault with is reported
// together with the value checks (check) of its other fields, and skipped.
// fatal reports that the file as a whole is unusable (header, I/O).
func parseRows[T any](r io.Reader, file string, cols []string,
	conv func(f *fieldErrs, fields []string) T, check func(*T) []error) (out []T, errs []error, fatal bool) {
	t, herr := openTable(r, file, cols)
	if herr != nil {
		return nil, []error{herr}, true
	}
	for {
		rw, rerr, ok, stop := t.next()
		switch {
		case stop:
			return out, append(errs, rerr), true
		case !ok:
			return out, errs, false
		case rerr != nil:
			errs = append(errs, rerr)
			continue
		}
		f := fieldErrs{pos: rw.pos}
		v := conv(&f, rw.fields)
		if len(f.errs) > 0 {
			errs = append(errs, withChecks(cols, f.errs, check(&v))...)
			continue
		}
		out = append(out, v)
	}
}

// next returns the next data row. At the end of the file it returns ok
// false; a row that cannot be split into the right number of fields comes
// back as rerr, with ok true so the caller goes on. fatal is set for an I/O
// error, after which the rest of the file is unknown.
func (t *table) next() (rw row, rerr *LineError, ok, fatal bool) {
	for {
		rec, err := t.r.Read()
		if errors.Is(err, io.EOF) {
			return row{}, nil, false, false
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return row{}, t.readError(err, 0), true, false
			}
			return row{}, t.readError(err, 0), false, true
		}
		line, _ := t.r.FieldPos(0)
		pos := Pos{File: t.file, Line: line}
		if len(rec) != len(t.cols) {
			if blank(rec) {
				continue
			}
			return row{}, errAt(pos, "", "%d fields, want %d (%s)", len(rec), len(t.cols), strings.Join(t.cols, ",")), true, false
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if blank(rec) {
			continue
		}
		return row{pos: pos, fields: rec}, nil, true, false
	}
}

// readError turns an error of the CSV reader into a LineError. A
// *csv.ParseError carries its own line; anything else is an I/O error.
func (t *table) readError(err error, line int) *LineError {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &LineError{File: t.file, Line: pe.Line, Msg: fmt.Sprintf("column %d: %v", pe.Column, pe.Err), Err: err}
	}
	return &LineError{File: t.file, Line: line, Msg: "read: " + err.Error(), Err: err}
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// withChecks adds to the syntax errors of a row the value checks of its
// other fields, so one pass over a file reports all that is wrong with a
// row, in column order.
func withChecks(cols []string, syntax, checks []error) []error {
	bad := make(map[string]bool, len(syntax))
	for _, e := range syntax {
		bad[e.(*LineError).Field] = true
	}
	out := syntax
	for _, e := range checks {
		if !bad[e.(*LineError).Field] {
			out = append(out, e)
		}
	}
	col := func(e error) int { return slices.Index(cols, e.(*LineError).Field) }
	slices.SortStableFunc(out, func(a, b error) int { return col(a) - col(b) })
	return out
}

// fieldErrs collects the field errors of one row.
type fieldErrs struct {
	pos  Pos
	errs []error
}

func (f *fieldErrs) add(field, format string, args ...any) {
	f.errs = append(f.errs, errAt(f.pos, field, format, args...))
}

// text checks a free-text field: valid UTF-8 (a Shift_JIS file from Excel
// fails here) without control characters.
func (f *fieldErrs) text(field, s string) {
	if msg := textProblem(s); msg != "" {
		f.add(field, "%s", msg)
	}
}

func textProblem(s string) string {
	if !utf8.ValidString(s) {
		return "not valid UTF-8 (save the file as \"CSV UTF-8\")"
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Sprintf("control character %U in %q", r, s)
		}
	}
	return ""
}

// date parses a YYYY-MM-DD field; empty is allowed when optional.
func (f *fieldErrs) date(field, s string, optional bool) (civil.Date, bool) {
	if s == "" {
		if !optional {
			f.add(field, "empty, want YYYY-MM-DD")
		}
		return 0, false
	}
	d, err := civil.Parse(s)
	if err != nil {
		if len(s) == 10 && s[4] == '-' && s[7] == '-' {
			f.add(field, "%q is not a calendar date", s)
		} else {
			f.add(field, "%q is not a date YYYY-MM-DD", s)
		}
		return 0, false
	}
	return d, true
}

// clock parses an HH:MM (or H:MM) field into minutes after midnight.
func (f *fieldErrs) clock(field, s string) int {
	m, ok := parseClock(s)
	if !ok {
		f.add(field, "%q is not a time HH:MM (00:00–23:59)", s)
	}
	return m
}

func parseClock(s string) (int, bool) {
	i := strings.IndexByte(s, ':')
	if i < 1 || i > 2 || len(s) != i+3 {
		return 0, false
	}
	h, err1 := strconv.ParseUint(s[:i], 10, 8)
	m, err2 := strconv.ParseUint(s[i+1:], 10, 8)
	if err1 != nil || err2 != nil || h > 23 || m > 59 {
		return 0, false
	}
	return int(h)*60 + int(m), true
}

// formatClock writes minutes after midnight as HH:MM.
func formatClock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// isID reports whether s is 1–40 characters of [a-z0-9-] (a board or school
// id is a punch name, as in topics), plus A–Z, '.' and '_' when loose (a
// punch staff id, here of at most 40).
func isID(s string, loose bool) bool {
	if loose {
		return len(s) <= 40 && punch.ValidStaffID(s)
	}
	return punch.ValidName(s)
}
