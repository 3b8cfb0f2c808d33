package service

import (
	"context"
	"errors"
	"maps"
	"net"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"timeclock/internal/promdecl"
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
	promdecl.Register(m.reg, "timeclock_gateway_", m.declared(s)...)
	return m
}

// declared are the series of m, of s.
func (m *metrics) declared(s *Service) []promdecl.Metric {
	st := &s.pub.Stats
	load := func(c *atomic.Uint64) func() float64 { return func() float64 { return float64(c.Load()) } }
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	ms := []promdecl.Metric{
		{Into: &m.accepted, Name: "taps_accepted_total", Help: "Taps fsynced in the spool and confirmed to the person."},
		{Into: &m.failed, Name: "taps_failed_total", Help: "Card reads the spool could not record."},
		{Into: &m.debounced, Name: "reads_debounced_total",
			Help: "Repeated reads of the same card at the same reader within the debounce time."},
		{Into: &m.latency, Name: "accept_seconds", Buckets: []float64{.001, .002, .005, .01, .02, .05, .1, .2, .5, 1},
			Help: "From the card decoded to the local accepted feedback (spool fsync included)."},
		{Name: "spool_depth", Help: "Taps in the spool not yet acknowledged by the aggregator.",
			Gauge: func() float64 { return float64(s.sp.Depth()) }},
		{Name: "spool_commits_total", Help: "Fsynced spool commits.", Counter: func() float64 { return float64(s.sp.Commits()) }},
		{Name: "spool_damaged_total", Help: "Spool records that could not be read, set aside in its damaged bucket.",
			Counter: func() float64 { return float64(s.sp.Damaged()) }},
		{Name: "published_total", Help: "Taps published for the first time.", Counter: load(&st.Published)},
		{Name: "republished_total", Help: "Taps published again (timeout or reconnect).", Counter: load(&st.Republished)},
		{Name: "acked_total", Help: "Taps acknowledged by the aggregator.", Counter: load(&st.Acked)},
		{Name: "publish_errors_total", Help: "Publishes the MQTT client refused.", Counter: load(&st.SendErrors)},
		{Name: "clock_synced", Help: "1 when the wall clock is synchronised.", Gauge: func() float64 { return b2f(s.trust.Synced()) }},
		{Name: "clock_jumps_total", Help: "Jumps of the wall clock seen.", Counter: func() float64 { return float64(s.trust.Jumps()) }},
		{Name: "connected", Help: "1 when connected to the broker.", Gauge: func() float64 { return b2f(s.online()) }},
	}
	return append(ms, readerMetrics(s.sources)...)
}

// readerMetrics are the series of each reader that keeps ReaderStats,
// labelled reader="name", in the order of the names.
func readerMetrics(sources map[string]Source) []promdecl.Metric {
	var ms []promdecl.Metric
	for _, name := range slices.Sorted(maps.Keys(sources)) {
		c, ok := sources[name].(counted)
		if !ok {
			continue
		}
		of := func(field func(ReaderStats) uint64) func() float64 {
			return func() float64 { return float64(field(c.Stats())) }
		}
		label := prometheus.Labels{"reader": name}
		ms = append(ms,
			promdecl.Metric{Name: "reader_opens_total", Help: "Successful opens (and initialisations) of the reader.",
				Const: label, Counter: of(func(st ReaderStats) uint64 { return st.Opens })},
			promdecl.Metric{Name: "reader_errors_total",
				Help:  "Failed opens and polls of the reader; for a Wiegand reader also frames dropped (bad length, parity, noise, or cut off by a line failure).",
				Const: label, Counter: of(func(st ReaderStats) uint64 { return st.Errors })},
			promdecl.Metric{Name: "reader_reads_total", Help: "Cards read by the reader and handed to the gateway.",
				Const: label, Counter: of(func(st ReaderStats) uint64 { return st.Reads })})
	}
	return ms
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
