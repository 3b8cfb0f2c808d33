// Package rcs620s drives the Sony RC-S620S FeliCa reader module over its
// UART (115200 8N1, no flow control, no wake-up) and emulates it.
//
// The host side, Reader, is what the gateway runs: Init resets the module
// and configures it as Sony's reference library does (RF timings, no
// retries, 24 ms extra wait), Poll runs one FeliCa polling for system code
// FFFF and turns the IDm into the card id felica:{hex} of FORMATS.md §2.
//
// The device side, Device, is what firmware-sim runs on a pseudo-terminal:
// it answers GetFirmwareVersion, ReadRegister, WriteRegister, Reset,
// RFConfiguration, InListPassiveTarget and CommunicateThruEX byte for byte
// like the module, cancels on a host ACK, repeats its last answer on a NACK
// and sends the error frame for anything else. Both sides use package frame.
package rcs620s

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"

	"timeclock/internal/punch"
	"timeclock/internal/reader"
	"timeclock/internal/reader/frame"
)

// Timing of the host side.
const (
	// FirstTimeout bounds the first answer after the port was opened: a
	// USB serial adapter that was just plugged in can be slow to start.
	FirstTimeout = time.Second
	// CommandTimeout bounds the answer to a configuration command.
	CommandTimeout = 500 * time.Millisecond
	// PollTimeout bounds the answer to a poll; with no retries the module
	// answers within a few milliseconds plus the 24 ms extra wait.
	PollTimeout = 200 * time.Millisecond
	// ResetSettle is how long the module needs after the ACK that
	// completes a Reset (10–20 ms per Sony's reference).
	ResetSettle = 20 * time.Millisecond
)

// The configuration commands of Init after the reset, as Sony's reference
// library sends them.
var initCommands = [][]byte{
	{frame.RFItemTimings, 0x00, 0x00, 0x00},
	{frame.RFItemRetries, 0x00, 0x00, 0x00},
	{frame.RFItemExtraWait, 0xB7},
}

// Reader is the host side of an RC-S620S on a port. It is not safe for
// concurrent use.
type Reader struct {
	link     *frame.Link
	firmware string
}

// New returns a Reader on port; call Init before Poll.
func New(port reader.Port, log *slog.Logger) *Reader {
	return &Reader{link: frame.NewLink(port, log)}
}

// Init flushes the line, resets the module and configures it for polling.
func (r *Reader) Init(ctx context.Context) error {
	if err := r.link.Flush(); err != nil {
		return err
	}
	if err := r.configure(ctx, FirstTimeout, frame.CmdReset, 0x01); err != nil {
		return fmt.Errorf("rcs620s reset: %w", err)
	}
	// The module resets on the host's ACK after its answer.
	if err := r.link.WriteACK(); err != nil {
		return err
	}
	if err := reader.Wait(ctx, ResetSettle); err != nil {
		return err
	}
	if err := r.link.Flush(); err != nil {
		return err
	}
	for _, c := range initCommands {
		if err := r.configure(ctx, CommandTimeout, frame.CmdRFConfiguration, c...); err != nil {
			return fmt.Errorf("rcs620s RFConfiguration %02X: %w", c[0], err)
		}
	}
	v, err := r.link.Exchange(ctx, CommandTimeout, frame.CmdGetFirmwareVersion)
	if err != nil {
		return fmt.Errorf("rcs620s GetFirmwareVersion: %w", err)
	}
	if len(v) != 4 {
		return fmt.Errorf("rcs620s GetFirmwareVersion: % X, want 4 bytes", v)
	}
	r.firmware = fmt.Sprintf("RC-S620S IC %02X firmware %X.%02X", v[0], v[1], v[2])
	return nil
}

// configure runs a command whose answer has no body.
func (r *Reader) configure(ctx context.Context, timeout time.Duration, cmd byte, params ...byte) error {
	body, err := r.link.Exchange(ctx, timeout, cmd, params...)
	if err == nil && len(body) != 0 {
		err = fmt.Errorf("answer % X, want no data", body)
	}
	return err
}

// Firmware describes the module as GetFirmwareVersion reported it in Init.
func (r *Reader) Firmware() string { return r.firmware }

// Poll runs one FeliCa polling and returns the card id of the card in the
// field, or "" when there is none.
func (r *Reader) Poll(ctx context.Context) (string, error) {
	body, err := r.link.Exchange(ctx, PollTimeout, frame.CmdInListPassiveTarget, frame.FeliCaPoll...)
	if err != nil {
		return "", fmt.Errorf("rcs620s poll: %w", err)
	}
	// Sony's reference accepts only the 0x12 form: the poll asks for no
	// system code.
	if len(body) > 1 && !bytes.HasPrefix(body, []byte{0x01, 0x01, 0x12, 0x01}) {
		return "", fmt.Errorf("rcs620s poll: response starts % X, want 01 01 12 01", body[:min(len(body), 4)])
	}
	idm, err := frame.ParseFeliCaTarget(body)
	if err != nil || idm == nil {
		return "", err
	}
	return punch.FormatCard(punch.TechFeliCa, idm), nil
}

// RFOff switches the RF field off (before the reader is left idle).
func (r *Reader) RFOff(ctx context.Context) error {
	if err := r.configure(ctx, CommandTimeout, frame.CmdRFConfiguration, frame.RFItemField, 0x00); err != nil {
		return fmt.Errorf("rcs620s RF off: %w", err)
	}
	return nil
}
