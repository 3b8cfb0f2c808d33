package journal

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

func open(t *testing.T) (*Journal, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "j", "journal.db")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, path
}

type appendCase struct {
	kind Kind
	id   string
	data string
}

func TestAppendIdempotent(t *testing.T) {
	tests := []struct {
		name    string
		batches [][]appendCase
		wantSeq [][]uint64
		wantDup [][]bool
		wantLog []string // data of the log in order
	}{
		{
			name:    "distinct ids",
			batches: [][]appendCase{{{KindTap, "a", "1"}, {KindTap, "b", "2"}}},
			wantSeq: [][]uint64{{1, 2}},
			wantDup: [][]bool{{false, false}},
			wantLog: []string{"1", "2"},
		},
		{
			name:    "duplicate in one batch",
			batches: [][]appendCase{{{KindTap, "a", "1"}, {KindTap, "a", "1"}}},
			wantSeq: [][]uint64{{1, 1}},
			wantDup: [][]bool{{false, true}},
			wantLog: []string{"1"},
		},
		{
			name:    "replay in a later batch changes nothing",
			batches: [][]appendCase{{{KindTap, "a", "1"}}, {{KindTap, "b", "2"}, {KindTap, "a", "other"}}},
			wantSeq: [][]uint64{{1}, {2, 1}},
			wantDup: [][]bool{{false}, {false, true}},
			wantLog: []string{"1", "2"},
		},
		{
			name:    "records without id are never deduplicated",
			batches: [][]appendCase{{{KindAlert, "", "x"}, {KindAlert, "", "x"}}},
			wantSeq: [][]uint64{{1, 2}},
			wantDup: [][]bool{{false, false}},
			wantLog: []string{"x", "x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, _ := open(t)
			for bi, batch := range tt.batches {
				err := j.Write(func(w *Writer) error {
					for i, a := range batch {
						seq, dup, err := w.Append(a.kind, a.id, []byte(a.data))
						if err != nil {
							return err
						}
						if seq != tt.wantSeq[bi][i] || dup != tt.wantDup[bi][i] {
							t.Errorf("batch %d #%d: seq %d dup %v, want %d %v", bi, i, seq, dup, tt.wantSeq[bi][i], tt.wantDup[bi][i])
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			var got []string
			last, err := j.Scan(0, 0, func(seq uint64, kind Kind, data []byte) error {
				got = append(got, string(data))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantLog) {
				t.Errorf("log %v, want %v", got, tt.wantLog)
			}
			if n := j.Count(tt.batches[0][0].kind); n != uint64(len(tt.wantLog)) {
				t.Errorf("Count %d, want %d", n, len(tt.wantLog))
			}
			if last != uint64(len(tt.wantLog)) || j.Last() != last {
				t.Errorf("last %d, Last() %d, want %d", last, j.Last(), len(tt.wantLog))
			}
		})
	}
}

func TestFailedWriteKeepsNothing(t *testing.T) {
	j, _ := open(t)
	boom := errors.New("boom")
	err := j.Write(func(w *Writer) error {
		if _, _, err := w.Append(KindTap, "a", []byte("1")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
	if j.Last() != 0 {
		t.Errorf("Last %d after a failed write", j.Last())
	}
	if _, _, _, ok := j.Lookup("a"); ok {
		t.Error("id of a failed write is indexed")
	}
	// the id is free: appending it now is not a duplicate
	j.Write(func(w *Writer) error {
		if _, dup, _ := w.Append(KindTap, "a", []byte("1")); dup {
			t.Error("duplicate after a failed write")
		}
		return nil
	})
}

func TestReopenKeepsLogCursorsAndRejected(t *testing.T) {
	j, path := open(t)
	j.Write(func(w *Writer) error {
		for i := range 5 {
			w.Append(KindTap, fmt.Sprint("id", i), []byte{byte(i)})
		}
		_, err := w.Reject(Rejected{Topic: "t", Kind: "json", Reason: "bad", Payload: "{"})
		return err
	})
	if err := j.SetCursor("influx", 3); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if j2.Last() != 5 {
		t.Errorf("Last %d, want 5", j2.Last())
	}
	if c, _ := j2.Cursor("influx"); c != 3 {
		t.Errorf("cursor %d, want 3", c)
	}
	if c, _ := j2.Cursor("other"); c != 0 {
		t.Errorf("new cursor %d, want 0", c)
	}
	if n := j2.Count(KindTap); n != 5 {
		t.Errorf("tap count after reopen %d, want 5", n)
	}
	if j2.RejectedCount() != 1 {
		t.Errorf("rejected count %d, want 1", j2.RejectedCount())
	}
	seq, kind, data, ok := j2.Lookup("id4")
	if !ok || seq != 5 || kind != KindTap || len(data) != 1 || data[0] != 4 {
		t.Errorf("Lookup id4 = %d %v %v %v", seq, kind, data, ok)
	}
	// appending continues the numbering
	j2.Write(func(w *Writer) error {
		if seq, _, _ := w.Append(KindTap, "id5", nil); seq != 6 {
			t.Errorf("next seq %d, want 6", seq)
		}
		return nil
	})
}

func TestScanFromAndLimit(t *testing.T) {
	j, _ := open(t)
	j.Write(func(w *Writer) error {
		for i := range 10 {
			w.Append(KindTap, "", []byte{byte(i + 1)})
		}
		return nil
	})
	tests := []struct {
		from     uint64
		limit    int
		want     []byte
		wantLast uint64
	}{
		{0, 0, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10},
		{0, 3, []byte{1, 2, 3}, 3},
		{7, 0, []byte{8, 9, 10}, 10},
		{10, 5, nil, 10},
		{8, 1, []byte{9}, 9},
	}
	for _, tt := range tests {
		var got []byte
		last, err := j.Scan(tt.from, tt.limit, func(seq uint64, kind Kind, data []byte) error {
			if uint64(data[0]) != seq {
				t.Errorf("seq %d holds %d", seq, data[0])
			}
			got = append(got, data[0])
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(tt.want) || last != tt.wantLast {
			t.Errorf("Scan(%d, %d) = %v last %d, want %v last %d", tt.from, tt.limit, got, last, tt.want, tt.wantLast)
		}
	}
}

func TestRejectedPaging(t *testing.T) {
	j, _ := open(t)
	j.Write(func(w *Writer) error {
		for i := range 5 {
			if _, err := w.Reject(Rejected{Received: time.Unix(int64(i), 0).UTC(), Reason: fmt.Sprint(i)}); err != nil {
				return err
			}
		}
		_, err := w.Reject(Rejected{Reason: "long", Payload: string(make([]byte, 3*maxRejectedPayload))})
		return err
	})
	tests := []struct {
		before uint64
		limit  int
		want   []uint64
	}{
		{0, 0, []uint64{6, 5, 4, 3, 2, 1}},
		{0, 2, []uint64{6, 5}},
		{5, 2, []uint64{4, 3}},
		{2, 10, []uint64{1}},
		{1, 10, nil},
		{100, 1, []uint64{6}},
	}
	for _, tt := range tests {
		rs, err := j.Rejected(tt.before, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		var got []uint64
		for _, r := range rs {
			got = append(got, r.Seq)
			if r.Seq == 6 && len(r.Payload) != maxRejectedPayload {
				t.Errorf("long payload kept %d bytes, want %d", len(r.Payload), maxRejectedPayload)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("Rejected(%d, %d) = %v, want %v", tt.before, tt.limit, got, tt.want)
		}
	}
}

func TestChangedSignalsAppends(t *testing.T) {
	j, _ := open(t)
	ch := j.Changed()
	j.Write(func(w *Writer) error { return nil }) // appends nothing
	select {
	case <-ch:
		t.Fatal("signalled without an append")
	default:
	}
	j.Write(func(w *Writer) error {
		_, _, err := w.Append(KindTap, "x", nil)
		return err
	})
	select {
	case <-ch:
	default:
		t.Fatal("not signalled after an append")
	}
}
