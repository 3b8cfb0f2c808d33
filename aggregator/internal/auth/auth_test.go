package auth

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"timeclock/aggregator/internal/web/webtest/harness"
	"timeclock/internal/roster"
)

func writeUsers(t *testing.T, path string, lines ...string) {
	t.Helper()
	body := "user,role,scope,token_sha256\n" + strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(path, []byte(body), 0o640); err != nil {
		t.Fatal(err)
	}
}

// newStore returns a store over a users.csv of lines, and the static users;
// and the file's path.
func newStore(t *testing.T, static []User, lines ...string) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "users.csv")
	writeUsers(t, path, lines...)
	s, err := NewStore(path, static)
	if err != nil {
		t.Fatal(err)
	}
	return s, path
}

func TestAuthenticate(t *testing.T) {
	s, _ := newStore(t, []User{{Name: "T1", Role: RoleStaff, Scope: "T0001", Hash: HashToken("tok-static")}},
		"ops,admin,,"+hexHash("tok-admin"), "kocho,principal,nakatsu-e01,"+hexHash("tok-kocho"))
	admin := Principal{User: "ops", Role: RoleAdmin}
	kocho := Principal{User: "kocho", Role: RolePrincipal, Scope: "nakatsu-e01"}
	tests := []struct {
		name   string
		url    string
		header map[string]string
		want   Principal
		ok     bool
	}{
		{"nothing", "/", nil, Principal{}, false},
		{"bearer", "/", map[string]string{"Authorization": "Bearer tok-admin"}, admin, true},
		{"bearer, any case", "/", map[string]string{"Authorization": "bearer tok-kocho"}, kocho, true},
		{"static credential", "/", map[string]string{"Authorization": "Bearer tok-static"},
			Principal{User: "T1", Role: RoleStaff, Scope: "T0001"}, true},
		{"unknown token", "/", map[string]string{"Authorization": "Bearer tok-nobody"}, Principal{}, false},
		{"basic is not bearer", "/", map[string]string{"Authorization": "Basic dG9rLWFkbWlu"}, Principal{}, false},
		{"cookie", "/", map[string]string{"Cookie": CookieName + "=tok-kocho"}, kocho, true},
		{"query", "/?token=tok-admin", nil, admin, true},
		{"query before cookie", "/?token=tok-nobody", map[string]string{"Cookie": CookieName + "=tok-admin"}, Principal{}, false},
		{"the hash is not the token", "/", map[string]string{"Authorization": "Bearer " + hexHash("tok-admin")}, Principal{}, false},
		{"overlong token", "/", map[string]string{"Authorization": "Bearer " + strings.Repeat("x", 10000)}, Principal{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tt.url, nil)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			got, ok := s.Authenticate(r)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %+v %v, want %+v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestNewStoreRefusesBadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "users.csv")
	writeUsers(t, path, "ops,admin,,"+hexHash("a"), "ops2,admin,,"+hexHash("b"))
	tests := []struct {
		name   string
		path   string
		static []User
		want   string
	}{
		{"missing file", filepath.Join(dir, "none.csv"), nil, "no such file"},
		{"static clashes with the file", path, []User{{Name: "ops", Role: RoleAdmin, Hash: HashToken("c")}}, "listed twice"},
		{"static holds a file token", path, []User{{Name: "x", Role: RoleAdmin, Hash: HashToken("a")}}, "token of another user"},
		{"static with a bad role", "", []User{{Name: "x", Role: "root", Hash: HashToken("a")}}, `role "root"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewStore(tt.path, tt.static); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestReload(t *testing.T) {
	s, path := newStore(t, nil, "ops,admin,,"+hexHash("tok-1"))
	has := func(tok string) bool { _, ok := s.Lookup(tok); return ok }
	if changed, err := s.Reload(false); changed || err != nil {
		t.Errorf("unchanged file: changed %v, err %v", changed, err)
	}
	// A new token for ops (another size, so the change shows whatever the
	// file system's time resolution).
	writeUsers(t, path, "ops,admin,,"+hexHash("tok-2"), "boe,board,nakatsu,"+hexHash("tok-3"))
	if changed, err := s.Reload(false); !changed || err != nil {
		t.Fatalf("changed file: changed %v, err %v", changed, err)
	}
	if has("tok-1") || !has("tok-2") || !has("tok-3") || s.Len() != 2 {
		t.Errorf("after reload: tok-1 %v tok-2 %v tok-3 %v, %d users", has("tok-1"), has("tok-2"), has("tok-3"), s.Len())
	}
	// A broken file is refused: the users in force stay.
	os.WriteFile(path, []byte("user,role,scope,token_sha256\nops,root,,zz\n"), 0o640)
	if _, err := s.Reload(false); err == nil {
		t.Error("broken file reloaded without error")
	}
	if !has("tok-2") || !has("tok-3") {
		t.Error("a broken file dropped the users in force")
	}
	// A removed file too.
	os.Remove(path)
	if _, err := s.Reload(true); err == nil || !has("tok-2") {
		t.Errorf("removed file: err %v, users kept %v", err, has("tok-2"))
	}
}

func TestReloadSeesSameSizeChange(t *testing.T) {
	s, path := newStore(t, nil, "ops,admin,,"+hexHash("tok-1"))
	// Same size, same modification time: a rename (as WriteUsers does)
	// still changes the inode.
	mtime := time.Now().Add(-time.Hour)
	os.Chtimes(path, mtime, mtime)
	s.Reload(true)
	if err := WriteUsers(path, []User{{Name: "ops", Role: RoleAdmin, Hash: HashToken("tok-9")}}); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(path, mtime, mtime)
	if changed, err := s.Reload(false); !changed || err != nil {
		t.Fatalf("replaced file not seen: changed %v, err %v", changed, err)
	}
	if _, ok := s.Lookup("tok-9"); !ok {
		t.Error("the new token does not work")
	}
}

func testRoster(t *testing.T) *roster.Data {
	return harness.Roster(t, "T0001,山田,teacher,nakatsu,nakatsu-e01,elementary,std,,,",
		"T0002,田中,teacher,nakatsu,nakatsu-e02,elementary,std,,,", "T0003,鈴木,teacher,usa,usa-e01,elementary,std,,,")
}

func TestScopes(t *testing.T) {
	data := testRoster(t)
	staff := func(id string) *roster.Staff {
		si, _ := data.StaffIndex(id)
		return &data.Staff()[si]
	}
	admin := Principal{User: "ops", Role: RoleAdmin}
	board := Principal{User: "boe", Role: RoleBoard, Scope: "nakatsu"}
	kocho := Principal{User: "k", Role: RolePrincipal, Scope: "nakatsu-e01"}
	self := Principal{User: "y", Role: RoleStaff, Scope: "T0001"}
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"admin sees staff", admin.SeesStaff(staff("T0003")), true},
		{"board sees no staff", board.SeesStaff(staff("T0001")), false},
		{"principal sees own school's staff", kocho.SeesStaff(staff("T0001")), true},
		{"principal not another school's", kocho.SeesStaff(staff("T0002")), false},
		{"staff sees self", self.SeesStaff(staff("T0001")), true},
		{"staff not another", self.SeesStaff(staff("T0002")), false},
		{"principal lists own school", kocho.SeesSchool("nakatsu-e01"), true},
		{"principal not another school", kocho.SeesSchool("nakatsu-e02"), false},
		{"board lists no school", board.SeesSchool("nakatsu-e01"), false},
		{"admin lists any school", admin.SeesSchool("usa-e01"), true},
		{"board sees own board", board.SeesBoard(data, "nakatsu"), true},
		{"board not another", board.SeesBoard(data, "usa"), false},
		{"principal sees own board", kocho.SeesBoard(data, "nakatsu"), true},
		{"principal not another board", kocho.SeesBoard(data, "usa"), false},
		{"staff sees no board", self.SeesBoard(data, "nakatsu"), false},
		{"admin sees any board", admin.SeesBoard(data, "usa"), true},
		{"on roster: board", OnRoster(RoleBoard, "usa", data), true},
		{"on roster: unknown board", OnRoster(RoleBoard, "oita", data), false},
		{"on roster: school", OnRoster(RolePrincipal, "nakatsu-e02", data), true},
		{"on roster: board is no school", OnRoster(RolePrincipal, "nakatsu", data), false},
		{"on roster: staff", OnRoster(RoleStaff, "T0002", data), true},
		{"on roster: unknown staff", OnRoster(RoleStaff, "T0009", data), false},
		{"on roster: admin", OnRoster(RoleAdmin, "", data), true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

// Whatever a request carries, only a held token authenticates, as its holder.
func FuzzAuthenticate(f *testing.F) {
	f.Add("/?token=tok-admin", "Bearer tok-admin", "tok-admin")
	f.Add("/", "bearer  tok-admin ", "")
	f.Add("/?token=", "Basic x", "tok-%00admin")
	s, err := NewStore("", []User{{Name: "ops", Role: RoleAdmin, Hash: HashToken("tok-admin")}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, target, authz, cookie string) {
		r, err := http.NewRequest(http.MethodGet, "http://x"+target, nil)
		if err != nil {
			return
		}
		r.Header.Set("Authorization", authz)
		r.AddCookie(&http.Cookie{Name: CookieName, Value: cookie})
		p, ok := s.Authenticate(r)
		if ok != (Credential(r) == "tok-admin") {
			t.Fatalf("authenticated %v with credential %q", ok, Credential(r))
		}
		if ok && p != (Principal{User: "ops", Role: RoleAdmin}) {
			t.Fatalf("principal %+v", p)
		}
	})
}
