// Package importer appends a file of events (FORMATS.md §2: one JSON object
// a line) to the aggregator's journal while the aggregator is stopped: the
// history of a board going live with past data, or generated history for a
// local run. The next `aggregator serve` rebuilds its engine from the
// journal, so the imported events count exactly like events received live,
// and the InfluxDB sink writes their series from its cursor on.
//
// Each event passes the checks of the live path: the strict decoder (no
// time in the future), a tap's board on the roster, an adjustment's staff
// member on the roster and its fields as the engine takes them, a retract's
// target a journaled adjustment of the same staff member (earlier or later
// in the file). The import is idempotent on the event id: an id already
// journaled with the same event is a duplicate and changes nothing, one
// journaled with another event is a bad line. Bad lines are reported as
// FILE:LINE: reason and counted; the good lines are imported all the same.
package importer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"timeclock/aggregator/internal/engine"
	"timeclock/aggregator/internal/journal"
	"timeclock/internal/overtime"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
)

// Stats says what an import did.
type Stats struct {
	Lines        int // non-blank lines read
	Taps         int // taps journaled
	Adjustments  int // adjustments journaled
	Duplicates   int // events journaled before: nothing changed
	UnknownCards int // journaled taps of a card no staff member holds
	Bad          int // lines reported and not imported
}

// Options are the import's surroundings.
type Options struct {
	Data   *roster.Data // the reference data serve will run on
	Now    time.Time    // the receive time written, and the bound of event times
	Name   string       // the file's name in messages
	Errors io.Writer    // one line per bad line
}

// batchLines is the number of lines journaled in one commit.
const batchLines = 4096

// maxLine bounds a line: an event is a few hundred bytes.
const maxLine = punch.MaxPayload

type line struct {
	n  int
	ev punch.Event
}

// Import reads events from r and journals the good ones into j, a batch
// per commit. The error is for a failure of reading or of the journal, or
// ctx ending (between two commits: what was committed stays, and importing
// the file again completes it), not for bad lines, which Stats counts.
func Import(ctx context.Context, j *journal.Journal, r io.Reader, o Options) (Stats, error) {
	im, err := newImporter(j, o)
	if err != nil {
		return Stats{}, err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	batch := make([]line, 0, batchLines)
	for n := 1; ; n++ {
		b, long, err := readLine(br)
		if err != nil && err != io.EOF {
			return im.st, fmt.Errorf("%s:%d: %w", o.Name, n, err)
		}
		if long {
			im.st.Lines++
			im.bad(n, fmt.Errorf("line longer than %d bytes", maxLine))
		} else if b = bytes.TrimSpace(b); len(b) > 0 {
			im.st.Lines++
			if ev, derr := punch.Decode(b, o.Now); derr != nil {
				im.bad(n, derr)
			} else {
				batch = append(batch, line{n, ev})
			}
		}
		if len(batch) == batchLines || (err == io.EOF && len(batch) > 0) {
			if cerr := ctx.Err(); cerr != nil {
				return im.st, cerr
			}
			if werr := im.write(batch, false); werr != nil {
				return im.st, werr
			}
			batch = batch[:0]
		}
		if err == io.EOF {
			break
		}
	}
	// Retracts whose target came later in the file: now a missing target
	// is final.
	held := im.later
	im.later = nil
	if err := im.write(held, true); err != nil {
		return im.st, err
	}
	return im.st, nil
}

// readLine returns the next line without its newline; long reports a line
// over maxLine, which is skipped.
func readLine(br *bufio.Reader) (b []byte, long bool, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > maxLine+2 { // room for \r\n
			long = true
		} else {
			buf = append(buf, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if long {
			buf = nil
		}
		return buf, long, err
	}
}

type importer struct {
	j      *journal.Journal
	o      Options
	st     Stats
	boards map[string]bool
	check  *engine.Engine // a scratch engine: refuses adjustments as the live one does
	buf    []byte
	later  []line // retracts whose target was not journaled yet
}

func newImporter(j *journal.Journal, o Options) (*importer, error) {
	e, err := engine.New(o.Data, overtime.DefaultConfig())
	if err != nil {
		return nil, err
	}
	im := &importer{j: j, o: o, boards: map[string]bool{}, check: e}
	for _, sc := range o.Data.Schools() {
		im.boards[sc.Board] = true
	}
	return im, nil
}

func (im *importer) bad(n int, err error) {
	im.st.Bad++
	fmt.Fprintf(im.o.Errors, "%s:%d: %v\n", im.o.Name, n, err)
}

// lineError is a fault of a line (as opposed to one of the journal).
type lineError struct{ error }

func lineErrorf(format string, a ...any) error { return lineError{fmt.Errorf(format, a...)} }

type lineErr struct {
	n   int
	err error
}

// write journals a batch in one commit. Lines are reported in order, and
// counted, once the commit succeeded. A retract whose target is not
// journaled is held back for the end, unless final.
func (im *importer) write(batch []line, final bool) error {
	if len(batch) == 0 {
		return nil
	}
	var (
		st    Stats
		errs  []lineErr
		later []line
	)
	err := im.j.Write(func(w *journal.Writer) error {
		st, errs, later = im.st, nil, nil
		for i := range batch {
			l := &batch[i]
			held, err := im.event(w, &l.ev, &st, final)
			var le lineError
			switch {
			case errors.As(err, &le):
				errs = append(errs, lineErr{l.n, le.error})
			case err != nil:
				return err
			case held:
				later = append(later, *l)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	im.st = st
	for _, e := range errs {
		im.bad(e.n, e.err)
	}
	im.later = append(im.later, later...)
	return nil
}

// event journals one event. held reports a retract held back for the end.
// Faults of the event are lineErrors; others are the journal's.
func (im *importer) event(w *journal.Writer, ev *punch.Event, st *Stats, final bool) (held bool, err error) {
	kind := journal.KindTap
	switch ev.Type {
	case punch.TypeTap:
		if !im.boards[ev.Tap.Board] {
			return false, lineErrorf("tap %s: board %q is not on the roster", ev.Tap.ID, ev.Tap.Board)
		}
	case punch.TypeAdjustment:
		kind = journal.KindAdjustment
		a := &ev.Adjustment
		if _, ok := im.o.Data.StaffIndex(a.Staff); !ok {
			return false, lineErrorf("adjustment %s: unknown staff %q", a.ID, a.Staff)
		}
		if err := w.ResolveRetract(a); err != nil {
			if errors.Is(err, journal.ErrNoTarget) && !final {
				return true, nil
			}
			return false, lineErrorf("adjustment %s: %v", a.ID, err)
		}
	}
	id := ev.ID()
	if seq, dup := w.Lookup(id); dup {
		k, data, _ := w.Get(seq)
		if k != kind {
			return false, lineErrorf("id %q is journaled (record %d) as a %s", id, seq, k)
		}
		e, err := journal.DecodeEvent(data)
		if err != nil {
			return false, fmt.Errorf("record %d: %w", seq, err)
		}
		if !bytes.Equal(e.Event.AppendJSON(nil), ev.AppendJSON(im.buf[:0])) {
			return false, lineErrorf("id %q is journaled (record %d) with another event", id, seq)
		}
		st.Duplicates++
		return false, nil
	}
	if kind == journal.KindAdjustment {
		// As the live path: an adjustment the engine cannot place is refused.
		if _, err := im.check.Apply(*ev); err != nil {
			return false, lineErrorf("adjustment %s: %v", id, err)
		}
	}
	im.buf = journal.AppendEvent(im.buf[:0], journal.Entry{Event: *ev, Received: im.o.Now})
	if _, _, err := w.Append(kind, id, im.buf); err != nil {
		return false, err
	}
	if kind == journal.KindTap {
		st.Taps++
		if _, ok := im.o.Data.StaffByCard(ev.Tap.Card); !ok {
			st.UnknownCards++
		}
	} else {
		st.Adjustments++
	}
	return false, nil
}
