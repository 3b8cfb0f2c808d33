//go:build !linux

package wiegand

import (
	"errors"
	"time"
)

// errNoGPIO is what the GPIO source gives on systems without the Linux GPIO
// character device.
var errNoGPIO = errors.New("wiegand: GPIO capture needs the Linux GPIO character device")

// GPIOSource is the EdgeSource of two GPIO lines; on this system it cannot be
// opened. See the Linux build for the real one.
type GPIOSource struct{}

// OpenGPIO fails: GPIO capture needs Linux.
func OpenGPIO(d0, d1 string) (*GPIOSource, error) { return nil, errNoGPIO }

// String names the source.
func (s *GPIOSource) String() string { return "unsupported GPIO" }

// WaitEdge implements EdgeSource; it always fails.
func (s *GPIOSource) WaitEdge(timeout time.Duration) (Edge, bool, error) {
	return Edge{}, false, errNoGPIO
}

// Close does nothing.
func (s *GPIOSource) Close() error { return nil }
