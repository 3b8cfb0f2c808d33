package overtime

import "timeclock/internal/civil"

// DayKey names a work date of a staff member.
type DayKey struct {
	Staff int
	Date  civil.Date
}

// MonthKey names a month of a staff member.
type MonthKey struct {
	Staff int
	Month civil.Month
}

// Alert is a rule that started (Raised) or stopped breaching.
type Alert struct {
	Staff  int
	Rule   string
	Level  Level
	Raised bool
	// Month is the period of a monthly rule; Date that of a day-level rule
	// (interval_11, lock_time, missing_punch, clock_untrusted), with IsDay set.
	Month     civil.Month
	Date      civil.Date
	IsDay     bool
	Value     float64 // minutes, or a count for over45_6
	Threshold float64
}

// Changes lists what changed since the last Reset: the days and months whose
// derived values moved (for sinks that rewrite them) and the alert
// transitions. Consecutive repeats are folded.
type Changes struct {
	Days   []DayKey
	Months []MonthKey
	Alerts []Alert
	track  bool
}

// Reset empties c, keeping its storage.
func (c *Changes) Reset() {
	c.Days, c.Months, c.Alerts = c.Days[:0], c.Months[:0], c.Alerts[:0]
}

func (c *Changes) day(si int, d civil.Date) {
	if c.track {
		c.Days = appendNew(c.Days, DayKey{si, d})
	}
}

func (c *Changes) month(si int, m civil.Month) {
	if c.track {
		c.Months = appendNew(c.Months, MonthKey{si, m})
	}
}

// appendNew appends k to s unless k is the last of s already: a run of
// changes to one day or month is listed once.
func appendNew[K comparable](s []K, k K) []K {
	if n := len(s); n > 0 && s[n-1] == k {
		return s
	}
	return append(s, k)
}

func (c *Changes) alert(si int, rule string, d civil.Date, lvl Level, raised bool, value, threshold float64) {
	if !c.track {
		return
	}
	if lvl == LevelOK {
		lvl = LevelInfo
	}
	c.Alerts = append(c.Alerts, Alert{Staff: si, Rule: rule, Level: lvl, Raised: raised, Date: d, Month: d.Month(),
		IsDay: true, Value: value, Threshold: threshold})
}

func (c *Changes) monthAlert(si int, r *Rule, m civil.Month, raised bool, num, den int64) {
	if !c.track {
		return
	}
	c.Alerts = append(c.Alerts, Alert{Staff: si, Rule: r.ID, Level: r.Level, Raised: raised, Month: m,
		Value: float64(num) / float64(den), Threshold: float64(r.Threshold)})
}

// Changes returns what changed since the last Reset of the returned value.
// The caller drains it (writes the days and months, publishes the alerts) and
// calls Reset; the engine keeps appending to the same storage.
func (e *Engine) Changes() *Changes { return &e.changes }
