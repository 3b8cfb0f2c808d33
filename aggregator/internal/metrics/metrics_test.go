package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// TestExposesEveryDeclared scrapes /metrics: every declared collector is
// there with its help text, and so are the series made at zero, the gauges
// registered later and the Go and process collectors.
func TestExposesEveryDeclared(t *testing.T) {
	m := New()
	m.Gauge("timeclock_staff_tracked", "Staff members on the roster the engine tracks.", func() float64 { return 3 })
	m.LagGauge("influx", func() float64 { return 1 })
	var want []string
	for _, d := range m.declared() {
		if v, ok := d.Into.(**prometheus.CounterVec); ok && len(d.Values) == 0 {
			(*v).WithLabelValues("x") // a vector without series is not exposed
		}
		want = append(want, "# HELP "+d.Name+" "+d.Help+"\n")
	}
	srv := httptest.NewServer(promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, `timeclock_events_total{result="deferred"} 0`, `timeclock_http_refused_total{code="422"} 0`,
		`timeclock_ingest_deferred_total{leaf="status"} 0`, "timeclock_staff_tracked 3",
		`timeclock_journal_lag_records{sink="influx"} 1`, "# TYPE timeclock_journal_commit_seconds histogram",
		`timeclock_ingest_batch_messages_bucket{le="8192"} 0`, "# TYPE go_goroutines gauge",
		"# TYPE process_start_time_seconds gauge")
	for _, w := range want {
		if !strings.Contains(string(b), w) {
			t.Errorf("/metrics lacks %q", w)
		}
	}
	if len(m.declared()) != 14 {
		t.Errorf("%d collectors declared, want the 14 fields of Metrics", len(m.declared()))
	}
}
