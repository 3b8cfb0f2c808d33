package dashboards

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"timeclock/internal/daemontest"
)

// The parts of Grafana's dashboard model the tests read.
type (
	dashboard struct {
		UID        string `json:"uid"`
		Title      string `json:"title"`
		Timezone   string `json:"timezone"`
		Templating struct {
			List []variable `json:"list"`
		} `json:"templating"`
		Panels []panel `json:"panels"`
		file   string
	}
	variable struct {
		Name       string     `json:"name"`
		Type       string     `json:"type"`
		Query      string     `json:"query"`
		Datasource datasource `json:"datasource"`
	}
	panel struct {
		ID         int        `json:"id"`
		Type       string     `json:"type"`
		Title      string     `json:"title"`
		TimeFrom   string     `json:"timeFrom"`
		Datasource datasource `json:"datasource"`
		Targets    []target   `json:"targets"`
		GridPos    struct {
			X, Y, W, H int
		} `json:"gridPos"`
	}
	target struct {
		RefID        string     `json:"refId"`
		RawQuery     bool       `json:"rawQuery"`
		Query        string     `json:"query"`
		ResultFormat string     `json:"resultFormat"`
		Datasource   datasource `json:"datasource"`
	}
	datasource struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	}
)

// grafanaDir is deploy/grafana of the module.
func grafanaDir(t *testing.T) string {
	t.Helper()
	root, err := daemontest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "deploy", "grafana")
}

func loadDashboards(t *testing.T) []dashboard {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(grafanaDir(t), "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards: %v", err)
	}
	var out []dashboard
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard
		dec := json.NewDecoder(strings.NewReader(string(b)))
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		d.file = filepath.Base(f)
		out = append(out, d)
	}
	return out
}

// provisioned returns a value of the data source file (a "key: value" line).
func provisioned(t *testing.T, key string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(grafanaDir(t), "provisioning", "datasources", "timeclock.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^\s+` + key + `:\s*(\S+)\s*$`)
	m := re.FindStringSubmatch(string(b))
	if m == nil {
		t.Fatalf("the data source has no %s", key)
	}
	return m[1]
}

var macro = regexp.MustCompile(`\$(__\w+|\w+)`)

// The dashboards are what Grafana needs and what the tests below assume:
// the provisioned data source, raw InfluxQL in Japan's time zone, only
// defined variables, panels on the 24-column grid.
func TestDashboardsWellFormed(t *testing.T) {
	uid, db := provisioned(t, "uid"), provisioned(t, "dbName")
	if uid != "timeclock-influxdb" || db != "timeclock" {
		t.Errorf("data source %s on database %s", uid, db)
	}
	if b, err := os.ReadFile(filepath.Join(grafanaDir(t), "provisioning", "dashboards", "timeclock.yaml")); err != nil || !strings.Contains(string(b), "type: file") {
		t.Errorf("dashboard provider: %v", err)
	}
	seen := map[string]bool{}
	want := map[string]bool{"timeclock-board": true, "timeclock-school": true, "timeclock-alerts": true, "timeclock-gateways": true}
	for _, d := range loadDashboards(t) {
		if seen[d.UID] {
			t.Errorf("%s: uid %s used twice", d.file, d.UID)
		}
		seen[d.UID] = true
		delete(want, d.UID)
		if d.Timezone != "Asia/Tokyo" {
			t.Errorf("%s: time zone %q", d.file, d.Timezone)
		}
		vars := map[string]bool{"timeFilter": true, "__interval": true}
		for _, v := range d.Templating.List {
			vars[v.Name] = true
			if v.Datasource.UID != uid || v.Type != "query" || v.Query == "" {
				t.Errorf("%s: variable %s: %+v", d.file, v.Name, v)
			}
		}
		if !vars["board"] {
			t.Errorf("%s: no $board variable", d.file)
		}
		ids := map[int]bool{}
		for _, p := range d.Panels {
			if ids[p.ID] {
				t.Errorf("%s: panel id %d twice", d.file, p.ID)
			}
			ids[p.ID] = true
			if p.GridPos.X+p.GridPos.W > 24 || p.GridPos.W <= 0 {
				t.Errorf("%s: %q outside the grid: %+v", d.file, p.Title, p.GridPos)
			}
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 || p.Datasource.UID != uid {
				t.Errorf("%s: %q has no query on %s", d.file, p.Title, uid)
			}
			for _, tg := range p.Targets {
				if !tg.RawQuery || tg.Datasource.UID != uid || !strings.HasSuffix(tg.Query, " tz('Asia/Tokyo')") {
					t.Errorf("%s: %q %s: want raw InfluxQL on %s ending in tz('Asia/Tokyo'): %q", d.file, p.Title, tg.RefID, uid, tg.Query)
				}
				if !strings.Contains(tg.Query, "$timeFilter") {
					t.Errorf("%s: %q %s ignores the time range", d.file, p.Title, tg.RefID)
				}
				for _, m := range macro.FindAllStringSubmatch(tg.Query, -1) {
					if !vars[m[1]] {
						t.Errorf("%s: %q uses $%s, which is not defined", d.file, p.Title, m[1])
					}
				}
			}
		}
	}
	for uid := range want {
		t.Errorf("no dashboard %s", uid)
	}
}
