// Package chaos is the fault matrix (make chaos): the real programs
// (firmware-sim → gateway → Mosquitto or the embedded broker → aggregator →
// influxd), a known number of taps from several gateways, and per cell one
// fault injected and recovered from; then the taps are counted at every
// stage and the live staff-month figures compared with `aggregator report`
// on the journal's events. It prints a table and, with -chaos.out, merges it
// into docs/RELIABILITY.md (document_test.go). The test fails when a cell
// loses or doubles a tap.
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

// buildBinaries builds them and returns the module root they come from.
func buildBinaries(t *testing.T) string {
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
	return root
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
	root := buildBinaries(t)
	commit := checkedOut(root)
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
	host, _ := os.Hostname()
	machine := fmt.Sprintf("%s (%d CPUs, %s/%s)", host, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	run := thisRun(commit, machine, len(rows), time.Since(started))
	var table strings.Builder
	table.WriteString(tableHead)
	for _, r := range rows {
		table.WriteString(tableLine(r, run.id) + "\n")
	}
	fmt.Fprintf(os.Stderr, "\n%s\nSize %s (%s) %d cells in %.0f s.\n", table.String(), sz.name, describeSize(sz), len(rows), run.took.Seconds())
	if *outFlag != "" {
		old, err := os.ReadFile(*outFlag)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		names := make([]string, len(all))
		for i, c := range all {
			names[i] = c.name
		}
		if err := os.WriteFile(*outFlag, []byte(document(string(old), sz, names, rows, run)), 0o644); err != nil {
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
