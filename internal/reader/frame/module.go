package frame

import (
	"fmt"

	"timeclock/internal/punch"
	"timeclock/internal/reader"
)

// PMm is the manufacture parameter emulated FeliCa cards answer with (the
// one of READERS.md's example).
var PMm = []byte{0x03, 0x32, 0x42, 0x82, 0x82, 0x47, 0xAA, 0xFF}

// Chip is what sets one emulated chip apart from the others.
type Chip struct {
	Kind     reader.Kind // the cards it reads (reader.Kind.Reads); its name in errors
	Firmware []byte      // the answer to GetFirmwareVersion
	MaxTg    byte        // how many targets one InListPassiveTarget may ask for
	// RFItems are the RFConfiguration items the chip takes besides field,
	// timings and retries, with their parameter length (item included).
	RFItems map[byte]int
	// Commands answers the chip's own commands. It sees every command
	// first; for one it does not know it returns Unknown and the Module
	// answers it if it is one of the shared set.
	Commands func(cmd byte, params []byte) ([]byte, Status)
}

// Module is the device side of an emulated PN53x chip: a Responder that
// answers the commands the chips share (GetFirmwareVersion, RFConfiguration
// of the field, timings and retries, and InListPassiveTarget for one FeliCa
// or Type A card), and the card in the field. With the retries unbounded,
// as after power-on, a poll waits until a card is presented. Each chip's
// Device embeds a Module and adds its own commands through Chip.Commands.
// A Module is not safe for concurrent use.
type Module struct {
	resp *Responder
	chip Chip
	// Card is the card in the field, the zero Card for none.
	Card punch.Card
	// RFOn tells whether the RF field is on.
	RFOn bool
	// Polls counts the InListPassiveTarget commands answered, with or
	// without a card.
	Polls      int
	retries    byte // MxRtyPassiveActivation; FF: a poll waits for a card
	resetArmed bool // the host's next ACK resets the chip
}

// NewModule returns chip just powered on, with no card in the field.
func NewModule(chip Chip) *Module {
	m := &Module{chip: chip, retries: 0xFF}
	m.resp = NewResponder(shared{m})
	return m
}

// Input takes bytes from the host and returns the chip's answer.
func (m *Module) Input(p []byte) []byte { return m.resp.Input(p) }

// Present puts the card with id card (FORMATS.md §2) in the field and
// returns the answer of a poll that was waiting for a card, if any.
func (m *Module) Present(card string) ([]byte, error) {
	c, err := punch.ParseCard(card)
	if err != nil {
		return nil, err
	}
	if !m.chip.Kind.Reads(c.Tech) {
		return nil, fmt.Errorf("%s: card %s: the emulated %s does not read %s cards", m.chip.Kind, card, m.chip.Kind, c.Tech)
	}
	m.Card = c
	return m.resp.Retry(), nil
}

// Remove takes the card out of the field.
func (m *Module) Remove() []byte {
	m.Card = punch.Card{}
	return nil
}

// Reset clears what a reset of the chip clears: the RF field goes off and
// the retries are unbounded again. The card stays in the field.
func (m *Module) Reset() { m.RFOn, m.retries, m.resetArmed = false, 0xFF, false }

// ResetOnACK makes the host's next ACK Reset the chip, unless a command
// comes first: the RC-S620S completes its Reset command so.
func (m *Module) ResetOnACK() { m.resetArmed = true }

// PowerOn puts the chip back in its power-on state, as after the reader was
// unplugged and plugged in again: Reset, and the buffered input, the pending
// command and the last answer forgotten. The card stays in the field.
func (m *Module) PowerOn() {
	m.resp.Reset()
	m.Reset()
}

// NACKNext makes the chip answer the next n commands with a NACK.
func (m *Module) NACKNext(n int) { m.resp.NACKNext(n) }

// shared is the Handler behind the Module's Responder: the chip's own
// commands, then the shared set.
type shared struct{ m *Module }

func (s shared) Cancel() {
	if s.m.resetArmed {
		s.m.Reset()
	}
}

func (s shared) Command(cmd byte, p []byte) ([]byte, Status) {
	s.m.resetArmed = false
	if body, st := s.m.chip.Commands(cmd, p); st != Unknown {
		return body, st
	}
	switch cmd {
	case CmdGetFirmwareVersion:
		return s.m.chip.Firmware, Answered
	case CmdRFConfiguration:
		return nil, s.m.rfConfiguration(p)
	case CmdInListPassiveTarget:
		return s.m.poll(p)
	}
	return nil, Unknown
}

// rfConfiguration takes the items a host sets; of the shared ones the RF
// field and the retries change what the chip does.
func (m *Module) rfConfiguration(p []byte) Status {
	if len(p) == 0 || len(p) != m.rfItemLen(p[0]) {
		return Unknown
	}
	switch p[0] {
	case RFItemField:
		m.RFOn = p[1]&1 != 0
	case RFItemRetries:
		m.retries = p[3]
	}
	return Answered
}

// rfItemLen is the parameter length (item included) of an RFConfiguration
// item the chip takes, 0 for others.
func (m *Module) rfItemLen(item byte) int {
	switch item {
	case RFItemField:
		return 2
	case RFItemTimings, RFItemRetries:
		return 4
	}
	return m.chip.RFItems[item]
}

// poll answers InListPassiveTarget at 106 kbps Type A or at 212/424 kbps
// FeliCa with the card in the field, if it is of that kind.
func (m *Module) poll(p []byte) ([]byte, Status) {
	if len(p) < 2 || p[0] < 1 || p[0] > m.chip.MaxTg {
		return nil, Unknown
	}
	var body []byte
	switch brty := p[1]; {
	case brty == BrTy106A && (len(p) == 2 || len(p) == 6 || len(p) == 9 || len(p) == 12): // optional UID of 4, 7, 10
		if m.Card.Tech == punch.TechMifare {
			body = typeATarget(m.Card.UID)
		}
	case (brty == BrTy212F || brty == BrTy424F) && len(p) == 7:
		if m.Card.Tech == punch.TechFeliCa {
			body = feliCaTarget(m.Card.UID, p[5])
		}
	default:
		return nil, Unknown
	}
	m.RFOn = true
	if body == nil && m.retries == 0xFF {
		return nil, Pending
	}
	m.Polls++
	if body == nil {
		return []byte{0x00}, Answered
	}
	return body, Answered
}
