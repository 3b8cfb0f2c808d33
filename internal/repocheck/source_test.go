package repocheck

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// goFiles lists the .go files of the repository, leaving out what is not
// the project's source: hidden directories (.git, .tools, .run), bin/ and
// node_modules.
func goFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || path == filepath.Join(root, "bin")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no .go files under %s", root)
	}
	return files
}

// The marker words are split so that this file does not match itself.
var marker = regexp.MustCompile(`\b(` + "TO" + `DO|` + "FIX" + `ME)\b`)

// markers returns "line: text" for each line of src with a to-do marker.
func markers(src []byte) []string {
	var found []string
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		if marker.Match(sc.Bytes()) {
			found = append(found, fmt.Sprintf("%d: %s", n, strings.TrimSpace(sc.Text())))
		}
	}
	return found
}

func TestNoLeftoverMarkers(t *testing.T) {
	root := moduleRoot(t)
	for _, path := range goFiles(t, root) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, path)
		for _, m := range markers(src) {
			t.Errorf("%s:%s (finish it, or say in an issue what is left)", rel, m)
		}
	}
}

// maxMainLines bounds a main.go: flags and signals there, the program in
// run(ctx, args, getenv, stdout, stderr), which tests call.
const maxMainLines = 40

func TestMainsAreThin(t *testing.T) {
	root := moduleRoot(t)
	mains := 0
	for _, path := range goFiles(t, root) {
		if filepath.Base(path) != "main.go" {
			continue
		}
		mains++
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, path)
		if n := lines(src); n >= maxMainLines {
			t.Errorf("%s has %d lines, want fewer than %d: move the work into run() or a package", rel, n, maxMainLines)
		}
	}
	if mains < 3 {
		t.Errorf("found %d main.go files, want at least the three binaries'", mains)
	}
}

func lines(src []byte) int {
	n := bytes.Count(src, []byte("\n"))
	if len(src) > 0 && src[len(src)-1] != '\n' {
		n++
	}
	return n
}

func TestSourceChecksCatchViolations(t *testing.T) {
	src := []byte("package x\n\n// " + "TO" + "DO: later\nfunc f() {} // " + "FIX" + "ME\nvar todo, TODOs = 1, 2\n")
	got := markers(src)
	if len(got) != 2 || !strings.HasPrefix(got[0], "3: ") || !strings.HasPrefix(got[1], "4: ") {
		t.Errorf("markers = %q, want lines 3 and 4", got)
	}
	for _, tc := range []struct {
		src  string
		want int
	}{{"", 0}, {"a", 1}, {"a\n", 1}, {"a\nb", 2}, {strings.Repeat("x\n", maxMainLines), maxMainLines}} {
		if got := lines([]byte(tc.src)); got != tc.want {
			t.Errorf("lines(%q) = %d, want %d", tc.src, got, tc.want)
		}
	}
}
