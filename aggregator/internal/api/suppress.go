package api

import (
	"slices"

	"timeclock/internal/overtime"
)

// suppress hides the figures of the board table's groups that would tell
// about fewer than MinGroup staff (DOMAIN.md §6). First every group of fewer
// than MinGroup staff (primary suppression). Then, since a hidden group
// alone in a line of the table is its total minus the groups shown — the
// roles of one school type with their total "*", the school types of one
// role with theirs — the smallest shown group of such a line is hidden too,
// line after line, until no line has exactly one hidden group (secondary
// suppression). Headcounts stay shown: they describe no one.
func suppress(gs []groupView) {
	for i := range gs {
		if gs[i].Headcount < MinGroup {
			gs[i].Suppressed = true
		}
	}
	type line struct {
		total   int // index of the "*" group, -1 if none
		members []int
	}
	var keys []string
	lines := map[string]*line{}
	add := func(key string, i int, isTotal bool) {
		l := lines[key]
		if l == nil {
			l = &line{total: -1}
			lines[key] = l
			keys = append(keys, key)
		}
		if isTotal {
			l.total = i
		} else {
			l.members = append(l.members, i)
		}
	}
	for i, g := range gs {
		add("type\x00"+g.SchoolType, i, g.Role == overtime.All)
		add("role\x00"+g.Role, i, g.SchoolType == overtime.All)
	}
	slices.Sort(keys)
	for changed := true; changed; {
		changed = false
		for _, k := range keys {
			l := lines[k]
			hidden := 0
			for _, i := range l.members {
				if gs[i].Suppressed {
					hidden++
				}
			}
			if l.total >= 0 && gs[l.total].Suppressed {
				hidden++
			}
			if hidden != 1 {
				continue
			}
			pick := -1
			for _, i := range l.members {
				if !gs[i].Suppressed && (pick < 0 || gs[i].Headcount < gs[pick].Headcount) {
					pick = i
				}
			}
			if pick < 0 && l.total >= 0 && !gs[l.total].Suppressed {
				pick = l.total
			}
			if pick >= 0 {
				gs[pick].Suppressed = true
				changed = true
			}
		}
	}
	for i := range gs {
		if gs[i].Suppressed {
			gs[i].Over45, gs[i].SharePct, gs[i].MeanMin, gs[i].Buckets = 0, 0, 0, [4]int{}
		}
	}
}
