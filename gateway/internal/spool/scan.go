package spool

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"timeclock/gateway/internal/tapid"
)

// Scan returns up to limit taps in id order, starting after the given id (the
// zero ID starts at the oldest). A publisher pages through a backlog with it
// without holding the backlog in memory. A record that cannot be read is set
// aside (moved to the damaged bucket, told through OnDamaged, counted by
// Damaged) and the scan goes on past it: one bad record must not hold back
// every tap after it.
func (s *Spool) Scan(after tapid.ID, limit int) ([]Tap, error) {
	for {
		out, bad, err := s.scan(after, limit)
		if err != nil || bad == nil {
			return out, err
		}
		if err := s.submit(context.Background(), &request{aside: [][]byte{bad.key}}); err != nil {
			return nil, err
		}
		s.damaged.Add(1)
		if s.onDamaged != nil {
			s.onDamaged(bad.key, bad.err)
		}
	}
}

// badRecord is a record scan could not read.
type badRecord struct {
	key []byte
	err error
}

func (s *Spool) scan(after tapid.ID, limit int) ([]Tap, *badRecord, error) {
	var out []Tap
	var bad *badRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketTaps).Cursor()
		var k, v []byte
		if after == (tapid.ID{}) {
			k, v = c.First()
		} else {
			start := key(after)
			k, v = c.Seek(start)
			if k != nil && bytes.Equal(k, start) {
				k, v = c.Next()
			}
		}
		for ; k != nil && len(out) < limit; k, v = c.Next() {
			t, err := s.read(k, v)
			if err != nil {
				bad = &badRecord{bytes.Clone(k), err}
				return nil
			}
			out = append(out, t)
		}
		return nil
	})
	return out, bad, err
}

func (s *Spool) read(k, v []byte) (Tap, error) {
	var t Tap
	id, err := idFromKey(s.gateway, k)
	if err != nil {
		return t, err
	}
	if err := decode(v, &t); err != nil {
		return t, fmt.Errorf("%w (tap %s)", err, id)
	}
	t.ID = id
	return t, nil
}

// RewriteUnsynced calls fix for every spooled tap made before the clock was
// synchronised, oldest first, and stores the taps fix reports as changed, in
// one fsynced transaction. A tap fix marks Synced leaves the index of
// unsynced taps. The id and direction of a tap cannot change. It returns how
// many taps were rewritten. The gateway uses it to correct the time of taps
// made before the clock was synchronised; taps made after are not read.
func (s *Spool) RewriteUnsynced(fix func(t *Tap) bool) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTaps)
		idx := tx.Bucket(bucketUnsynced)
		type change struct {
			k, v   []byte
			synced bool
		}
		var changes []change
		c := idx.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			v := b.Get(k)
			if v == nil {
				return fmt.Errorf("spool: unsynced index names a missing tap %x", k)
			}
			t, err := s.read(k, v)
			if err != nil {
				continue // Scan sets it aside when the publisher reaches it
			}
			id, dir := t.ID, t.Dir
			if !fix(&t) {
				continue
			}
			if t.ID != id || t.Dir != dir {
				return fmt.Errorf("spool: rewrite of tap %s changed its id or direction", id)
			}
			nv, err := encode(&t)
			if err != nil {
				return err
			}
			changes = append(changes, change{bytes.Clone(k), nv, t.Synced})
		}
		for _, ch := range changes {
			if err := b.Put(ch.k, ch.v); err != nil {
				return err
			}
			if ch.synced {
				if err := idx.Delete(ch.k); err != nil {
					return err
				}
			}
		}
		n = len(changes)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("spool: rewrite: %w", err)
	}
	if n > 0 {
		s.commits.Add(1)
	}
	return n, nil
}
