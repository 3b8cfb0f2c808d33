// Package punch speaks the contract of FORMATS.md §1–2 that every binary
// shares: the tap and adjustment events, the gateway status and the
// aggregator feedback messages, the MQTT topics they travel on, card ids, and
// a strict, allocation-lean JSON codec with precise rejection reasons.
//
// The package never reads the clock and does no I/O: the caller passes "now"
// where a check needs it.
package punch
