//go:build !linux

package clocktrust

import (
	"crypto/rand"
	"errors"
	"time"
)

// System is the running machine's clocks. Off Linux the sync state is
// unknown and the boot-time clock is the process's own monotonic clock, so
// corrections apply only within one run.
type System struct {
	start  time.Time
	osBoot [16]byte
}

// NewSystem starts the monotonic reference and a random boot id.
func NewSystem() (*System, error) {
	s := &System{start: time.Now()}
	rand.Read(s.osBoot[:])
	return s, nil
}

// Now returns the wall clock and the time since NewSystem.
func (s *System) Now() (time.Time, time.Duration) {
	now := time.Now()
	return now.Round(0), now.Sub(s.start)
}

// Synced always fails: only the Linux kernel's NTP state is read.
func (s *System) Synced() (bool, error) {
	return false, errors.New("clocktrust: sync state is read only on Linux")
}

// OSBoot returns the id made up by NewSystem.
func (s *System) OSBoot() [16]byte { return s.osBoot }
