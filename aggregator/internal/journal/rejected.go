package journal

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Rejected is a payload the aggregator could not accept, kept with the
// reason so that a person can see it (and the gateway's stream is not
// blocked by it).
type Rejected struct {
	Seq      uint64    `json:"seq"`
	Received time.Time `json:"received"`
	Topic    string    `json:"topic"`
	Kind     string    `json:"kind"`   // the error kind (e.g. "json", "version", "mismatch", "board")
	Reason   string    `json:"reason"` // the precise error
	Payload  string    `json:"payload"`
}

// maxRejectedPayload bounds what is kept of a rejected payload: a broken or
// hostile publisher must not grow the journal without bound per message.
const maxRejectedPayload = 4096

// Reject appends r to the log of rejected payloads and returns its sequence
// number there (rejected payloads have their own numbering).
func (w *Writer) Reject(r Rejected) (uint64, error) {
	b := w.tx.Bucket(bucketRejected)
	seq, err := b.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("journal: reject: %w", err)
	}
	r.Seq = seq
	if len(r.Payload) > maxRejectedPayload {
		r.Payload = r.Payload[:maxRejectedPayload]
	}
	v, err := json.Marshal(r)
	if err != nil {
		return 0, fmt.Errorf("journal: reject: %w", err)
	}
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	if err := b.Put(k[:], v); err != nil {
		return 0, fmt.Errorf("journal: reject: %w", err)
	}
	w.rejected++
	return seq, nil
}

// Rejected returns up to limit rejected payloads with a sequence number
// below before (0: from the newest), newest first.
func (j *Journal) Rejected(before uint64, limit int) ([]Rejected, error) {
	var out []Rejected
	err := j.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRejected).Cursor()
		var k, v []byte
		if before == 0 {
			k, v = c.Last()
		} else {
			var start [8]byte
			binary.BigEndian.PutUint64(start[:], before)
			c.Seek(start[:])
			k, v = c.Prev()
			if k == nil {
				// Seek ran past the end: every record is below before.
				k, v = c.Last()
				if k != nil && binary.BigEndian.Uint64(k) >= before {
					k = nil
				}
			}
		}
		for ; k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			var r Rejected
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("journal: rejected record %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}
