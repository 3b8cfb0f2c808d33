package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"timeclock/aggregator/internal/auth"
	"timeclock/aggregator/internal/config"
	"timeclock/aggregator/internal/service"
	"timeclock/internal/cli"
	"timeclock/internal/roster"
)

// serve runs the live aggregator until ctx is done.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Parse("aggregator serve", args, getenv, stderr)
	if err != nil {
		return cli.Usage(err) // nil for -h
	}
	if err := cfg.Validate(); err != nil {
		return exitError{code: 2, err: fmt.Errorf("configuration: %w", err)}
	}
	if cfg.CheckConfig {
		return checkConfig(cfg, stdout)
	}
	log := cli.NewLogger(cfg.LogLevel, cfg.LogFormat, stderr)
	s, err := service.New(cfg, log, time.Now)
	if err != nil {
		return err
	}
	return s.Run(ctx)
}

// checkConfig loads the reference files and the users file as serve would
// and reports every problem; exit status 1 if there is one.
func checkConfig(cfg *config.Config, stdout io.Writer) error {
	data, errs := roster.LoadDir(cfg.Data)
	for _, e := range errs {
		fmt.Fprintln(stdout, e)
	}
	if data == nil || len(errs) > 0 {
		return exitError{code: 1, err: fmt.Errorf("reference data in %s: %d problem(s)", cfg.Data, len(errs))}
	}
	var list []auth.User
	if cfg.Users != "" {
		var err error
		if list, err = auth.ReadUsers(cfg.Users); err != nil {
			fmt.Fprintln(stdout, err)
			return exitError{code: 1, err: fmt.Errorf("users file %s unusable", cfg.Users)}
		}
	}
	for _, u := range list {
		if !auth.OnRoster(u.Role, u.Scope, data) {
			fmt.Fprintf(stdout, "%s: user %s: the %s scope %q is not on the roster: they would see nothing\n",
				cfg.Users, u.Name, u.Role, u.Scope)
		}
	}
	fmt.Fprintf(stdout, "configuration ok: %d staff, %d schools, %d users, broker %s, influx %s\n", data.Len(),
		len(data.Schools()), len(list)+len(cfg.Tokens), orDefault(cfg.MQTTURL, "embedded on "+cfg.BrokerListen),
		orDefault(cfg.InfluxURL, "off"))
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
