package frame

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"timeclock/internal/punch"
	"timeclock/internal/reader"
)

// Timeouts of the host side both chips' drivers use; each chip has its own
// for the first answer after the port was opened.
const (
	// CommandTimeout bounds the answer to a configuration command.
	CommandTimeout = 500 * time.Millisecond
	// PollTimeout bounds the answer to a poll with the retries bounded, as
	// the drivers' Init bounds them: the chip answers within a few
	// milliseconds, plus the extra wait it is given.
	PollTimeout = 200 * time.Millisecond
)

// Host is what the host side of each PN53x chip embeds: the Link to the
// chip, the commands both chips' drivers run, whose errors name the chip,
// and the firmware its Init found.
type Host struct {
	Link     *Link
	kind     reader.Kind
	firmware string
}

// NewHost returns the Host of a chip of kind on port; log receives the
// Link's warnings.
func NewHost(kind reader.Kind, port reader.Port, log *slog.Logger) Host {
	return Host{Link: NewLink(port, log), kind: kind}
}

// Firmware describes the chip as ReadFirmware found it.
func (h *Host) Firmware() string { return h.firmware }

// ReadFirmware runs GetFirmwareVersion and keeps the chip's description for
// Firmware: describe makes it of the IC, version and revision, or refuses a
// chip that is not the expected one.
func (h *Host) ReadFirmware(ctx context.Context, describe func(ic, ver, rev byte) (string, error)) error {
	v, err := h.Link.Exchange(ctx, CommandTimeout, CmdGetFirmwareVersion)
	if err == nil && len(v) != 4 {
		err = fmt.Errorf("answer % X, want 4 bytes", v)
	}
	if err == nil {
		h.firmware, err = describe(v[0], v[1], v[2])
	}
	if err != nil {
		return fmt.Errorf("%s GetFirmwareVersion: %w", h.kind, err)
	}
	return nil
}

// Configure runs configuration command cmd as Link.Configure does; its
// error names the chip and what was configured ("pn532 SAMConfiguration:
// …"), as the drivers' Init reports it.
func (h *Host) Configure(ctx context.Context, timeout time.Duration, what string, cmd byte, params ...byte) error {
	if err := h.Link.Configure(ctx, timeout, cmd, params...); err != nil {
		return fmt.Errorf("%s %s: %w", h.kind, what, err)
	}
	return nil
}

// PollFeliCa polls once for a FeliCa card at 212 kbps, system code FFFF,
// and returns its card id felica:{IDm} of FORMATS.md §2, or "" when no card
// answered.
func (h *Host) PollFeliCa(ctx context.Context) (string, error) {
	return h.poll(ctx, "FeliCa", feliCaPoll, parseFeliCaTarget, punch.TechFeliCa)
}

// PollTypeA polls once for a 106 kbps Type A card and returns its card id
// mifare:{UID} of FORMATS.md §2, or "" when no card answered.
func (h *Host) PollTypeA(ctx context.Context) (string, error) {
	return h.poll(ctx, "Type A", []byte{0x01, BrTy106A}, parseTypeATarget, punch.TechMifare)
}

func (h *Host) poll(ctx context.Context, what string, params []byte, parse func([]byte) ([]byte, error), tech string) (string, error) {
	body, err := h.Link.Exchange(ctx, PollTimeout, CmdInListPassiveTarget, params...)
	var uid []byte
	if err == nil {
		uid, err = parse(body)
	}
	if err != nil {
		return "", fmt.Errorf("%s %s poll: %w", h.kind, what, err)
	}
	if uid == nil {
		return "", nil
	}
	return punch.FormatCard(tech, uid), nil
}

// Configure runs command cmd, whose answer carries no data, as the answers
// to the configuration commands do.
func (l *Link) Configure(ctx context.Context, timeout time.Duration, cmd byte, params ...byte) error {
	body, err := l.Exchange(ctx, timeout, cmd, params...)
	if err == nil && len(body) != 0 {
		err = fmt.Errorf("answer % X, want no data", body)
	}
	return err
}
