package service

import (
	"fmt"
	"io"
	"log/slog"

	"timeclock/gateway/internal/config"
)

// Sources makes a Source for each configured reader.
func Sources(cfg *config.Config, stdin io.Reader, log *slog.Logger) (map[string]Source, error) {
	out := map[string]Source{}
	for _, r := range cfg.Readers {
		switch r.Kind {
		case "lines":
			out[r.Name] = &Lines{Name: r.Name, Path: r.Path, Stdin: stdin, Log: log}
		default:
			return nil, fmt.Errorf("reader %s: kind %s is not available in this build", r.Name, r.Kind)
		}
	}
	return out, nil
}
