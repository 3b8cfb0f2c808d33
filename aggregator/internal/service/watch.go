package service

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"timeclock/aggregator/internal/journal"
	"timeclock/internal/roster"
)

// fileState is what tells a changed reference file: size and modification
// time of each.
type fileState [3]struct {
	size  int64
	mtime time.Time
	ok    bool
}

func statFiles(dir string) fileState {
	var st fileState
	for i, name := range []string{roster.SchedulesFile, roster.RosterFile, roster.CalendarFile} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil {
			st[i].size, st[i].mtime, st[i].ok = fi.Size(), fi.ModTime(), true
		}
	}
	return st
}

// watch reloads the reference files and the users file when they change
// (checked every -reload-every), on SIGHUP and on Reload, and tells the
// engine the date once a minute (missing_punch is raised for incomplete
// days once they are past).
func (s *Service) watch(ctx context.Context) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	check := time.NewTicker(s.cfg.ReloadEvery)
	defer check.Stop()
	minute := time.NewTicker(time.Minute)
	defer minute.Stop()
	s.journalChangedData(ctx)
	s.advance(ctx)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			s.log.Info("SIGHUP: reloading the reference files and the users")
			s.doReload(ctx)
			s.reloadUsers(true)
		case <-s.reload:
			s.doReload(ctx)
			s.reloadUsers(true)
		case <-check.C:
			if st := statFiles(s.cfg.Data); st != s.files {
				s.log.Info("reference files changed: reloading")
				s.doReload(ctx)
			}
			s.reloadUsers(false)
		case <-minute.C:
			s.advance(ctx)
		}
	}
}

// reloadUsers re-reads the users file if it changed (or always, with
// force). A broken file is refused and the users in force stay.
func (s *Service) reloadUsers(force bool) {
	changed, err := s.users.Reload(force)
	switch {
	case err != nil:
		s.log.Error("users not reloaded: the users in force stay", "file", s.users.Path(), "err", err)
		s.m.Reloads.WithLabelValues("error").Inc()
	case changed:
		s.log.Info("users reloaded", "file", s.users.Path(), "users", s.users.Len())
		s.m.Reloads.WithLabelValues("ok").Inc()
	}
}

func (s *Service) advance(ctx context.Context) {
	res := s.pipe.Do(ctx, func() (journal.Kind, []byte, error) {
		s.live.Advance(s.now())
		return 0, nil, nil
	})
	if res.Err != nil && ctx.Err() == nil {
		s.log.Error("advancing the date", "err", res.Err)
	}
}

// doReload loads the reference files and, if they are free of errors,
// rebuilds the engine on them from the journal inside the writer (no event
// slips between the replay and the swap) and journals a reload record, so
// the InfluxDB sink rewrites every derived value. Files with errors are
// refused as a whole: the data in force stays, and the errors are logged.
func (s *Service) doReload(ctx context.Context) {
	st := statFiles(s.cfg.Data)
	digest := dataDigest(s.cfg.Data)
	data, errs := roster.LoadDir(s.cfg.Data)
	if len(errs) > 0 || data == nil {
		for _, e := range errs {
			s.log.Error("reference data not reloaded", "err", e)
		}
		s.m.Reloads.WithLabelValues("error").Inc()
		s.files = st // do not retry the same broken files every check
		return
	}
	start := time.Now()
	res := s.pipe.Do(ctx, func() (journal.Kind, []byte, error) {
		now := s.now()
		size := int(s.j.Count(journal.KindTap) + s.j.Count(journal.KindAdjustment))
		if _, err := s.live.Build(data, s.events, now, false, size, nil); err != nil {
			return 0, nil, fmt.Errorf("rebuilding the engine: %w", err)
		}
		s.snapKey = snapshotKey(digest, s.live.cfg)
		return journal.KindReload, journal.Marshal(journal.Reload{At: now, Staff: data.Len()}), nil
	})
	if res.Err != nil {
		if ctx.Err() == nil {
			s.log.Error("reload failed", "err", res.Err)
			s.m.Reloads.WithLabelValues("error").Inc()
		}
		return
	}
	s.files = st
	s.recordDigest(digest)
	s.m.Reloads.WithLabelValues("ok").Inc()
	s.log.Info("reference data reloaded", "staff", data.Len(), "took", time.Since(start).Round(time.Millisecond))
}

// digestCursor keeps, among the journal's cursors (a value, not a position),
// the first 8 bytes of the digest of the reference files that the journal's
// derived values were last made for.
const digestCursor = "reference-digest"

func digest64(digest string) uint64 {
	v, _ := strconv.ParseUint(digest[:min(16, len(digest))], 16, 64)
	return v
}

// recordDigest notes the reference files the derived values are made for.
func (s *Service) recordDigest(digest string) {
	if digest == "" {
		return
	}
	if err := s.j.SetCursor(digestCursor, digest64(digest)); err != nil {
		s.log.Warn("recording the digest of the reference files", "err", err)
	}
}

// journalChangedData journals a reload record at start when the reference
// files changed while the aggregator was stopped (the engine was built on
// the new ones already): the InfluxDB sink then rewrites every derived
// series, as after a reload while running, and drops the series the roster
// no longer writes.
func (s *Service) journalChangedData(ctx context.Context) {
	digest := s.digest
	old, ok, err := s.j.CursorOK(digestCursor)
	if err != nil || digest == "" || (ok && old == digest64(digest)) {
		return
	}
	if s.j.Last() > 0 { // an empty journal has nothing derived yet
		res := s.pipe.Do(ctx, func() (journal.Kind, []byte, error) {
			return journal.KindReload, journal.Marshal(journal.Reload{At: s.now(), Staff: s.live.Engine().Roster().Len()}), nil
		})
		if res.Err != nil {
			if ctx.Err() == nil {
				s.log.Error("journaling the change of the reference files made while stopped", "err", res.Err)
			}
			return
		}
		s.log.Info("reference files changed while the aggregator was stopped: every derived series is rewritten")
	}
	s.recordDigest(digest)
}
