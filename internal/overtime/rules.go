package overtime

import "fmt"

// Metric is the per-month quantity a rule compares.
type Metric uint8

// Metrics of a staff member's month M.
const (
	MetricMonth       Metric = iota + 1 // overtime of M
	MetricFY                            // fiscal-year overtime from April up to M
	MetricAvgMax                        // the largest evaluated 2–6-month average ending at M
	MetricAvg3                          // the 3-month average ending at M
	MetricOver45Count                   // months of M's fiscal year up to M over Config.Over45Min
)

// Cmp is how a rule compares its metric with the threshold.
type Cmp uint8

// Comparisons.
const (
	GT Cmp = iota + 1 // breach when value > threshold
	GE                // breach when value >= threshold
)

// Level is how serious a breach is.
type Level uint8

// Levels, in increasing order.
const (
	LevelOK Level = iota
	LevelInfo
	LevelWarn
	LevelCritical
)

func (l Level) String() string {
	switch l {
	case LevelInfo:
		return "info"
	case LevelWarn:
		return "warn"
	case LevelCritical:
		return "critical"
	}
	return "ok"
}

// Rule is one monthly limit, as data (DOMAIN.md §5). Threshold is in minutes,
// or a count for MetricOver45Count.
type Rule struct {
	ID        string
	Metric    Metric
	Cmp       Cmp
	Threshold int64
	Level     Level
}

// Day-level rule ids; their bounds come from Config and the calendar.
const (
	RuleInterval       = "interval_11"
	RuleLockTime       = "lock_time"
	RuleMissingPunch   = "missing_punch"
	RuleClockUntrusted = "clock_untrusted"
)

// DefaultRules returns the monthly rules of DOMAIN.md §5 with their exact bounds.
func DefaultRules() []Rule {
	return []Rule{
		{ID: "month_45", Metric: MetricMonth, Cmp: GT, Threshold: 45 * 60, Level: LevelWarn},
		{ID: "year_360", Metric: MetricFY, Cmp: GT, Threshold: 360 * 60, Level: LevelWarn},
		{ID: "month_100", Metric: MetricMonth, Cmp: GE, Threshold: 100 * 60, Level: LevelCritical},
		{ID: "year_720", Metric: MetricFY, Cmp: GT, Threshold: 720 * 60, Level: LevelCritical},
		{ID: "avg_80", Metric: MetricAvgMax, Cmp: GT, Threshold: 80 * 60, Level: LevelCritical},
		{ID: "over45_6", Metric: MetricOver45Count, Cmp: GT, Threshold: 6, Level: LevelCritical},
		{ID: "doctor_80", Metric: MetricMonth, Cmp: GT, Threshold: 80 * 60, Level: LevelCritical},
		{ID: "principal_3m45", Metric: MetricAvg3, Cmp: GT, Threshold: 45 * 60, Level: LevelWarn},
	}
}

func validateRules(rules []Rule) error {
	if len(rules) > 64 {
		return fmt.Errorf("overtime: %d rules, at most 64", len(rules))
	}
	seen := map[string]bool{}
	for i, r := range rules {
		switch {
		case r.ID == "":
			return fmt.Errorf("overtime: rule %d: empty id", i)
		case seen[r.ID]:
			return fmt.Errorf("overtime: rule %q: duplicate id", r.ID)
		case r.Metric < MetricMonth || r.Metric > MetricOver45Count:
			return fmt.Errorf("overtime: rule %q: unknown metric %d", r.ID, r.Metric)
		case r.Cmp != GT && r.Cmp != GE:
			return fmt.Errorf("overtime: rule %q: unknown comparison %d", r.ID, r.Cmp)
		case r.Level < LevelInfo || r.Level > LevelCritical:
			return fmt.Errorf("overtime: rule %q: unknown level %d", r.ID, r.Level)
		case r.Threshold < 0:
			return fmt.Errorf("overtime: rule %q: negative threshold", r.ID)
		}
		seen[r.ID] = true
	}
	return nil
}

// breaches reports whether num/den compares with threshold as the rule says,
// in exact integer arithmetic (averages are sums over a window of den months).
func (r *Rule) breaches(num, den int64) bool {
	t := r.Threshold * den
	if r.Cmp == GE {
		return num >= t
	}
	return num > t
}
