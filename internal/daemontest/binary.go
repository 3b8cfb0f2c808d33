package daemontest

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Binary finds the program name for a test: the path in the environment
// variable env if it is set, else the first of candidates that exists (a
// candidate without a slash is looked up in PATH). If none is found the test
// fails with "name not found: run make deps" — real components are not
// optional — except under -short, where it is skipped.
func Binary(tb testing.TB, name, env string, candidates ...string) string {
	tb.Helper()
	path, err := findBinary(os.Getenv(env), candidates)
	if err == nil {
		return path
	}
	if env != "" && os.Getenv(env) != "" {
		tb.Fatalf("%s not found: %s=%s: %v", name, env, os.Getenv(env), err)
	}
	if testing.Short() {
		tb.Skipf("%s not found (skipped under -short): run make deps", name)
	}
	tb.Fatalf("%s not found: run make deps", name)
	return ""
}

var errNotFound = errors.New("not found")

func findBinary(fromEnv string, candidates []string) (string, error) {
	if fromEnv != "" {
		return executable(fromEnv)
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if !strings.ContainsRune(c, filepath.Separator) {
			if p, err := exec.LookPath(c); err == nil {
				return p, nil
			}
			continue
		}
		if p, err := executable(c); err == nil {
			return p, nil
		}
	}
	return "", errNotFound
}

func executable(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("%s is not an executable file", path)
	}
	return filepath.Abs(path)
}

// ModuleRoot returns the directory of the go.mod that governs the working
// directory (tests run in their package's directory).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

var versions sync.Map // binary path → version

// Version returns the version that read finds of binary bin, or "unknown"
// where it finds none (""): once per binary, as a test process starts the
// same one many times.
func Version(bin string, read func(bin string) string) string {
	if v, ok := versions.Load(bin); ok {
		return v.(string)
	}
	v := cmp.Or(read(bin), "unknown")
	versions.Store(bin, v)
	return v
}
