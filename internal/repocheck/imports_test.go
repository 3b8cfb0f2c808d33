package repocheck

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// pure are the packages that compute without I/O (ARCHITECTURE.md: the
// rules and formats import nothing of the project's I/O), so they run the
// same in the gateway, the aggregator, the report command and tests.
// Packages not written yet are passed over; civil must exist.
var pure = []struct {
	dir      string
	required bool
}{
	{"internal/civil", true},
	{"internal/mqttwire", true},
	{"internal/overtime", false},
	{"internal/punch", false},
	{"internal/roster", false},
}

// forbidden are the network, database, process and hardware packages
// (and everything below the module paths).
var forbidden = []string{
	"net", "net/http", "os/exec", "database/sql",
	"go.etcd.io/bbolt/...",
	"github.com/eclipse/paho.mqtt.golang/...",
	"github.com/influxdata/...",
	"github.com/mochi-mqtt/...",
	"periph.io/...",
	"go.bug.st/serial/...",
	"github.com/creack/pty/...",
}

func isForbidden(path string) bool {
	for _, f := range forbidden {
		if prefix, ok := strings.CutSuffix(f, "/..."); ok {
			if path == prefix || strings.HasPrefix(path, prefix+"/") {
				return true
			}
		} else if path == f {
			return true
		}
	}
	return false
}

func TestPurePackagesDoNoIO(t *testing.T) {
	root := moduleRoot(t)
	for _, p := range pure {
		t.Run(p.dir, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(root, p.dir)); err != nil {
				if p.required {
					t.Fatalf("%s is missing: %v", p.dir, err)
				}
				t.Logf("%s does not exist yet: nothing to check", p.dir)
				return
			}
			for _, chain := range forbiddenChains(t, root, "./"+p.dir) {
				t.Errorf("imports %s", strings.Join(chain, " → "))
			}
		})
	}
}

// forbiddenChains returns, for each forbidden package that pattern's
// package depends on (its tests aside), one import chain leading to it.
func forbiddenChains(t *testing.T, root, pattern string) [][]string {
	t.Helper()
	pkgs := goList(t, root, "-deps", pattern)
	imports := map[string][]string{}
	var start string
	for _, p := range pkgs {
		imports[p.ImportPath] = p.Imports
		if !p.DepOnly {
			start = p.ImportPath
		}
	}
	if start == "" {
		t.Fatalf("go list -deps %s: no package", pattern)
	}
	// Breadth first from start: the first way to reach a package is a
	// shortest chain.
	from := map[string]string{start: ""}
	queue := []string{start}
	var chains [][]string
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		if isForbidden(path) {
			chain := []string{path}
			for p := from[path]; p != ""; p = from[p] {
				chain = append(chain, p)
			}
			slices.Reverse(chain)
			chains = append(chains, chain)
			continue
		}
		for _, imp := range imports[path] {
			if _, seen := from[imp]; !seen {
				from[imp] = path
				queue = append(queue, imp)
			}
		}
	}
	return chains
}

// The check must see through other packages: influxtest reaches net/http
// and influxd's client, mosquittotest reaches os/exec via daemontest.
func TestForbiddenChainsAreFound(t *testing.T) {
	root := moduleRoot(t)
	chains := forbiddenChains(t, root, "./internal/mosquittotest")
	var found []string
	for _, c := range chains {
		found = append(found, strings.Join(c, " → "))
	}
	want := "timeclock/internal/mosquittotest → timeclock/internal/daemontest → net"
	if !slices.Contains(found, want) {
		t.Errorf("chains of mosquittotest = %q, want one %q", found, want)
	}
	if !slices.Contains(found, "timeclock/internal/mosquittotest → os/exec") {
		t.Errorf("chains of mosquittotest = %q, want the direct os/exec", found)
	}
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"net", true}, {"net/url", false}, {"net/netip", false}, {"os/exec", true},
		{"go.etcd.io/bbolt", true}, {"go.etcd.io/bbolt/errors", true}, {"go.etcd.io/bboltx", false},
		{"github.com/influxdata/influxdb-client-go/v2", true}, {"periph.io/x/conn/v3/gpio", true},
		{"timeclock/internal/civil", false},
	} {
		if got := isForbidden(tc.path); got != tc.want {
			t.Errorf("isForbidden(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}
