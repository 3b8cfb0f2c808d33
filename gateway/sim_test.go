package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"timeclock/internal/mosquittotest"
	"timeclock/internal/punch"
)

// sim is firmware-sim emulating readers on pseudo-terminals, taking
// commands on its standard input.
type sim struct {
	cmd *exec.Cmd
	in  io.WriteCloser
}

func startSim(t *testing.T, dir string, readers ...string) *sim {
	t.Helper()
	args := []string{"-commands", "-"}
	for _, r := range readers {
		args = append(args, "-reader", r)
	}
	cmd := exec.Command(filepath.Join(build(t), "firmware-sim"), args...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "firmware-sim.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close()
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("firmware-sim log:\n%s", b)
		}
	})
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- nil
				break
			}
		}
		ready <- sc.Err()
		io.Copy(io.Discard, out)
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("firmware-sim not ready")
	}
	return &sim{cmd: cmd, in: in}
}

func (s *sim) do(t *testing.T, command string) {
	t.Helper()
	if _, err := fmt.Fprintln(s.in, command); err != nil {
		t.Fatal(err)
	}
}

// TestReadersThroughFirmwareSim runs the whole gateway path with emulated
// hardware: an RC-S620S and an EM4100 reader on pseudo-terminals, taps at
// both, the entrance reader unplugged and plugged back in the middle. Every
// tap reaches the aggregator with its reader, direction and card, and the
// status reports the readers' health.
func TestReadersThroughFirmwareSim(t *testing.T) {
	broker := mosquittotest.Start(t)
	acker := startAcker(t, broker.URL(), e2eBoard)
	dir := t.TempDir()
	s := startSim(t, dir, "name=entrance kind=rcs620s link="+filepath.Join(dir, "entrance"),
		"name=exit kind=em4100 link="+filepath.Join(dir, "exit"))
	g := startGateway(t, filepath.Join(dir, "gateway.log"),
		"-board", e2eBoard, "-school", e2eSchool, "-gateway", "gw-sim", "-broker", broker.URL(),
		"-spool-dir", filepath.Join(dir, "spool"), "-clock-sync", "assume", "-status-every", "200ms",
		"-reader", "name=entrance kind=rcs620s path="+filepath.Join(dir, "entrance")+" dir=in",
		"-reader", "name=exit kind=em4100 path="+filepath.Join(dir, "exit")+" dir=out")
	ctx := g.ctx
	waitStatus(t, ctx, broker, "gw-sim", func(st punch.Status) bool {
		return st.Readers["entrance"] == punch.ReaderOK && st.Readers["exit"] == punch.ReaderOK
	})

	want := map[string]string{} // card → reader
	// taps presents one card at each reader named, at once, and waits
	// until the gateway has accepted them: a person lifts the card before
	// the next one comes.
	taps := func(cards map[string]string) {
		for reader, card := range cards {
			s.do(t, reader+" "+card+" 150ms")
			want[card] = reader
		}
		g.waitAccepted(len(want))
	}
	for i := 1; i <= 4; i++ {
		taps(map[string]string{"entrance": fmt.Sprintf("felica:%016x", i), "exit": fmt.Sprintf("em4100:%010x", i)})
	}
	if err := acker.WaitDistinct(ctx, 8); err != nil {
		t.Fatal(err)
	}
	s.do(t, "entrance unplug")
	waitStatus(t, ctx, broker, "gw-sim", func(st punch.Status) bool { return st.Readers["entrance"] == "absent" })
	s.do(t, "entrance replug")
	waitStatus(t, ctx, broker, "gw-sim", func(st punch.Status) bool { return st.Readers["entrance"] == punch.ReaderOK })
	for i := 5; i <= 6; i++ {
		taps(map[string]string{"entrance": fmt.Sprintf("felica:%016x", i)})
	}
	if err := acker.WaitDistinct(ctx, 10); err != nil {
		t.Fatal(err)
	}
	checkDelivered(t, acker, g.accepted())
	got := map[string]string{}
	for _, id := range acker.First() {
		tp, _ := acker.Tap(id)
		got[tp.Card] = tp.Reader
		wantDir := punch.DirIn
		if tp.Reader == "exit" {
			wantDir = punch.DirOut
		}
		if tp.Dir != wantDir || tp.Clock != punch.ClockSynced || !strings.HasPrefix(id, "gw-sim:") {
			t.Errorf("tap %+v", tp)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("delivered cards %v, want %v", got, want)
	}
}
