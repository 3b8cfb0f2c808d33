package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"timeclock/aggregator/internal/web/webtest"
	"timeclock/aggregator/internal/web/webtest/harness"
	"timeclock/internal/civil"
)

// The published tables the page links and the API serves are the bytes
// `aggregator report` writes for the same events and months: for the
// fiscal year so far, for a range inside it, and for each month.
func TestTablesEqualReport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Mosquitto (skipped under -short)")
	}
	a := webtest.Start(t, webtest.Options{Seed: 3})
	today, _ := civil.WorkDate(time.Now().Unix(), 0)
	cur := today.Month()
	fy := cur.FY()
	type want struct {
		name     string // the page's file name
		query    string
		from, to civil.Month
	}
	cases := []want{{name: fmt.Sprintf("FY%d", fy), from: civil.FYStart(fy), to: cur}}
	if first := a.From.Month(); first.FY() == fy && first < cur {
		cases = append(cases, want{name: fmt.Sprintf("FY%d", fy), query: "?from=" + first.String() + "&to=" + (cur - 1).String(),
			from: first, to: cur - 1})
	}
	for m := a.From.Month(); m <= cur; m++ {
		cases = append(cases, want{name: m.String(), from: m, to: m})
	}
	for _, c := range cases {
		out := a.Report(t, c.from, c.to)
		for _, board := range a.District.Cfg.Boards {
			for _, ext := range []string{"html", "csv"} {
				wantBody := []byte(harness.ReadFile(t, filepath.Join(out, fmt.Sprintf("tables_%s_FY%d.%s", board, c.from.FY(), ext))))
				// Every staff member of the board works in every month of
				// the history: the tables are not empty ones.
				staff := a.District.Cfg.SchoolsPerBoard * a.District.Cfg.StaffPerSchool
				if ext == "csv" && !bytes.Contains(wantBody, fmt.Appendf(nil, ",対象人数,%d\n", staff)) {
					t.Errorf("the report's %s tables for %s count no month of %d staff:\n%s", board, c.name, staff, wantBody)
				}
				for _, path := range []string{
					fmt.Sprintf("/tables/%s/%s.%s%s", board, c.name, ext, c.query),
					fmt.Sprintf("/api/v1/boards/%s/tables/%s.%s%s", board, c.name, ext, c.query),
				} {
					st, got := a.Get(t, path, a.Token("board", board))
					if st != http.StatusOK {
						t.Errorf("%s: %d %s", path, st, got)
						continue
					}
					if !bytes.Equal(got, wantBody) {
						t.Errorf("%s differs from aggregator report -from %s -to %s:\n%s", path, c.from, c.to, firstDiff(got, wantBody))
					}
				}
			}
		}
	}
	// The tables are the board's: another board's token is refused.
	other := a.District.Cfg.Boards[1]
	if st, _ := a.Get(t, "/tables/"+a.District.Cfg.Boards[0]+"/"+cur.String()+".csv", a.Token("board", other)); st != http.StatusForbidden {
		t.Errorf("another board's token: status %d, want 403", st)
	}
}

// firstDiff shows where two outputs part.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf("at byte %d:\n got …%q\nwant …%q", i, got[from:min(len(got), i+80)], want[from:min(len(want), i+80)])
}
