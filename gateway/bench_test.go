package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"timeclock/gateway/internal/spool"
	"timeclock/internal/mosquittotest"
	"timeclock/internal/punch"
)

// BenchmarkBacklog100k measures the gateway process holding a backlog of
// 100,000 spooled taps while the aggregator does not answer (resident
// memory, rss-MB, and its peak hwm-MB over the whole run), then how fast the backlog drains once
// it answers again (drain-taps/s, end to end through a real Mosquitto, at
// -publish-rate 20000 with a window of 1000). One iteration is the whole run.
func BenchmarkBacklog100k(b *testing.B) {
	const backlog = 100_000
	for range b.N {
		broker := mosquittotest.Start(b)
		acker := startAcker(b, broker.URL(), e2eBoard)
		acker.Pause(true)
		dir := b.TempDir()
		spoolDir := filepath.Join(dir, "spool")
		prefill(b, spoolDir, "gw-bench", backlog)
		in := newFIFO(b)
		g := startGateway(b, filepath.Join(dir, "gateway.log"),
			gatewayArgs(broker.URL(), "gw-bench", spoolDir, in.path,
				"-publish-rate", "20000", "-window", "1000", "-ack-timeout", "30s", "-ack-timeout-max", "1m")...)
		ctx := g.ctx
		if err := acker.WaitDistinct(ctx, 1000); err != nil { // the window is out, unanswered
			b.Fatal(err)
		}
		waitStatus(b, ctx, broker, "gw-bench", func(st punch.Status) bool { return st.Online && st.Queue == backlog })
		rss, hwm, _ := procMemory(b, g.cmd.Process.Pid)
		start := time.Now()
		acker.Resume() // the window published while paused is answered first
		if err := acker.WaitDistinct(ctx, backlog); err != nil {
			b.Fatal(err)
		}
		waitStatus(b, ctx, broker, "gw-bench", func(st punch.Status) bool { return st.Queue == 0 })
		drain := time.Since(start)
		drainRSS, hwm2, drainAnon := procMemory(b, g.cmd.Process.Pid)
		g.stop()
		b.ReportMetric(rss, "rss-MB")
		b.ReportMetric(max(hwm, hwm2), "hwm-MB")
		b.ReportMetric(drainRSS, "drained-rss-MB")
		b.ReportMetric(drainAnon, "drained-anon-MB")
		b.ReportMetric(backlog/drain.Seconds(), "drain-taps/s")
	}
}

// prefill writes n taps into a new spool in batches, as a gateway would
// have during a long outage.
func prefill(tb testing.TB, dir, gw string, n int) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	sp, err := spool.Open(filepath.Join(dir, "spool.db"), gw, time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	defer sp.Close()
	batch := make([]spool.Tap, 1000)
	at := time.Now().Add(-time.Hour)
	for i := 0; i < n; i += len(batch) {
		for j := range batch {
			batch[j] = spool.Tap{Reader: "entrance", Card: fmt.Sprintf("felica:%016x", i+j),
				Dir: "in", Time: at.Add(time.Duration(i+j) * 30 * time.Millisecond), Synced: true}
		}
		if _, err := sp.Append(context.Background(), batch...); err != nil {
			tb.Fatal(err)
		}
	}
}

// procMemory reads VmRSS, VmHWM and RssAnon of pid, in MB. The rest of
// the RSS is file pages: the binary and the spool's memory map, page cache
// the kernel can take back.
func procMemory(tb testing.TB, pid int) (rss, hwm, anon float64) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[0], 64)
		switch k {
		case "VmRSS":
			rss = kb / 1024
		case "VmHWM":
			hwm = kb / 1024
		case "RssAnon":
			anon = kb / 1024
		}
	}
	return rss, hwm, anon
}
