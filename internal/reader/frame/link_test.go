package frame

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"timeclock/internal/reader"
	"timeclock/internal/reader/readertest"
)

// module is a small command set: GetFirmwareVersion answers, a poll waits
// (unbounded retries, no card), anything else is unknown.
type module struct{ cancels int }

func (m *module) Command(cmd byte, params []byte) ([]byte, Status) {
	switch cmd {
	case 0x02:
		return []byte{0x32, 0x01, 0x06, 0x07}, Answered
	case 0x4A:
		return nil, Pending
	}
	return nil, Unknown
}

func (m *module) Cancel() { m.cancels++ }

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

const respTimeout = 200 * time.Millisecond

func TestExchange(t *testing.T) {
	cases := []struct {
		name    string
		setup   func(r *Responder, p *readertest.Port) func([]byte) []byte // returns the device, nil: the Responder
		cmd     byte
		want    []byte
		wantErr error
		step    string
		elapsed time.Duration // fake time the exchange takes
		cancels int           // ACKs the module saw
	}{
		{name: "answer", cmd: 0x02, want: []byte{0x32, 0x01, 0x06, 0x07}},
		{name: "module NACKs once, host resends", cmd: 0x02, want: []byte{0x32, 0x01, 0x06, 0x07},
			setup: func(r *Responder, _ *readertest.Port) func([]byte) []byte { r.NACKNext(1); return nil }},
		{name: "corrupt response, host NACKs, module repeats", cmd: 0x02, want: []byte{0x32, 0x01, 0x06, 0x07},
			setup: func(r *Responder, _ *readertest.Port) func([]byte) []byte {
				corrupted := false
				return func(p []byte) []byte {
					out := r.Input(p)
					if !corrupted && len(out) > 8 {
						corrupted = true
						out = bytes.Clone(out)
						out[len(out)-2] ^= 0xFF // the response's DCS
					}
					return out
				}
			}},
		{name: "stale frame and noise before the answer", cmd: 0x02, want: []byte{0x32, 0x01, 0x06, 0x07},
			setup: func(_ *Responder, p *readertest.Port) func([]byte) []byte {
				p.Feed(append([]byte{0x13, 0x37}, Response(0x4A, 0x00).Bytes()...))
				return nil
			}},
		{name: "unknown command", cmd: 0x60, wantErr: ErrModule, step: "response"},
		{name: "poll never answered", cmd: 0x4A, wantErr: reader.ErrTimeout, step: "response",
			elapsed: 3 * (respTimeout + time.Millisecond), cancels: 3},
		{name: "silent module", cmd: 0x02, wantErr: reader.ErrTimeout, step: "ACK",
			setup: func(*Responder, *readertest.Port) func([]byte) []byte {
				return func([]byte) []byte { return nil }
			},
			elapsed: 3 * (DefaultAckTimeout + time.Millisecond)},
	}
	var transcripts strings.Builder
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := &module{}
				r := NewResponder(m)
				var device func([]byte) []byte
				port := readertest.NewPort(func(p []byte) []byte { return device(p) })
				device = r.Input
				if c.setup != nil {
					if d := c.setup(r, port); d != nil {
						device = d
					}
				}
				l := NewLink(port, discard)
				start := time.Now()
				got, err := l.Exchange(t.Context(), respTimeout, c.cmd)
				elapsed := time.Since(start)
				if !errors.Is(err, c.wantErr) || !bytes.Equal(got, c.want) {
					t.Fatalf("Exchange(%02X) = % X, %v; want % X, %v", c.cmd, got, err, c.want, c.wantErr)
				}
				var ee *ExchangeError
				if c.wantErr != nil && (!errors.As(err, &ee) || ee.Cmd != c.cmd || ee.Step != c.step) {
					t.Errorf("error %v: want an ExchangeError of command %02X at step %q", err, c.cmd, c.step)
				}
				if elapsed != c.elapsed || m.cancels != c.cancels {
					t.Errorf("took %v with %d cancels, want %v and %d", elapsed, m.cancels, c.elapsed, c.cancels)
				}
				transcripts.WriteString("# " + c.name + "\n" + port.Transcript())
			})
		})
	}
	if !t.Failed() {
		readertest.Golden(t, "exchange.golden", transcripts.String())
	}
}

func TestExchangePortFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		port := readertest.NewPort(NewResponder(&module{}).Input)
		port.Unplug()
		_, err := NewLink(port, discard).Exchange(t.Context(), respTimeout, 0x02)
		if !reader.IsIOError(err) {
			t.Fatalf("Exchange on an unplugged port: %v, want an IOError", err)
		}
		if tr := port.Transcript(); tr != "" {
			t.Errorf("wrote %q after the port failed", tr)
		}
	})
}

func TestExchangeCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		port := readertest.NewPort(NewResponder(&module{}).Input)
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := NewLink(port, discard).Exchange(ctx, time.Second, 0x4A)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Exchange with an ending context: %v, want DeadlineExceeded", err)
		}
	})
}

func TestResponderRetry(t *testing.T) {
	m := &module{}
	r := NewResponder(m)
	if out := r.Input(Command(0x4A, 0x01, 0x00).Bytes()); !bytes.Equal(out, Frame{Kind: ACK}.Bytes()) {
		t.Fatalf("pending command: answered % X, want only the ACK", out)
	}
	if out := r.Retry(); out != nil {
		t.Fatalf("Retry while still pending = % X", out)
	}
	if out := r.Input(Frame{Kind: ACK}.Bytes()); out != nil || m.cancels != 1 {
		t.Fatalf("host ACK: answered % X, %d cancels", out, m.cancels)
	}
	if out := r.Input(Frame{Kind: Info, TFI: TFIModule, Data: []byte{0x02}}.Bytes()); !bytes.Equal(out, errorBytes) {
		t.Errorf("frame with TFI D5 from the host: answered % X, want the error frame", out)
	}
	if out := r.Input(Frame{Kind: NACK}.Bytes()); !bytes.Equal(out, errorBytes) {
		t.Errorf("NACK: answered % X, want the last answer again", out)
	}
}
