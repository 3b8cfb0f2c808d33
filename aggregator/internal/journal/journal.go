// Package journal is the aggregator's record: an append-only log on disk
// (bbolt, fsynced on every commit) of the accepted events, the alert
// transitions the engine reported and the gateways' status reports, kept
// idempotent on the event id, with one cursor per sink and a separate log of
// rejected payloads with their reasons.
//
// Everything else the aggregator holds (engine state, InfluxDB series,
// feedback) is derived from the journal and can be rebuilt from it. A write
// transaction groups many events into one commit (group commit), so the cost
// of the fsync is shared by every message of a burst.
package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Kind says what a log record holds.
type Kind uint8

// Record kinds. The values are stored on disk: never renumber them.
const (
	KindTap        Kind = 1 // a tap event (FORMATS.md §2)
	KindAdjustment Kind = 2 // an adjustment event (FORMATS.md §2)
	KindAlert      Kind = 3 // an alert transition the engine reported
	KindStatus     Kind = 4 // a gateway's status report (FORMATS.md §1)
	KindReload     Kind = 5 // the roster or calendar changed: every derived value may have moved
)

func (k Kind) String() string {
	switch k {
	case KindTap:
		return "tap"
	case KindAdjustment:
		return "adjustment"
	case KindAlert:
		return "alert"
	case KindStatus:
		return "status"
	case KindReload:
		return "reload"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

var (
	bucketLog      = []byte("log")      // seq → kind byte + data
	bucketIDs      = []byte("ids")      // event id → seq
	bucketCursors  = []byte("cursors")  // sink name → seq of the last record it finished
	bucketRejected = []byte("rejected") // rejected seq → encoded Rejected
	bucketStats    = []byte("stats")    // kind byte → number of records of that kind
	bucketHeld     = []byte("held")     // key → a message held over its gateway's allowance, until journaled
)

// maxKind bounds the kinds counted in the stats bucket.
const maxKind = 16

// ErrClosed is returned after Close.
var ErrClosed = errors.New("journal: closed")

// ErrLocked is returned by Open when another process holds the journal (a
// running aggregator) for longer than the lock timeout.
var ErrLocked = errors.New("journal: in use by another process")

// FileName is the journal's file in the aggregator's state directory.
const FileName = "journal.db"

// DefaultLockTimeout is how long Open waits for another process to let go
// of the journal.
const DefaultLockTimeout = 5 * time.Second

// Journal is an open journal file. It is safe for concurrent use: writes are
// serialised by bbolt, reads run in parallel with them.
type Journal struct {
	db       *bolt.DB
	last     atomic.Uint64 // seq of the last committed log record
	rejected atomic.Uint64 // number of rejected records
	counts   [maxKind]atomic.Uint64
	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every commit that appended
}

// Open opens or creates the journal at path, creating its directory. It
// waits DefaultLockTimeout for another process holding it.
func Open(path string) (*Journal, error) { return OpenTimeout(path, DefaultLockTimeout) }

// OpenTimeout is Open waiting at most lockTimeout for another process
// holding the journal; then it fails with ErrLocked.
func OpenTimeout(path string, lockTimeout time.Duration) (*Journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	db, err := bolt.Open(path, 0o640, &bolt.Options{
		Timeout: lockTimeout, // another aggregator holds the file: fail instead of waiting forever
		// The freelist is written with every commit (an append-only log
		// frees few pages, so it is small) rather than rebuilt on open by
		// reading every page, which would slow the restart.
		FreelistType: bolt.FreelistMapType,
		// The rebuild at start reads the whole log in order: map it in at
		// once rather than page fault by page fault.
		MmapFlags: mmapFlags,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s (is the aggregator running?)", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	j := &Journal{db: db, changed: make(chan struct{})}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketLog, bucketIDs, bucketCursors, bucketRejected, bucketStats, bucketHeld} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if k, _ := tx.Bucket(bucketLog).Cursor().Last(); k != nil {
			j.last.Store(binary.BigEndian.Uint64(k))
		}
		j.rejected.Store(uint64(tx.Bucket(bucketRejected).Stats().KeyN))
		return tx.Bucket(bucketStats).ForEach(func(k, v []byte) error {
			if len(k) == 1 && int(k[0]) < maxKind && len(v) == 8 {
				j.counts[k[0]].Store(binary.BigEndian.Uint64(v))
			}
			return nil
		})
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("journal: init %s: %w", path, err)
	}
	return j, nil
}

// Close closes the file. Pending write transactions finish first.
func (j *Journal) Close() error { return j.db.Close() }

// Last returns the sequence number of the last committed record (0 when the
// log is empty). Sequence numbers start at 1 and have no gaps.
func (j *Journal) Last() uint64 { return j.last.Load() }

// RejectedCount returns how many payloads were rejected so far.
func (j *Journal) RejectedCount() uint64 { return j.rejected.Load() }

// Count returns the number of records of kind in the log.
func (j *Journal) Count(kind Kind) uint64 {
	if int(kind) >= maxKind {
		return 0
	}
	return j.counts[kind].Load()
}

// Changed returns a channel that is closed at the next commit that appends a
// record. Sinks wait on it instead of polling.
func (j *Journal) Changed() <-chan struct{} {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.changed
}

func (j *Journal) signal() {
	j.mu.Lock()
	close(j.changed)
	j.changed = make(chan struct{})
	j.mu.Unlock()
}

// Write runs fn in one write transaction and commits it (one fsync). If fn
// returns an error nothing of it is kept.
func (j *Journal) Write(fn func(w *Writer) error) error {
	var w Writer
	err := j.db.Update(func(tx *bolt.Tx) error {
		w = Writer{tx: tx, log: tx.Bucket(bucketLog), ids: tx.Bucket(bucketIDs), last: j.last.Load()}
		// The log only grows at its end: fill its pages instead of leaving
		// the half that bbolt keeps free for inserts in the middle.
		w.log.FillPercent = 0.95
		if err := fn(&w); err != nil {
			return err
		}
		return j.saveCounts(tx, &w)
	})
	if err != nil {
		return err
	}
	for k, n := range w.counts {
		if n > 0 {
			j.counts[k].Add(n)
		}
	}
	if w.rejected > 0 {
		j.rejected.Add(uint64(w.rejected))
	}
	if w.last != j.last.Load() {
		j.last.Store(w.last)
		j.signal()
	}
	return nil
}

// Writer appends inside one write transaction.
type Writer struct {
	tx       *bolt.Tx
	log, ids *bolt.Bucket
	last     uint64
	rejected int
	counts   [maxKind]uint64
	key      [8]byte
	val      []byte
}

// Lookup returns the sequence number of the record appended with id, if any.
func (w *Writer) Lookup(id string) (uint64, bool) {
	v := w.ids.Get([]byte(id))
	if len(v) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(v), true
}

// Append adds a record. A non-empty id makes it idempotent: when a record
// with that id exists, nothing is written and Append returns the existing
// sequence number and dup true.
func (w *Writer) Append(kind Kind, id string, data []byte) (seq uint64, dup bool, err error) {
	if id != "" {
		if s, ok := w.Lookup(id); ok {
			return s, true, nil
		}
	}
	seq = w.last + 1
	binary.BigEndian.PutUint64(w.key[:], seq)
	w.val = append(append(w.val[:0], byte(kind)), data...)
	// bbolt keeps the slices until commit: hand it copies.
	key := append([]byte(nil), w.key[:]...)
	if err := w.log.Put(key, append([]byte(nil), w.val...)); err != nil {
		return 0, false, fmt.Errorf("journal: append: %w", err)
	}
	if id != "" {
		if err := w.ids.Put([]byte(id), key); err != nil {
			return 0, false, fmt.Errorf("journal: index %q: %w", id, err)
		}
	}
	w.last = seq
	if int(kind) < maxKind {
		w.counts[kind]++
	}
	return seq, false, nil
}

// Hold keeps data, a message taken but not journaled yet (ingest holds the
// taps of a gateway over its allowance), until Unhold; it returns its key,
// in the order held. The message survives a restart: see Held.
func (w *Writer) Hold(data []byte) (uint64, error) {
	b := w.tx.Bucket(bucketHeld)
	k, err := b.NextSequence()
	if err == nil {
		err = b.Put(binary.BigEndian.AppendUint64(nil, k), append([]byte(nil), data...))
	}
	if err != nil {
		return 0, fmt.Errorf("journal: hold: %w", err)
	}
	return k, nil
}

// Unhold removes the message held with key (in the transaction that
// journals it).
func (w *Writer) Unhold(key uint64) error {
	if err := w.tx.Bucket(bucketHeld).Delete(binary.BigEndian.AppendUint64(nil, key)); err != nil {
		return fmt.Errorf("journal: unhold: %w", err)
	}
	return nil
}

// Held calls fn for every message held, in the order held; data is valid
// only during the call.
func (j *Journal) Held(fn func(key uint64, data []byte) error) error {
	return j.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketHeld).ForEach(func(k, v []byte) error {
			return fn(binary.BigEndian.Uint64(k), v)
		})
	})
}

// saveCounts adds the transaction's records per kind to the stats bucket.
func (j *Journal) saveCounts(tx *bolt.Tx, w *Writer) error {
	b := tx.Bucket(bucketStats)
	for k, n := range w.counts {
		if n == 0 {
			continue
		}
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], j.counts[k].Load()+n)
		if err := b.Put([]byte{byte(k)}, v[:]); err != nil {
			return err
		}
	}
	return nil
}

// Get returns the kind and a copy of the data of record seq.
func (w *Writer) Get(seq uint64) (Kind, []byte, bool) {
	return get(w.log, seq)
}

func get(b *bolt.Bucket, seq uint64) (Kind, []byte, bool) {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	v := b.Get(k[:])
	if len(v) == 0 {
		return 0, nil, false
	}
	return Kind(v[0]), append([]byte(nil), v[1:]...), true
}

// Get returns the kind and data of record seq.
func (j *Journal) Get(seq uint64) (kind Kind, data []byte, ok bool) {
	j.db.View(func(tx *bolt.Tx) error {
		kind, data, ok = get(tx.Bucket(bucketLog), seq)
		return nil
	})
	return kind, data, ok
}

// Lookup returns the sequence number and record of the event with id.
func (j *Journal) Lookup(id string) (seq uint64, kind Kind, data []byte, ok bool) {
	j.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketIDs).Get([]byte(id))
		if len(v) != 8 {
			return nil
		}
		seq = binary.BigEndian.Uint64(v)
		kind, data, ok = get(tx.Bucket(bucketLog), seq)
		return nil
	})
	return seq, kind, data, ok
}

// Scan calls fn for the records after seq from, in order, at most limit of
// them (limit ≤ 0: all). data is valid only during the call. It returns the
// sequence number of the last record passed to fn (from if none). An error
// of fn stops the scan and is returned.
func (j *Journal) Scan(from uint64, limit int, fn func(seq uint64, kind Kind, data []byte) error) (uint64, error) {
	last := from
	err := j.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketLog).Cursor()
		var start [8]byte
		binary.BigEndian.PutUint64(start[:], from+1)
		n := 0
		for k, v := c.Seek(start[:]); k != nil; k, v = c.Next() {
			if limit > 0 && n == limit {
				break
			}
			seq := binary.BigEndian.Uint64(k)
			if len(v) == 0 {
				return fmt.Errorf("journal: record %d is empty", seq)
			}
			if err := fn(seq, Kind(v[0]), v[1:]); err != nil {
				return err
			}
			last = seq
			n++
		}
		return nil
	})
	return last, err
}

// Cursor returns the position of sink name: the sequence number of the last
// record it finished (0 for a new sink).
func (j *Journal) Cursor(name string) (uint64, error) {
	seq, _, err := j.CursorOK(name)
	return seq, err
}

// CursorOK is Cursor, reporting also whether sink name has a cursor.
func (j *Journal) CursorOK(name string) (seq uint64, ok bool, err error) {
	err = j.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketCursors).Get([]byte(name)); len(v) == 8 {
			seq, ok = binary.BigEndian.Uint64(v), true
		}
		return nil
	})
	return seq, ok, err
}

// SetCursor records that sink name finished every record up to seq.
func (j *Journal) SetCursor(name string, seq uint64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seq)
	return j.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCursors).Put([]byte(name), v[:])
	})
}
