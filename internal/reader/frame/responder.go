package frame

import "bytes"

// Status says what a Handler did with a command.
type Status uint8

// The handler outcomes.
const (
	// Answered: the body is the response (after the response code).
	Answered Status = iota
	// Pending: no answer yet; the command waits for a change of state
	// (a PN532 poll with unbounded retries waits for a card) and is run
	// again by Responder.Retry, or dropped when the host cancels.
	Pending
	// Unknown: not a command of this module; the error frame goes back.
	Unknown
)

// Handler is a module's command set, behind a Responder.
type Handler interface {
	// Command answers command code cmd with its parameters.
	Command(cmd byte, params []byte) (body []byte, st Status)
	// Cancel is called when the host sends an ACK, which aborts the
	// command in progress.
	Cancel()
}

// Responder is the device side of the frame protocol: it takes the bytes the
// host sends and returns the bytes a module sends back. It ACKs every well
// formed command before answering it, repeats its last answer when the host
// sends a NACK, ignores frames that fail their checksums (as the modules do:
// the host times out and retries), sends the error frame for frames that are
// not commands and for commands the Handler does not know, and can be told
// to NACK commands to exercise the host's resend path.
//
// A Responder is not safe for concurrent use.
type Responder struct {
	h       Handler
	dec     Decoder
	last    []byte // the last answer sent, for a NACK
	pending []byte // command code and parameters of a pending command
	nack    int
}

// NewResponder returns a Responder answering with h.
func NewResponder(h Handler) *Responder { return &Responder{h: h} }

// Input consumes bytes from the host and returns the bytes to send back
// (possibly none).
func (r *Responder) Input(p []byte) []byte {
	r.dec.Write(p)
	var out []byte
	for {
		f, ok, err := r.dec.Next()
		if err != nil {
			continue
		}
		if !ok {
			return out
		}
		out = r.frame(out, f)
	}
}

func (r *Responder) frame(out []byte, f Frame) []byte {
	switch f.Kind {
	case ACK:
		r.pending = nil
		r.h.Cancel()
		return out
	case NACK:
		return append(out, r.last...)
	case Error:
		return out
	}
	if f.TFI != TFIHost || len(f.Data) == 0 {
		r.last = errorBytes
		return append(out, errorBytes...)
	}
	if r.nack > 0 {
		r.nack--
		return append(out, nackBytes...)
	}
	out = append(out, ackBytes...)
	r.pending = nil
	return r.run(out, f.Data)
}

// run executes a command (code and parameters) and appends its answer.
func (r *Responder) run(out, cmd []byte) []byte {
	body, st := r.h.Command(cmd[0], cmd[1:])
	switch st {
	case Pending:
		r.pending = bytes.Clone(cmd)
		return out
	case Unknown:
		r.last = errorBytes
		return append(out, errorBytes...)
	}
	r.last = Response(cmd[0], body...).Bytes()
	return append(out, r.last...)
}

// Retry runs a pending command again after the module's state changed and
// returns its answer, or nothing if it is still pending or none waits.
func (r *Responder) Retry() []byte {
	if r.pending == nil {
		return nil
	}
	cmd := r.pending
	r.pending = nil
	return r.run(nil, cmd)
}

// NACKNext makes the Responder answer the next n commands with a NACK, as a
// module does when a command reached it garbled.
func (r *Responder) NACKNext(n int) { r.nack = n }

// Reset forgets buffered input, the pending command and the last answer, as
// a power cycle does.
func (r *Responder) Reset() {
	r.dec.Reset()
	r.last, r.pending, r.nack = nil, nil, 0
}
