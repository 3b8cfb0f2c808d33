// Package pn532 drives the NXP PN532 over its HSU (UART 115200 8N1) and
// emulates it: ISO/IEC 14443A cards (Mifare Classic, Ultralight, NTAG; UIDs
// of 4, 7 or 10 bytes) and FeliCa cards. Frames, exchanges and the commands
// the PN532 shares with the RC-S620S are package frame's; this package holds
// what is the PN532's own.
//
// The host side, Reader, is what the gateway runs. Init wakes the chip up
// (55 55 then zeros), sets normal SAM mode, checks the firmware and bounds
// the chip's polling retries, which default to forever; Poll looks for a
// Type A card, then for a FeliCa card, and returns the card id of FORMATS.md
// §2 (mifare:{uid}, felica:{idm}).
//
// The device side, Device, is what firmware-sim runs: a frame.Module with a
// chip asleep until it sees the wake-up byte 55, that also answers
// SAMConfiguration, InRelease, InDeselect and PowerDown byte for byte.
package pn532

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"timeclock/internal/reader"
	"timeclock/internal/reader/frame"
)

// FirstTimeout bounds the first answer after the port was opened: on a
// Raspberry Pi the first answer after reopening a USB serial port can take
// about a second.
const FirstTimeout = 1500 * time.Millisecond

// Command codes of the PN532 alone.
const (
	CmdSAMConfiguration byte = 0x14
	CmdPowerDown        byte = 0x16
)

// wakeUp is what libnfc sends before the first command: 55 wakes the HSU,
// the zeros give the chip time to come up.
var wakeUp = []byte{0x55, 0x55, 0x00, 0x00, 0x00}

// retries bounds the chip's own retries: ATR forever (unused), PSL once,
// passive activation once, so a poll without a card returns at once.
var retries = []byte{frame.RFItemRetries, 0xFF, 0x01, 0x01}

// Reader is the host side of a PN532 on a port. It is not safe for
// concurrent use.
type Reader struct {
	frame.Host
	port reader.Port
}

// New returns a Reader on port; call Init before Poll.
func New(port reader.Port, log *slog.Logger) *Reader {
	return &Reader{Host: frame.NewHost(reader.PN532, port, log), port: port}
}

// Init flushes the line, wakes the chip and configures it for polling.
func (r *Reader) Init(ctx context.Context) error {
	if err := r.Link.Flush(); err != nil {
		return err
	}
	if err := reader.WriteAll(r.port, wakeUp); err != nil {
		return err
	}
	if err := r.Configure(ctx, FirstTimeout, "SAMConfiguration", CmdSAMConfiguration, 0x01); err != nil {
		return err
	}
	err := r.ReadFirmware(ctx, func(ic, ver, rev byte) (string, error) {
		if ic != 0x32 {
			return "", fmt.Errorf("IC %02X, want 32", ic)
		}
		return fmt.Sprintf("PN532 firmware %d.%d", ver, rev), nil
	})
	if err != nil {
		return err
	}
	return r.Configure(ctx, frame.CommandTimeout, "RFConfiguration retries", frame.CmdRFConfiguration, retries...)
}

// Poll looks for a Type A card, then for a FeliCa card, and returns the
// card id of the first found, or "" when the field is empty.
func (r *Reader) Poll(ctx context.Context) (string, error) {
	if card, err := r.PollTypeA(ctx); card != "" || err != nil {
		return card, err
	}
	return r.PollFeliCa(ctx)
}
