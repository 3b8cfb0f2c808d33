package scenario

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"timeclock/internal/punch"
	"timeclock/internal/reader"
)

// ReaderKind names a reader and its model, for Load to pick fitting cards.
type ReaderKind struct {
	Name string
	Kind reader.Kind
}

// Load taps random cards at random readers, as a Poisson process of Rate
// taps per second over all readers, each held for a random time around
// Hold. The same Seed gives the same taps.
type Load struct {
	Rate    float64
	Hold    time.Duration
	Seed    uint64
	Pool    []string // card ids; each reader takes those its kind reads
	Readers []ReaderKind
}

// Run taps until ctx ends. It fails at once if a reader has no card in the
// pool it can read.
func (l Load) Run(ctx context.Context, t Target, log *slog.Logger) error {
	if l.Rate <= 0 {
		return fmt.Errorf("load: rate %v, want > 0", l.Rate)
	}
	fits := make([][]string, len(l.Readers))
	for i, r := range l.Readers {
		for _, c := range l.Pool {
			if tech, _, _ := strings.Cut(c, ":"); r.Kind.Reads(tech) {
				fits[i] = append(fits[i], c)
			}
		}
		if len(fits[i]) == 0 {
			return fmt.Errorf("load: no card in the pool fits reader %s (%s)", r.Name, r.Kind)
		}
	}
	if len(l.Readers) == 0 {
		return errors.New("load: no readers")
	}
	rng := rand.New(rand.NewPCG(l.Seed, 0x5eed))
	next := time.Now()
	for {
		next = next.Add(time.Duration(rng.ExpFloat64() / l.Rate * float64(time.Second)))
		if reader.Wait(ctx, time.Until(next)) != nil {
			return nil
		}
		i := rng.IntN(len(l.Readers))
		a := Action{Reader: l.Readers[i].Name, Verb: Tap, Card: fits[i][rng.IntN(len(fits[i]))],
			Hold: (l.Hold/2 + time.Duration(rng.Int64N(int64(l.Hold)+1))).Round(time.Millisecond)}
		if err := t.Apply(a); err != nil {
			log.Warn("load tap failed", "action", a.String(), "err", err)
		}
	}
}

// GeneratePool makes the cards of n people, the same for the same seed:
// each has a FeliCa card, a Mifare card (4- or 7-byte UID) and an EM4100
// tag, so any reader kind finds theirs.
func GeneratePool(n int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 0xca4d))
	pool := make([]string, 0, 3*n)
	uid := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	for i := range n {
		idm := uid(8)
		idm[0] = 0x01 // a FeliCa manufacturer code
		mifare := uid(4 + 3*(i%2))
		if len(mifare) == 7 {
			mifare[0] = 0x04 // NXP
		}
		pool = append(pool,
			punch.FormatCard(punch.TechFeliCa, idm),
			punch.FormatCard(punch.TechMifare, mifare),
			punch.FormatCard(punch.TechEM4100, uid(5)))
	}
	return pool
}

// ReadPool reads card ids: either roster.csv of FORMATS.md §3 (its cards
// column, ids separated by |) or plain text with one id per line (# starts
// a comment). Errors name the line.
func ReadPool(r io.Reader, name string) ([]string, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(64)
	if strings.HasPrefix(string(head), "staff_id,") {
		return rosterCards(br, name)
	}
	var pool []string
	sc := bufio.NewScanner(br)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if _, err := punch.ParseCard(line); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		pool = append(pool, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return pool, nil
}

func rosterCards(r io.Reader, name string) ([]string, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	col := -1
	for i, h := range header {
		if h == "cards" {
			col = i
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("%s:1: no cards column", name)
	}
	var pool []string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return pool, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for c := range strings.SplitSeq(rec[col], "|") {
			if c == "" {
				continue
			}
			if _, err := punch.ParseCard(c); err != nil {
				line, _ := cr.FieldPos(col)
				return nil, fmt.Errorf("%s:%d: %w", name, line, err)
			}
			pool = append(pool, c)
		}
	}
}
