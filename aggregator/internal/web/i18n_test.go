package web

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"timeclock/internal/roster"
)

// Every text has both languages, and every key the templates and the code
// ask for exists, as do the names of every role, rule and row of the alerts
// table.
func TestDictionaryComplete(t *testing.T) {
	for key, ja := range dict[LangJA] {
		if ja == "" {
			t.Errorf("key %q has no Japanese text", key)
		}
		if dict[LangEN][key] == "" && key != "of_month" {
			t.Errorf("key %q has no English text", key)
		}
	}
	for key := range dict[LangEN] {
		if _, ok := dict[LangJA][key]; !ok {
			t.Errorf("key %q has no Japanese text", key)
		}
	}
	used := map[string]string{}
	tmplKey := regexp.MustCompile(`\.T "(\w+)"`)
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, path)
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = path
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	codeKey := regexp.MustCompile(`\.T\("(\w+)"\)`)
	files, _ := filepath.Glob("*.go")
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range codeKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = name
		}
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys in use: the search is broken", len(used))
	}
	for key, where := range used {
		if _, ok := dict[LangJA][key]; !ok {
			t.Errorf("%s uses key %q, which has no text", where, key)
		}
	}
	named := []string{}
	for _, role := range roster.Roles {
		named = append(named, "role."+string(role))
	}
	for _, st := range roster.SchoolTypes {
		named = append(named, "type."+string(st))
	}
	for _, g := range alertGroups {
		named = append(named, "group."+g.Key)
		for _, rule := range g.Rules {
			named = append(named, "rule."+rule)
		}
	}
	for _, key := range named {
		if dict[LangJA][key] == "" || dict[LangEN][key] == "" {
			t.Errorf("%q lacks a name", key)
		}
	}
}

// ?lang= sets the language cookie and comes back without it; the page is
// then in that language, with a link back.
func TestLanguageSwitch(t *testing.T) {
	f := newFixture(t)
	resp, _ := f.get("/board/nakatsu?month=2026-10&lang=en", RoleBoard, "nakatsu")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/board/nakatsu?month=2026-10" {
		t.Fatalf("%d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	lang := cookie(resp, LangCookie)
	if lang == nil || lang.Value != LangEN {
		t.Fatalf("language cookie %v", lang)
	}
	_, en := f.get("/board/nakatsu?month=2026-10", RoleBoard, "nakatsu", "Cookie", LangCookie+"=en")
	if miss, ok := contains(en, `<html lang="en">`, "Staff counted", "Oct 2026", "Doctor&#39;s interview",
		`href="/board/nakatsu?lang=ja&amp;month=2026-10"`); !ok {
		t.Errorf("the English page lacks %q", miss)
	}
	_, ja := f.get("/board/nakatsu?month=2026-10", RoleBoard, "nakatsu")
	if miss, ok := contains(ja, `<html lang="ja">`, "対象人数", "2026年10月", "医師面接指導",
		`href="/board/nakatsu?lang=en&amp;month=2026-10"`); !ok {
		t.Errorf("the Japanese page lacks %q", miss)
	}
}

func TestNames(t *testing.T) {
	ja, en := translator{LangJA}, translator{LangEN}
	for _, c := range []struct{ got, want string }{
		{ja.FYName(2026), "令和8年度"}, {ja.FYName(2019), "令和元年度"}, {en.FYName(2026), "FY2026"},
		{ja.RoleName("vice_principal"), "副校長・教頭"}, {en.RoleName("office"), "Office staff"},
		{ja.TypeName("*"), "全体"}, {ja.RuleName("board_30"), "board_30"},
		{ja.DirName("out"), "退勤"}, {en.DirName("tap"), "tap"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if g := alertGroup("board_30"); alertGroups[g].Key != "limit" {
		t.Errorf("a board's own rule counts under %q, want limit", alertGroups[g].Key)
	}
}
