package main

import (
	"path/filepath"
	"strings"
	"testing"

	"timeclock/aggregator/internal/auth"
	"timeclock/aggregator/internal/web/webtest/harness"
)

func TestUsersCommand(t *testing.T) {
	data := dataDir(t)
	file := filepath.Join(t.TempDir(), "users.csv")
	holder := func(token string) (auth.Principal, bool) {
		t.Helper()
		s, err := auth.NewStore(file, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s.Lookup(token)
	}

	code, tok, errOut := runCmd(t, "users", "add", "-file", file, "-user", "ops", "-role", "admin")
	tok = strings.TrimSpace(tok)
	if code != 0 || !strings.HasPrefix(tok, "tct_") {
		t.Fatalf("add: exit %d, stdout %q, stderr %s", code, tok, errOut)
	}
	if p, ok := holder(tok); !ok || p != (auth.Principal{User: "ops", Role: auth.RoleAdmin}) {
		t.Fatalf("the printed token gives %+v %v", p, ok)
	}
	code, tok2, _ := runCmd(t, "users", "add", "-file", file, "-user", "kocho", "-role", "principal", "-scope", "nakatsu-e01", "-data", data)
	tok2 = strings.TrimSpace(tok2)
	if p, ok := holder(tok2); code != 0 || !ok || p.Scope != "nakatsu-e01" {
		t.Fatalf("add principal: exit %d, %+v %v", code, p, ok)
	}

	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout or stderr
	}{
		{"list", []string{"list", "-file", file}, 0, "kocho  principal  nakatsu-e01"},
		{"add twice", []string{"add", "-file", file, "-user", "ops", "-role", "admin"}, 1, "give -replace"},
		{"bad role", []string{"add", "-file", file, "-user", "x", "-role", "root"}, 2, `role "root"`},
		{"admin with scope", []string{"add", "-file", file, "-user", "x", "-role", "admin", "-scope", "nakatsu"}, 2, "no scope"},
		{"scope not on the roster", []string{"add", "-file", file, "-user", "x", "-role", "board", "-scope", "oita", "-data", data}, 2, "not on the roster"},
		{"remove unknown", []string{"remove", "-file", file, "-user", "nobody"}, 1, "no user"},
		{"no file", []string{"list"}, 2, "-file is required"},
		{"unknown action", []string{"grant"}, 2, "unknown action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, append([]string{"users"}, tt.args...)...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("exit %d\nstdout %s\nstderr %s\nwant %d with %q", code, out, errOut, tt.code, tt.want)
			}
		})
	}
	if strings.Contains(harness.ReadFile(t, file), tok) {
		t.Error("the users file holds a token")
	}

	// A new token for ops: the old one stops working.
	code, tok3, _ := runCmd(t, "users", "add", "-file", file, "-user", "ops", "-role", "admin", "-replace")
	tok3 = strings.TrimSpace(tok3)
	if _, ok := holder(tok); code != 0 || ok {
		t.Errorf("replace: exit %d, old token still works: %v", code, ok)
	}
	if _, ok := holder(tok3); !ok {
		t.Error("replace: the new token does not work")
	}
	// Removed: the token stops working, the others stay.
	if code, _, errOut := runCmd(t, "users", "remove", "-file", file, "-user", "ops"); code != 0 {
		t.Fatalf("remove: exit %d %s", code, errOut)
	}
	if _, ok := holder(tok3); ok {
		t.Error("a removed user's token still works")
	}
	if _, ok := holder(tok2); !ok {
		t.Error("remove dropped another user")
	}
}
