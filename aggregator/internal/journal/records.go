package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"timeclock/internal/punch"
)

// Alert is an alert transition the engine reported (KindAlert). Alerts are
// journaled in the same commit as the events that caused them, so the alert
// series survives a crash exactly like the events do.
type Alert struct {
	Staff     string    `json:"staff"`
	Board     string    `json:"board"`
	School    string    `json:"school"`
	Rule      string    `json:"rule"`
	Level     string    `json:"level"`
	Raised    bool      `json:"raised"`
	Period    string    `json:"period"` // YYYY-MM for monthly rules, YYYY-MM-DD for day-level ones
	Value     float64   `json:"value"`
	Threshold float64   `json:"threshold"`
	At        time.Time `json:"at"` // detection time
}

// Key identifies the condition the alert is about: a raise and its clear
// share it.
func (a Alert) Key() string { return a.Staff + "\x00" + a.Rule + "\x00" + a.Period }

// CompareAlerts orders alerts by Key (staff, rule, period), for
// slices.SortFunc.
func CompareAlerts(a, b Alert) int { return strings.Compare(a.Key(), b.Key()) }

// Status is a gateway's retained status report (KindStatus).
type Status struct {
	Board       string            `json:"board"`
	School      string            `json:"school"`
	Gateway     string            `json:"gateway"`
	Online      bool              `json:"online"`
	Queue       int               `json:"queue"`
	ClockSynced bool              `json:"clock_synced"`
	Readers     map[string]string `json:"readers,omitempty"`
	Version     string            `json:"version,omitempty"`
	TS          time.Time         `json:"ts"`       // the gateway's report time
	Received    time.Time         `json:"received"` // when the aggregator got it
}

// Reload marks a change of the reference data (KindReload): every derived
// day and month may have moved.
type Reload struct {
	At    time.Time `json:"at"`
	Staff int       `json:"staff"` // staff on the new roster
}

// Marshal encodes a record of kind Alert, Status or Reload.
func Marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// only plain structs of this file reach here
		panic(fmt.Sprintf("journal: marshal %T: %v", v, err))
	}
	return b
}

// DecodeAlert decodes a KindAlert record.
func DecodeAlert(b []byte) (Alert, error) {
	var a Alert
	if err := json.Unmarshal(b, &a); err != nil {
		return a, fmt.Errorf("%w: alert: %v", ErrCorrupt, err)
	}
	return a, nil
}

// DecodeStatus decodes a KindStatus record.
func DecodeStatus(b []byte) (Status, error) {
	var s Status
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%w: status: %v", ErrCorrupt, err)
	}
	return s, nil
}

// ErrNoTarget is the error of a retract whose target is not journaled.
var ErrNoTarget = errors.New("no such adjustment")

// ResolveRetract checks, inside the write transaction, that the retract adj
// names a journaled adjustment of the same staff member that is not itself
// a retract, and puts adj on the target's work date. Any other adjustment
// passes unchanged.
func (w *Writer) ResolveRetract(adj *punch.Adjustment) error {
	if adj.Kind != punch.KindRetract {
		return nil
	}
	seq, ok := w.Lookup(adj.Target)
	if !ok {
		return fmt.Errorf("target %q: %w", adj.Target, ErrNoTarget)
	}
	kind, data, ok := w.Get(seq)
	if !ok || kind != KindAdjustment {
		return fmt.Errorf("target %q is not an adjustment", adj.Target)
	}
	t, err := DecodeEvent(data)
	if err != nil {
		return err
	}
	if t.Event.Adjustment.Staff != adj.Staff {
		return fmt.Errorf("target %q is an adjustment of %s, not of %s", adj.Target, t.Event.Adjustment.Staff, adj.Staff)
	}
	if t.Event.Adjustment.Kind == punch.KindRetract {
		return fmt.Errorf("target %q is a retract: enter the adjustment again instead", adj.Target)
	}
	adj.Date = t.Event.Adjustment.Date
	return nil
}
