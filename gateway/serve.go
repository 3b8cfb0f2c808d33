package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"

	"timeclock/gateway/internal/config"
	"timeclock/gateway/internal/service"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// the VCS revision the binary was built from is used.
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			if dirty {
				rev += "-dirty"
			}
			return rev
		}
	}
	return "dev"
}

// runService is `gateway run`: load the configuration, then run the service
// until ctx ends.
func runService(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return usageError{err.Error()}
	}
	cfg.Version = buildVersion()
	if cfg.CheckConfig {
		cfg.Print(stdout)
		fmt.Fprintln(stdout, "# configuration OK")
		return nil
	}
	log := newLogger(cfg, stderr)
	outs, release, err := service.Outputs(cfg, log)
	if err != nil {
		return err
	}
	defer release()
	sources, err := service.Sources(cfg, os.Stdin, log)
	if err != nil {
		return err
	}
	svc, err := service.New(cfg, service.Parts{Sources: sources, Outputs: outs}, log)
	if err != nil {
		return err
	}
	return svc.Run(ctx)
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
