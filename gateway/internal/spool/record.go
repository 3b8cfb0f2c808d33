package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"timeclock/gateway/internal/tapid"
)

// Tap is one card read as the spool keeps it until the aggregator has it.
// Board, school and gateway are the gateway's own and are not repeated here.
type Tap struct {
	ID     tapid.ID      // given by Append
	Reader string        // reader name from the config
	Card   string        // card id {tech}:{hex}
	Dir    string        // "tap", "in" or "out"
	Time   time.Time     // wall clock when the card was decoded
	Synced bool          // whether the wall clock was trusted at Time
	Mono   time.Duration // boot-time clock reading at the tap
	OSBoot [16]byte      // kernel boot id: Mono compares only within one boot
}

// recordVersion is the first byte of every value; a spool written by a newer
// gateway is refused rather than misread.
const recordVersion = 1

var dirCodes = [...]string{"tap", "in", "out"}

func dirCode(d string) (byte, error) {
	for i, s := range dirCodes {
		if s == d {
			return byte(i), nil
		}
	}
	return 0, fmt.Errorf("spool: direction %q: want tap, in or out", d)
}

// key is boot then seq, big-endian, so bbolt's byte order is tap order.
func key(id tapid.ID) []byte {
	var k [12]byte
	binary.BigEndian.PutUint32(k[:4], id.Boot)
	binary.BigEndian.PutUint64(k[4:], id.Seq)
	return k[:]
}

func idFromKey(gateway string, k []byte) (tapid.ID, error) {
	if len(k) != 12 {
		return tapid.ID{}, fmt.Errorf("spool: key of %d bytes, want 12", len(k))
	}
	return tapid.ID{Gateway: gateway, Boot: binary.BigEndian.Uint32(k[:4]), Seq: binary.BigEndian.Uint64(k[4:])}, nil
}

// encode writes t compactly (about 70 bytes for a FeliCa tap) so a backlog
// of 100k taps stays a few megabytes of file and of page cache.
func encode(t *Tap) ([]byte, error) {
	dc, err := dirCode(t.Dir)
	if err != nil {
		return nil, err
	}
	flags := dc << 1
	if t.Synced {
		flags |= 1
	}
	b := make([]byte, 0, 2+2*binary.MaxVarintLen64+16+2+len(t.Reader)+len(t.Card))
	b = append(b, recordVersion, flags)
	b = binary.AppendVarint(b, t.Time.UnixNano())
	b = binary.AppendVarint(b, int64(t.Mono))
	b = append(b, t.OSBoot[:]...)
	b = binary.AppendUvarint(b, uint64(len(t.Reader)))
	b = append(b, t.Reader...)
	b = binary.AppendUvarint(b, uint64(len(t.Card)))
	b = append(b, t.Card...)
	return b, nil
}

var errRecord = errors.New("spool: damaged record")

// decode reads a value written by encode. It never panics on damaged bytes.
func decode(b []byte, t *Tap) error {
	if len(b) < 2 || b[0] != recordVersion {
		return errRecord
	}
	flags := b[1]
	if flags>>1 >= byte(len(dirCodes)) {
		return errRecord
	}
	t.Synced = flags&1 != 0
	t.Dir = dirCodes[flags>>1]
	b = b[2:]
	ns, n := binary.Varint(b)
	if n <= 0 {
		return errRecord
	}
	b = b[n:]
	mono, n := binary.Varint(b)
	if n <= 0 {
		return errRecord
	}
	b = b[n:]
	if len(b) < 16 {
		return errRecord
	}
	copy(t.OSBoot[:], b[:16])
	b = b[16:]
	var ok bool
	if t.Reader, b, ok = str(b); !ok {
		return errRecord
	}
	if t.Card, b, ok = str(b); !ok || len(b) != 0 {
		return errRecord
	}
	t.Time = time.Unix(0, ns)
	t.Mono = time.Duration(mono)
	return nil
}

func str(b []byte) (string, []byte, bool) {
	l, n := binary.Uvarint(b)
	if n <= 0 || l > uint64(len(b)-n) {
		return "", nil, false
	}
	return string(b[n : n+int(l)]), b[n+int(l):], true
}
