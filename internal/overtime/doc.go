// Package overtime is the streaming core of the timeclock: it folds taps and
// adjustments into per-staff work days, months and fiscal years, evaluates the
// legal limits of DOMAIN.md (monthly and yearly overtime, rolling 2–6-month
// averages, months over 45 h, work intervals, lock time, missing punches),
// raises and clears alerts, forecasts month-end overtime and builds the board
// tables.
//
// The package does no I/O, starts no goroutines and never reads the wall
// clock: events come in through AddTap and AddAdjustment, "now" is a
// parameter, and results are read back through Day, Month, Forecast and the
// board aggregates. Events may arrive in any order and more than once (by id);
// a late event recomputes only the work days and months it touches. With
// taps arriving in order the engine allocates nothing per event.
package overtime
