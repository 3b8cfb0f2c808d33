package report

import (
	"fmt"
	"io"
	"os"
	"testing"

	"timeclock/internal/civil"
	"timeclock/internal/simdata"
)

// BenchmarkReportFiscalYear10k replays one fiscal year of 10,000 staff
// (≈ 4.8 M events, generated once per run) through `report` and writes every
// output. Target: ≤ 10 s on the 2-core machine. Set TIMECLOCK_BENCH_STAFF to
// change the size.
func BenchmarkReportFiscalYear10k(b *testing.B) {
	staff := 10_000
	if s := os.Getenv("TIMECLOCK_BENCH_STAFF"); s != "" {
		if _, err := fmtSscan(s, &staff); err != nil {
			b.Fatal(err)
		}
	}
	dir := b.TempDir()
	cfg := simdata.Config{Seed: 1, Boards: []string{"nakatsu", "nobeoka"}, SchoolsPerBoard: staff / 2 / 25,
		StaffPerSchool: 25, From: civil.D(2026, 4, 1), To: civil.D(2027, 3, 31)}
	n, err := simdata.NewDistrict(cfg).WriteDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o := Options{Data: dir, Out: b.TempDir(), From: civil.MonthOf(2026, 4), To: civil.MonthOf(2027, 3), Workers: 2}
		if err := Run(o, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "events")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/report")
}

func fmtSscan(s string, v *int) (int, error) { return fmt.Sscan(s, v) }
