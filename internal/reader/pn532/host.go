// Package pn532 drives the NXP PN532 over its HSU (UART 115200 8N1) and
// emulates it: ISO/IEC 14443A cards (Mifare Classic, Ultralight, NTAG; UIDs
// of 4, 7 or 10 bytes) and FeliCa cards.
//
// The host side, Reader, is what the gateway runs. Init wakes the chip up
// (55 55 then zeros), sets normal SAM mode, checks the firmware and bounds
// the chip's polling retries, which default to forever; Poll looks for a
// Type A card, then for a FeliCa card, and returns the card id of FORMATS.md
// §2 (mifare:{uid}, felica:{idm}).
//
// The device side, Device, is what firmware-sim runs: a chip asleep until it
// sees the wake-up byte 55, answering GetFirmwareVersion, SAMConfiguration,
// RFConfiguration, InListPassiveTarget, InRelease, InDeselect and PowerDown
// byte for byte, holding a poll while its retries are unbounded and no card
// is in the field. Both sides use package frame.
package pn532

import (
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
	// FirstTimeout bounds the first answer after the port was opened: on a
	// Raspberry Pi the first answer after reopening a USB serial port can
	// take about a second.
	FirstTimeout = 1500 * time.Millisecond
	// CommandTimeout bounds the answer to a configuration command.
	CommandTimeout = 500 * time.Millisecond
	// PollTimeout bounds the answer to a poll with one activation retry.
	PollTimeout = 200 * time.Millisecond
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
	link     *frame.Link
	port     reader.Port
	firmware string
}

// New returns a Reader on port; call Init before Poll.
func New(port reader.Port, log *slog.Logger) *Reader {
	return &Reader{link: frame.NewLink(port, log), port: port}
}

// Init flushes the line, wakes the chip and configures it for polling.
func (r *Reader) Init(ctx context.Context) error {
	if err := r.link.Flush(); err != nil {
		return err
	}
	if err := reader.WriteAll(r.port, wakeUp); err != nil {
		return err
	}
	if err := r.configure(ctx, FirstTimeout, frame.CmdSAMConfiguration, 0x01); err != nil {
		return fmt.Errorf("pn532 SAMConfiguration: %w", err)
	}
	v, err := r.link.Exchange(ctx, CommandTimeout, frame.CmdGetFirmwareVersion)
	if err != nil {
		return fmt.Errorf("pn532 GetFirmwareVersion: %w", err)
	}
	if len(v) != 4 || v[0] != 0x32 {
		return fmt.Errorf("pn532 GetFirmwareVersion: % X, want IC 32 and 3 more bytes", v)
	}
	r.firmware = fmt.Sprintf("PN532 firmware %d.%d", v[1], v[2])
	if err := r.configure(ctx, CommandTimeout, frame.CmdRFConfiguration, retries...); err != nil {
		return fmt.Errorf("pn532 RFConfiguration retries: %w", err)
	}
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

// Firmware describes the chip as GetFirmwareVersion reported it in Init.
func (r *Reader) Firmware() string { return r.firmware }

// Poll looks for a Type A card, then for a FeliCa card, and returns the
// card id of the first found, or "" when the field is empty.
func (r *Reader) Poll(ctx context.Context) (string, error) {
	body, err := r.link.Exchange(ctx, PollTimeout, frame.CmdInListPassiveTarget, 0x01, frame.BrTy106A)
	if err != nil {
		return "", fmt.Errorf("pn532 Type A poll: %w", err)
	}
	uid, err := ParseTypeATarget(body)
	if err != nil {
		return "", fmt.Errorf("pn532 Type A poll: %w", err)
	}
	if uid != nil {
		return punch.FormatCard(punch.TechMifare, uid), nil
	}
	body, err = r.link.Exchange(ctx, PollTimeout, frame.CmdInListPassiveTarget, frame.FeliCaPoll...)
	if err != nil {
		return "", fmt.Errorf("pn532 FeliCa poll: %w", err)
	}
	idm, err := frame.ParseFeliCaTarget(body)
	if err != nil {
		return "", fmt.Errorf("pn532 FeliCa poll: %w", err)
	}
	if idm != nil {
		return punch.FormatCard(punch.TechFeliCa, idm), nil
	}
	return "", nil
}

// ParseTypeATarget reads the body of an InListPassiveTarget response to a
// 106 kbps Type A poll (after the response code): NbTg, then Tg,
// SENS_RES[2], SEL_RES, UID length, UID [, ATS length, ATS…]. It returns the
// UID of the first target, or nil when none answered.
func ParseTypeATarget(body []byte) ([]byte, error) {
	if len(body) == 1 && body[0] == 0 {
		return nil, nil
	}
	if len(body) < 6 || body[0] == 0 || body[0] > 2 {
		return nil, fmt.Errorf("InListPassiveTarget Type A response % X: want NbTg 0, 1 or 2 and a target", body)
	}
	n := int(body[5])
	if n != 4 && n != 7 && n != 10 {
		return nil, fmt.Errorf("InListPassiveTarget Type A UID length %d: want 4, 7 or 10", n)
	}
	end := 6 + n
	if len(body) < end {
		return nil, fmt.Errorf("InListPassiveTarget Type A response of %d bytes: UID of %d cut short", len(body), n)
	}
	if len(body) > end && body[1] == 1 && body[0] == 1 {
		// One target with an ATS: its length byte counts itself.
		if ats := int(body[end]); ats == 0 || len(body) != end+ats {
			return nil, fmt.Errorf("InListPassiveTarget Type A ATS length %d does not fit %d bytes left", ats, len(body)-end)
		}
	}
	return append([]byte(nil), body[6:end]...), nil
}
