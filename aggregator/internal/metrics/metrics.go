// Package metrics holds the aggregator's Prometheus collectors, registered
// on a registry of their own (so tests and several instances in one process
// do not collide) and served on /metrics.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the aggregator's collectors.
type Metrics struct {
	Registry *prometheus.Registry

	Events         *prometheus.CounterVec // by result: accepted, duplicate, rejected, deferred
	Rejected       *prometheus.CounterVec // by kind of rejection
	Deferred       *prometheus.CounterVec // by topic leaf: messages over a gateway's rate
	APIRefused     *prometheus.CounterVec // HTTP requests refused, by status code
	JournalCommit  prometheus.Histogram   // seconds per group commit
	IngestBatch    prometheus.Histogram   // messages per group commit
	InfluxWrite    prometheus.Histogram   // seconds per successful write
	InfluxPoints   prometheus.Counter
	InfluxErrors   prometheus.Counter
	InfluxRefused  prometheus.Counter // points InfluxDB refused for their content
	Feedback       *prometheus.CounterVec
	FeedbackErrors prometheus.Counter
	Reloads        *prometheus.CounterVec // by result: ok, error
	Snapshots      *prometheus.CounterVec // by result: written, error, restored, discarded
}

// New creates the collectors and registers them with the Go and process
// collectors on a new registry.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "timeclock_events_total",
			Help: "Events received over MQTT, by result (accepted, duplicate, rejected, deferred).",
		}, []string{"result"}),
		Rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "timeclock_events_rejected_total",
			Help: "Rejected payloads by kind of fault.",
		}, []string{"kind"}),
		Deferred: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "timeclock_ingest_deferred_total",
			Help: "MQTT messages over their gateway's rate: acknowledged, neither journaled nor answered (a gateway sends an unanswered tap again), by topic leaf.",
		}, []string{"leaf"}),
		APIRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "timeclock_http_refused_total",
			Help: "HTTP API requests refused, by status code (400 bad request, 401 no valid token, 403 role or scope, 413 too large, 415 not JSON, 422 invalid).",
		}, []string{"code"}),
		JournalCommit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "timeclock_journal_commit_seconds",
			Help:    "Duration of a journal group commit (including fsync).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		IngestBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "timeclock_ingest_batch_messages",
			Help:    "Messages per journal group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 14),
		}),
		InfluxWrite: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "timeclock_influx_write_seconds",
			Help:    "Duration of a successful InfluxDB write.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
		InfluxPoints: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "timeclock_influx_points_total",
			Help: "Points written to InfluxDB.",
		}),
		InfluxErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "timeclock_influx_write_errors_total",
			Help: "Failed InfluxDB writes (retried).",
		}),
		InfluxRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "timeclock_influx_points_refused_total",
			Help: "Points InfluxDB refused for their content (not retried).",
		}),
		Feedback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "timeclock_feedback_total",
			Help: "Feedback messages published, by result (ok, unknown_card, rejected).",
		}, []string{"result"}),
		FeedbackErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "timeclock_feedback_errors_total",
			Help: "Feedback messages the broker did not acknowledge.",
		}),
		Reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "timeclock_reference_reloads_total",
			Help: "Reloads of the roster, schedules and calendar, and of the users file, by result.",
		}, []string{"result"}),
		Snapshots: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "timeclock_engine_snapshots_total",
			Help: "Engine snapshots written (or failed), and restarts restored from one (or that discarded an unreadable one).",
		}, []string{"result"}),
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.Events, m.Rejected, m.Deferred, m.APIRefused, m.JournalCommit, m.IngestBatch, m.InfluxWrite, m.InfluxPoints, m.InfluxErrors,
		m.InfluxRefused, m.Feedback, m.FeedbackErrors, m.Reloads, m.Snapshots,
	)
	for _, r := range []string{"accepted", "duplicate", "rejected", "deferred"} {
		m.Events.WithLabelValues(r)
	}
	for _, l := range []string{"punch", "status"} {
		m.Deferred.WithLabelValues(l)
	}
	for _, c := range []string{"400", "401", "403", "413", "415", "422"} {
		m.APIRefused.WithLabelValues(c)
	}
	return m
}

// Gauge registers a gauge whose value is read from f at every scrape.
func (m *Metrics) Gauge(name, help string, f func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
}

// LagGauge registers the journal lag of sink: records appended but not yet
// finished by it.
func (m *Metrics) LagGauge(sink string, f func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "timeclock_journal_lag_records",
		Help:        "Journal records a sink has not finished yet.",
		ConstLabels: prometheus.Labels{"sink": sink},
	}, f))
}
