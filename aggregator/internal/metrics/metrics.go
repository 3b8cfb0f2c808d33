// Package metrics holds the aggregator's Prometheus collectors, registered
// on a registry of their own (so tests and several instances in one process
// do not collide) and served on /metrics.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"timeclock/internal/promdecl"
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
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	promdecl.Register(m.Registry, "", m.declared()...)
	return m
}

// declared are the collectors of m.
func (m *Metrics) declared() []promdecl.Metric {
	return []promdecl.Metric{
		{Into: &m.Events, Name: "timeclock_events_total", Label: "result",
			Values: []string{"accepted", "duplicate", "rejected", "deferred"},
			Help:   "Events received over MQTT, by result (accepted, duplicate, rejected, deferred)."},
		{Into: &m.Rejected, Name: "timeclock_events_rejected_total", Label: "kind",
			Help: "Rejected payloads by kind of fault."},
		{Into: &m.Deferred, Name: "timeclock_ingest_deferred_total", Label: "leaf", Values: []string{"punch", "status"},
			Help: "MQTT messages over their gateway's rate, by topic leaf: held taps (kept in the journal file, journaled and answered at the rate) and, beyond the bound of held taps, messages acknowledged unanswered (a gateway sends an unanswered tap again)."},
		{Into: &m.APIRefused, Name: "timeclock_http_refused_total", Label: "code",
			Values: []string{"400", "401", "403", "413", "415", "422"},
			Help:   "HTTP API requests refused, by status code (400 bad request, 401 no valid token, 403 role or scope, 413 too large, 415 not JSON, 422 invalid)."},
		{Into: &m.JournalCommit, Name: "timeclock_journal_commit_seconds", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
			Help: "Duration of a journal group commit (including fsync)."},
		{Into: &m.IngestBatch, Name: "timeclock_ingest_batch_messages", Buckets: prometheus.ExponentialBuckets(1, 2, 14),
			Help: "Messages per journal group commit."},
		{Into: &m.InfluxWrite, Name: "timeclock_influx_write_seconds", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
			Help: "Duration of a successful InfluxDB write."},
		{Into: &m.InfluxPoints, Name: "timeclock_influx_points_total", Help: "Points written to InfluxDB."},
		{Into: &m.InfluxErrors, Name: "timeclock_influx_write_errors_total", Help: "Failed InfluxDB writes (retried)."},
		{Into: &m.InfluxRefused, Name: "timeclock_influx_points_refused_total",
			Help: "Points InfluxDB refused for their content (not retried)."},
		{Into: &m.Feedback, Name: "timeclock_feedback_total", Label: "result",
			Help: "Feedback messages published, by result (ok, unknown_card, rejected)."},
		{Into: &m.FeedbackErrors, Name: "timeclock_feedback_errors_total",
			Help: "Feedback messages the broker did not acknowledge."},
		{Into: &m.Reloads, Name: "timeclock_reference_reloads_total", Label: "result",
			Help: "Reloads of the roster, schedules and calendar, and of the users file, by result."},
		{Into: &m.Snapshots, Name: "timeclock_engine_snapshots_total", Label: "result",
			Help: "Engine snapshots written (or failed), and restarts restored from one (or that discarded an unreadable one)."},
	}
}

// Gauge registers a gauge whose value is read from f at every scrape.
func (m *Metrics) Gauge(name, help string, f func() float64) {
	promdecl.Register(m.Registry, "", promdecl.Metric{Name: name, Help: help, Gauge: f})
}

// LagGauge registers the journal lag of sink: records appended but not yet
// finished by it.
func (m *Metrics) LagGauge(sink string, f func() float64) {
	promdecl.Register(m.Registry, "", promdecl.Metric{Name: "timeclock_journal_lag_records",
		Help: "Journal records a sink has not finished yet.", Const: prometheus.Labels{"sink": sink}, Gauge: f})
}
