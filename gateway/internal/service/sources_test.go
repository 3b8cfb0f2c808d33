package service

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"timeclock/internal/promdecl"
	"timeclock/internal/reader"
	"timeclock/internal/reader/emulator"
	"timeclock/internal/reader/wiegand"
)

// scriptedLines play edges of whole frames, a silence after each, then fail
// as unplugged lines do.
type scriptedLines struct {
	frames []wiegand.Bits
	next   []wiegand.Edge
	ended  bool // the silence after the last frame was given
	closed bool
}

var errUnplugged = errors.New("lines unplugged")

func (l *scriptedLines) WaitEdge(time.Duration) (wiegand.Edge, bool, error) {
	if len(l.next) > 0 {
		e := l.next[0]
		l.next = l.next[1:]
		return e, true, nil
	}
	if len(l.frames) == 0 {
		if !l.ended {
			l.ended = true
			return wiegand.Edge{}, false, nil // the silence that ends the last frame
		}
		return wiegand.Edge{}, false, errUnplugged
	}
	b := l.frames[0]
	l.frames = l.frames[1:]
	at := time.Now()
	for i := range b.N {
		l.next = append(l.next, wiegand.Edge{Line: wiegand.Line(b.Bit(i)), At: at.Add(time.Duration(i) * 2 * time.Millisecond)})
	}
	return wiegand.Edge{}, false, nil // the silence before the frame
}

func (l *scriptedLines) Close() error { l.closed = true; return nil }

// The counters of a Wiegand reader go on across reopens: a good card is a
// read, a frame of the wrong length and the lines failing are errors, and a
// reopen that fails is one more.
func TestWiegandSourceCounts(t *testing.T) {
	card := wiegand.Frame{Format: wiegand.W26, Data: 12<<16 | 3456}
	short := card.Encode()
	short.N-- // a bit lost on the wire: 25 bits
	short.V >>= 1
	lines := &scriptedLines{frames: []wiegand.Bits{card.Encode(), short}}
	release, stop := make(chan struct{}), make(chan struct{})
	opens := 0
	src := &wiegandSource{name: "gate", d0: "GPIO5", d1: "GPIO6", format: wiegand.W26,
		log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		open: func(d0, d1 string) (edgeLines, error) {
			switch opens++; opens {
			case 1:
				return lines, nil
			case 2:
				<-release
			default:
				<-stop // however slow the machine, no fourth count before the check
			}
			return nil, errors.New("no GPIO chip")
		}}
	ctx, cancel := context.WithCancel(context.Background())
	reads, states := make(chan Read, 4), make(chan string, 4)
	done := make(chan error)
	go func() { done <- src.Run(ctx, func(r Read) { reads <- r }, func(st string) { states <- st }) }()
	if st := <-states; st != "ok" {
		t.Fatalf("first state %q, want ok", st)
	}
	if r := <-reads; r.Reader != "gate" || r.Card != card.Card() {
		t.Errorf("read %+v, want %s from gate", r, card.Card())
	}
	if st := <-states; st != "error" {
		t.Fatalf("state %q after the lines failed, want error", st)
	}
	if got, want := src.Stats(), (ReaderStats{Opens: 1, Errors: 2, Reads: 1}); got != want {
		t.Errorf("Stats() = %+v after the lines failed, want %+v", got, want)
	}
	if !lines.closed {
		t.Error("the failed lines were not closed")
	}
	close(release)
	for src.Stats().Errors < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	if got, want := src.Stats(), (ReaderStats{Opens: 1, Errors: 3, Reads: 1}); got != want {
		t.Errorf("Stats() = %+v after a failed reopen, want %+v", got, want)
	}
	cancel()
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A serial reader's counters come from its reader loop, over a real pty.
func TestSerialSourceCounts(t *testing.T) {
	link := filepath.Join(t.TempDir(), "usb-rcs620s-if00-port0")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	em, err := emulator.Open(emulator.Config{Name: "entrance", Kind: reader.RCS620S, Link: link, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	src := &serialSource{name: "entrance", kind: reader.RCS620S, path: link, log: log}
	if got := src.Stats(); got != (ReaderStats{}) {
		t.Errorf("Stats() = %+v before Run, want zero", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	reads := make(chan Read, 4)
	done := make(chan error)
	go func() { done <- src.Run(ctx, func(r Read) { reads <- r }, func(string) {}) }()
	const card = "felica:012e4cd23a1b5c6d"
	if err := em.Present(card); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-reads:
		if r.Card != card {
			t.Errorf("read %s, want %s", r.Card, card)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no read")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got, want := src.Stats(), (ReaderStats{Opens: 1, Reads: 1}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}

// Each counted reader has its three series, labelled with its name; a
// source without counters has none.
func TestReaderMetrics(t *testing.T) {
	gate := &wiegandSource{name: "gate", done: ReaderStats{Opens: 2, Errors: 5, Reads: 7}}
	door := &serialSource{name: "door"} // not run yet: all zero
	reg := prometheus.NewRegistry()
	promdecl.Register(reg, "timeclock_gateway_",
		readerMetrics(map[string]Source{"gate": gate, "door": door, "stdin": &Lines{}})...)
	want := `
# HELP timeclock_gateway_reader_errors_total Failed opens and polls of the reader; for a Wiegand reader also frames dropped (bad length, parity, noise, or cut off by a line failure).
# TYPE timeclock_gateway_reader_errors_total counter
timeclock_gateway_reader_errors_total{reader="door"} 0
timeclock_gateway_reader_errors_total{reader="gate"} 5
# HELP timeclock_gateway_reader_opens_total Successful opens (and initialisations) of the reader.
# TYPE timeclock_gateway_reader_opens_total counter
timeclock_gateway_reader_opens_total{reader="door"} 0
timeclock_gateway_reader_opens_total{reader="gate"} 2
# HELP timeclock_gateway_reader_reads_total Cards read by the reader and handed to the gateway.
# TYPE timeclock_gateway_reader_reads_total counter
timeclock_gateway_reader_reads_total{reader="door"} 0
timeclock_gateway_reader_reads_total{reader="gate"} 7
`
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if got := rec.Body.String(); got != strings.TrimPrefix(want, "\n") {
		t.Errorf("/metrics:\n%s\nwant:\n%s", got, want)
	}
}
