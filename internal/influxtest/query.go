package influxtest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"timeclock/internal/daemontest"
)

// Row is one row of an InfluxQL result.
type Row struct {
	Measurement string
	Tags        map[string]string // the GROUP BY tags of the row's series
	Time        time.Time         // the "time" column, if any
	// Values maps each column to its value: numbers are json.Number (exact
	// for integers), strings string, booleans bool, null nil.
	Values map[string]any
}

// String is the row as measurement,tags time col=value … with columns in
// order, for messages and comparisons.
func (r Row) String() string {
	var b strings.Builder
	b.WriteString(r.Measurement)
	for _, k := range slices.Sorted(maps.Keys(r.Tags)) {
		fmt.Fprintf(&b, ",%s=%s", k, r.Tags[k])
	}
	if !r.Time.IsZero() {
		fmt.Fprintf(&b, " %s", r.Time.Format(time.RFC3339Nano))
	}
	for _, k := range slices.Sorted(maps.Keys(r.Values)) {
		fmt.Fprintf(&b, " %s=%v", k, r.Values[k])
	}
	return b.String()
}

// Query runs InfluxQL statements against database db (may be empty) and
// returns the rows of all their series in order. An error of the request or
// of any statement fails t.
func (s *Server) Query(t testing.TB, db, influxql string) []Row {
	t.Helper()
	rows, err := s.query(daemontest.WaitContext(t), db, influxql)
	if err != nil {
		t.Fatalf("influxtest: %s: %v", influxql, err)
	}
	return rows
}

// CreateDB creates database name (which exists afterwards, with its default
// retention policy "autogen"). It fails the test that started the server.
func (s *Server) CreateDB(name string) {
	s.tb.Helper()
	if _, err := s.query(daemontest.WaitContext(s.tb), "", "CREATE DATABASE "+quoteIdent(name)); err != nil {
		s.tb.Fatalf("influxtest: create database %q: %v", name, err)
	}
}

// quoteIdent quotes an InfluxQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

type response struct {
	Results []struct {
		Series []struct {
			Name    string            `json:"name"`
			Tags    map[string]string `json:"tags"`
			Columns []string          `json:"columns"`
			Values  [][]any           `json:"values"`
		} `json:"series"`
		Error string `json:"error"`
	} `json:"results"`
	Error string `json:"error"`
}

func (s *Server) query(ctx context.Context, db, influxql string) ([]Row, error) {
	form := url.Values{"q": {influxql}}
	if db != "" {
		form.Set("db", db)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/query", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r response
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: decoding the answer: %v", resp.Status, err)
	}
	if r.Error != "" {
		return nil, fmt.Errorf("%s: %s", resp.Status, r.Error)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s", resp.Status)
	}
	var rows []Row
	for i, res := range r.Results {
		if res.Error != "" {
			return nil, fmt.Errorf("statement %d: %s", i+1, res.Error)
		}
		for _, ser := range res.Series {
			for _, vals := range ser.Values {
				row := Row{Measurement: ser.Name, Tags: ser.Tags, Values: make(map[string]any, len(vals))}
				for j, col := range ser.Columns {
					if j >= len(vals) {
						break
					}
					if col == "time" {
						if ts, ok := vals[j].(string); ok {
							tm, err := time.Parse(time.RFC3339Nano, ts)
							if err != nil {
								return nil, fmt.Errorf("time %q: %v", ts, err)
							}
							row.Time = tm
							continue
						}
					}
					row.Values[col] = vals[j]
				}
				rows = append(rows, row)
			}
		}
	}
	return rows, nil
}
