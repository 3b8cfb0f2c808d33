package spool

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"timeclock/gateway/internal/tapid"
)

// Scan returns up to limit taps in id order, starting after the given id (the
// zero ID starts at the oldest). A publisher pages through a backlog with it
// without holding the backlog in memory.
func (s *Spool) Scan(after tapid.ID, limit int) ([]Tap, error) {
	var out []Tap
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
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	return out, err
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
				return err
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
