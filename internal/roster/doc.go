// Package roster reads and resolves the reference data of FORMATS.md §3:
// work schedules (schedules.csv), staff (roster.csv) and school calendars
// (calendar.csv), together with the days off built into the law: Japan's
// national holidays (国民の祝日, 振替休日, 国民の休日) and the year-end break
// 12/29–1/3.
//
// # Files
//
// Each CSV file starts with a header row whose column names must be exactly
// those of FORMATS.md §3, in exactly that order (columns are matched by
// order, and the header is checked so a reordered or foreign file is refused
// as a whole rather than misread). A UTF-8 byte order mark, as Excel writes
// it, is skipped; fields are trimmed of surrounding spaces; a row whose fields
// are all empty (Excel's formatted blank rows) is ignored. Times are HH:MM
// (H:MM is accepted, as Excel shortens it), dates YYYY-MM-DD.
//
// A bad row is reported as a *LineError naming the file, the line and the
// field, and skipped; good rows are kept. Loading returns the data together
// with every row error, so a caller can process the good rows and still fail.
// The identifiers the package does not get from FORMATS.md are restricted by
// decision: staff ids and schedule names are [A-Za-z0-9._-]{1,40}, board and
// school ids [a-z0-9-]{1,40} as in FORMATS.md §1.
//
// # Resolution
//
// Data.Day answers, for one staff member and one date, whether the date is
// inside the staff's employment, a day off, how many regular minutes it has
// and which lock time is in force. It is called for every staff × day the
// overtime engine recomputes, so it is allocation-free and its cost is fixed
// at load time: New builds one calendar per distinct effective scope (a school
// with its own calendar rows, else its board's, else the global one), each a
// date-sorted slice of day entries and of lock-time change points, and Day
// does one table lookup for national holidays and two binary searches, over
// the entries of one calendar only. Data is immutable after New and safe for
// concurrent use.
package roster
