package report

import (
	"strconv"
)

// ratio formats num/den with the given decimals, rounding half up in exact
// integer arithmetic (float formatting would round binary ties to even and
// disagree with a hand calculation). den must be positive; num non-negative.
func ratio(num, den int64, decimals int) string {
	scale := int64(1)
	for i := 0; i < decimals; i++ {
		scale *= 10
	}
	q := (2*num*scale + den) / (2 * den)
	whole := strconv.FormatInt(q/scale, 10)
	if decimals == 0 {
		return whole
	}
	frac := strconv.FormatInt(q%scale, 10)
	for len(frac) < decimals {
		frac = "0" + frac
	}
	return whole + "." + frac
}

// HMM writes minutes as h:mm (30:15), the way the board's tables show time.
func HMM(min int64) string {
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

// HMMRatio writes num/den minutes as h:mm, rounded half up to the minute.
func HMMRatio(num, den int64) string {
	if den <= 0 {
		return "—"
	}
	return HMM((2*num + den) / (2 * den))
}

// Pct writes num/den as a percentage with one decimal.
func Pct(num, den int64) string {
	if den <= 0 {
		return "—"
	}
	return ratio(num*100, den, 1) + "%"
}
