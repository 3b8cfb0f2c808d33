package frame

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"timeclock/internal/reader"
)

// Default timing of a Link. A module ACKs within a few milliseconds; the
// response timeout is per command and passed to Exchange.
const (
	DefaultAckTimeout = 100 * time.Millisecond
	DefaultRetries    = 2
	// maxNACKs bounds how often one attempt resends its command because the
	// module asked for it, so a module stuck answering NACK cannot hold the
	// host forever.
	maxNACKs = 3
)

// ErrModule is wrapped when the module answers with the error frame: it
// did not understand the command.
var ErrModule = errors.New("module sent the error frame")

// ExchangeError reports a failed exchange: the command, the step that
// failed ("write", "ACK" or "response") and why.
type ExchangeError struct {
	Cmd  byte
	Step string
	Err  error
}

func (e *ExchangeError) Error() string {
	return fmt.Sprintf("command %02X: %s: %v", e.Cmd, e.Step, e.Err)
}

func (e *ExchangeError) Unwrap() error { return e.Err }

// Link is the host side of the frame protocol on one port: each Exchange
// writes a command, waits for the ACK, then for the response, and on any
// failure cancels with an ACK, flushes and tries again, a bounded number of
// times. A Link is not safe for concurrent use; one goroutine owns a port.
type Link struct {
	port reader.Port
	log  *slog.Logger
	dec  Decoder
	buf  []byte

	// AckTimeout bounds the wait for the module's ACK of a command.
	AckTimeout time.Duration
	// Retries is how many times a failed exchange is tried again.
	Retries int
}

// NewLink returns a Link on port with the default timing. log receives
// warnings about retries and corrupt frames.
func NewLink(port reader.Port, log *slog.Logger) *Link {
	return &Link{port: port, log: log, buf: make([]byte, 512), AckTimeout: DefaultAckTimeout, Retries: DefaultRetries}
}

// Flush drops everything received so far, in the port and in the decoder.
func (l *Link) Flush() error {
	l.dec.Reset()
	if err := l.port.ResetInputBuffer(); err != nil {
		return &reader.IOError{Op: "flush", Err: err}
	}
	return nil
}

// WriteACK sends an ACK frame: it cancels the module's current command, and
// after a Reset command's response it makes the RC-S620S reset.
func (l *Link) WriteACK() error { return reader.WriteAll(l.port, ackBytes) }

// Exchange runs command cmd with params and returns the response body: the
// data after the response code. timeout bounds the wait for the response
// of each attempt. Port failures (*reader.IOError), the error frame (the
// module refuses the command) and the end of ctx return at once; timeouts
// and corrupt frames are retried.
func (l *Link) Exchange(ctx context.Context, timeout time.Duration, cmd byte, params ...byte) ([]byte, error) {
	out := Command(cmd, params...).Bytes()
	var err error
	for attempt := 0; attempt <= l.Retries; attempt++ {
		var body []byte
		body, err = l.attempt(ctx, out, cmd, timeout)
		if err == nil {
			return body, nil
		}
		if ctx.Err() != nil || reader.IsIOError(err) || errors.Is(err, ErrModule) {
			return nil, err // retrying cannot help
		}
		l.log.Debug("reader exchange failed", "cmd", fmt.Sprintf("%02X", cmd), "attempt", attempt+1, "err", err)
		if cerr := l.cancel(ctx); cerr != nil {
			return nil, cerr
		}
	}
	return nil, err
}

// attempt is one try: command out, then its ACK, then its response.
func (l *Link) attempt(ctx context.Context, out []byte, cmd byte, timeout time.Duration) ([]byte, error) {
	if err := reader.WriteAll(l.port, out); err != nil {
		return nil, &ExchangeError{Cmd: cmd, Step: "write", Err: err}
	}
	if err := l.awaitACK(ctx, out, cmd); err != nil {
		return nil, &ExchangeError{Cmd: cmd, Step: "ACK", Err: err}
	}
	body, err := l.awaitResponse(ctx, cmd, timeout)
	if err != nil {
		return nil, &ExchangeError{Cmd: cmd, Step: "response", Err: err}
	}
	return body, nil
}

// awaitACK waits for the ACK of the command just written. A NACK means the
// module got it garbled: write it again. An information frame here is a
// stale answer to an earlier, cancelled command and is skipped.
func (l *Link) awaitACK(ctx context.Context, out []byte, cmd byte) error {
	deadline := time.Now().Add(l.AckTimeout)
	nacks := 0
	for {
		f, err := l.next(ctx, deadline)
		if errors.Is(err, ErrCorrupt) {
			l.log.Debug("reader: corrupt frame while waiting for ACK", "err", err)
			continue
		}
		if err != nil {
			return err
		}
		switch f.Kind {
		case ACK:
			return nil
		case NACK:
			if nacks++; nacks > maxNACKs {
				return fmt.Errorf("%d NACKs in a row", nacks)
			}
			if err := reader.WriteAll(l.port, out); err != nil {
				return err
			}
			deadline = time.Now().Add(l.AckTimeout)
		case Error:
			return ErrModule
		default:
			l.log.Debug("reader: stale frame skipped", "frame", f.String(), "cmd", fmt.Sprintf("%02X", cmd))
		}
	}
}

// awaitResponse waits for the module's answer to cmd. A corrupt frame is
// asked for again once with a NACK; frames answering other commands are
// stale and skipped.
func (l *Link) awaitResponse(ctx context.Context, cmd byte, timeout time.Duration) ([]byte, error) {
	deadline := time.Now().Add(timeout)
	nacked := false
	for {
		f, err := l.next(ctx, deadline)
		if errors.Is(err, ErrCorrupt) && !nacked {
			l.log.Debug("reader: corrupt response, asking again", "err", err)
			nacked = true
			if err := reader.WriteAll(l.port, nackBytes); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		switch {
		case f.Kind == Error:
			return nil, ErrModule
		case f.Kind == Info && f.TFI == TFIModule && len(f.Data) > 0 && f.Data[0] == cmd+1:
			return f.Data[1:], nil
		case f.Kind == Info:
			l.log.Debug("reader: stale frame skipped", "frame", f.String(), "cmd", fmt.Sprintf("%02X", cmd))
		}
	}
}

// next returns the next frame, reading from the port until deadline.
func (l *Link) next(ctx context.Context, deadline time.Time) (Frame, error) {
	for {
		f, ok, err := l.dec.Next()
		if ok || err != nil {
			return f, err
		}
		n, err := reader.ReadSome(ctx, l.port, l.buf, deadline)
		if err != nil {
			return Frame{}, err
		}
		l.dec.Write(l.buf[:n])
	}
}

// cancel aborts whatever the module is doing (an ACK from the host cancels
// the current command), lets a response already on its way arrive, and
// flushes it, so the next attempt starts clean.
func (l *Link) cancel(ctx context.Context) error {
	if err := l.WriteACK(); err != nil {
		return err
	}
	if err := reader.Wait(ctx, time.Millisecond); err != nil {
		return err
	}
	return l.Flush()
}
