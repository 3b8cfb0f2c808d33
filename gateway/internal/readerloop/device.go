package readerloop

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"syscall"

	"go.bug.st/serial"

	"timeclock/internal/reader"
	"timeclock/internal/reader/em4100"
	"timeclock/internal/reader/pn532"
	"timeclock/internal/reader/rcs620s"
)

// Driver is the host side of a reader protocol on an open port, as
// packages rcs620s, pn532 and em4100 provide it.
type Driver interface {
	// Init brings the module into a known state; it is called after every
	// open.
	Init(ctx context.Context) error
	// Poll returns the card id in the field ("" for none), waiting a
	// bounded time. An error wrapping *reader.IOError means the port is
	// gone.
	Poll(ctx context.Context) (string, error)
}

// Device is an open reader: a Driver and the port under it. The Loop
// consumes Devices; tests give it fakes through Config.Open.
type Device interface {
	Driver
	Close() error
}

// Port is a serial port as the drivers need it, plus Close.
type Port interface {
	reader.Port
	Close() error
}

// NewDriver returns the host driver of kind on port.
func NewDriver(kind reader.Kind, port reader.Port, log *slog.Logger) (Driver, error) {
	switch kind {
	case reader.RCS620S:
		return rcs620s.New(port, log), nil
	case reader.PN532:
		return pn532.New(port, log), nil
	case reader.EM4100:
		return em4100.New(port, log), nil
	}
	return nil, fmt.Errorf("reader kind %q is not a serial reader", kind)
}

// OpenSerial opens the serial port at path (8N1 at the kind's speed, modem
// bits left alone: pseudo-terminals refuse them) with the driver of kind.
func OpenSerial(path string, kind reader.Kind, log *slog.Logger) (Device, error) {
	p, err := serial.Open(path, &serial.Mode{BaudRate: kind.Baud()})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	d, err := NewDriver(kind, p, log)
	if err != nil {
		p.Close()
		return nil, err
	}
	return &serialDevice{Driver: d, port: p}, nil
}

type serialDevice struct {
	Driver
	port serial.Port
}

func (d *serialDevice) Close() error { return d.port.Close() }

// Firmware describes the module, for drivers that ask it in Init.
func (d *serialDevice) Firmware() string {
	if f, ok := d.Driver.(interface{ Firmware() string }); ok {
		return f.Firmware()
	}
	return ""
}

// absent reports whether an open failed because the device is not there
// (unplugged, or a by-id link not yet made) rather than broken.
func absent(err error) bool {
	var pe *serial.PortError
	if errors.As(err, &pe) && pe.Code() == serial.PortNotFound {
		return true
	}
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENODEV) || errors.Is(err, syscall.ENXIO)
}
