package api

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"timeclock/aggregator/internal/ingest"
	"timeclock/aggregator/internal/journal"
	"timeclock/internal/civil"
	"timeclock/internal/overtime"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
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

// MaxBody bounds the body of a POST: an adjustment is a few hundred bytes.
const MaxBody = 16 << 10

// bodyTimeout bounds the time a client may take to send its body.
const bodyTimeout = 10 * time.Second

func (a *API) postAdjustment(w http.ResponseWriter, r *http.Request, p Principal) {
	// With the page's cookie, JSON only: a cross-site form cannot send it
	// without the browser asking first (CORS), so another site cannot post
	// with a visitor's cookie. A bearer header cannot be forged that way.
	if r.Header.Get("Authorization") == "" {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			a.refuse(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
			return
		}
	}
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyTimeout))
	in, err := decodeAdjustment(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		a.refuse(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", MaxBody))
		return
	case err != nil:
		a.refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	if !a.mayAdjust(p, in.Staff) {
		a.refuse(w, http.StatusForbidden, "staff "+in.Staff+" is not in your scope")
		return
	}
	now := a.d.Now()
	adj := punch.Adjustment{ID: in.ID, Staff: in.Staff, Kind: punch.Kind(in.Kind), Minutes: in.Minutes, Time: in.Time,
		Dir: punch.Dir(in.Dir), Target: in.Target, Author: p.User, Reason: in.Reason, Created: now.In(civil.JST)}
	if adj.ID == "" {
		adj.ID = newAdjustmentID(now.UnixNano())
	}
	if adj.Kind != punch.KindRetract || in.Date != "" {
		if adj.Date, err = civil.Parse(in.Date); err != nil {
			a.refuse(w, http.StatusUnprocessableEntity, "date: "+err.Error())
			return
		}
	}
	if err := adj.Validate(now); err != nil {
		a.refuse(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	ev := punch.Event{Type: punch.TypeAdjustment, Adjustment: adj}
	res := a.d.Submit(r.Context(), ev, checkRetract)
	switch {
	case res.Err != nil && ingest.IsRefused(res.Err):
		a.refuse(w, http.StatusUnprocessableEntity, res.Err.Error())
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

// mayAdjust reports whether p may enter adjustments for staff: an admin for
// anyone on the roster, a principal for the staff of their school, a staff
// member for themselves.
func (a *API) mayAdjust(p Principal, staff string) bool {
	switch p.Role {
	case RoleAdmin:
		return true // an unknown staff id is refused by the engine, with its reason
	case RoleStaff:
		return p.Scope == staff
	case RolePrincipal:
		ok := false
		a.d.Engine().View(func(_ *overtime.Engine, data *roster.Data) {
			if si, found := data.StaffIndex(staff); found {
				ok = p.SeesStaff(&data.Staff()[si])
			}
		})
		return ok
	}
	return false
}

// checkRetract runs in the journal transaction: a retract must name a
// journaled adjustment of the same staff member that is not itself a retract.
// It also puts the retract on the target's work date.
func checkRetract(w *journal.Writer, ev *punch.Event) error {
	return w.ResolveRetract(&ev.Adjustment)
}

// newAdjustmentID makes an id unique without coordination: the time and
// random bits.
func newAdjustmentID(nanos int64) string {
	var b [4]byte
	rand.Read(b[:])
	return "adj-" + strconv.FormatInt(nanos, 36) + "-" + hex.EncodeToString(b[:])
}
