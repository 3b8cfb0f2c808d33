package punch

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports guards ARCHITECTURE.md: punch imports nothing of the project
// but civil, and no I/O — every binary links it, and it must stay pure.
func TestImports(t *testing.T) {
	allowed := map[string]bool{
		"timeclock/internal/civil": true,
		"encoding/binary":          true, "encoding/hex": true, "errors": true, "maps": true, "slices": true, "strconv": true, "strings": true, "time": true,
		"unicode/utf16": true, "unicode/utf8": true,
	}
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !allowed[path] {
				t.Errorf("%s imports %s", name, path)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no source files found")
	}
}
