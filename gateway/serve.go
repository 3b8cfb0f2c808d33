package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"timeclock/gateway/internal/config"
	"timeclock/gateway/internal/service"
	"timeclock/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// the VCS revision the binary was built from is used.
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	rev, dirty := "", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision":
				rev = s.Value[:min(len(s.Value), 12)]
			case s.Key == "vcs.modified" && s.Value == "true":
				dirty = "-dirty"
			}
		}
	}
	if rev == "" {
		return "dev"
	}
	return rev + dirty
}

// runService is `gateway run`: load the configuration, then run the service
// until ctx ends.
func runService(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(args, getenv, stderr)
	if err != nil {
		return cli.Usage(err) // nil for -h
	}
	cfg.Version = buildVersion()
	if cfg.CheckConfig {
		cfg.Print(stdout)
		fmt.Fprintln(stdout, "# configuration OK")
		return nil
	}
	log := cli.NewLogger(cfg.LogLevel, cfg.LogFormat, stderr)
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
