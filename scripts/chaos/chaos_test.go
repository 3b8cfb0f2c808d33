// Package chaos is the fault matrix (make chaos): the real programs
// (firmware-sim → gateway → Mosquitto or the embedded broker → aggregator →
// influxd), a known number of taps from several gateways, and per cell one
// fault injected and recovered from; then the taps are counted at every
// stage and the live staff-month figures compared with `aggregator report`
// on the journal's events. It prints a table and, with -chaos.out, writes it
// as docs/RELIABILITY.md. The test fails when a cell loses or doubles a tap.
//
//	go test ./scripts/chaos -run Chaos -chaos quick   (CI; about two minutes on 2 cores)
//	scripts/chaos.sh                                  (the full size: 10-minute outages)
package chaos

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"timeclock/internal/daemontest"
)

var (
	sizeFlag  = flag.String("chaos", "", "size of the fault matrix: quick or full (empty: quick, skipped under -short)")
	outFlag   = flag.String("chaos.out", "", "write the table to this Markdown file (docs/RELIABILITY.md)")
	cellsFlag = flag.String("chaos.cells", "", "run only the cells whose name matches this regular expression")
)

// size is how big a run is.
type size struct {
	name     string
	gateways int
	burst    int           // lines taps per gateway in each half of a cell's load
	gap      time.Duration // between two lines taps of a gateway
	outage   time.Duration // how long a component stays down
	drain    time.Duration // how long the system may take to catch up
}

var sizes = map[string]size{
	"quick": {name: "quick", gateways: 3, burst: 60, gap: 10 * time.Millisecond, outage: 3 * time.Second, drain: 2 * time.Minute},
	"full":  {name: "full", gateways: 5, burst: 3000, gap: 20 * time.Millisecond, outage: 10 * time.Minute, drain: 30 * time.Minute},
}

// bins are the project's programs, built once for the run.
var bins struct{ aggregator, gateway, sim string }

func buildBinaries(t *testing.T) {
	root, err := daemontest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// -tags chaos: the gateway's clock can be stepped (clocktrust.ChaosEnv).
	cmd := exec.Command("go", "build", "-trimpath", "-tags", "chaos", "-o", dir+"/", "./aggregator", "./gateway", "./firmware-sim")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	bins.aggregator, bins.gateway, bins.sim = filepath.Join(dir, "aggregator"), filepath.Join(dir, "gateway"), filepath.Join(dir, "firmware-sim")
}

// row is one line of the table.
type row struct {
	cell, fault string
	c           count
	note        string
	ok          bool
}

func TestChaos(t *testing.T) {
	name := *sizeFlag
	if name == "" {
		if testing.Short() {
			t.Skip("the fault matrix starts real processes (skipped under -short)")
		}
		name = "quick"
	}
	sz, ok := sizes[name]
	if !ok {
		t.Fatalf("-chaos %q: want quick or full", name)
	}
	var only *regexp.Regexp
	if *cellsFlag != "" {
		only = regexp.MustCompile(*cellsFlag)
	}
	buildBinaries(t)
	var rows []row
	started := time.Now()
	all := append(faultCells(sz), inputCells(sz)...)
	for i, c := range all {
		if only != nil && !only.MatchString(c.name) {
			continue
		}
		var r row
		t.Run(c.name, func(t *testing.T) {
			fmt.Fprintf(os.Stderr, "chaos [%d/%d] %s: %s …\n", i+1, len(all), c.name, c.fault)
			r = c.run(t)
			r.cell, r.fault = c.name, c.fault
			if !r.ok {
				t.Errorf("%s: %s", c.name, r.describe())
			}
		})
		if r.cell == "" {
			continue // not selected by -run
		}
		fmt.Fprintf(os.Stderr, "chaos [%d/%d] %s: %s\n", i+1, len(all), c.name, r.describe())
		rows = append(rows, r)
	}
	table := render(rows, sz, time.Since(started))
	fmt.Fprint(os.Stderr, "\n"+table)
	if *outFlag != "" {
		if err := os.WriteFile(*outFlag, []byte(document(table, sz)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// cell is one fault and how its outcome is judged.
type cell struct {
	name, fault string
	run         func(t *testing.T) row
}

func (r row) describe() string {
	verdict := "ok"
	if !r.ok {
		verdict = "FAILED"
	}
	return fmt.Sprintf("%s — taps %d, accepted %d, journaled %d, InfluxDB %d, lost %d, doubled %d, recovery %.1f s; %s",
		verdict, r.c.taps, r.c.accepted, r.c.journaled, r.c.influx, r.c.lost, r.c.doubled, r.c.recovery.Seconds(), r.note)
}

func render(rows []row, sz size, took time.Duration) string {
	var b strings.Builder
	b.WriteString("| cell | fault | taps | accepted | journaled | in InfluxDB | lost | doubled | recovery s | result |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range rows {
		verdict := "ok"
		if !r.ok {
			verdict = "**FAILED**"
		}
		if r.note != "" {
			verdict += ": " + r.note
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %d | %d | %d | %.1f | %s |\n", r.cell, r.fault, r.c.taps, r.c.accepted,
			r.c.journaled, r.c.influx, r.c.lost, r.c.doubled, r.c.recovery.Seconds(), verdict)
	}
	fmt.Fprintf(&b, "\nSize %s (%d gateways, outages of %v), %d cells in %.0f s.\n", sz.name, sz.gateways, sz.outage, len(rows), took.Seconds())
	return b.String()
}

func document(table string, sz size) string {
	host, _ := os.Hostname()
	cpu := runtime.NumCPU()
	return fmt.Sprintf(`# Reliability: the fault matrix

What happens to a tap when something breaks. Each row is one run of the real programs (firmware-sim's emulated
RC-S620S readers and a lines input per gateway → gateway → Mosquitto, or the aggregator's embedded broker →
aggregator → influxd 1.8), with one fault injected under load and recovered from. Then every stage is counted:

- **taps**: taps produced at the readers (emulated cards and lines written);
- **accepted**: taps a gateway recorded in its spool and confirmed to the person (its "tap recorded" log line);
- **journaled**: taps in the aggregator's journal (%[1]saggregator export%[1]s after the cell);
- **in InfluxDB**: %[1]spunch%[1]s points (%[1]sSELECT id FROM punch%[1]s);
- **lost**: accepted taps missing from the journal or from InfluxDB, plus journaled taps missing from InfluxDB;
- **doubled**: an id journaled or written to InfluxDB more than once;
- **recovery s**: from the end of the fault (the restart of what was stopped) until every accepted tap is a point
  in InfluxDB;
- **result**: ok when nothing is lost or doubled and the live staff-month figures of every staff member
  (API) equal %[1]saggregator report%[1]s on the journal's events; the other cells say what they check. In the
  security and bad-input cells, **taps** counts the messages, requests or files tried.

A tap that is *not accepted* was never confirmed to the person (no green light): the reader or the gateway was
down and the person taps again. That is the promise: a confirmed tap is never lost nor counted twice. A gateway
killed between writing a tap to its spool and confirming it sends it all the same, so **journaled** may exceed
**accepted** by such taps.

Re-run it: %[1]smake chaos%[1]s (the full size: 5 gateways, 6,000 taps each per cell, outages of 10 minutes) or
%[1]sscripts/chaos.sh -quick%[1]s (outages of seconds; what CI runs, inside %[1]smake test%[1]s).

Run of %[2]s on %[3]s (%[4]d CPUs, %[5]s/%[6]s), size %[7]s:

%[8]s
`, "`", time.Now().Format("2006-01-02"), host, cpu, runtime.GOOS, runtime.GOARCH, sz.name, table)
}
