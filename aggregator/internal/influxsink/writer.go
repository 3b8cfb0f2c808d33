package influxsink

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
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
	// Gzip compresses the bodies: worth it over a slow link, a cost in CPU
	// on both ends over loopback or a LAN.
	Gzip bool
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

// Writer posts line protocol to the v2 write endpoint (/api/v2/write, which
// InfluxDB 1.8 serves as well): a write either reaches InfluxDB or returns
// an error; nothing is buffered or dropped behind the caller's back. It is
// safe for concurrent use.
type Writer struct {
	target   Target
	writeURL string
	http     *http.Client
	log      *slog.Logger
	ready    chan struct{} // closed once the database exists (1.8) or creation is not wanted
	create   chan struct{} // held while creating it
}

// NewWriter returns a writer for target.
func NewWriter(target Target, log *slog.Logger) *Writer {
	base := strings.TrimRight(target.URL, "/")
	q := url.Values{"bucket": {target.bucket()}, "precision": {"ns"}}
	if target.Org != "" {
		q.Set("org", target.Org)
	}
	w := &Writer{
		target:   target,
		writeURL: base + "/api/v2/write?" + q.Encode(),
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second}},
		log:    log,
		ready:  make(chan struct{}),
		create: make(chan struct{}, 1),
	}
	if !target.v1() || !target.CreateDatabase {
		close(w.ready)
	}
	return w
}

// Close releases the idle connections.
func (w *Writer) Close() { w.http.CloseIdleConnections() }

// ErrRejected marks a write InfluxDB refused for its content (HTTP 400,
// e.g. a field type conflict): repeating it cannot succeed.
var ErrRejected = errors.New("influxdb rejected the points")

// errMissingDB is a 404 of a 1.8 database dropped behind our back.
var errMissingDB = errors.New("influxdb: database not found")

// Write writes the line protocol body (one point per line) in one request.
// On 1.8 it first creates the database when asked to, and again if
// InfluxDB reports it missing.
func (w *Writer) Write(ctx context.Context, body []byte) error {
	if len(body) == 0 {
		return nil
	}
	if err := w.ensureDatabase(ctx); err != nil {
		return err
	}
	err := w.post(ctx, body)
	if errors.Is(err, errMissingDB) && w.target.v1() && w.target.CreateDatabase {
		if cerr := w.createDatabase(ctx); cerr != nil {
			return cerr
		}
		err = w.post(ctx, body)
	}
	if errors.Is(err, errMissingDB) && w.target.v1() && !w.target.CreateDatabase {
		err = fmt.Errorf("%w: create it (deploy/influxdb/setup-influxdb.sh), or let the aggregator with -influx-create-db", err)
	}
	return err
}

func (w *Writer) post(ctx context.Context, body []byte) error {
	var rd io.Reader = bytes.NewReader(body)
	if w.target.Gzip {
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
		zw.Write(body)
		zw.Close()
		rd = &z
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.writeURL, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	if w.target.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	if tok := w.target.token(); tok != "" {
		req.Header.Set("Authorization", "Token "+tok)
	}
	resp, err := w.http.Do(req)
	if err != nil {
		return fmt.Errorf("influxdb write: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		io.Copy(io.Discard, resp.Body)
		return nil
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	text := strings.TrimSpace(string(msg))
	switch {
	case resp.StatusCode == http.StatusNotFound && w.target.v1():
		return fmt.Errorf("%w: %s", errMissingDB, text)
	case resp.StatusCode == http.StatusBadRequest:
		return fmt.Errorf("%w: %s: %s", ErrRejected, resp.Status, text)
	}
	return fmt.Errorf("influxdb write: %s: %s", resp.Status, text)
}

// ensureDatabase waits for, or does, the CREATE DATABASE of the first write.
func (w *Writer) ensureDatabase(ctx context.Context) error {
	select {
	case <-w.ready:
		return nil
	case w.create <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-w.create }()
	select {
	case <-w.ready:
		return nil // another writer created it meanwhile
	default:
	}
	if err := w.createDatabase(ctx); err != nil {
		return err
	}
	close(w.ready)
	return nil
}

// createDatabase runs CREATE DATABASE (a no-op when it exists) on 1.8.
func (w *Writer) createDatabase(ctx context.Context) error {
	if err := w.query(ctx, "CREATE DATABASE "+ident(w.target.Database), nil); err != nil {
		return fmt.Errorf("influxdb: create database %q: %w", w.target.Database, err)
	}
	w.log.Info("influxdb database ready", "db", w.target.Database)
	return nil
}
