// Package spool provides the gateway's durable queue of taps: a bbolt file
// in which a tap is written and fsynced before the person at the reader is
// told it was accepted, and from which it leaves only when the aggregator has
// acknowledged it end to end. The spool also keeps the boot counter and the
// sequence that make tap ids unique across restarts.
//
// Writers are grouped: while one commit is being fsynced, the taps and
// removals that arrive wait and go together into the next commit, so a burst
// costs one fsync per group, not one per tap.
package spool

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"timeclock/gateway/internal/tapid"
	"timeclock/internal/punch"
)

var (
	bucketMeta = []byte("meta")
	bucketTaps = []byte("taps")
	// bucketUnsynced indexes the taps made before the clock was
	// synchronised (keys only), so correcting them does not read the
	// whole backlog.
	bucketUnsynced = []byte("unsynced")
	// bucketDamaged keeps the records Scan could not read (a flipped bit
	// on an SD card), set aside so that the taps after them are sent.
	bucketDamaged = []byte("damaged")
	keyBoot       = []byte("boot")
	keySeq        = []byte("seq")
	keyGateway    = []byte("gateway")
	keyDepth      = []byte("depth")
)

// Spool is an open spool file. Its methods are safe for concurrent use.
type Spool struct {
	db        *bolt.DB
	gateway   string
	boot      uint32
	firstBoot uint32
	depth     atomic.Int64

	mu         sync.Mutex
	pending    []*request
	committing bool
	seq        uint64 // last sequence given in this boot; guarded by the committer role
	released   int64  // taps removed since the map's pages were last released; committer role
	commits    atomic.Uint64
	damaged    atomic.Uint64
	onDamaged  func(key []byte, err error)
}

// releaseEvery is how many removed taps go between two releases of the
// memory map's pages (releasePages).
const releaseEvery = 1024

// request is one caller's share of a group commit.
type request struct {
	add   []Tap
	del   []tapid.ID
	aside [][]byte // keys of damaged records to move to bucketDamaged
	ids   []tapid.ID
	err   error
	done  chan struct{}
}

// Open opens or creates the spool at path for gateway and starts a new boot:
// the boot counter goes up by one and is fsynced before Open returns, so no
// id of this run can repeat one of an earlier run. A spool belongs to one
// gateway; opening it under another name is refused, as the ids would lie.
// Open fails after lockTimeout if another process holds the file.
func Open(path, gateway string, lockTimeout time.Duration, opts ...Option) (*Spool, error) {
	if !punch.ValidName(gateway) {
		return nil, fmt.Errorf("spool: gateway name %q: want [a-z0-9-]{1,40}", gateway)
	}
	// The freelist is synced (the default): without it bbolt rebuilds it on
	// open by reading the whole file, which would bring a 100k-tap backlog
	// into memory at every start.
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      lockTimeout,
		FreelistType: bolt.FreelistMapType,
	})
	if err != nil {
		return nil, fmt.Errorf("spool: open %s: %w", path, err)
	}
	s := &Spool{db: db, gateway: gateway, firstBoot: 1}
	for _, o := range opts {
		o(s)
	}
	if err := db.Update(s.startBoot); err != nil {
		db.Close()
		return nil, fmt.Errorf("spool: %s: %w", path, err)
	}
	return s, nil
}

func (s *Spool) startBoot(tx *bolt.Tx) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	taps, err := tx.CreateBucketIfNotExists(bucketTaps)
	if err != nil {
		return err
	}
	if _, err := tx.CreateBucketIfNotExists(bucketUnsynced); err != nil {
		return err
	}
	if g := meta.Get(keyGateway); g != nil && string(g) != s.gateway {
		return fmt.Errorf("belongs to gateway %q, not %q", g, s.gateway)
	}
	boot := s.firstBoot - 1
	if b := meta.Get(keyBoot); b != nil {
		if len(b) != 4 {
			return errors.New("damaged boot counter")
		}
		boot = binary.BigEndian.Uint32(b)
	}
	if boot == ^uint32(0) {
		return errors.New("boot counter exhausted")
	}
	s.boot = boot + 1
	s.seq = 0
	// The depth is kept in meta so that opening a large backlog does not
	// walk it; a spool without it (never written yet) is counted once.
	if d := meta.Get(keyDepth); len(d) == 8 {
		s.depth.Store(int64(binary.BigEndian.Uint64(d)))
	} else {
		s.depth.Store(int64(taps.Stats().KeyN))
		if err := meta.Put(keyDepth, binary.BigEndian.AppendUint64(nil, uint64(s.depth.Load()))); err != nil {
			return err
		}
	}
	if err := meta.Put(keyGateway, []byte(s.gateway)); err != nil {
		return err
	}
	if err := meta.Put(keySeq, binary.BigEndian.AppendUint64(nil, 0)); err != nil {
		return err
	}
	return meta.Put(keyBoot, binary.BigEndian.AppendUint32(nil, s.boot))
}

// Option adjusts Open.
type Option func(*Spool)

// FirstBoot sets the boot number a new spool file starts at (default 1). The
// gateway seeds it from the synchronised wall clock (Unix seconds), or at
// random from 2^31 up when the clock is not synchronised, so a spool file that
// was wiped or replaced never repeats the ids of the old one: the aggregator
// would take a repeated id for a duplicate and drop that tap.
func FirstBoot(n uint32) Option {
	return func(s *Spool) {
		if n > 0 {
			s.firstBoot = n
		}
	}
}

// OnDamaged sets what is told of each record Scan sets aside (the gateway
// logs it).
func OnDamaged(fn func(key []byte, err error)) Option {
	return func(s *Spool) { s.onDamaged = fn }
}

// Damaged returns the number of records set aside as damaged in this run.
func (s *Spool) Damaged() uint64 { return s.damaged.Load() }

// Boot returns the boot number of this run.
func (s *Spool) Boot() uint32 { return s.boot }

// Gateway returns the gateway name the spool belongs to.
func (s *Spool) Gateway() string { return s.gateway }

// Depth returns the number of taps not yet acknowledged.
func (s *Spool) Depth() int { return int(s.depth.Load()) }

// Commits returns the number of fsynced commits so far (for metrics).
func (s *Spool) Commits() uint64 { return s.commits.Load() }

// Close closes the file. Callers must have stopped calling the other methods.
func (s *Spool) Close() error { return s.db.Close() }

// Append gives each tap the next id, writes them and returns once they are
// fsynced. Either all are stored or none (the error says why). The ids are
// returned in the order of taps.
func (s *Spool) Append(ctx context.Context, taps ...Tap) ([]tapid.ID, error) {
	for i := range taps {
		if _, err := dirCode(taps[i].Dir); err != nil {
			return nil, err
		}
	}
	r := &request{add: taps}
	if err := s.submit(ctx, r); err != nil {
		return nil, err
	}
	return r.ids, nil
}

// Remove deletes acknowledged taps. Ids not in the spool (an answer that
// came twice) are ignored.
func (s *Spool) Remove(ctx context.Context, ids ...tapid.ID) error {
	if len(ids) == 0 {
		return nil
	}
	return s.submit(ctx, &request{del: ids})
}

// submit queues r and either leads the group commit or waits for the leader.
// A caller whose ctx ends stops waiting, but its request still commits: a tap
// half-way to disk is not pulled back.
func (s *Spool) submit(ctx context.Context, r *request) error {
	r.done = make(chan struct{})
	s.mu.Lock()
	s.pending = append(s.pending, r)
	if s.committing {
		s.mu.Unlock()
		select {
		case <-r.done:
			return r.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.committing = true
	for len(s.pending) > 0 {
		group := s.pending
		s.pending = nil
		s.mu.Unlock()
		s.commit(group)
		s.mu.Lock()
	}
	s.committing = false
	s.mu.Unlock()
	<-r.done
	return r.err
}

// commit writes one group in one transaction and wakes its callers. When
// the transaction fails and the group holds several requests, each is
// written again on its own: an append refused for a full disk must not
// fail the removals of answered taps beside it, which the disk still takes
// (a removal frees pages).
func (s *Spool) commit(group []*request) {
	err := s.write(group)
	if err != nil && len(group) > 1 {
		for _, r := range group {
			s.wake([]*request{r}, s.write([]*request{r}))
		}
		return
	}
	s.wake(group, err)
}

// write commits group in one transaction.
func (s *Spool) write(group []*request) error {
	seq := s.seq
	var added, removed int64
	err := s.db.Update(func(tx *bolt.Tx) error {
		taps := tx.Bucket(bucketTaps)
		taps.FillPercent = 0.95 // keys only grow: full pages waste no space
		unsynced := tx.Bucket(bucketUnsynced)
		for _, r := range group {
			r.ids = r.ids[:0]
			for i := range r.add {
				seq++
				id := tapid.ID{Gateway: s.gateway, Boot: s.boot, Seq: seq}
				v, err := encode(&r.add[i])
				if err != nil {
					return err
				}
				if err := taps.Put(key(id), v); err != nil {
					return err
				}
				if !r.add[i].Synced {
					if err := unsynced.Put(key(id), nil); err != nil {
						return err
					}
				}
				r.ids = append(r.ids, id)
				added++
			}
			for _, id := range r.del {
				if id.Gateway != s.gateway {
					continue
				}
				k := key(id)
				if taps.Get(k) == nil {
					continue
				}
				if err := taps.Delete(k); err != nil {
					return err
				}
				if err := unsynced.Delete(k); err != nil {
					return err
				}
				removed++
			}
			for _, k := range r.aside {
				v := taps.Get(k)
				if v == nil {
					continue
				}
				damaged, err := tx.CreateBucketIfNotExists(bucketDamaged)
				if err != nil {
					return err
				}
				if err := damaged.Put(k, bytes.Clone(v)); err != nil {
					return err
				}
				if err := taps.Delete(k); err != nil {
					return err
				}
				if err := unsynced.Delete(k); err != nil {
					return err
				}
				removed++
			}
		}
		meta := tx.Bucket(bucketMeta)
		if added != removed {
			depth := uint64(s.depth.Load() + added - removed)
			if err := meta.Put(keyDepth, binary.BigEndian.AppendUint64(nil, depth)); err != nil {
				return err
			}
		}
		if seq == s.seq {
			return nil
		}
		return meta.Put(keySeq, binary.BigEndian.AppendUint64(nil, seq))
	})
	if err == nil {
		s.seq = seq
		s.depth.Add(added - removed)
		s.commits.Add(1)
		if s.released += removed; s.released >= releaseEvery {
			s.released = 0
			s.releasePages()
		}
		return nil
	}
	return fmt.Errorf("spool: commit: %w", err)
}

// wake ends the requests of group with err.
func (s *Spool) wake(group []*request, err error) {
	for _, r := range group {
		if err != nil {
			r.ids = nil
		}
		r.err = err
		close(r.done)
	}
}
