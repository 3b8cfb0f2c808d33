package wiegandsim

import (
	"fmt"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3"
)

// OpenPins returns the GPIO lines named d0 and d1 (e.g. "GPIO17", "GPIO27")
// for a Device to drive: a bench setup where a second board, or two spare
// pins of the gateway's own Pi, are wired to the gateway's D0/D1 inputs.
// New makes them outputs, idle high.
func OpenPins(d0, d1 string) (gpio.PinOut, gpio.PinOut, error) {
	if d0 == "" || d1 == "" || d0 == d1 {
		return nil, nil, fmt.Errorf("wiegandsim: need two different GPIO lines for D0 and D1, got %q and %q", d0, d1)
	}
	if _, err := host.Init(); err != nil {
		return nil, nil, fmt.Errorf("wiegandsim: periph host init: %w", err)
	}
	// host.Init succeeds on a machine without GPIO; the lookup is where a
	// missing chip or a misspelt line shows.
	p0, p1 := gpioreg.ByName(d0), gpioreg.ByName(d1)
	if p0 == nil || p1 == nil {
		return nil, nil, fmt.Errorf("wiegandsim: GPIO chip / line not found: %q or %q", d0, d1)
	}
	return p0, p1, nil
}
