package repocheck

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEveryPackageHasADocComment(t *testing.T) {
	pkgs := goList(t, moduleRoot(t), "./...")
	if len(pkgs) < 3 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for _, p := range pkgs {
		if err := checkDoc(p); err != nil {
			t.Errorf("%s: %v", p.ImportPath, err)
		}
	}
}

// checkDoc reports a package without a package doc comment. A package of
// commands may say anything; any other's comment starts "Package name", as
// godoc shows it in lists. A directory of tests only is checked on them.
func checkDoc(p pkg) error {
	files := append(append(append([]string{}, p.GoFiles...), p.CgoFiles...), p.IgnoredGoFiles...)
	if len(files) == 0 {
		files = p.TestGoFiles
	}
	if len(files) == 0 {
		return nil // a directory without Go files of its package
	}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		if f.Doc == nil || strings.TrimSpace(f.Doc.Text()) == "" {
			continue
		}
		text := f.Doc.Text()
		if f.Name.Name != "main" && !strings.HasPrefix(text, "Package "+f.Name.Name+" ") {
			return fmt.Errorf("%s: package comment should start %q: %.40q…", name, "Package "+f.Name.Name+" ", text)
		}
		return nil
	}
	return fmt.Errorf("no package doc comment in any of %s (add one, e.g. in doc.go)", strings.Join(files, " "))
}

func TestCheckDocCatchesMissingComments(t *testing.T) {
	write := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for name, src := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	tests := []struct {
		name  string
		files map[string]string
		want  string // in the error; "" for none
	}{
		{"documented", map[string]string{"a.go": "// Package spool keeps taps.\npackage spool\n", "b.go": "package spool\n"}, ""},
		{"none", map[string]string{"a.go": "package spool\n", "b.go": "// not a doc\n\npackage spool\n"}, "no package doc comment"},
		{"wrong start", map[string]string{"a.go": "// Spool keeps taps.\npackage spool\n"}, `should start "Package spool "`},
		{"command", map[string]string{"main.go": "// Command gateway reads cards.\npackage main\n"}, ""},
		{"build comment only", map[string]string{"a_linux.go": "//go:build linux\n\npackage spool\n"}, "no package doc comment"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := write(t, tc.files)
			p := pkg{ImportPath: "x", Dir: dir}
			for name := range tc.files {
				p.GoFiles = append(p.GoFiles, name)
			}
			err := checkDoc(p)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
}
