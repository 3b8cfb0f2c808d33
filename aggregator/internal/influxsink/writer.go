package influxsink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	influxdb2 "github.com/influxdata/influxdb-client-go/v2"
	"github.com/influxdata/influxdb-client-go/v2/api"
	influxhttp "github.com/influxdata/influxdb-client-go/v2/api/http"
	"github.com/influxdata/influxdb-client-go/v2/api/write"
)

// Target says where the series go.
type Target struct {
	URL string
	// 1.8: Database (and RetentionPolicy) with User/Password; 2.x: Org,
	// Bucket and Token.
	Database, RetentionPolicy, User, Password string
	Org, Bucket, Token                        string
	// CreateDatabase runs CREATE DATABASE on 1.8 before the first write.
	CreateDatabase bool
}

func (t Target) v1() bool { return t.Database != "" }

func (t Target) bucket() string {
	if t.v1() {
		return t.Database + "/" + t.RetentionPolicy
	}
	return t.Bucket
}

func (t Target) token() string {
	if t.v1() {
		if t.User == "" {
			return ""
		}
		return t.User + ":" + t.Password
	}
	return t.Token
}

// Writer writes points with the client's blocking API: a write either
// reaches InfluxDB or returns an error, nothing is buffered or dropped
// behind the caller's back.
type Writer struct {
	target Target
	client influxdb2.Client
	api    api.WriteAPIBlocking
	http   *http.Client
	log    *slog.Logger
	ready  bool // the database exists (1.8) or creation is not wanted
}

// NewWriter returns a writer for target.
func NewWriter(target Target, log *slog.Logger) *Writer {
	opts := influxdb2.DefaultOptions().
		SetHTTPRequestTimeout(30).
		SetPrecision(time.Nanosecond).
		SetUseGZip(true)
	c := influxdb2.NewClientWithOptions(strings.TrimRight(target.URL, "/"), target.token(), opts)
	return &Writer{
		target: target,
		client: c,
		api:    c.WriteAPIBlocking(target.Org, target.bucket()),
		http:   &http.Client{Timeout: 30 * time.Second},
		log:    log,
		ready:  !target.v1() || !target.CreateDatabase,
	}
}

// Close releases the client's connections.
func (w *Writer) Close() { w.client.Close() }

// Ping reports whether InfluxDB answers.
func (w *Writer) Ping(ctx context.Context) error {
	ok, err := w.client.Ping(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("influxdb: ping failed")
	}
	return nil
}

// ErrRejected marks a write InfluxDB refused for its content (HTTP 400,
// e.g. a field type conflict): repeating it cannot succeed.
var ErrRejected = errors.New("influxdb rejected the points")

// Write writes points in one request. On 1.8 it first creates the database
// when asked to (and again if InfluxDB reports it missing).
func (w *Writer) Write(ctx context.Context, points []*write.Point) error {
	if len(points) == 0 {
		return nil
	}
	if !w.ready {
		if err := w.createDatabase(ctx); err != nil {
			return err
		}
		w.ready = true
	}
	err := w.api.WritePoint(ctx, points...)
	if err == nil {
		return nil
	}
	var he *influxhttp.Error
	if errors.As(err, &he) {
		switch {
		case he.StatusCode == http.StatusNotFound && w.target.v1() && w.target.CreateDatabase:
			w.ready = false // dropped behind our back: create it again on the retry
		case he.StatusCode == http.StatusBadRequest:
			return fmt.Errorf("%w: %v", ErrRejected, err)
		}
	}
	return fmt.Errorf("influxdb write: %w", err)
}

// createDatabase runs CREATE DATABASE (a no-op when it exists) on 1.8.
func (w *Writer) createDatabase(ctx context.Context) error {
	q := url.Values{"q": {fmt.Sprintf("CREATE DATABASE %q", w.target.Database)}}
	if w.target.User != "" {
		q.Set("u", w.target.User)
		q.Set("p", w.target.Password)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(w.target.URL, "/")+"/query",
		strings.NewReader(q.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := w.http.Do(req)
	if err != nil {
		return fmt.Errorf("influxdb: create database: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK || strings.Contains(string(body), `"error"`) {
		return fmt.Errorf("influxdb: create database %q: %s: %s", w.target.Database, resp.Status, strings.TrimSpace(string(body)))
	}
	w.log.Info("influxdb database ready", "db", w.target.Database)
	return nil
}
