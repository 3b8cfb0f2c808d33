package overtime

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unsafe"

	"timeclock/internal/civil"
)

// stateMagic opens the engine's state as WriteState writes it.
const stateMagic = "timeclock-overtime-state-1\n"

// WriteState writes every staff member's state (taps, adjustments and what
// is derived from them) and the engine's date to w, for ReadState in an
// engine of the same roster, calendar and configuration. The records are
// written as they lie in memory: the state is only good for the same build
// of the program, on the same machine architecture, and the caller must
// check both (the aggregator keys its snapshot on its own executable). The
// pending changes are not part of the state.
func (e *Engine) WriteState(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(stateMagic)
	var hdr [16]byte
	binary.LittleEndian.PutUint64(hdr[:8], uint64(len(e.staff)))
	binary.LittleEndian.PutUint64(hdr[8:], uint64(int64(e.today)))
	bw.Write(hdr[:])
	for i := range e.staff {
		s := &e.staff[i]
		var h [24]byte
		binary.LittleEndian.PutUint32(h[0:], uint32(s.m0))
		binary.LittleEndian.PutUint32(h[4:], uint32(s.first))
		h[8] = b2u(s.hasRec)
		h[9] = byte(s.level)
		binary.LittleEndian.PutUint32(h[10:], uint32(len(s.taps)))
		binary.LittleEndian.PutUint32(h[14:], uint32(len(s.days)))
		binary.LittleEndian.PutUint32(h[18:], uint32(len(s.adjs)))
		binary.LittleEndian.PutUint16(h[22:], uint16(len(s.months)))
		if len(s.months) > 0xffff {
			return fmt.Errorf("overtime: staff %d has %d months of state", i, len(s.months))
		}
		bw.Write(h[:])
		bw.Write(rawBytes(s.taps))
		bw.Write(rawBytes(s.days))
		bw.Write(rawBytes(s.adjs))
		if _, err := bw.Write(rawBytes(s.months)); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadState replaces every staff member's state with what WriteState wrote.
// The number of staff must match the engine's roster. On an error the
// engine's state is undefined: build a new engine.
func (e *Engine) ReadState(r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<20)
	magic := make([]byte, len(stateMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != stateMagic {
		return errors.New("overtime: not an engine state")
	}
	var hdr [16]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return fmt.Errorf("overtime: state header: %w", err)
	}
	if n := binary.LittleEndian.Uint64(hdr[:8]); n != uint64(len(e.staff)) {
		return fmt.Errorf("overtime: state of %d staff for a roster of %d", n, len(e.staff))
	}
	e.today = civil.Date(int64(binary.LittleEndian.Uint64(hdr[8:])))
	for i := range e.staff {
		s := &e.staff[i]
		var h [24]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return fmt.Errorf("overtime: state of staff %d: %w", i, err)
		}
		s.m0 = civil.Month(int32(binary.LittleEndian.Uint32(h[0:])))
		s.first = civil.Month(int32(binary.LittleEndian.Uint32(h[4:])))
		s.hasRec, s.level = h[8] != 0, Level(h[9])
		var err error
		if s.taps, err = readRaw(br, s.taps, binary.LittleEndian.Uint32(h[10:])); err != nil {
			return fmt.Errorf("overtime: taps of staff %d: %w", i, err)
		}
		if s.days, err = readRaw(br, s.days, binary.LittleEndian.Uint32(h[14:])); err != nil {
			return fmt.Errorf("overtime: days of staff %d: %w", i, err)
		}
		if s.adjs, err = readRaw(br, s.adjs, binary.LittleEndian.Uint32(h[18:])); err != nil {
			return fmt.Errorf("overtime: adjustments of staff %d: %w", i, err)
		}
		if s.months, err = readRaw(br, s.months, uint32(binary.LittleEndian.Uint16(h[22:]))); err != nil {
			return fmt.Errorf("overtime: months of staff %d: %w", i, err)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return errors.New("overtime: state has data after its last staff member")
	}
	return nil
}

// maxStateRecords bounds one slice of a state read back, so that a damaged
// length cannot make ReadState allocate without bound.
const maxStateRecords = 1 << 24

// rawBytes is the memory of s. The element types hold no pointers.
func rawBytes[T tap | day | adj | month](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

// readRaw reads n records into s's storage (grown if needed).
func readRaw[T tap | day | adj | month](r io.Reader, s []T, n uint32) ([]T, error) {
	if n > maxStateRecords {
		return s, fmt.Errorf("%d records", n)
	}
	if cap(s) >= int(n) {
		s = s[:n]
	} else {
		s = make([]T, n)
	}
	_, err := io.ReadFull(r, rawBytes(s))
	return s, err
}

func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}
