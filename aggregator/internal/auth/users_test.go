package auth

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func hexHash(token string) string {
	h := HashToken(token)
	return hex.EncodeToString(h[:])
}

func TestParseUsers(t *testing.T) {
	const header = "user,role,scope,token_sha256\n"
	a, b := hexHash("token-a"), hexHash("token-b")
	tests := []struct {
		name    string
		body    string
		want    []User
		wantErr []string // each in the error
	}{
		{"users", header + "# a comment\nops,admin,," + a + "\nboe,board,nakatsu," + b + "\n",
			[]User{{"ops", "admin", "", HashToken("token-a")}, {"boe", "board", "nakatsu", HashToken("token-b")}}, nil},
		{"header only", header, nil, nil},
		{"empty file: no users", "", nil, nil},
		{"comments only: no users", "# soon\n", nil, nil},
		{"wrong header", "name,role,scope,hash\n", nil, []string{"u.csv:1: header"}},
		{"bad role", header + "x,root,," + a + "\n", nil, []string{"u.csv:2:", `role "root"`}},
		{"admin with scope", header + "x,admin,nakatsu," + a + "\n", nil, []string{"an admin has no scope"}},
		{"board without scope", header + "x,board,," + a + "\n", nil, []string{"want the board id"}},
		{"principal with bad scope", header + "x,principal,Nakatsu E01," + a + "\n", nil, []string{"want the school id"}},
		{"staff with bad scope", header + "x,staff,T 1," + a + "\n", nil, []string{"want the staff id"}},
		{"bad user name", header + "山田,admin,," + a + "\n", nil, []string{"want 1 to 64"}},
		{"short hash", header + "x,admin,," + a[:10] + "\n", nil, []string{"64 lowercase hex"}},
		{"upper-case hash", header + "x,admin,," + strings.ToUpper(a) + "\n", nil, []string{"64 lowercase hex"}},
		{"not hex", header + "x,admin,," + strings.Repeat("g", 64) + "\n", nil, []string{"64 lowercase hex"}},
		{"plain token", header + "x,admin,,token-a\n", nil, []string{"64 lowercase hex"}},
		{"user twice", header + "x,admin,," + a + "\nx,admin,," + b + "\n", nil, []string{"u.csv:3:", "listed twice (first on line 2)"}},
		{"token twice", header + "x,admin,," + a + "\ny,admin,," + a + "\n", nil, []string{"u.csv:3:", "token of line 2"}},
		{"field count", header + "x,admin\n", nil, []string{"u.csv:2:", "2 fields"}},
		{"bad quoting", header + "x,\"admin,," + a + "\n", nil, []string{"u.csv"}},
		{"every fault, one error", header + "x,root,," + a + "\ny,admin,,zz\n", nil, []string{"u.csv:2:", "u.csv:3:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseUsers(strings.NewReader(tt.body), "u.csv")
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("no error; users %+v", got)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %q", err, w)
					}
				}
				if got != nil {
					t.Errorf("a faulty file yields users: %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzParseUsers(f *testing.F) {
	f.Add("user,role,scope,token_sha256\nops,admin,," + hexHash("x") + "\n")
	f.Add("user,role,scope,token_sha256\n# c\nb,board,nakatsu," + hexHash("y") + "\ns,staff,T1," + hexHash("z") + "\n")
	f.Add("user,role,scope,token_sha256\n\"a\nb\",admin,,00\n")
	f.Fuzz(func(t *testing.T, body string) {
		users, err := ParseUsers(strings.NewReader(body), "u.csv")
		if err != nil {
			if users != nil {
				t.Fatalf("users %+v with error %v", users, err)
			}
			return
		}
		// what parses is valid, and survives being written and read again
		if err := checkUsers(users, "u.csv"); err != nil {
			t.Fatalf("parsed users fail the check: %v", err)
		}
		var buf bytes.Buffer
		if err := FormatUsers(&buf, users); err != nil {
			t.Fatal(err)
		}
		again, err := ParseUsers(&buf, "again")
		if err != nil || !slices.Equal(again, users) {
			t.Fatalf("round trip of %q: %+v %v, want %+v", body, again, err, users)
		}
	})
}

func TestWriteUsers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "users.csv")
	users := []User{{"ops", RoleAdmin, "", HashToken("a")}, {"T1", RoleStaff, "T0001", HashToken("b")}}
	if err := WriteUsers(path, users); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("new file mode %v, want 0640", fi.Mode().Perm())
	}
	got, err := ReadUsers(path)
	if err != nil || !slices.Equal(got, users) {
		t.Fatalf("read back %+v %v", got, err)
	}
	// A replacement keeps the file's mode and leaves no temporary file.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteUsers(path, users[:1]); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after replace %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left in the directory: %v", entries)
	}
	body, _ := os.ReadFile(path)
	if strings.Contains(string(body), "\na\n") || !strings.Contains(string(body), hexHash("a")) {
		t.Errorf("file holds %q", body)
	}
	// Invalid users are not written.
	if err := WriteUsers(path, []User{{"x", "root", "", HashToken("c")}}); err == nil {
		t.Error("a user of role root was written")
	}
	if got, _ := ReadUsers(path); len(got) != 1 {
		t.Errorf("a refused write changed the file: %+v", got)
	}
}

func TestNewToken(t *testing.T) {
	a, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewToken()
	if a == b {
		t.Fatal("two tokens are equal")
	}
	if !strings.HasPrefix(a, "tct_") || len(a) != 4+43 {
		t.Errorf("token %q: want tct_ and 43 characters (256 bits)", a)
	}
}
