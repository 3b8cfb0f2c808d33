package chaos

import (
	"strings"
	"testing"
	"time"
)

func docRow(cell string, taps int, ok bool) row {
	return row{cell: cell, fault: cell + " fault", c: count{taps: taps, accepted: taps, journaled: taps, influx: taps}, ok: ok}
}

func docRun(id string) runInfo {
	return runInfo{id: id, machine: "vm (2 CPUs, linux/amd64)", cells: 1, took: 90 * time.Second}
}

// sectionOf returns the part of doc under heading h, up to the next heading.
func sectionOf(t *testing.T, doc, h string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "\n"+h+"\n")
	if !ok {
		t.Fatalf("no %q in\n%s", h, doc)
	}
	sec, _, _ := strings.Cut(rest, "\n## ")
	return sec
}

func TestDocumentMergesRunsBySizeAndCell(t *testing.T) {
	cells := []string{"alpha", "beta", "gamma"}
	full, quick := sizes["full"], sizes["quick"]

	doc := document("", full, cells, []row{docRow("beta", 20, true), docRow("alpha", 10, true)}, docRun("2026-12-01 aaaaaaa"))
	if !strings.HasPrefix(doc, "# Reliability: the fault matrix\n") || strings.Contains(doc, heading(quick)) {
		t.Fatalf("first run:\n%s", doc)
	}
	sec := sectionOf(t, doc, heading(full))
	if a, b := strings.Index(sec, "| alpha |"), strings.Index(sec, "| beta |"); a < 0 || b < a {
		t.Fatalf("rows not in the matrix's order:\n%s", sec)
	}
	if !strings.Contains(sec, "| 10 | 10 | 10 | 10 | 0 | 0 | 0.0 | ok | 2026-12-01 aaaaaaa |") ||
		!strings.Contains(sec, "- **2026-12-01 aaaaaaa**: vm (2 CPUs, linux/amd64), 1 cells in 90 s") {
		t.Fatalf("row or run line:\n%s", sec)
	}

	// A quick run adds its own section and leaves the full one as it was.
	doc2 := document(doc, quick, cells, []row{docRow("alpha", 3, false)}, docRun("2026-12-02 bbbbbbb"))
	if got := sectionOf(t, doc2, heading(full)); got != sec {
		t.Fatalf("the full section changed on a quick run:\n%s\nwas\n%s", got, sec)
	}
	if q := sectionOf(t, doc2, heading(quick)); !strings.Contains(q, "| alpha | alpha fault | 3 |") || !strings.Contains(q, "**FAILED**") ||
		strings.Contains(q, "beta") || strings.Contains(q, "aaaaaaa") {
		t.Fatalf("quick section:\n%s", q)
	}

	// A run of one cell replaces that row; the other keeps its run.
	doc3 := document(doc2, full, cells, []row{docRow("beta", 21, true)}, docRun("2026-12-03 ccccccc"))
	sec3 := sectionOf(t, doc3, heading(full))
	for _, want := range []string{"| alpha | alpha fault | 10 |", "aaaaaaa |\n", "| beta | beta fault | 21 |", "ccccccc |\n",
		"- **2026-12-01 aaaaaaa**", "- **2026-12-03 ccccccc**"} {
		if !strings.Contains(sec3, want) {
			t.Errorf("after a one-cell run, no %q in\n%s", want, sec3)
		}
	}
	if strings.Contains(sec3, "| 20 |") {
		t.Errorf("beta's old row is still there:\n%s", sec3)
	}
	if strings.Index(sec3, "ccccccc**") > strings.Index(sec3, "aaaaaaa**") {
		t.Errorf("runs not newest first:\n%s", sec3)
	}

	// A run of every cell leaves no row of the earlier runs, and their lines
	// go; a cell no longer in the matrix goes too.
	doc4 := document(doc3, full, cells[1:], []row{docRow("beta", 22, true), docRow("gamma", 5, true)}, docRun("2026-12-04 ddddddd"))
	sec4 := sectionOf(t, doc4, heading(full))
	if strings.Contains(sec4, "alpha") || strings.Contains(sec4, "aaaaaaa") || strings.Contains(sec4, "ccccccc") ||
		!strings.Contains(sec4, "| gamma |") || !strings.Contains(sec4, "| beta | beta fault | 22 |") {
		t.Fatalf("after a whole run:\n%s", sec4)
	}
	if !strings.Contains(doc4, heading(quick)) {
		t.Fatal("the quick section went")
	}

	// Read back and written again with nothing new, the document is the same.
	if again := document(doc4, quick, cells, nil, docRun("2026-12-02 bbbbbbb")); again != doc4 {
		t.Fatalf("not stable:\n%s\nwas\n%s", again, doc4)
	}
}
