package service

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"timeclock/internal/civil"
	"timeclock/internal/influxtest"
	"timeclock/internal/mosquittotest"
	"timeclock/internal/punch"
)

// count runs a count query and returns the number (0 when there is no row).
func count(t testing.TB, db *influxtest.Server, q string) int {
	rows := db.Query(t, "timeclock", q)
	if len(rows) == 0 {
		return 0
	}
	for k, v := range rows[0].Values {
		if k == "time" {
			continue
		}
		n, _ := v.(json.Number).Int64()
		return int(n)
	}
	return 0
}

// waitDB waits until the aggregator has created its database.
func waitDB(t testing.TB, db *influxtest.Server) {
	t.Helper()
	eventually(t, "the database created by the aggregator", func() (bool, string) {
		rows := db.Query(t, "", "SHOW DATABASES")
		for _, r := range rows {
			if r.Values["name"] == "timeclock" {
				return true, ""
			}
		}
		return false, fmt.Sprint(rows)
	})
}

func at(d civil.Date, hh, mm int) time.Time { return d.At(hh*60 + mm) }

// The whole live path: a publisher → broker → aggregator → InfluxDB, with
// a duplicate, malformed payloads, an unknown card and a gateway status,
// through real Mosquitto and through the embedded broker.
func TestEndToEnd(t *testing.T) {
	for _, tc := range []struct {
		name     string
		embedded bool
	}{
		{"mosquitto", false},
		{"embedded broker", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := influxtest.Start(t, influxtest.WithoutFlux())
			mqttURL := ""
			if !tc.embedded {
				mqttURL = mosquittotest.Start(t).URL()
			}
			f := newFixture(t, 12)
			s := start(t, baseConfig(t, f, mqttURL, db.URL()))
			url := s.MQTTURL()
			fb := watchFeedback(t, url)
			gw := mqttClient(t, url, "gw-e00")

			d := workday(time.Now())
			in, out := tap(0, 1, at(d, 7, 40)), tap(0, 2, at(d, 19, 10))
			unknown := tap(0, 3, at(d, 8, 0))
			unknown.Card = "felica:ffffffffffffffff"
			mismatch := tap(0, 4, at(d, 8, 1))
			mismatch.School = "nakatsu-e09" // differs from its topic
			topic := topicOf(in)
			publish(t, gw, topic, in.AppendJSON(nil), out.AppendJSON(nil), unknown.AppendJSON(nil),
				[]byte(`{"v":1,"type":"tap",`), []byte(`{"v":2,"type":"tap"}`), mismatch.AppendJSON(nil))
			status := punch.Status{Online: true, TS: time.Now().Truncate(time.Millisecond), Queue: 3, ClockSynced: true,
				Readers: map[string]string{"entrance": "ok"}, Version: "test"}
			tok := gw.Publish(strings.Replace(topic, "/punch", "/status", 1), 1, true, status.AppendJSON(nil))
			tok.Wait()

			eventually(t, "feedback for every tap", func() (bool, string) {
				n, _ := fb.count()
				return n == 4, fmt.Sprintf("%d of 4 feedbacks", n)
			})
			want := map[string]punch.Feedback{
				in.ID:       {ID: in.ID, Result: punch.ResultOK, Staff: "T0000", TodayMin: 0, Level: punch.LevelOK},
				out.ID:      {ID: out.ID, Result: punch.ResultOK, Staff: "T0000", TodayMin: 645, MonthOvertimeMin: 180, Level: punch.LevelOK},
				unknown.ID:  {ID: unknown.ID, Result: punch.ResultUnknownCard, Level: punch.LevelOK},
				mismatch.ID: {ID: mismatch.ID, Result: punch.ResultRejected, Level: punch.LevelOK},
			}
			for id, w := range want {
				if got, _ := fb.get(id); got != w {
					t.Errorf("feedback %s = %+v, want %+v", id, got, w)
				}
			}
			// The gateway missed the answer and publishes again: answered again, counted once.
			_, before := fb.count()
			publish(t, gw, topic, out.AppendJSON(nil))
			eventually(t, "the duplicate answered", func() (bool, string) {
				_, n := fb.count()
				return n == before+1, fmt.Sprintf("%d feedbacks, want %d", n, before+1)
			})

			waitDB(t, db)
			month := d.Month().First().Time().UTC().Format(time.RFC3339)
			dayTime := d.Time().UTC().Format(time.RFC3339)
			checks := []struct{ name, q, want string }{
				{"punch points", `SELECT count(id) FROM punch`, "2026"},
				{"workday", fmt.Sprintf(`SELECT presence_min, at_work_min, regular_min, overtime_min, incomplete FROM workday WHERE staff='T0000' AND time = '%s'`, dayTime),
					"at_work_min=645 incomplete=false overtime_min=180 presence_min=690 regular_min=465"},
				{"month", fmt.Sprintf(`SELECT month_min, level FROM overtime_month WHERE staff='T0000' AND time = '%s'`, month),
					"level=ok month_min=180"},
				{"lock_time alert", `SELECT state, value, threshold FROM alert WHERE rule='lock_time'`,
					"state=raised threshold=1140 value=1150"},
				{"kpi", fmt.Sprintf(`SELECT headcount, over45, b_lt45 FROM kpi_month WHERE board='nakatsu' AND school_type='*' AND role='*' AND time = '%s'`, month),
					"b_lt45=1 headcount=1 over45=0"},
				{"gateway", `SELECT online, queue, clock_synced FROM gateway`, "clock_synced=true online=true queue=3"},
			}
			for _, c := range checks {
				eventually(t, c.name+" in InfluxDB", func() (bool, string) {
					rows := db.Query(t, "timeclock", c.q)
					if c.name == "punch points" {
						n := count(t, db, c.q)
						return n == 3, fmt.Sprintf("%d punch points, want 3 (two taps and the unknown card)", n)
					}
					if len(rows) != 1 {
						return false, fmt.Sprintf("%d rows: %v", len(rows), rows)
					}
					got := rows[0].String()
					return strings.HasSuffix(got, " "+c.want), got
				})
			}
			unknownStaff := db.Query(t, "timeclock", `SELECT staff FROM punch WHERE card='felica:ffffffffffffffff'`)
			if len(unknownStaff) != 1 || unknownStaff[0].Values["staff"] != "" {
				t.Errorf("unknown card's punch point: %v", unknownStaff)
			}

			var rej struct {
				Total    int `json:"total"`
				Rejected []struct{ Kind string }
			}
			getJSON(t, "http://"+s.HTTPAddr()+"/api/v1/rejected", &rej)
			var kinds []string
			for _, r := range rej.Rejected {
				kinds = append(kinds, r.Kind)
			}
			if rej.Total != 3 || strings.Join(kinds, ",") != "topic,version,syntax" {
				t.Errorf("rejected %d %v, want 3 topic,version,syntax", rej.Total, kinds)
			}
			_, metrics := get(t, "http://"+s.HTTPAddr()+"/metrics", adminToken)
			for _, m := range []string{
				`timeclock_events_total{result="accepted"} 3`,
				`timeclock_events_total{result="duplicate"} 1`,
				`timeclock_events_total{result="rejected"} 3`,
				`timeclock_staff_tracked 12`,
			} {
				if !strings.Contains(metrics, m+"\n") {
					t.Errorf("metrics lack %q", m)
				}
			}
		})
	}
}
