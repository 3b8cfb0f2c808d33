package service

import (
	"bytes"
	"context"
	"errors"
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
//
// The input is read without a buffer, one line at a time, and the next line
// only once the one before has been handed on: a gateway killed at any
// moment has taken at most that one line out of a FIFO or pipe, and the
// lines written after it stay there for the next gateway to read.
type Lines struct {
	Name  string
	Path  string
	Stdin io.Reader
	Log   *slog.Logger
}

// maxLine bounds a line: a card id is under a hundred bytes.
const maxLine = 4096

// errLineTooLong ends the reader on a line without an end.
var errLineTooLong = errors.New("line longer than 4096 bytes")

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
	// Read on a goroutine of its own (standard input cannot be interrupted,
	// and a stopping gateway must not wait for a line), one line per request.
	want, stop := make(chan struct{}), make(chan struct{})
	lines := make(chan string)
	done := make(chan error, 1)
	go func() {
		for {
			select {
			case <-want:
			case <-stop:
				return
			}
			line, err := readLine(in)
			if err != nil {
				done <- err
				return
			}
			select {
			case lines <- line:
			case <-stop:
				return
			}
		}
	}()
	defer close(stop)
	for {
		select {
		case want <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		var line string
		select {
		case <-ctx.Done():
			return nil
		case err := <-done:
			if ctx.Err() != nil {
				return nil
			}
			if err != io.EOF {
				state("error")
				return err
			}
			state("eof")
			return nil
		case line = <-lines:
		}
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

// readLine reads up to and including the next newline, a byte at a time, so
// that nothing after it is taken from the input. A last line without a
// newline counts at the end of the input.
func readLine(in io.Reader) (string, error) {
	var b bytes.Buffer
	var c [1]byte
	for {
		n, err := in.Read(c[:])
		if n == 1 {
			if c[0] == '\n' {
				return b.String(), nil
			}
			if b.Len() == maxLine {
				return "", errLineTooLong
			}
			b.WriteByte(c[0])
			continue
		}
		if err == io.EOF && b.Len() > 0 {
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
	}
}
