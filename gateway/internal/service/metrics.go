package service

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the gateway's Prometheus series.
type metrics struct {
	reg       *prometheus.Registry
	accepted  prometheus.Counter
	failed    prometheus.Counter
	debounced prometheus.Counter
	latency   prometheus.Histogram
}

func newMetrics(s *Service) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	ns := "timeclock_gateway_"
	m.accepted = prometheus.NewCounter(prometheus.CounterOpts{Name: ns + "taps_accepted_total",
		Help: "Taps fsynced in the spool and confirmed to the person."})
	m.failed = prometheus.NewCounter(prometheus.CounterOpts{Name: ns + "taps_failed_total",
		Help: "Card reads the spool could not record."})
	m.debounced = prometheus.NewCounter(prometheus.CounterOpts{Name: ns + "reads_debounced_total",
		Help: "Repeated reads of the same card at the same reader within the debounce time."})
	m.latency = prometheus.NewHistogram(prometheus.HistogramOpts{Name: ns + "accept_seconds",
		Help:    "From the card decoded to the local accepted feedback (spool fsync included).",
		Buckets: []float64{.001, .002, .005, .01, .02, .05, .1, .2, .5, 1}})
	st := &s.pub.Stats
	counter := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: ns + name, Help: help}, f)
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: ns + name, Help: help}, f)
	}
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	m.reg.MustRegister(m.accepted, m.failed, m.debounced, m.latency,
		gauge("spool_depth", "Taps in the spool not yet acknowledged by the aggregator.",
			func() float64 { return float64(s.sp.Depth()) }),
		counter("spool_commits_total", "Fsynced spool commits.", func() float64 { return float64(s.sp.Commits()) }),
		counter("published_total", "Taps published for the first time.", func() float64 { return float64(st.Published.Load()) }),
		counter("republished_total", "Taps published again (timeout or reconnect).",
			func() float64 { return float64(st.Republished.Load()) }),
		counter("acked_total", "Taps acknowledged by the aggregator.", func() float64 { return float64(st.Acked.Load()) }),
		counter("publish_errors_total", "Publishes the MQTT client refused.",
			func() float64 { return float64(st.SendErrors.Load()) }),
		gauge("clock_synced", "1 when the wall clock is synchronised.", func() float64 { return b2f(s.trust.Synced()) }),
		counter("clock_jumps_total", "Jumps of the wall clock seen.", func() float64 { return float64(s.trust.Jumps()) }),
		gauge("connected", "1 when connected to the broker.", func() float64 { return b2f(s.sender.Session() != 0) }),
	)
	return m
}

// serve answers /metrics on addr until ctx ends.
func (m *metrics) serve(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
