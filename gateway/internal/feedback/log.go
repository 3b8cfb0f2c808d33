package feedback

import (
	"context"
	"log/slog"
	"strings"
)

// Log writes each event as one log line: the output of the simulator and of
// a gateway without a screen, and what tests read to see feedback happen.
type Log struct{ L *slog.Logger }

func (l Log) String() string { return "log" }

// Show logs e with the screen text a display would show.
func (l Log) Show(ctx context.Context, e Event) error {
	switch e.Kind {
	case Accepted:
		l.L.Info("feedback accepted", "id", e.ID, "reader", e.Reader, "dir", e.Dir, "ts", e.Time, "synced", e.Synced,
			"screen", screenText(e))
	case Answer:
		l.L.Info("feedback answer", "id", e.ID, "result", e.Result, "staff", e.Staff, "today_min", e.TodayMin,
			"month_overtime_min", e.MonthOvertimeMin, "level", e.Level, "screen", screenText(e))
	case Failed:
		l.L.Error("feedback failed", "reader", e.Reader, "dir", e.Dir, "ts", e.Time, "screen", screenText(e))
	case Status:
		l.L.Debug("feedback status", "queue", e.Queue, "online", e.Online, "synced", e.Synced,
			"high_water", e.HighWater)
	}
	return nil
}

func screenText(e Event) string {
	s, _ := ScreenFor(e)
	return strings.Join(append([]string{s.Head}, s.Lines...), " / ")
}
