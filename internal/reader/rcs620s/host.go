// Package rcs620s drives the Sony RC-S620S FeliCa reader module over its
// UART (115200 8N1, no flow control, no wake-up) and emulates it. Frames,
// exchanges and the commands the RC-S620S shares with the PN532 are package
// frame's; this package holds what is the RC-S620S's own.
//
// The host side, Reader, is what the gateway runs: Init resets the module
// and configures it as Sony's reference library does (RF timings, no
// retries, 24 ms extra wait), Poll runs one FeliCa polling for system code
// FFFF and turns the IDm into the card id felica:{hex} of FORMATS.md §2.
//
// The device side, Device, is what firmware-sim runs on a pseudo-terminal: a
// frame.Module that also answers ReadRegister, WriteRegister, Reset (done on
// the host's ACK after its answer) and CommunicateThruEX byte for byte like
// the module.
package rcs620s

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"timeclock/internal/reader"
	"timeclock/internal/reader/frame"
)

// Timing of the host side, besides frame.CommandTimeout and
// frame.PollTimeout.
const (
	// FirstTimeout bounds the first answer after the port was opened: a
	// USB serial adapter that was just plugged in can be slow to start.
	FirstTimeout = time.Second
	// ResetSettle is how long the module needs after the ACK that
	// completes a Reset (10–20 ms per Sony's reference).
	ResetSettle = 20 * time.Millisecond
)

// Command codes and the RFConfiguration item of the RC-S620S alone.
const (
	CmdReset             byte = 0x18
	CmdCommunicateThruEX byte = 0xA0
	RFItemExtraWait      byte = 0x81 // additional wait time
)

// The configuration commands of Init after the reset, as Sony's reference
// library sends them.
var initCommands = [][]byte{
	{frame.RFItemTimings, 0x00, 0x00, 0x00},
	{frame.RFItemRetries, 0x00, 0x00, 0x00},
	{RFItemExtraWait, 0xB7},
}

// Reader is the host side of an RC-S620S on a port. It is not safe for
// concurrent use.
type Reader struct{ frame.Host }

// New returns a Reader on port; call Init before Poll.
func New(port reader.Port, log *slog.Logger) *Reader {
	return &Reader{Host: frame.NewHost(reader.RCS620S, port, log)}
}

// Init flushes the line, resets the module and configures it for polling.
func (r *Reader) Init(ctx context.Context) error {
	if err := r.Link.Flush(); err != nil {
		return err
	}
	if err := r.Configure(ctx, FirstTimeout, "reset", CmdReset, 0x01); err != nil {
		return err
	}
	// The module resets on the host's ACK after its answer.
	if err := r.Link.WriteACK(); err != nil {
		return err
	}
	if err := reader.Wait(ctx, ResetSettle); err != nil {
		return err
	}
	if err := r.Link.Flush(); err != nil {
		return err
	}
	for _, c := range initCommands {
		if err := r.Configure(ctx, frame.CommandTimeout, fmt.Sprintf("RFConfiguration %02X", c[0]), frame.CmdRFConfiguration, c...); err != nil {
			return err
		}
	}
	return r.ReadFirmware(ctx, func(ic, ver, rev byte) (string, error) {
		return fmt.Sprintf("RC-S620S IC %02X firmware %X.%02X", ic, ver, rev), nil
	})
}

// Poll runs one FeliCa polling and returns the card id of the card in the
// field, or "" when there is none.
func (r *Reader) Poll(ctx context.Context) (string, error) { return r.PollFeliCa(ctx) }

// RFOff switches the RF field off (before the reader is left idle).
func (r *Reader) RFOff(ctx context.Context) error {
	return r.Configure(ctx, frame.CommandTimeout, "RF off", frame.CmdRFConfiguration, frame.RFItemField, 0x00)
}
