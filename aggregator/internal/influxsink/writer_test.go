package influxsink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"timeclock/internal/influxtest"
)

// Against a real influxd: without -influx-create-db a missing database is
// an error that says what to do, and nothing is created; with it, the
// database is made and the write lands.
func TestWriterMissingDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("starts influxd")
	}
	db := influxtest.Start(t, influxtest.WithoutFlux())
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	body := []byte("punch,board=b id=\"x\" 1700000000000000000\n")

	w := NewWriter(Target{URL: db.URL(), Database: "absent"}, quiet)
	err := w.Write(context.Background(), body)
	if !errors.Is(err, errMissingDB) || !strings.Contains(err.Error(), "-influx-create-db") {
		t.Fatalf("write to a missing database: %v, want errMissingDB naming -influx-create-db", err)
	}
	// Nothing was created behind the operator's back: a second write
	// finds the database missing still.
	if err := w.Write(context.Background(), body); !errors.Is(err, errMissingDB) {
		t.Fatalf("second write: %v, want the database still missing", err)
	}

	w = NewWriter(Target{URL: db.URL(), Database: "made", CreateDatabase: true}, quiet)
	if err := w.Write(context.Background(), body); err != nil {
		t.Fatalf("write with -influx-create-db: %v", err)
	}
	if rows := db.Query(t, "made", "SELECT count(id) FROM punch"); len(rows) != 1 || fmt.Sprint(rows[0].Values["count"]) != "1" {
		t.Fatalf("count after the write: %+v, want 1", rows)
	}
}
