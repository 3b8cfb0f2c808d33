package service

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/web/journalfeed"
	"timeclock/internal/overtime"
	"timeclock/internal/roster"
)

// SnapshotFile is the engine snapshot in the state directory: the engine's
// state at a journal record, so that a restart replays only the records
// after it. The journal stays the record; the snapshot is a cache of what a
// full replay computes, used only when it was written by this very build,
// for the same reference files and engine settings, and discarded (a full
// replay) otherwise.
const SnapshotFile = "engine.snap"

const snapshotVersion = 1

// snapshotHeader is the snapshot's first line (JSON); the engine's state
// follows it.
type snapshotHeader struct {
	Version int               `json:"version"`
	Key     string            `json:"key"`
	Seq     uint64            `json:"seq"` // journal records folded in
	Written time.Time         `json:"written"`
	Feed    journalfeed.State `json:"feed"` // the live page's state at Seq
	Open    int               `json:"open"` // alerts in the raised set (the section after the header)
}

// snapshot is a snapshot opened for a restart: the header, the raised set
// journaled up to Seq, and the engine's state to read.
type snapshot struct {
	snapshotHeader
	// The raised set by key, decoded while the engine's state is read:
	// openSet and openErr are set when decoded is closed.
	openSet map[string]journal.Alert
	openErr error
	decoded chan struct{}
	state   io.Reader
	f       *os.File
}

// raised waits for the raised set.
func (s *snapshot) raised() (map[string]journal.Alert, error) {
	<-s.decoded
	return s.openSet, s.openErr
}

// snapshotKey names what a snapshot is valid for: this executable (the
// state is written as it lies in memory, and a new build may compute
// differently), the reference files the engine was built on, and the
// engine's settings. An empty key means none can be trusted.
func snapshotKey(dataDigest string, cfg overtime.Config) string {
	exe := executableDigest()
	if exe == "" || dataDigest == "" {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s/%s\n%+v\n", exe, dataDigest, runtime.GOOS, runtime.GOARCH, cfg)
	return hex.EncodeToString(h.Sum(nil))
}

var executableDigest = sync.OnceValue(func() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(p)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
})

// dataDigest hashes the reference files the engine is built on; "" if one
// cannot be read.
func dataDigest(dir string) string {
	h := sha256.New()
	for _, name := range []string{roster.SchedulesFile, roster.RosterFile, roster.CalendarFile} {
		f, err := os.Open(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(h, "%s: none\n", name)
			continue
		}
		if err != nil {
			return ""
		}
		fmt.Fprintf(h, "%s:\n", name)
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return ""
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// openSnapshot opens the snapshot in dir if it is valid for key and for
// the journal (not ahead of it). A nil snapshot with a nil error: there is
// none to use, and why says why ("none": no file).
func openSnapshot(dir, key string, last uint64) (s *snapshot, why string, err error) {
	f, err := os.Open(filepath.Join(dir, SnapshotFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, "none", nil
	}
	if err != nil {
		return nil, "", err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	line, err := br.ReadBytes('\n')
	var h snapshotHeader
	if err == nil {
		err = json.Unmarshal(line, &h)
	}
	switch {
	case err != nil:
		why = "unreadable header: " + err.Error()
	case h.Version != snapshotVersion:
		why = fmt.Sprintf("version %d", h.Version)
	case key == "" || h.Key != key:
		why = "written by another build or for other reference files"
	case h.Seq > last:
		why = fmt.Sprintf("ahead of the journal (record %d, journal ends at %d)", h.Seq, last)
	}
	var table []string
	var rec []byte
	if why == "" {
		if table, rec, err = readAlertSection(br); err != nil {
			why = "unreadable raised set: " + err.Error()
		}
	}
	if why != "" {
		f.Close()
		return nil, why, nil
	}
	snap := &snapshot{snapshotHeader: h, decoded: make(chan struct{}), state: br, f: f}
	go func() {
		defer close(snap.decoded)
		set := make(map[string]journal.Alert, h.Open)
		if snap.openErr = decodeAlerts(table, rec, h.Open, func(a journal.Alert) { fold(set, a) }); snap.openErr != nil {
			snap.openErr = fmt.Errorf("raised set: %w", snap.openErr)
			return
		}
		snap.openSet = set
	}()
	return snap, "", nil
}

func (s *snapshot) close() {
	if s != nil {
		s.raised() // the decoding is done
		s.f.Close()
	}
}

// writeSnapshot writes the engine's state at journal record seq with the
// raised set open, atomically: a crash leaves the previous snapshot or the
// new one, whole.
func writeSnapshot(dir, key string, seq uint64, feed journalfeed.State, open []journal.Alert,
	write func(io.Writer) error) (int64, error) {
	if key == "" {
		return 0, errors.New("no snapshot key (the executable or the reference files could not be read)")
	}
	tmp, err := os.CreateTemp(dir, SnapshotFile+".*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	bw := bufio.NewWriterSize(tmp, 1<<20)
	h, err := json.Marshal(snapshotHeader{Version: snapshotVersion, Key: key, Seq: seq, Feed: feed, Open: len(open),
		Written: time.Now().UTC()})
	if err == nil {
		bw.Write(h)
		bw.WriteByte('\n')
		err = writeAlerts(bw, open)
	}
	if err == nil {
		err = write(bw)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	var size int64
	if err == nil {
		var fi os.FileInfo
		if fi, err = tmp.Stat(); err == nil {
			size = fi.Size()
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, SnapshotFile))
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return 0, fmt.Errorf("engine snapshot: %w", err)
	}
	return size, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// rebuild builds the engine at start: from the snapshot and the journal
// after it when there is a valid one, else from the whole journal. It
// returns the live page's feed as of the journal's end: restored from the
// snapshot's (at the same time as the engine is read) or read from the
// whole journal.
func (s *Service) rebuild(data *roster.Data, now time.Time) (*journalfeed.Feed, error) {
	hint := int(s.j.Count(journal.KindTap) + s.j.Count(journal.KindAdjustment))
	snap, why, err := openSnapshot(s.cfg.State, s.snapKey, s.j.Last())
	if err != nil {
		s.log.Warn("engine snapshot not read: replaying the whole journal", "err", err)
	} else if snap == nil && why != "none" {
		s.log.Info("engine snapshot not used: replaying the whole journal", "reason", why)
	}
	if snap != nil {
		type restored struct {
			feed *journalfeed.Feed
			err  error
		}
		feed := make(chan restored, 1)
		go func() {
			f, err := journalfeed.Restore(s.j, s.log, snap.Feed)
			feed <- restored{f, err}
		}()
		start := time.Now()
		n, err := s.live.Build(data, s.events, now, true, hint, snap)
		snap.close()
		r := <-feed
		if err == nil {
			if r.err != nil { // reading the journal, as journalfeed.New would
				return nil, r.err
			}
			s.log.Info("engine restored from its snapshot", "snapshot_record", snap.Seq, "replayed", n,
				"took", time.Since(start).Round(time.Millisecond))
			s.m.Snapshots.WithLabelValues("restored").Inc()
			s.restored = true
			return r.feed, nil
		}
		if !errors.Is(err, errSnapshot) {
			return nil, fmt.Errorf("rebuilding the engine from the journal: %w", err)
		}
		s.log.Warn("engine snapshot unreadable: replaying the whole journal", "err", err)
		s.m.Snapshots.WithLabelValues("discarded").Inc()
	}
	if _, err := s.live.Build(data, s.events, now, true, hint, nil); err != nil {
		return nil, fmt.Errorf("rebuilding the engine from the journal: %w", err)
	}
	return journalfeed.New(s.j, s.log)
}

// saveSnapshot writes the engine's state at the journal's last record. It
// must run where no event is applied: in the writer (Pipeline.Do) or once
// the pipeline has stopped.
func (s *Service) saveSnapshot() error {
	start := time.Now()
	if err := s.feed.CatchUp(); err != nil {
		return err
	}
	seq := s.j.Last()
	feed, open := s.feed.State(), s.live.raisedSet()
	if feed.Seq != seq {
		return fmt.Errorf("the live page's feed is at record %d, the journal at %d", feed.Seq, seq)
	}
	size, err := writeSnapshot(s.cfg.State, s.snapKey, seq, feed, open, s.live.Engine().WriteState)
	if err != nil {
		s.m.Snapshots.WithLabelValues("error").Inc()
		return err
	}
	s.m.Snapshots.WithLabelValues("written").Inc()
	s.log.Info("engine snapshot written", "record", seq, "bytes", size, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// snapshots writes the snapshot every -snapshot-every while serving (a
// crash then replays at most that much of the journal).
func (s *Service) snapshots(ctx context.Context) error {
	if s.cfg.SnapshotEvery <= 0 {
		return nil
	}
	t := time.NewTicker(s.cfg.SnapshotEvery)
	defer t.Stop()
	last := s.j.Last()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if s.j.Last() == last {
			continue
		}
		res := s.pipe.Do(ctx, func() (journal.Kind, []byte, error) {
			last = s.j.Last()
			if err := s.saveSnapshot(); err != nil {
				s.log.Warn("engine snapshot not written; the journal is complete without it", "err", err)
			}
			return 0, nil, nil
		})
		if res.Err != nil && ctx.Err() == nil {
			s.log.Warn("engine snapshot not written", "err", res.Err)
		}
	}
}

// writeAlerts writes alerts compactly: a table of the distinct strings,
// then each alert as indexes into it (a raised set of a year holds
// hundreds of thousands of alerts over a few thousand strings).
func writeAlerts(w *bufio.Writer, alerts []journal.Alert) error {
	index := map[string]uint64{}
	var table []string
	id := func(s string) uint64 {
		i, ok := index[s]
		if !ok {
			i = uint64(len(table))
			index[s] = i
			table = append(table, s)
		}
		return i
	}
	var rec []byte
	for i := range alerts {
		a := &alerts[i]
		for _, s := range [...]string{a.Staff, a.Board, a.School, a.Rule, a.Level, a.Period} {
			rec = binary.AppendUvarint(rec, id(s))
		}
		raised := byte(0)
		if a.Raised {
			raised = 1
		}
		rec = append(rec, raised)
		rec = binary.LittleEndian.AppendUint64(rec, math.Float64bits(a.Value))
		rec = binary.LittleEndian.AppendUint64(rec, math.Float64bits(a.Threshold))
		t, err := a.At.MarshalBinary()
		if err != nil {
			return err
		}
		rec = append(append(rec, byte(len(t))), t...)
	}
	var n [binary.MaxVarintLen64]byte
	w.Write(n[:binary.PutUvarint(n[:], uint64(len(table)))])
	for _, s := range table {
		w.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		w.WriteString(s)
	}
	w.Write(n[:binary.PutUvarint(n[:], uint64(len(rec)))])
	_, err := w.Write(rec)
	return err
}

// readAlertSection reads what writeAlerts wrote: the string table and the
// records, to decode with decodeAlerts.
func readAlertSection(r *bufio.Reader) ([]string, []byte, error) {
	const maxLen = 1 << 30
	n, err := binary.ReadUvarint(r)
	if err != nil || n > maxLen {
		return nil, nil, fmt.Errorf("string table: %v", err)
	}
	table := make([]string, n)
	for i := range table {
		l, err := binary.ReadUvarint(r)
		if err != nil || l > maxLen {
			return nil, nil, fmt.Errorf("string %d: %v", i, err)
		}
		b := make([]byte, l)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, nil, fmt.Errorf("string %d: %v", i, err)
		}
		table[i] = string(b)
	}
	l, err := binary.ReadUvarint(r)
	if err != nil || l > maxLen {
		return nil, nil, fmt.Errorf("records: %v", err)
	}
	rec := make([]byte, l)
	if _, err := io.ReadFull(r, rec); err != nil {
		return nil, nil, fmt.Errorf("records: %v", err)
	}
	return table, rec, nil
}

// decodeAlerts decodes count alerts of a section readAlertSection read,
// calling fn with each in turn (an error may come after some calls).
func decodeAlerts(table []string, rec []byte, count int, fn func(journal.Alert)) error {
	var err error
	if count < 0 || count > len(rec) {
		return fmt.Errorf("%d alerts in %d bytes", count, len(rec))
	}
	bad := errors.New("damaged")
	str := func() (string, error) {
		i, k := binary.Uvarint(rec)
		if k <= 0 || i >= uint64(len(table)) {
			return "", bad
		}
		rec = rec[k:]
		return table[i], nil
	}
	var a journal.Alert
	for i := range count {
		for _, p := range [...]*string{&a.Staff, &a.Board, &a.School, &a.Rule, &a.Level, &a.Period} {
			if *p, err = str(); err != nil {
				return fmt.Errorf("alert %d: %w", i, err)
			}
		}
		if len(rec) < 18 {
			return fmt.Errorf("alert %d: %w", i, bad)
		}
		a.Raised = rec[0] != 0
		a.Value = math.Float64frombits(binary.LittleEndian.Uint64(rec[1:]))
		a.Threshold = math.Float64frombits(binary.LittleEndian.Uint64(rec[9:]))
		tl := int(rec[17])
		rec = rec[18:]
		if len(rec) < tl {
			return fmt.Errorf("alert %d: %w", i, bad)
		}
		if err := a.At.UnmarshalBinary(rec[:tl]); err != nil {
			return fmt.Errorf("alert %d: %w", i, err)
		}
		rec = rec[tl:]
		fn(a)
	}
	if len(rec) != 0 {
		return fmt.Errorf("%d bytes after the last alert", len(rec))
	}
	return nil
}
