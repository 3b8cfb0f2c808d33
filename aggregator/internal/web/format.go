package web

import (
	"math"
	"strconv"
)

// The page writes times and shares as the board's tables do (package
// report): h:mm rounded half up to the minute, percent with one decimal
// rounded half up, in exact integer arithmetic.

// hmm writes minutes as h:mm (30:15).
func hmm(min int64) string {
	sign := ""
	if min < 0 {
		sign, min = "-", -min
	}
	m := strconv.FormatInt(min%60, 10)
	if len(m) < 2 {
		m = "0" + m
	}
	return sign + strconv.FormatInt(min/60, 10) + ":" + m
}

// hmmRatio writes num/den minutes as h:mm.
func hmmRatio(num, den int64) string {
	if den <= 0 {
		return "—"
	}
	return hmm((2*num + den) / (2 * den))
}

// hmmF writes fractional minutes (an average) as h:mm.
func hmmF(min float64) string {
	return hmm(int64(math.Floor(min + 0.5)))
}

// pct writes num/den as a percentage with one decimal.
func pct(num, den int64) string {
	if den <= 0 {
		return "—"
	}
	q := (2*num*1000 + den) / (2 * den)
	return strconv.FormatInt(q/10, 10) + "." + strconv.FormatInt(q%10, 10) + "%"
}
