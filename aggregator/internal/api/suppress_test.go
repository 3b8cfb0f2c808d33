package api

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// table builds the groups of a board month from the headcounts per school
// type and role (0: no such group), with the "*" totals, every figure set.
func table(counts map[[2]string]int) []groupView {
	sum := map[[2]string]int{}
	for k, n := range counts {
		if n == 0 {
			continue
		}
		for _, t := range []string{"*", k[0]} {
			for _, r := range []string{"*", k[1]} {
				sum[[2]string{t, r}] += n
			}
		}
	}
	var out []groupView
	for k, n := range sum {
		out = append(out, groupView{SchoolType: k[0], Role: k[1], Headcount: n, Over45: 1, MeanMin: 60, SharePct: 10,
			Buckets: [4]int{n - 1, 1}})
	}
	slices.SortFunc(out, func(a, b groupView) int {
		return cmp.Or(strings.Compare(a.SchoolType, b.SchoolType), strings.Compare(a.Role, b.Role))
	})
	return out
}

func hiddenOf(gs []groupView) []string {
	var out []string
	for _, g := range gs {
		if g.Suppressed {
			out = append(out, g.SchoolType+"/"+g.Role)
		}
	}
	return out
}

func TestSuppress(t *testing.T) {
	tests := []struct {
		name   string
		counts map[[2]string]int
		hidden []string
	}{
		{"every group large enough", map[[2]string]int{{"elementary", "teacher"}: 20, {"elementary", "principal"}: 6},
			nil},
		{"one small role: its complement too",
			map[[2]string]int{{"elementary", "teacher"}: 9, {"elementary", "principal"}: 1},
			[]string{"*/principal", "*/teacher", "elementary/principal", "elementary/teacher"}},
		{"one small cell in two types: a rectangle",
			map[[2]string]int{{"elementary", "teacher"}: 20, {"elementary", "principal"}: 6,
				{"junior_high", "teacher"}: 12, {"junior_high", "principal"}: 3},
			[]string{"elementary/principal", "elementary/teacher", "junior_high/principal", "junior_high/teacher"}},
		{"two small cells in a line hide each other",
			map[[2]string]int{{"elementary", "teacher"}: 20, {"elementary", "principal"}: 2, {"elementary", "office"}: 3},
			[]string{"*/office", "*/principal", "elementary/office", "elementary/principal"}},
		{"a small board hides everything",
			map[[2]string]int{{"elementary", "teacher"}: 3},
			[]string{"*/*", "*/teacher", "elementary/*", "elementary/teacher"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs := table(tt.counts)
			suppress(gs)
			if got := hiddenOf(gs); !slices.Equal(got, tt.hidden) {
				t.Errorf("hidden %v, want %v", got, tt.hidden)
			}
			for _, g := range gs {
				if g.Suppressed && (g.Over45 != 0 || g.MeanMin != 0 || g.SharePct != 0 || g.Buckets != [4]int{}) {
					t.Errorf("%s/%s hidden but shows figures: %+v", g.SchoolType, g.Role, g)
				}
			}
		})
	}
}

// Whatever the table, every small group is hidden and no line of the table
// has exactly one hidden group (which its total would give away).
func TestSuppressInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	types := []string{"elementary", "junior_high", "high", "special_needs"}
	roles := []string{"principal", "vice_principal", "teacher", "office", "other"}
	for i := range 2000 {
		counts := map[[2]string]int{}
		for _, st := range types[:1+rng.IntN(len(types))] {
			for _, r := range roles[:1+rng.IntN(len(roles))] {
				counts[[2]string{st, r}] = rng.IntN(13)
			}
		}
		gs := table(counts)
		suppress(gs)
		lines := map[string][]bool{}
		for _, g := range gs {
			if g.Headcount < MinGroup && !g.Suppressed {
				t.Fatalf("table %d: %s/%s has %d staff and is shown", i, g.SchoolType, g.Role, g.Headcount)
			}
			lines["type "+g.SchoolType] = append(lines["type "+g.SchoolType], g.Suppressed)
			lines["role "+g.Role] = append(lines["role "+g.Role], g.Suppressed)
		}
		for k, l := range lines {
			n := 0
			for _, h := range l {
				if h {
					n++
				}
			}
			if n == 1 {
				t.Fatalf("table %d (%v): line %s has one hidden group: %s", i, counts, k, fmt.Sprint(hiddenOf(gs)))
			}
		}
	}
}
