package service

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"timeclock/aggregator/internal/api"
	"timeclock/aggregator/internal/importer"
	"timeclock/aggregator/internal/journal"
	"timeclock/internal/civil"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
)

// History imported into the journal of a stopped aggregator is what serve
// rebuilds from: its months equal `aggregator report` on the same file.
func TestServeRebuildsFromImport(t *testing.T) {
	const staff = 12
	f := newFixture(t, staff)
	cfg := baseConfig(t, f, "", "")
	taps := burst(staff, 30, workday(time.Now())-45)
	var lines []string
	for _, tp := range taps {
		lines = append(lines, string(punch.Event{Type: punch.TypeTap, Tap: tp}.AppendJSON(nil)))
	}
	day, _ := civil.WorkDate(taps[0].TS.Unix(), cfg.DayStartMin)
	adj := punch.Adjustment{ID: "adj-import-1", Staff: staffID(3), Date: day, Kind: punch.KindOffsite, Minutes: 90,
		Author: "kocho", Reason: "引率", Created: time.Now().Add(-time.Hour).In(civil.JST)}
	lines = append(lines, string(punch.Event{Type: punch.TypeAdjustment, Adjustment: adj}.AppendJSON(nil)))
	body := strings.Join(lines, "\n") + "\n"
	writeFile(t, filepath.Join(f.dir, "events.jsonl"), body)

	data, errs := roster.LoadDir(f.dir)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	j, err := journal.Open(filepath.Join(cfg.State, journal.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var bad bytes.Buffer
	st, err := importer.Import(context.Background(), j, strings.NewReader(body),
		importer.Options{Data: data, Now: time.Now(), Name: "events.jsonl", Errors: &bad})
	j.Close()
	if err != nil || st.Bad > 0 || st.Taps != len(taps) || st.Adjustments != 1 {
		t.Fatalf("import: %+v %v\n%s", st, err, bad.String())
	}

	s := start(t, cfg)
	base := "http://" + s.HTTPAddr()
	var jv api.JournalView
	getJSON(t, base+"/api/v1/journal", &jv)
	if jv.Taps != uint64(len(taps)) || jv.Adjustments != 1 {
		t.Fatalf("journal after start: %+v", jv)
	}
	matchesReport(t, base, f.dir, taps, staff)
}
