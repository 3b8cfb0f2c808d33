package api

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"timeclock/aggregator/internal/ingest"
	"timeclock/aggregator/internal/journal"
	"timeclock/internal/civil"
	"timeclock/internal/punch"
)

// adjustmentIn is the body of POST /api/v1/adjustments: the adjustment of
// FORMATS.md §2 without v, type, author and created, which the aggregator
// sets (the author from the credential). id is optional; a client that sets
// it can retry safely, since the journal is idempotent on it.
type adjustmentIn struct {
	ID      string `json:"id"`
	Staff   string `json:"staff"`
	Date    string `json:"date"`
	Kind    string `json:"kind"`
	Minutes int    `json:"minutes"`
	Time    string `json:"time"`
	Dir     string `json:"dir"`
	Target  string `json:"target"`
	Reason  string `json:"reason"`
}

type adjustmentOut struct {
	ID        string           `json:"id"`
	Seq       uint64           `json:"seq"`
	Duplicate bool             `json:"duplicate"`
	Event     punch.Adjustment `json:"adjustment"`
}

const maxBody = 64 << 10

func (a *API) postAdjustment(w http.ResponseWriter, r *http.Request, p Principal) {
	in, err := decodeAdjustment(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if p.Role == RoleStaff && in.Staff != p.Name {
		writeError(w, http.StatusForbidden, "staff may enter adjustments for themselves only")
		return
	}
	now := a.d.Now()
	adj := punch.Adjustment{ID: in.ID, Staff: in.Staff, Kind: punch.Kind(in.Kind), Minutes: in.Minutes, Time: in.Time,
		Dir: punch.Dir(in.Dir), Target: in.Target, Author: p.Name, Reason: in.Reason, Created: now.In(civil.JST)}
	if adj.ID == "" {
		adj.ID = newAdjustmentID(now.UnixNano())
	}
	if adj.Kind != punch.KindRetract || in.Date != "" {
		if adj.Date, err = civil.Parse(in.Date); err != nil {
			writeError(w, http.StatusUnprocessableEntity, "date: "+err.Error())
			return
		}
	}
	if err := adj.Validate(now); err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	ev := punch.Event{Type: punch.TypeAdjustment, Adjustment: adj}
	res := a.d.Submit(r.Context(), ev, a.checkRetract)
	switch {
	case res.Err != nil && ingest.IsRefused(res.Err):
		writeError(w, http.StatusUnprocessableEntity, res.Err.Error())
	case res.Err != nil:
		a.d.Log.Error("adjustment not journaled", "id", adj.ID, "err", res.Err)
		writeError(w, http.StatusServiceUnavailable, "the adjustment could not be journaled; retry with the same id")
	case res.Duplicate:
		writeJSON(w, http.StatusOK, adjustmentOut{ID: adj.ID, Seq: res.Seq, Duplicate: true, Event: adj})
	default:
		a.d.Log.Info("adjustment journaled", "id", adj.ID, "staff", adj.Staff, "kind", adj.Kind, "author", adj.Author)
		writeJSON(w, http.StatusCreated, adjustmentOut{ID: adj.ID, Seq: res.Seq, Event: res.Event.Adjustment})
	}
}

func decodeAdjustment(r io.Reader) (adjustmentIn, error) {
	var in adjustmentIn
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, fmt.Errorf("body: %w", err)
	}
	if dec.More() {
		return in, errors.New("body: one JSON object expected")
	}
	return in, nil
}

// checkRetract runs in the journal transaction: a retract must name a
// journaled adjustment of the same staff member that is not itself a retract.
// It also puts the retract on the target's work date.
func (a *API) checkRetract(w *journal.Writer, ev *punch.Event) error {
	adj := &ev.Adjustment
	if adj.Kind != punch.KindRetract {
		return nil
	}
	seq, ok := w.Lookup(adj.Target)
	if !ok {
		return fmt.Errorf("target %q: no such adjustment", adj.Target)
	}
	kind, data, ok := w.Get(seq)
	if !ok || kind != journal.KindAdjustment {
		return fmt.Errorf("target %q is not an adjustment", adj.Target)
	}
	t, err := journal.DecodeEvent(data)
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

// newAdjustmentID makes an id unique without coordination: the time and
// random bits.
func newAdjustmentID(nanos int64) string {
	var b [4]byte
	rand.Read(b[:])
	return "adj-" + strconv.FormatInt(nanos, 36) + "-" + hex.EncodeToString(b[:])
}
