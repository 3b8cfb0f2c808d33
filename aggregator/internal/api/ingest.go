package api

import (
	"net/http"

	"timeclock/aggregator/internal/ingest"
)

// IngestView is what the gateways sent and what became of it: each
// gateway's messages, the ones deferred over its allowance and the ones
// rejected (their payloads and reasons are in /api/v1/rejected).
type IngestView struct {
	RatePerSecond float64               `json:"rate_per_s"` // 0: no limit
	Burst         int                   `json:"burst"`
	MaxPayload    int                   `json:"max_payload"`
	Messages      uint64                `json:"messages"`
	Deferred      uint64                `json:"deferred"`
	Rejected      uint64                `json:"rejected"`
	Gateways      []ingest.GatewayStats `json:"gateways"`
}

func (a *API) ingest(w http.ResponseWriter, _ *http.Request, _ Principal) {
	v := IngestView{RatePerSecond: a.d.Limits.Rate, Burst: a.d.Limits.Burst, MaxPayload: ingest.MaxPayload,
		Gateways: a.d.Gateways()}
	if v.Gateways == nil {
		v.Gateways = []ingest.GatewayStats{}
	}
	for _, g := range v.Gateways {
		v.Messages += g.Messages
		v.Deferred += g.Deferred
		v.Rejected += g.Rejected
	}
	writeJSON(w, http.StatusOK, v)
}
