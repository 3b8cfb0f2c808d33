package punch

import (
	"time"

	"timeclock/internal/civil"
)

// parseTime reads an RFC 3339 timestamp with a numeric offset or Z,
// YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM), and returns it in JST. It does not
// allocate, unlike time.Parse, which makes a new zone for every offset.
func parseTime(b []byte) (time.Time, bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	y, ok1 := num(b[0:4])
	mo, ok2 := num(b[5:7])
	d, ok3 := num(b[8:10])
	h, ok4 := num(b[11:13])
	mi, ok5 := num(b[14:16])
	s, ok6 := num(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || !civil.ValidYMD(y, mo, d) || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, false
	}
	rest := b[19:]
	ns := 0
	if rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 1 || i > 10 {
			return time.Time{}, false
		}
		frac, _ := num(rest[1:i])
		for k := i; k < 10; k++ {
			frac *= 10
		}
		ns = frac
		rest = rest[i:]
	}
	off := 0
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := num(rest[1:3])
		om, ok2 := num(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		off = (oh*60 + om) * 60
		if rest[0] == '-' {
			off = -off
		}
	default:
		return time.Time{}, false
	}
	days := int64(civil.D(y, time.Month(mo), d))
	unix := days*86400 + int64(h*3600+mi*60+s) - int64(off)
	return time.Unix(unix, int64(ns)).In(civil.JST), true
}

// num reads a run of decimal digits.
func num(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(b) > 0
}

// appendTime writes t in JST as RFC 3339 with milliseconds when t has a
// fraction of a second, 2026-06-01T07:40:00.123+09:00, and without otherwise,
// 2026-06-03T09:00:00+09:00. Sub-millisecond digits are truncated: no clock
// in the system is finer, and one spelling per millisecond keeps files stable.
func appendTime(dst []byte, t time.Time) []byte {
	const jst = 9 * 3600
	sec := t.Unix() + jst
	days := sec / 86400
	rem := sec % 86400
	if rem < 0 {
		rem += 86400
		days--
	}
	y, m, d := civil.Date(days).YMD()
	if y >= 0 && y <= 9999 {
		dst = append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10))
	} else {
		dst = append(dst, itoa(y)...) // not RFC 3339; Validate rejects such times
	}
	hh, mm, ss := int(rem/3600), int(rem/60%60), int(rem%60)
	dst = append(dst, '-', byte('0'+int(m)/10), byte('0'+int(m)%10), '-', byte('0'+d/10), byte('0'+d%10),
		'T', byte('0'+hh/10), byte('0'+hh%10), ':', byte('0'+mm/10), byte('0'+mm%10), ':',
		byte('0'+ss/10), byte('0'+ss%10))
	if ms := t.Nanosecond() / 1e6; ms != 0 {
		dst = append(dst, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	}
	return append(dst, "+09:00"...)
}
