package spool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"timeclock/gateway/internal/tapid"
)

var t0 = time.Date(2026, 6, 1, 7, 40, 0, 123_000_000, time.FixedZone("JST", 9*3600))

func tap(card string, i int) Tap {
	return Tap{Reader: "entrance", Card: card, Dir: "in", Time: t0.Add(time.Duration(i) * time.Second),
		Synced: true, Mono: time.Duration(i) * time.Second, OSBoot: [16]byte{1, 2, 3}}
}

func open(t testing.TB, path string) *Spool {
	t.Helper()
	s, err := Open(path, "gw-e01-a", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ids(t testing.TB, s *Spool) []string {
	t.Helper()
	taps, err := s.Scan(tapid.ID{}, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tp := range taps {
		out = append(out, tp.ID.String())
	}
	return out
}

func TestIDsNeverRepeatAcrossBoots(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	ctx := context.Background()
	var all []string
	for boot := uint32(1); boot <= 3; boot++ {
		s := open(t, path)
		if s.Boot() != boot {
			t.Fatalf("boot = %d, want %d", s.Boot(), boot)
		}
		got, err := s.Append(ctx, tap("felica:0123456789abcdef", 1), tap("felica:0123456789abcdef", 2))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range got {
			all = append(all, id.String())
		}
		s.Close()
	}
	want := []string{"gw-e01-a:1:000001", "gw-e01-a:1:000002", "gw-e01-a:2:000001", "gw-e01-a:2:000002",
		"gw-e01-a:3:000001", "gw-e01-a:3:000002"}
	if !slices.Equal(all, want) {
		t.Fatalf("ids %v, want %v", all, want)
	}
	s := open(t, path)
	defer s.Close()
	if got := ids(t, s); !slices.Equal(got, want) {
		t.Fatalf("spooled %v, want %v", got, want)
	}
	if s.Depth() != 6 {
		t.Fatalf("depth %d, want 6", s.Depth())
	}
}

func TestAppendScanRemove(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		n       int
		remove  []int // indexes of appended taps to remove
		foreign bool  // also remove an id of another gateway
		want    []int // indexes left
	}{
		{"nothing removed", 3, nil, false, []int{0, 1, 2}},
		{"oldest removed", 3, []int{0}, false, []int{1, 2}},
		{"middle removed twice", 3, []int{1, 1}, false, []int{0, 2}},
		{"all removed", 2, []int{0, 1}, false, []int{}},
		{"foreign id ignored", 2, []int{1}, true, []int{0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t, filepath.Join(t.TempDir(), "spool.db"))
			defer s.Close()
			var in []Tap
			for i := 0; i < c.n; i++ {
				in = append(in, tap("em4100:67003b51c6", i))
			}
			got, err := s.Append(ctx, in...)
			if err != nil {
				t.Fatal(err)
			}
			var del []tapid.ID
			for _, i := range c.remove {
				del = append(del, got[i])
			}
			if c.foreign {
				del = append(del, tapid.ID{Gateway: "gw-other", Boot: 1, Seq: 1})
			}
			if err := s.Remove(ctx, del...); err != nil {
				t.Fatal(err)
			}
			left, err := s.Scan(tapid.ID{}, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(left) != len(c.want) || s.Depth() != len(c.want) {
				t.Fatalf("left %d taps, depth %d, want %d", len(left), s.Depth(), len(c.want))
			}
			for j, i := range c.want {
				w := in[i]
				w.ID = got[i]
				if !same(left[j], w) {
					t.Errorf("tap %d = %+v, want %+v", j, left[j], w)
				}
			}
		})
	}
}

func same(a, b Tap) bool {
	return a.ID == b.ID && a.Reader == b.Reader && a.Card == b.Card && a.Dir == b.Dir && a.Time.Equal(b.Time) &&
		a.Synced == b.Synced && a.Mono == b.Mono && a.OSBoot == b.OSBoot
}

func TestScanPages(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "spool.db"))
	defer s.Close()
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		if _, err := s.Append(ctx, tap("felica:0123456789abcdef", i)); err != nil {
			t.Fatal(err)
		}
	}
	var seen []uint64
	after := tapid.ID{}
	for {
		page, err := s.Scan(after, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, tp := range page {
			seen = append(seen, tp.ID.Seq)
		}
		after = page[len(page)-1].ID
	}
	if len(seen) != 10 {
		t.Fatalf("paged %v, want 1..10", seen)
	}
	for i, q := range seen {
		if q != uint64(i+1) {
			t.Fatalf("paged %v, want 1..10 in order", seen)
		}
	}
	// Scanning after a removed id continues with the next one.
	if err := s.Remove(ctx, tapid.ID{Gateway: "gw-e01-a", Boot: 1, Seq: 5}); err != nil {
		t.Fatal(err)
	}
	page, err := s.Scan(tapid.ID{Gateway: "gw-e01-a", Boot: 1, Seq: 5}, 1)
	if err != nil || len(page) != 1 || page[0].ID.Seq != 6 {
		t.Fatalf("scan after removed id: %+v, %v", page, err)
	}
}

func TestConcurrentAppendsGetDistinctOrderedIDs(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "spool.db"))
	defer s.Close()
	const writers, each = 8, 25
	var wg sync.WaitGroup
	got := make([][]tapid.ID, writers)
	for w := 0; w < writers; w++ {
		wg.Go(func() {
			for i := 0; i < each; i++ {
				id, err := s.Append(context.Background(), tap("felica:0123456789abcdef", i))
				if err != nil {
					t.Error(err)
					return
				}
				got[w] = append(got[w], id...)
			}
		})
	}
	wg.Wait()
	seen := map[tapid.ID]bool{}
	for _, g := range got {
		for i, id := range g {
			if seen[id] {
				t.Fatalf("id %s given twice", id)
			}
			seen[id] = true
			if i > 0 && !g[i-1].Less(id) {
				t.Fatalf("one writer's ids out of order: %s then %s", g[i-1], id)
			}
		}
	}
	if len(seen) != writers*each || s.Depth() != writers*each {
		t.Fatalf("%d ids, depth %d, want %d", len(seen), s.Depth(), writers*each)
	}
	if s.Commits() > writers*each {
		t.Fatalf("%d commits for %d taps", s.Commits(), writers*each)
	}
}

func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "spool.db")
	s := open(t, path)
	if _, err := Open(path, "gw-e01-a", 50*time.Millisecond); err == nil {
		t.Fatal("second Open of a locked spool succeeded")
	}
	s.Close()
	if _, err := Open(path, "gw-e01-b", time.Second); err == nil {
		t.Fatal("spool of gw-e01-a opened as gw-e01-b")
	}
	if _, err := Open(filepath.Join(dir, "x.db"), "GW", time.Second); err == nil {
		t.Fatal("invalid gateway name accepted")
	}
}

func TestAppendRejectsBadDirection(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "spool.db"))
	defer s.Close()
	bad := tap("felica:0123456789abcdef", 0)
	bad.Dir = "sideways"
	if _, err := s.Append(context.Background(), tap("felica:0123456789abcdef", 1), bad); err == nil {
		t.Fatal("bad direction accepted")
	}
	if s.Depth() != 0 {
		t.Fatalf("depth %d after refused append", s.Depth())
	}
	// The refused call used no sequence number.
	id, err := s.Append(context.Background(), tap("felica:0123456789abcdef", 1))
	if err != nil || id[0].Seq != 1 {
		t.Fatalf("next id %v, %v; want seq 1", id, err)
	}
}

func TestRewriteUnsynced(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "spool.db"))
	defer s.Close()
	ctx := context.Background()
	var in []Tap
	for i := 0; i < 4; i++ {
		tp := tap("felica:0123456789abcdef", i)
		tp.Synced = i%2 == 1
		in = append(in, tp)
	}
	got, err := s.Append(ctx, in...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, got[2]); err != nil { // an unsynced tap answered before the sync
		t.Fatal(err)
	}
	var visited []uint64
	n, err := s.RewriteUnsynced(func(t *Tap) bool {
		visited = append(visited, t.ID.Seq)
		if t.Synced {
			return false
		}
		t.Synced = true
		t.Time = t.Time.Add(time.Hour)
		return true
	})
	if err != nil || n != 1 || len(visited) != 1 || visited[0] != 1 {
		t.Fatalf("RewriteUnsynced = %d, %v, visiting %v; want only tap 1", n, err, visited)
	}
	left, _ := s.Scan(tapid.ID{}, 10)
	if len(left) != 3 || !left[0].Synced || !left[0].Time.Equal(in[0].Time.Add(time.Hour)) ||
		!left[1].Time.Equal(in[1].Time) || !left[2].Time.Equal(in[3].Time) {
		t.Fatalf("after rewrite: %+v", left)
	}
	// Corrected taps left the index: a second pass visits nothing.
	visited = nil
	if n, err := s.RewriteUnsynced(func(t *Tap) bool { visited = append(visited, t.ID.Seq); return false }); err != nil ||
		n != 0 || len(visited) != 0 {
		t.Fatalf("second pass: %d, %v, visited %v", n, err, visited)
	}
	// A fix that leaves a tap unsynced keeps it in the index.
	if _, err := s.Append(ctx, in[0]); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		visited = nil
		if _, err := s.RewriteUnsynced(func(t *Tap) bool { visited = append(visited, t.ID.Seq); return true }); err != nil ||
			len(visited) != 1 {
			t.Fatalf("unsynced tap rewritten but dropped from the index: %v, %v", visited, err)
		}
	}
	if _, err := s.RewriteUnsynced(func(t *Tap) bool { t.ID.Seq++; return true }); err == nil {
		t.Fatal("rewrite changing an id accepted")
	}
	if _, err := s.RewriteUnsynced(func(t *Tap) bool { t.Dir = "x"; return true }); err == nil {
		t.Fatal("rewrite changing a direction accepted")
	}
}

func TestRecordRoundTrip(t *testing.T) {
	cases := []Tap{
		tap("felica:0123456789abcdef", 0),
		{Reader: "", Card: "", Dir: "tap", Time: time.Unix(0, 0), Mono: -1},
		{Reader: "裏口", Card: "wiegand26:d41b81", Dir: "out", Time: time.Unix(2_000_000_000, 999), Synced: true,
			Mono: 1 << 62, OSBoot: [16]byte{15: 0xff}},
	}
	for _, c := range cases {
		b, err := encode(&c)
		if err != nil {
			t.Fatal(err)
		}
		var got Tap
		if err := decode(b, &got); err != nil || !same(got, c) {
			t.Errorf("decode(encode(%+v)) = %+v, %v", c, got, err)
		}
		for i := 0; i < len(b); i++ {
			if err := decode(b[:i], &got); !errors.Is(err, errRecord) {
				t.Errorf("truncated record of %d bytes decoded: %v", i, err)
			}
		}
	}
}

func FuzzDecode(f *testing.F) {
	good := tap("felica:0123456789abcdef", 3)
	b, _ := encode(&good)
	f.Add(b)
	f.Add([]byte{1, 6})
	f.Add([]byte{2, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var tp Tap
		if decode(b, &tp) != nil {
			return
		}
		again, err := encode(&tp)
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", tp, err)
		}
		var back Tap
		if err := decode(again, &back); err != nil || !same(back, tp) {
			t.Fatalf("re-encoded %+v decodes to %+v, %v", tp, back, err)
		}
	})
}

func TestFirstBootSeedsANewSpoolOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	s, err := Open(path, "gw-e01-a", time.Second, FirstBoot(1_780_297_200))
	if err != nil {
		t.Fatal(err)
	}
	if s.Boot() != 1_780_297_200 {
		t.Errorf("first boot %d", s.Boot())
	}
	s.Close()
	// An existing spool keeps counting from its own boot, whatever the seed.
	s, err = Open(path, "gw-e01-a", time.Second, FirstBoot(5))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Boot() != 1_780_297_201 {
		t.Errorf("second boot %d, want 1780297201", s.Boot())
	}
}

// An append that fails (here a record that cannot be encoded; on a Pi, a
// full disk) does not fail the removals and appends committed in the same
// group: they are written again one by one. Before, one refused tap on a
// full disk failed the removal of answered taps beside it, and the
// publisher stopped the gateway on that error.
func TestFailedAppendDoesNotFailItsGroup(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "spool.db"))
	defer s.Close()
	got, err := s.Append(context.Background(), tap("em4100:67003b51c6", 0), tap("em4100:67003b51c6", 1))
	if err != nil {
		t.Fatal(err)
	}
	bad := tap("em4100:67003b51c6", 2)
	bad.Dir = "sideways"
	group := []*request{{add: []Tap{bad}}, {del: got[:1]}, {add: []Tap{tap("em4100:67003b51c6", 3)}}}
	for _, r := range group {
		r.done = make(chan struct{})
	}
	s.commit(group)
	for _, r := range group {
		<-r.done
	}
	if group[0].err == nil || group[1].err != nil || group[2].err != nil {
		t.Fatalf("errors %v, %v, %v: want only the bad append's", group[0].err, group[1].err, group[2].err)
	}
	want := []string{got[1].String(), tapid.ID{Gateway: got[1].Gateway, Boot: got[1].Boot, Seq: got[1].Seq + 1}.String()}
	if left := ids(t, s); !slices.Equal(left, want) || s.Depth() != 2 {
		t.Fatalf("left %v (depth %d), want %v", left, s.Depth(), want)
	}
}

// A record that cannot be read (a flipped bit on the SD card) is set aside
// and the taps after it are still scanned, also after a restart; before, the
// scan stopped at it with an error, the publisher stopped the gateway, and
// every restart stopped there again.
func TestDamagedRecordIsSetAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	var told []string
	s, err := Open(path, "gw-e01-a", time.Second, OnDamaged(func(k []byte, err error) { told = append(told, fmt.Sprintf("%x: %v", k, err)) }))
	if err != nil {
		t.Fatal(err)
	}
	var in []Tap
	for i := range 5 {
		in = append(in, tap("em4100:67003b51c6", i))
	}
	got, err := s.Append(context.Background(), in...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketTaps).Put(key(got[2]), []byte{0xff, 0x01}) }); err != nil {
		t.Fatal(err)
	}
	want := []string{got[0].String(), got[1].String(), got[3].String(), got[4].String()}
	if left := ids(t, s); !slices.Equal(left, want) || s.Depth() != 4 || s.Damaged() != 1 || len(told) != 1 {
		t.Fatalf("scanned %v (depth %d, %d damaged, told %v), want %v", left, s.Depth(), s.Damaged(), told, want)
	}
	if err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketDamaged).Get(key(got[2])); !bytes.Equal(v, []byte{0xff, 0x01}) {
			return fmt.Errorf("damaged bucket holds %x", v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, path)
	defer s.Close()
	if left := ids(t, s); !slices.Equal(left, want) || s.Depth() != 4 {
		t.Fatalf("after a restart: %v, depth %d", left, s.Depth())
	}
}
