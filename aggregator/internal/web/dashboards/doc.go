// Package dashboards tests the Grafana provisioning in deploy/grafana: the
// data source and dashboards are checked for what Grafana needs, and every
// panel's and template variable's InfluxQL query runs against a real
// influxd fed through the real pipeline (simdata → MQTT → the aggregator →
// InfluxDB), with Grafana's macros filled in, its rows checked against the
// overtime engine, the journal and `aggregator report` on the same events.
// The package has no code: the provisioning files are the product.
package dashboards
