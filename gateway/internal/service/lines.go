package service

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"timeclock/internal/punch"
)

// Lines is the "lines" reader: card ids, one per line, from a FIFO, a file
// or standard input ("-"). It connects the gateway to anything that can
// write a line (a keyboard-wedge reader's helper, another system, a test).
// A FIFO is held open for reading and writing, so writers may come and go;
// a file or standard input ends the reader at its end.
type Lines struct {
	Name  string
	Path  string
	Stdin io.Reader
	Log   *slog.Logger
}

// Run reads lines until ctx ends or the input ends.
func (l *Lines) Run(ctx context.Context, emit func(Read), state func(string)) error {
	var in io.Reader
	if l.Path == "-" {
		in = l.Stdin
	} else {
		fi, err := os.Stat(l.Path)
		if err != nil {
			state("absent")
			return err
		}
		flag := os.O_RDONLY
		if fi.Mode()&os.ModeNamedPipe != 0 {
			flag = os.O_RDWR // never EOF when the last writer leaves; does not block opening
		}
		f, err := os.OpenFile(l.Path, flag, 0)
		if err != nil {
			state("error")
			return err
		}
		defer f.Close()
		stop := context.AfterFunc(ctx, func() { f.Close() })
		defer stop()
		in = f
	}
	state(punch.ReaderOK)
	// Scan on its own goroutine: standard input cannot be interrupted, and a
	// stopping gateway must not wait for a line.
	lines := make(chan string)
	done := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		done <- sc.Err()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-done:
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				state("error")
				return err
			}
			state("eof")
			return nil
		case line := <-lines:
			line = strings.TrimSpace(line)
			if line == "" || line[0] == '#' {
				continue
			}
			if _, err := punch.ParseCard(line); err != nil {
				l.Log.Warn("line reader: not a card id", "reader", l.Name, "err", err)
				continue
			}
			emit(Read{Reader: l.Name, Card: line, At: time.Now()})
		}
	}
}
