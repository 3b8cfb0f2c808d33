package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.bug.st/serial/enumerator"

	"timeclock/gateway/internal/readerloop"
	"timeclock/internal/cli"
	"timeclock/internal/reader"
)

// byIDDir holds udev's stable names of serial ports, the names to put in
// the configuration.
const byIDDir = "/dev/serial/by-id"

const probeUsage = `usage: gateway probe                                   list serial ports (USB vendor:product, by-id name)
       gateway probe -port PATH -kind KIND [-timeout D]   initialise the reader and print the next card read
KIND is rcs620s, pn532 or em4100.`

// probe is what a technician runs on site: which port is the reader, and
// does it read a card.
func probe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	port := fs.String("port", "", "serial port of the reader")
	kind := fs.String("kind", "", "reader kind: rcs620s, pn532 or em4100")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for a card")
	verbose := fs.Bool("v", false, "log the exchanges with the reader")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, probeUsage)
			return nil
		}
		return cli.UsageError{Msg: err.Error() + "\n" + probeUsage}
	}
	switch {
	case fs.NArg() > 0:
		return cli.UsageError{Msg: fmt.Sprintf("unexpected argument %q\n%s", fs.Arg(0), probeUsage)}
	case *port == "" && *kind == "":
		return listPorts(stdout, enumerator.GetDetailedPortsList, byIDDir)
	case *port == "" || *kind == "":
		return cli.UsageError{Msg: "probe: give both -port and -kind\n" + probeUsage}
	case *timeout <= 0:
		return cli.UsageError{Msg: "probe: -timeout must be positive"}
	}
	k, err := reader.ParseKind(*kind)
	if err != nil {
		return cli.UsageError{Msg: "probe: " + err.Error()}
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	return readCard(ctx, stdout, *port, k, *timeout, log)
}

// listPorts prints one line per serial port: its device, USB vendor:product,
// serial number and product when it is a USB adapter, and the by-id names
// that point to it.
func listPorts(w io.Writer, list func(...func(vid, pid string) bool) ([]*enumerator.PortDetails, error), byID string) error {
	ports, err := list()
	if err != nil {
		return fmt.Errorf("probe: list serial ports: %w", err)
	}
	names := byIDNames(byID)
	n := 0
	for _, p := range ports {
		if p.Name == "" { // the enumerator found no details; nothing to show
			continue
		}
		n++
		line := p.Name
		if p.IsUSB {
			line += fmt.Sprintf("  usb %s:%s", strings.ToLower(p.VID), strings.ToLower(p.PID))
			if p.SerialNumber != "" {
				line += "  serial=" + p.SerialNumber
			}
			if p.Product != "" {
				line += fmt.Sprintf("  product=%q", p.Product)
			}
		}
		for _, id := range names[p.Name] {
			line += "  by-id=" + id
		}
		fmt.Fprintln(w, line)
	}
	if n == 0 {
		fmt.Fprintln(w, "no serial ports found")
	}
	return nil
}

// byIDNames maps each device to the by-id links that resolve to it.
func byIDNames(dir string) map[string][]string {
	out := map[string][]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return out // no USB serial adapter plugged in: the directory is absent
	}
	for _, e := range entries {
		link := filepath.Join(dir, e.Name())
		if dev, err := filepath.EvalSymlinks(link); err == nil {
			out[dev] = append(out[dev], link)
		}
	}
	for _, links := range out {
		slices.Sort(links)
	}
	return out
}

// readCard initialises the reader at path and prints the first card it
// reads within timeout.
func readCard(ctx context.Context, w io.Writer, path string, kind reader.Kind, timeout time.Duration, log *slog.Logger) error {
	fmt.Fprintf(w, "opening %s as %s (%d 8N1)\n", path, kind, kind.Baud())
	dev, err := readerloop.OpenSerial(path, kind, log)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	defer dev.Close()
	if err := dev.Init(ctx); err != nil {
		return fmt.Errorf("probe: %s does not answer as %s: %w", path, kind, err)
	}
	if f, ok := dev.(interface{ Firmware() string }); ok && f.Firmware() != "" {
		fmt.Fprintln(w, "initialised:", f.Firmware())
	} else {
		fmt.Fprintln(w, "initialised")
	}
	fmt.Fprintf(w, "waiting up to %v for a card\n", timeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		start := time.Now()
		card, err := dev.Poll(ctx)
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("probe: no card within %v", timeout)
		case reader.IsIOError(err):
			return fmt.Errorf("probe: %w", err)
		case err != nil:
			log.Warn("poll failed", "err", err)
		case card != "":
			fmt.Fprintln(w, "card", card)
			return nil
		}
		if reader.Wait(ctx, readerloop.DefaultInterval-time.Since(start)) != nil {
			return fmt.Errorf("probe: no card within %v", timeout)
		}
	}
}
