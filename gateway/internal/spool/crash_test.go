package spool

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestMain lets the test binary play the writer that gets killed.
func TestMain(m *testing.M) {
	if path := os.Getenv("SPOOL_CRASH_CHILD"); path != "" {
		crashChild(path)
		return
	}
	os.Exit(m.Run())
}

// crashChild appends taps from several goroutines forever and prints each id
// once Append has returned, which is the moment the gateway would tell the
// person "accepted".
func crashChild(path string) {
	s, err := Open(path, "gw-e01-a", 5*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Go(func() {
			for i := 0; ; i++ {
				ids, err := s.Append(context.Background(), tap("felica:0123456789abcdef", i))
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(3)
				}
				mu.Lock()
				fmt.Fprintln(out, ids[0])
				out.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestKilledWriterLosesNoAcceptedTap kills a writing process with SIGKILL in
// the middle of a burst, several times over the same file: whatever state the
// write and fsync were in, the file must open, pass bbolt's consistency check,
// and hold every tap whose Append had returned.
func TestKilledWriterLosesNoAcceptedTap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	accepted := map[string]bool{}
	printed := 0
	for round, kills := range []int{1, 57, 203} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "SPOOL_CRASH_CHILD="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		n := 0
		for n < kills && sc.Scan() {
			accepted[sc.Text()] = true
			n++
		}
		cmd.Process.Kill()
		for sc.Scan() { // lines already written before the kill count too
			accepted[sc.Text()] = true
			n++
		}
		printed += n
		cmd.Wait()
		if n < kills {
			t.Fatalf("round %d: writer printed %d ids before dying, want %d", round, n, kills)
		}

		db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second, ReadOnly: true})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		if err := db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		}); err != nil {
			t.Fatalf("round %d: file damaged after kill: %v", round, err)
		}
		db.Close()

		s := open(t, path)
		have := map[string]bool{}
		for _, id := range ids(t, s) {
			have[id] = true
		}
		if s.Depth() != len(have) {
			t.Fatalf("round %d: depth %d after the kill, %d taps in the file", round, s.Depth(), len(have))
		}
		s.Close()
		for id := range accepted {
			if !have[id] {
				t.Fatalf("round %d: accepted tap %s lost", round, id)
			}
		}
	}
	// Each start is a new boot, so no id was given twice across the kills.
	if len(accepted) != printed {
		t.Fatalf("%d ids printed but only %d distinct", printed, len(accepted))
	}
}
