package service

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"timeclock/internal/daemontest"
)

// TestLinesTakesOneLineAtATime stops the lines reader after its first read:
// the lines written after it are still in the FIFO for the next gateway (a
// buffered reader would have taken them with it).
func TestLinesTakesOneLineAtATime(t *testing.T) {
	w := daemontest.FIFO(t, "cards")
	want := []string{"felica:0000000000000001", "felica:0000000000000002", "felica:0000000000000003"}
	if _, err := io.WriteString(w, strings.Join(want, "\n")+"\n"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []Read
	l := &Lines{Name: "entrance", Path: w.Name(), Log: slog.New(slog.DiscardHandler)}
	err := l.Run(ctx, func(r Read) { got = append(got, r); cancel() }, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Card != want[0] {
		t.Fatalf("read %v, want only %s", got, want[0])
	}
	if err := w.SetReadDeadline(time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	rest := make([]byte, 256)
	n, err := w.Read(rest)
	if err != nil {
		t.Fatal(err)
	}
	if left := strings.Join(want[1:], "\n") + "\n"; string(rest[:n]) != left {
		t.Fatalf("left in the FIFO %q, want %q", rest[:n], left)
	}
}

func TestReadLine(t *testing.T) {
	in := strings.NewReader("a\nbc\nlast")
	for _, want := range []string{"a", "bc", "last"} {
		got, err := readLine(in)
		if err != nil || got != want {
			t.Fatalf("readLine = %q, %v; want %q", got, err, want)
		}
	}
	if _, err := readLine(in); err != io.EOF {
		t.Fatalf("at the end: %v, want EOF", err)
	}
	if _, err := readLine(strings.NewReader(strings.Repeat("x", maxLine+1))); err != errLineTooLong {
		t.Fatalf("a long line: %v", err)
	}
}
