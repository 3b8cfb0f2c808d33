package em4100

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"timeclock/internal/punch"
	"timeclock/internal/reader"
)

// DefaultWindow is how long Poll waits for a frame: short enough that the
// caller sees a tag leave within a few windows.
const DefaultWindow = 100 * time.Millisecond

// Reader is the host side of an EM4100 ASCII reader on a port. It is not
// safe for concurrent use.
type Reader struct {
	port reader.Port
	log  *slog.Logger
	dec  Decoder
	buf  []byte
	// Window bounds the wait of one Poll.
	Window time.Duration
}

// New returns a Reader on port.
func New(port reader.Port, log *slog.Logger) *Reader {
	return &Reader{port: port, log: log, buf: make([]byte, 256), Window: DefaultWindow}
}

// Init drops whatever the reader sent before: the reader needs no set-up.
func (r *Reader) Init(context.Context) error {
	r.dec.Reset()
	if err := r.port.ResetInputBuffer(); err != nil {
		return &reader.IOError{Op: "flush", Err: err}
	}
	return nil
}

// Poll returns the card id of the next frame the reader sends, waiting up
// to Window; "" if none came. When only corrupt frames came (a wrong line
// speed, a bad cable), it returns an error wrapping ErrCorrupt.
func (r *Reader) Poll(ctx context.Context) (string, error) {
	deadline := time.Now().Add(r.Window)
	var corrupt error
	for {
		id, ok, err := r.dec.Next()
		switch {
		case ok:
			return punch.FormatCard(punch.TechEM4100, id[:]), nil
		case err != nil:
			r.log.Debug("em4100: corrupt frame", "err", err)
			corrupt = err
			continue
		}
		n, err := reader.ReadSome(ctx, r.port, r.buf, deadline)
		if errors.Is(err, reader.ErrTimeout) {
			if corrupt != nil {
				return "", fmt.Errorf("em4100: %w", corrupt)
			}
			return "", nil
		}
		if err != nil {
			return "", err
		}
		r.dec.Write(r.buf[:n])
	}
}
