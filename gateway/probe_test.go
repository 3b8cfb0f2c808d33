package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.bug.st/serial/enumerator"

	"timeclock/internal/cli"
	"timeclock/internal/reader"
	"timeclock/internal/reader/emulator"
)

func noEnv(string) string { return "" }

// TestProbeReadsACard runs `gateway probe` against each emulated reader with
// a card already on it.
func TestProbeReadsACard(t *testing.T) {
	cards := map[reader.Kind]string{
		reader.RCS620S: "felica:012e4cd23a1b5c6d",
		reader.PN532:   "mifare:04a24b723c5e80",
		reader.EM4100:  "em4100:67003b51c6",
	}
	for _, kind := range reader.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			link := filepath.Join(t.TempDir(), "usb-reader-if00-port0")
			em, err := emulator.Open(emulator.Config{Name: "probe", Kind: kind, Link: link})
			if err != nil {
				t.Fatal(err)
			}
			defer em.Close()
			if err := em.Present(cards[kind]); err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			err = run(context.Background(), []string{"probe", "-port", link, "-kind", string(kind), "-timeout", "15s"}, noEnv, &out, io.Discard)
			if err != nil {
				t.Fatalf("probe: %v\n%s", err, out.String())
			}
			if !strings.HasSuffix(out.String(), "\ncard "+cards[kind]+"\n") || !strings.Contains(out.String(), "initialised") {
				t.Errorf("probe output:\n%s", out.String())
			}
		})
	}
}

func TestProbeNoCard(t *testing.T) {
	link := filepath.Join(t.TempDir(), "reader")
	em, err := emulator.Open(emulator.Config{Name: "probe", Kind: reader.RCS620S, Link: link})
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	var out strings.Builder
	err = run(context.Background(), []string{"probe", "-port", link, "-kind", "rcs620s", "-timeout", "300ms"}, noEnv, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no card within 300ms") || cli.ExitCode(err) != 1 {
		t.Fatalf("probe without a card: %v", err)
	}
	if !strings.Contains(out.String(), "initialised: RC-S620S IC 33 firmware 1.30") {
		t.Errorf("probe output:\n%s", out.String())
	}
	err = run(context.Background(), []string{"probe", "-port", filepath.Join(t.TempDir(), "gone"), "-kind", "pn532"}, noEnv, io.Discard, io.Discard)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("probe of a missing port: %v", err)
	}
}

func TestProbeUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"probe", "-port", "/dev/ttyUSB0"}, "give both -port and -kind"},
		{[]string{"probe", "-kind", "pn532"}, "give both -port and -kind"},
		{[]string{"probe", "-port", "/dev/ttyUSB0", "-kind", "wiegand26"}, "want one of rcs620s"},
		{[]string{"probe", "-port", "/dev/ttyUSB0", "-kind", "pn532", "-timeout", "0s"}, "-timeout must be positive"},
		{[]string{"probe", "-colour"}, "flag provided but not defined"},
		{[]string{"probe", "now"}, `unexpected argument "now"`},
	} {
		err := run(context.Background(), c.args, noEnv, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) || cli.ExitCode(err) != 2 {
			t.Errorf("%q: %v, want a usage error containing %q", c.args, err, c.want)
		}
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"probe", "-h"}, noEnv, &out, io.Discard); err != nil || !strings.Contains(out.String(), "gateway probe -port PATH") {
		t.Errorf("probe -h: %v\n%s", err, out.String())
	}
}

func TestListPorts(t *testing.T) {
	dev, byID := t.TempDir(), t.TempDir()
	usb0 := filepath.Join(dev, "ttyUSB0") // stands for the device node
	os.WriteFile(usb0, nil, 0o600)
	os.Symlink(usb0, filepath.Join(byID, "usb-Sony_RC-S620S_0123-if00-port0"))
	os.Symlink(usb0, filepath.Join(byID, "usb-Sony_RC-S620S_0123-if00"))
	os.Symlink(filepath.Join(dev, "ttyUSB9"), filepath.Join(byID, "usb-gone-if00-port0")) // dangling: not shown
	list := func(...func(vid, pid string) bool) ([]*enumerator.PortDetails, error) {
		return []*enumerator.PortDetails{
			{Name: "/dev/ttyS0"},
			{Name: usb0, IsUSB: true, VID: "054C", PID: "02E1", SerialNumber: "0123", Product: "RC-S620S"},
			{}, // a port the enumerator has no details of
		}, nil
	}
	var out strings.Builder
	if err := listPorts(&out, list, byID); err != nil {
		t.Fatal(err)
	}
	want := "/dev/ttyS0\n" + usb0 + `  usb 054c:02e1  serial=0123  product="RC-S620S"` +
		"  by-id=" + filepath.Join(byID, "usb-Sony_RC-S620S_0123-if00") +
		"  by-id=" + filepath.Join(byID, "usb-Sony_RC-S620S_0123-if00-port0") + "\n"
	if out.String() != want {
		t.Errorf("listPorts:\n%s\nwant\n%s", out.String(), want)
	}
	out.Reset()
	empty := func(...func(vid, pid string) bool) ([]*enumerator.PortDetails, error) { return nil, nil }
	if err := listPorts(&out, empty, filepath.Join(byID, "absent")); err != nil || out.String() != "no serial ports found\n" {
		t.Errorf("listPorts with no ports: %q, %v", out.String(), err)
	}
	failing := func(...func(vid, pid string) bool) ([]*enumerator.PortDetails, error) {
		return nil, errors.New("sysfs")
	}
	if err := listPorts(&out, failing, byID); err == nil || !strings.Contains(err.Error(), "sysfs") {
		t.Errorf("listPorts with a failing enumerator: %v", err)
	}
}
