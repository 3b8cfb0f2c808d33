package web

import (
	"math"

	"timeclock/aggregator/internal/report"
)

// The page writes times and shares exactly as the board's tables do (package
// report): h:mm rounded half up to the minute, percent with one decimal
// rounded half up, in exact integer arithmetic.

func hmm(min int64) string           { return report.HMM(min) }
func hmmRatio(num, den int64) string { return report.HMMRatio(num, den) }
func pct(num, den int64) string      { return report.Pct(num, den) }

// hmmF writes fractional minutes (an average) as h:mm.
func hmmF(min float64) string {
	return hmm(int64(math.Floor(min + 0.5)))
}
