// Package promdecl creates Prometheus collectors from a table of
// declarations, so that each metric's name, help text, label and buckets are
// written once, next to the field that holds the collector.
package promdecl

import "github.com/prometheus/client_golang/prometheus"

// Metric declares one collector: Into set, or Counter or Gauge.
type Metric struct {
	Name, Help string
	// Into receives the collector: a *prometheus.Counter, a
	// *prometheus.Histogram of Buckets, or a **prometheus.CounterVec by Label
	// whose series for Values exist (at zero) from the start.
	Into    any
	Label   string
	Values  []string
	Buckets []float64
	// Counter or Gauge is read at every scrape.
	Counter, Gauge func() float64
	Const          prometheus.Labels
}

// Register creates the collectors of ms, with prefix before each name, and
// registers them on reg.
func Register(reg prometheus.Registerer, prefix string, ms ...Metric) {
	for _, d := range ms {
		reg.MustRegister(d.collector(prefix))
	}
}

func (d Metric) collector(prefix string) prometheus.Collector {
	opts := prometheus.Opts{Name: prefix + d.Name, Help: d.Help, ConstLabels: d.Const}
	switch into := d.Into.(type) {
	case *prometheus.Counter:
		*into = prometheus.NewCounter(prometheus.CounterOpts(opts))
		return *into
	case *prometheus.Histogram:
		*into = prometheus.NewHistogram(prometheus.HistogramOpts{Name: opts.Name, Help: d.Help, ConstLabels: d.Const,
			Buckets: d.Buckets})
		return *into
	case **prometheus.CounterVec:
		*into = prometheus.NewCounterVec(prometheus.CounterOpts(opts), []string{d.Label})
		for _, v := range d.Values {
			(*into).WithLabelValues(v)
		}
		return *into
	}
	if d.Counter != nil {
		return prometheus.NewCounterFunc(prometheus.CounterOpts(opts), d.Counter)
	}
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts(opts), d.Gauge)
}
