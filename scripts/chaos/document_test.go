package chaos

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// docs/RELIABILITY.md holds one section per size, each a table of the
// cells' last results. A run rewrites the rows of the cells it ran and keeps
// the others (a run of some cells with -chaos.cells, or the other size), so
// every row says which run it comes from, and a list under the table says
// where and how long each run was.

// runInfo identifies one run of the matrix.
type runInfo struct {
	id      string // date and commit, the run column's value
	machine string
	cells   int
	took    time.Duration
}

// checkedOut names the commit checked out in root, with "+changes" when
// tracked files differ from it: what the run's programs are built from,
// read when they are built (a run of hours outlives later commits).
func checkedOut(root string) string {
	out, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown commit"
	}
	commit := strings.TrimSpace(string(out))
	if out, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(out) > 0 {
		commit += "+changes"
	}
	return commit
}

// thisRun describes the run under way: today, the commit its programs
// were built from, this machine.
func thisRun(commit, machine string, cells int, took time.Duration) runInfo {
	return runInfo{id: time.Now().Format("2006-01-02") + " " + commit, machine: machine, cells: cells, took: took}
}

// section is what a size's part of the document keeps from earlier runs.
type section struct {
	rows map[string]string // cell name → its table line
	runs map[string]string // run id → its line in the list of runs
}

var sizeOrder = []string{"full", "quick"}

func heading(sz size) string {
	if sz.name == "full" {
		return "## Full size"
	}
	return "## Quick size"
}

func describeSize(sz size) string {
	return fmt.Sprintf("%d gateways, %d taps each per cell, outages of %v.", sz.gateways, 2*sz.burst, sz.outage)
}

const tableHead = "| cell | fault | taps | accepted | journaled | in InfluxDB | lost | doubled | recovery s | result | run |\n" +
	"|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n"

// parseDocument reads the sections of an earlier document. What it does not
// recognise (another layout, prose) is not carried over.
func parseDocument(doc string) map[string]*section {
	out := map[string]*section{}
	var cur *section
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "## ") {
			cur = nil
			for _, name := range sizeOrder {
				if line == heading(sizes[name]) {
					cur = &section{rows: map[string]string{}, runs: map[string]string{}}
					out[name] = cur
				}
			}
			continue
		}
		if cur == nil {
			continue
		}
		switch {
		case strings.HasPrefix(line, "| cell |"), strings.HasPrefix(line, "|---"):
		case strings.HasPrefix(line, "| "):
			if name, _, ok := strings.Cut(line[2:], " | "); ok {
				cur.rows[name] = line
			}
		case strings.HasPrefix(line, "- **"):
			if id, _, ok := strings.Cut(line[4:], "**"); ok {
				cur.runs[id] = line
			}
		}
	}
	return out
}

// rowRun is the run column of a table line.
func rowRun(line string) string {
	line = strings.TrimSuffix(line, " |")
	return line[strings.LastIndex(line, " | ")+3:]
}

func tableLine(r row, run string) string {
	verdict := "ok"
	if !r.ok {
		verdict = "**FAILED**"
	}
	if r.note != "" {
		verdict += ": " + r.note
	}
	return fmt.Sprintf("| %s | %s | %d | %d | %d | %d | %d | %d | %.1f | %s | %s |", r.cell, r.fault, r.c.taps, r.c.accepted,
		r.c.journaled, r.c.influx, r.c.lost, r.c.doubled, r.c.recovery.Seconds(), verdict, run)
}

// document merges a run's rows into the earlier document old: the rows of
// the cells it ran replace theirs in its size's section, the other rows of
// that size and the other size's section stay, in the matrix's order
// (cells holds every cell's name); a cell no longer in the matrix goes, and
// so does a run no row comes from any more.
func document(old string, sz size, cells []string, rows []row, run runInfo) string {
	secs := parseDocument(old)
	sec := secs[sz.name]
	if sec == nil {
		sec = &section{rows: map[string]string{}, runs: map[string]string{}}
		secs[sz.name] = sec
	}
	for _, r := range rows {
		sec.rows[r.cell] = tableLine(r, run.id)
	}
	sec.runs[run.id] = fmt.Sprintf("- **%s**: %s, %d cells in %.0f s", run.id, run.machine, run.cells, run.took.Seconds())

	var b strings.Builder
	b.WriteString(intro)
	for _, name := range sizeOrder {
		sec := secs[name]
		if sec == nil {
			continue
		}
		fmt.Fprintf(&b, "\n%s\n\n%s\n\n%s", heading(sizes[name]), describeSize(sizes[name]), tableHead)
		used := map[string]bool{}
		for _, c := range cells {
			if line, ok := sec.rows[c]; ok {
				b.WriteString(line + "\n")
				used[rowRun(line)] = true
			}
		}
		b.WriteString("\nRuns:\n")
		ids := make([]string, 0, len(sec.runs))
		for id := range sec.runs {
			if used[id] {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		for _, id := range slices.Backward(ids) {
			b.WriteString(sec.runs[id] + "\n")
		}
	}
	return b.String()
}

const intro = "# Reliability: the fault matrix\n\n" +
	`What happens to a tap when something breaks. Each row is one run of the real programs (firmware-sim's emulated
RC-S620S readers and a lines input per gateway → gateway → Mosquitto, or the aggregator's embedded broker →
aggregator → influxd 1.8), with one fault injected under load and recovered from. Then every stage is counted:

- **taps**: taps produced at the readers (emulated cards and lines written);
- **accepted**: taps a gateway recorded in its spool and confirmed to the person (its "tap recorded" log line);
- **journaled**: taps in the aggregator's journal (` + "`aggregator export`" + ` after the cell);
- **in InfluxDB**: ` + "`punch` points (`SELECT id FROM punch`)" + `;
- **lost**: accepted taps missing from the journal or from InfluxDB, plus journaled taps missing from InfluxDB;
- **doubled**: an id journaled or written to InfluxDB more than once;
- **recovery s**: from the end of the fault (the restart of what was stopped) until every accepted tap is a point
  in InfluxDB;
- **result**: ok when nothing is lost or doubled and the live staff-month figures of every staff member
  (API) equal ` + "`aggregator report`" + ` on the journal's events; the other cells say what they check. In the
  security and bad-input cells, **taps** counts the messages, requests or files tried;
- **run**: the date and commit of the run the row comes from (listed under the table with the machine).

A tap that is *not accepted* was never confirmed to the person (no green light): the reader or the gateway was
down and the person taps again. That is the promise: a confirmed tap is never lost nor counted twice. A gateway
killed between writing a tap to its spool and confirming it sends it all the same, so **journaled** may exceed
**accepted** by such taps.

Re-run it: ` + "`make chaos`" + ` (the full size, about two and a half hours here) or ` + "`make chaos CHAOS=-quick`" + ` (outages
of seconds, about two minutes; CI runs this size inside ` + "`make test`" + ` without writing this file). A run
rewrites the rows of the cells it ran and keeps the others: ` + "`scripts/chaos.sh -cells REGEXP`" + ` runs some cells.
`
