package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"timeclock/internal/civil"
	"timeclock/internal/cli"
	"timeclock/internal/simdata"
)

// history writes a generated school district — schedules.csv, roster.csv,
// calendar.csv and events.jsonl (FORMATS.md §2–3) — for a demo, an import
// into the aggregator or a benchmark:
//
//	firmware-sim history -out DIR -from 2026-04-01 -to 2026-11-20 [-boards nakatsu,nobeoka] [-schools 4] [-staff 25]
func history(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("history", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "folder to write the district's files into")
	from := fs.String("from", "", "first date of the history, YYYY-MM-DD")
	to := fs.String("to", "", "last date of the history, YYYY-MM-DD")
	boards := fs.String("boards", "nakatsu", "board ids, comma-separated")
	schools := fs.Int("schools", 4, "schools per board")
	staff := fs.Int("staff", 25, "staff per school (at least 4)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same district")
	if err := fs.Parse(args); err != nil {
		return cli.UsageError{Msg: err.Error()}
	}
	if *out == "" {
		return cli.UsageError{Msg: "history: -out is required"}
	}
	f, err := civil.Parse(*from)
	if err != nil {
		return cli.UsageError{Msg: "history: -from: " + err.Error()}
	}
	t, err := civil.Parse(*to)
	if err != nil {
		return cli.UsageError{Msg: "history: -to: " + err.Error()}
	}
	if t < f {
		return cli.UsageError{Msg: "history: -to is before -from"}
	}
	if *schools < 1 || *staff < 4 {
		return cli.UsageError{Msg: "history: want -schools ≥ 1 and -staff ≥ 4"}
	}
	d := simdata.NewDistrict(simdata.Config{Seed: *seed, Boards: strings.Split(*boards, ","),
		SchoolsPerBoard: *schools, StaffPerSchool: *staff, From: f, To: t})
	n, err := d.WriteDir(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "history: %d staff, %d events, %s … %s → %s\n", len(d.Staff), n, f, t, *out)
	return nil
}
