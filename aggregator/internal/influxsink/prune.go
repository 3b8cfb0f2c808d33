package influxsink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"timeclock/aggregator/internal/lineproto"
)

// Pruning. The series of a work day, a month or a board figure carry the
// staff member's (or group's) board, school, role and school type as tags.
// When a reload of the roster moves a staff member — an annual transfer to
// another school, a change of role — the rewrite that follows writes new
// series, and the old ones would stay, counted twice by every dashboard
// that sums over them. So after the state stream has written the rewrite of
// a reload, it lists the series of the measurements the state names and
// drops those the current roster no longer writes. Listing after every
// reload (rather than remembering the old roster) also catches a roster
// changed while the aggregator was stopped, and a crash between the rewrite
// and the drop: the reload record is read again from the cursor. Then it
// rewrites the record points whose fields the reload changed (Refresher: a
// punch point of a card no one held when it was written, and one does now).

// Pruner is a StatePoints that knows which series are current.
type Pruner interface {
	// Prune reports whether a reload has been written since the last
	// Pruned, the measurements to look at and the boards whose series
	// this aggregator owns (empty: every board).
	Prune() (due bool, measurements, boards []string)
	// Current reports whether a series of measurement with tags is still
	// written.
	Current(measurement string, tags map[string]string) bool
	// Pruned is called once the series that are not current are dropped.
	Pruned()
}

// SeriesDropper is a PointWriter that can list and drop series.
type SeriesDropper interface {
	// Series returns the tags of each series of measurement, of board if
	// it is not empty.
	Series(ctx context.Context, measurement, board string) ([]map[string]string, error)
	// DropSeries drops the series of measurement with exactly these tags.
	DropSeries(ctx context.Context, measurement string, series []map[string]string) error
	// Select runs an InfluxQL query (times in nanoseconds, numbers as
	// json.Number) and hands each series of its result to each (each may
	// be nil: a statement without a result, such as DELETE).
	Select(ctx context.Context, q string, each SeriesFunc) error
}

// SeriesFunc takes one series of a query's result: its tags (GROUP BY),
// its columns and its rows.
type SeriesFunc func(tags map[string]string, columns []string, values [][]any) error

// Refresher is a Pruner that also rewrites points after a reload: those
// whose fields the reload changed (a tap of a card the roster now gives to
// a staff member), found by a query.
type Refresher interface {
	// Refresh appends the points to write again to buf. query also runs
	// statements without a result (each nil: a DELETE of a point whose
	// fields are to be fewer, as a write only adds or replaces fields),
	// before buf is written.
	Refresh(query func(q string, each SeriesFunc) error, buf *lineproto.Buffer) error
}

// ErrCannotPrune marks a target whose series cannot be dropped by the
// aggregator (InfluxDB 2.x: see DEPLOY).
var ErrCannotPrune = errors.New("influxdb: dropping series is done on InfluxDB 1.8 only")

// prune drops the series the state no longer writes, once a reload has
// been written. A failure is logged and the pruning tried again at the next
// flush.
func (s *Sink) prune(ctx context.Context) {
	p, ok := s.state.(Pruner)
	if !ok {
		return
	}
	due, measurements, boards := p.Prune()
	if !due {
		return
	}
	d, ok := s.w.(SeriesDropper)
	if !ok {
		p.Pruned()
		return
	}
	if len(boards) == 0 {
		boards = []string{""}
	}
	dropped := 0
	for _, m := range measurements {
		for _, b := range boards {
			all, err := d.Series(ctx, m, b)
			if errors.Is(err, ErrCannotPrune) {
				s.log.Info("series of staff moved by a roster change are not dropped on this InfluxDB", "err", err)
				p.Pruned()
				return
			}
			if err != nil {
				s.log.Warn("listing series to drop those a roster change left; trying again at the next flush", "err", err)
				return
			}
			var stale []map[string]string
			for _, tags := range all {
				if !p.Current(m, tags) {
					stale = append(stale, tags)
				}
			}
			if err := d.DropSeries(ctx, m, stale); err != nil {
				s.log.Warn("dropping series a roster change left; trying again at the next flush", "err", err)
				return
			}
			dropped += len(stale)
		}
	}
	if dropped > 0 {
		s.log.Info("dropped the series a roster change left", "series", dropped)
	}
	if r, ok := p.(Refresher); ok {
		var buf lineproto.Buffer
		err := r.Refresh(func(q string, each SeriesFunc) error { return d.Select(ctx, q, each) }, &buf)
		if err != nil {
			s.log.Warn("reading back the points a roster change moved; trying again at the next flush", "err", err)
			return
		}
		if !s.write(ctx, &buf) {
			return
		}
		if buf.Len() > 0 {
			s.log.Info("rewrote the points a roster change moved", "points", buf.Len())
		}
	}
	p.Pruned()
}

// Series lists the series of measurement (SHOW SERIES, InfluxDB 1.8).
func (w *Writer) Series(ctx context.Context, measurement, board string) ([]map[string]string, error) {
	if !w.target.v1() {
		return nil, ErrCannotPrune
	}
	q := "SHOW SERIES FROM " + ident(measurement)
	if board != "" {
		q += " WHERE " + ident("board") + " = " + Literal(board)
	}
	var out []map[string]string
	err := w.query(ctx, q, func(_ map[string]string, _ []string, values [][]any) error {
		for _, v := range values {
			key, _ := v[0].(string)
			name, tags, err := parseSeriesKey(key)
			if err != nil {
				return err
			}
			if name == measurement {
				out = append(out, tags)
			}
		}
		return nil
	})
	return out, err
}

// DropSeries drops each series of measurement with exactly the given tags
// (DROP SERIES, InfluxDB 1.8), a hundred to a request.
func (w *Writer) DropSeries(ctx context.Context, measurement string, series []map[string]string) error {
	if !w.target.v1() {
		return ErrCannotPrune
	}
	for chunk := range slices.Chunk(series, 100) {
		var q strings.Builder
		for i, tags := range chunk {
			if i > 0 {
				q.WriteString("; ")
			}
			q.WriteString("DROP SERIES FROM " + ident(measurement) + " WHERE ")
			for j, k := range slices.Sorted(maps.Keys(tags)) {
				if j > 0 {
					q.WriteString(" AND ")
				}
				q.WriteString(ident(k) + " = " + Literal(tags[k]))
			}
		}
		if err := w.query(ctx, q.String(), nil); err != nil {
			return err
		}
	}
	return nil
}

// Select runs a query on InfluxDB 1.8 (see SeriesDropper).
func (w *Writer) Select(ctx context.Context, q string, each SeriesFunc) error {
	if !w.target.v1() {
		return ErrCannotPrune
	}
	return w.query(ctx, q, each)
}

// query runs InfluxQL on the 1.8 /query endpoint and hands each series of
// the result to each (if not nil).
func (w *Writer) query(ctx context.Context, q string, each SeriesFunc) error {
	v := url.Values{"db": {w.target.Database}, "q": {q}, "epoch": {"ns"}}
	if w.target.RetentionPolicy != "" {
		v.Set("rp", w.target.RetentionPolicy)
	}
	if w.target.User != "" {
		v.Set("u", w.target.User)
		v.Set("p", w.target.Password)
	}
	// POST, so that the password is in no URL (InfluxDB's request log).
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(w.target.URL, "/")+"/query",
		strings.NewReader(v.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := w.http.Do(req)
	if err != nil {
		return fmt.Errorf("influxdb query: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("influxdb query: %w", err)
	}
	var r struct {
		Error   string
		Results []struct {
			Error  string
			Series []struct {
				Tags    map[string]string
				Columns []string
				Values  [][]any
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil || resp.StatusCode != http.StatusOK || r.Error != "" {
		return fmt.Errorf("influxdb query %.60q: %s: %s", q, resp.Status, strings.TrimSpace(string(body[:min(len(body), 4096)])))
	}
	for _, res := range r.Results {
		if res.Error != "" {
			return fmt.Errorf("influxdb query %.60q: %s", q, res.Error)
		}
		for _, se := range res.Series {
			if each != nil {
				if err := each(se.Tags, se.Columns, se.Values); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// parseSeriesKey splits a series key of SHOW SERIES
// (measurement,tag=value,…, with `\` escaping `,`, `=` and spaces).
func parseSeriesKey(key string) (string, map[string]string, error) {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case c == '\\' && i+1 < len(key):
			i++
			cur.WriteByte(key[i])
		case c == ',':
			parts = append(parts, cur.String())
			cur.Reset()
		case c == '=' && len(parts) > 0:
			cur.WriteString("\x00") // a separator no escaped text holds
		default:
			cur.WriteByte(c)
		}
	}
	parts = append(parts, cur.String())
	tags := make(map[string]string, len(parts)-1)
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "\x00")
		if !ok {
			return "", nil, fmt.Errorf("influxdb: series key %q: tag %q without a value", key, p)
		}
		tags[k] = v
	}
	return parts[0], tags, nil
}

// ident quotes an InfluxQL identifier; Literal a string literal.
func ident(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func Literal(s string) string {
	return `'` + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + `'`
}
