package clocktrust

import (
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// System is the running machine's clocks.
type System struct{ osBoot [16]byte }

// NewSystem reads the kernel boot id once.
func NewSystem() (*System, error) {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return nil, fmt.Errorf("clocktrust: %w", err)
	}
	id, err := parseBootID(string(b))
	if err != nil {
		return nil, err
	}
	return &System{osBoot: id}, nil
}

func parseBootID(s string) ([16]byte, error) {
	var id [16]byte
	h := strings.ReplaceAll(strings.TrimSpace(s), "-", "")
	if len(h) != 32 {
		return id, fmt.Errorf("clocktrust: boot id %q: want a UUID", s)
	}
	if _, err := hex.Decode(id[:], []byte(h)); err != nil {
		return id, fmt.Errorf("clocktrust: boot id %q: %w", s, err)
	}
	return id, nil
}

// Now reads CLOCK_REALTIME and CLOCK_BOOTTIME back to back. Boot time keeps
// counting across a restart of the gateway within one kernel boot, which Go's
// own monotonic reading does not.
func (s *System) Now() (time.Time, time.Duration) {
	var ts unix.Timespec
	wall := time.Now().Round(0)
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return wall, 0
	}
	return wall, time.Duration(ts.Nano())
}

// Synced asks adjtimex without changing anything: the kernel clears
// STA_UNSYNC while an NTP daemon (systemd-timesyncd, chrony, ntpd) disciplines
// the clock, and sets it again when the clock is set by hand.
func (s *System) Synced() (bool, error) {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return false, fmt.Errorf("clocktrust: adjtimex: %w", err)
	}
	return state != unix.TIME_ERROR && tx.Status&unix.STA_UNSYNC == 0, nil
}

// OSBoot returns the kernel boot id.
func (s *System) OSBoot() [16]byte { return s.osBoot }
