//go:build chaos

package clocktrust

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// ChaosEnv names the file through which the fault matrix (scripts/chaos)
// steps the clock of a gateway built with -tags chaos: it holds an offset
// added to the wall clock and the sync state to report, e.g. "-1h
// unsynced" (a clock set an hour back by hand, which the kernel marks
// unsynchronised) or "0 synced". No file, or an empty one: the machine's
// clocks as they are. Production builds do not have this file.
const ChaosEnv = "TIMECLOCK_CHAOS_CLOCK"

// Machine returns the running machine's clocks, stepped by the file named
// by $TIMECLOCK_CHAOS_CLOCK when it is set.
func Machine() (Source, error) {
	s, err := NewSystem()
	if err != nil {
		return nil, err
	}
	if path := os.Getenv(ChaosEnv); path != "" {
		return &stepped{System: s, path: path}, nil
	}
	return s, nil
}

// stepped is the machine's clocks with the offset and sync state of a file,
// read at every reading.
type stepped struct {
	*System
	path string
}

func (s *stepped) read() (offset time.Duration, synced *bool, err error) {
	b, err := os.ReadFile(s.path)
	if os.IsNotExist(err) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, err
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, nil, nil
	}
	if offset, err = time.ParseDuration(f[0]); err != nil {
		return 0, nil, fmt.Errorf("%s: %w", s.path, err)
	}
	if len(f) > 1 {
		v := f[1] == "synced"
		if !v && f[1] != "unsynced" {
			return 0, nil, fmt.Errorf("%s: %q: want synced or unsynced", s.path, f[1])
		}
		synced = &v
	}
	return offset, synced, nil
}

func (s *stepped) Now() (time.Time, time.Duration) {
	wall, boot := s.System.Now()
	off, _, _ := s.read()
	return wall.Add(off), boot
}

func (s *stepped) Synced() (bool, error) {
	_, synced, err := s.read()
	if err != nil {
		return false, err
	}
	if synced == nil {
		return s.System.Synced()
	}
	return *synced, nil
}
