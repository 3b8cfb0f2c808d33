package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"timeclock/internal/civil"
)

// Languages of the page: Japanese first, English on request.
const (
	LangJA = "ja"
	LangEN = "en"
)

// LangCookie keeps the chosen language.
const LangCookie = "timeclock_lang"

// lang is the language of a request: ?lang=, else the cookie, else Japanese.
func lang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == LangEN || l == LangJA {
		return l
	}
	if c, err := r.Cookie(LangCookie); err == nil && c.Value == LangEN {
		return LangEN
	}
	return LangJA
}

//go:embed i18n/*.json
var messageFS embed.FS

// dict is each language's texts by key, read once from i18n/<lang>.json;
// every key is in both (a test checks). Besides the page's own texts it
// names roles ("role.<role>"), school types ("type.<type>"), rules
// ("rule.<rule>") and the rows of the alerts table ("group.<key>").
var dict = map[string]map[string]string{LangJA: loadMessages(LangJA), LangEN: loadMessages(LangEN)}

func loadMessages(lang string) map[string]string {
	var m map[string]string
	b, err := messageFS.ReadFile("i18n/" + lang + ".json")
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		panic("web: messages of " + lang + ": " + err.Error())
	}
	return m
}

// translator gives a page its texts in one language.
type translator struct{ lang string }

// T returns the text of key.
func (t translator) T(key string) string { return t.text(key, key) }

// text returns the text of key, or fallback when there is none.
func (t translator) text(key, fallback string) string {
	if s, ok := dict[t.lang][key]; ok {
		return s
	}
	return fallback
}

// RoleName names a role.
func (t translator) RoleName(role string) string { return t.text("role."+role, role) }

// TypeName names a school type.
func (t translator) TypeName(st string) string {
	if st == "*" {
		return t.T("all")
	}
	return t.text("type."+st, st)
}

// RuleName names a rule.
func (t translator) RuleName(rule string) string { return t.text("rule."+rule, rule) }

// groupName names a row of the alerts table.
func (t translator) groupName(key string) string { return t.text("group."+key, key) }

// LevelName names a level.
func (t translator) LevelName(level string) string { return t.T("level_" + level) }

// MonthName writes a month: 2026年6月, Jun 2026.
func (t translator) MonthName(m civil.Month) string {
	if t.lang == LangEN {
		return fmt.Sprintf("%s %d", m.Mon().String()[:3], m.Year())
	}
	return fmt.Sprintf("%d年%d月", m.Year(), int(m.Mon()))
}

// ShortMonth writes a month for a chart's axis: 6月, Jun.
func (t translator) ShortMonth(m civil.Month) string {
	if t.lang == LangEN {
		return m.Mon().String()[:3]
	}
	return fmt.Sprintf("%d月", int(m.Mon()))
}

var weekdaysJA = [7]string{"日", "月", "火", "水", "木", "金", "土"}

// DayName writes a date with its weekday: 6/1（月）, Mon 1 Jun.
func (t translator) DayName(d civil.Date) string {
	_, m, day := d.YMD()
	wd := d.Weekday()
	if t.lang == LangEN {
		return fmt.Sprintf("%s %d %s", wd.String()[:3], day, m.String()[:3])
	}
	return fmt.Sprintf("%d/%d（%s）", int(m), day, weekdaysJA[wd])
}

// FYName writes a fiscal year: 令和8年度, FY2026.
func (t translator) FYName(fy int) string {
	if t.lang == LangEN {
		return fmt.Sprintf("FY%d", fy)
	}
	if fy == 2019 {
		return "令和元年度"
	}
	if fy > 2019 {
		return fmt.Sprintf("令和%d年度", fy-2018)
	}
	return fmt.Sprintf("%d年度", fy)
}

// Clock writes a time of day in JST.
func (t translator) Clock(tm time.Time) string {
	if tm.IsZero() {
		return "—"
	}
	return tm.In(civil.JST).Format("15:04")
}

// Stamp writes a date and time in JST.
func (t translator) Stamp(tm time.Time) string {
	if tm.IsZero() {
		return "—"
	}
	return tm.In(civil.JST).Format("2006-01-02 15:04:05")
}

// DirName names a tap direction.
func (t translator) DirName(dir string) string {
	switch dir {
	case "in", "out":
		return t.T("dir_" + dir)
	}
	return t.T("dir_tap")
}
