package report

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"timeclock/aggregator/internal/engine"
	"timeclock/internal/punch"
)

// chunkLines is how many lines one decoder takes at a time.
const chunkLines = 4096

type chunk struct {
	first int      // line number of lines[0]
	lines [][]byte // without the newline
	buf   []byte   // owns the line bytes
	evs   []punch.Event
	evAt  []int // line of evs[i]
	errs  []lineErr
	done  chan struct{}
}

type lineErr struct {
	line int
	err  error
}

type replayStats struct {
	events, duplicates, bad, unknownCards int
}

// replayFile decodes the events file at path into eng (see replay).
func replayFile(eng *engine.Engine, path string, workers int, stderr io.Writer) (replayStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return replayStats{}, err
	}
	defer f.Close()
	return replay(eng, f, workers, stderr)
}

// replay decodes events.jsonl from f with workers goroutines and applies the
// events to eng in file order (the engine would give the same result in any
// order; file order keeps the error messages in line order).
func replay(eng *engine.Engine, f io.Reader, workers int, stderr io.Writer) (replayStats, error) {
	var st replayStats
	if workers < 1 {
		workers = 1
	}
	name := "events.jsonl"
	work := make(chan *chunk, workers*2)
	ordered := make(chan *chunk, workers*4)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				decodeChunk(c)
			}
		}()
	}
	var readErr error
	go func() {
		readErr = readChunks(f, work, ordered)
		close(work)
		close(ordered)
	}()
	for c := range ordered {
		<-c.done
		for _, le := range c.errs {
			fmt.Fprintf(stderr, "%s:%d: %v\n", name, le.line, le.err)
			st.bad++
		}
		for i := range c.evs {
			ev := &c.evs[i]
			applied, err := eng.Apply(*ev)
			switch {
			case errors.Is(err, engine.ErrUnknownCard):
				st.unknownCards++
				continue
			case err != nil:
				fmt.Fprintf(stderr, "%s:%d: event %s: %v\n", name, c.evAt[i], ev.ID(), err)
				st.bad++
				continue
			}
			st.events++
			if applied.Duplicate {
				st.duplicates++
			}
		}
	}
	wg.Wait()
	return st, readErr
}

func decodeChunk(c *chunk) {
	defer close(c.done)
	c.evs = c.evs[:0]
	for i, l := range c.lines {
		if l == nil {
			continue // a blank line kept only for numbering
		}
		ev, err := punch.Decode(l, time.Time{})
		if err != nil {
			c.errs = append(c.errs, lineErr{c.first + i, err})
			continue
		}
		c.evs = append(c.evs, ev)
		c.evAt = append(c.evAt, c.first+i)
	}
}

// readChunks splits r into chunks of non-blank lines and hands each to the
// decoders and, in order, to the applier.
func readChunks(r io.Reader, work, ordered chan<- *chunk) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	var c *chunk
	flush := func() {
		if c != nil && len(c.lines) > 0 {
			ordered <- c
			work <- c
		}
		c = nil
	}
	for sc.Scan() {
		line++
		b := bytes.TrimRight(sc.Bytes(), "\r")
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		if c == nil {
			c = &chunk{first: line, done: make(chan struct{}), buf: make([]byte, 0, 256*chunkLines)}
		}
		// lines keep their own line number through the gap left by blank lines
		for c.first+len(c.lines) < line {
			c.lines = append(c.lines, nil)
		}
		start := len(c.buf)
		c.buf = append(c.buf, b...)
		c.lines = append(c.lines, c.buf[start:len(c.buf):len(c.buf)])
		if len(c.lines) >= chunkLines {
			flush()
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		return fmt.Errorf("events.jsonl:%d: %w", line+1, err)
	}
	return nil
}
