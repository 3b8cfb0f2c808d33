package web

import (
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

// dict is one language's texts by key; every key is in both (a test checks).
var dict = map[string]map[string]string{
	LangJA: {
		"app": "在校等時間ライブ", "login_title": "ログイン", "token": "アクセスキー", "login_button": "ログイン",
		"login_help":   "教育委員会・学校から配られたアクセスキーを入力してください。",
		"login_failed": "アクセスキーが正しくありません。", "logout": "ログアウト", "other_lang": "English",
		"home": "ホーム", "boards": "教育委員会", "board": "教育委員会", "school": "学校", "schools": "学校別",
		"staff": "職員", "prev_month": "← 前月", "next_month": "翌月 →", "this_month": "今月",
		"headcount": "対象人数", "over45": "45時間超人数", "share45": "割合", "mean": "平均時間",
		"distribution": "時間外在校等時間の分布", "b_lt45": "45時間未満", "b_45_80": "45〜80時間未満",
		"b_80_100": "80〜100時間未満", "b_ge100": "100時間以上", "by_type": "学校種別", "by_role": "職種別",
		"all": "全体", "mean_trend": "平均時間の推移（直近12か月）", "share_trend": "45時間超の割合の推移（直近12か月）",
		"hidden_note":   "＊は5人未満のため表示していません（個人が特定されないように）。",
		"overtime_note": "時間外在校等時間（在校等時間のうち所定の勤務時間を超える時間）。時間は h:mm。",
		"alerts":        "アラート", "alert_rule": "区分", "open_now": "発生中（対象月）", "raised_month": "発生（当月に検知）",
		"cleared_month": "解消（当月に検知）", "open_alerts": "発生中のアラート（対象月）", "period": "対象期間", "value": "値",
		"threshold": "基準", "no_alerts": "発生中のアラートはありません。", "forecast": "月末の見込み",
		"remaining_days": "残りの勤務日", "now45": "現在45時間超", "now80": "現在80時間超",
		"will45": "月末45時間超の見込み", "will80": "月末80時間超の見込み", "so_far": "現在", "projected": "見込み",
		"who_will_pass":    "45時間を超える見込みの職員",
		"nobody_projected": "45時間を超える見込みの職員はいません。",
		"forecast_note":    "これまでの勤務日の平均から、残りの勤務日を見込んでいます。",
		"gateways":         "打刻端末（ゲートウェイ）", "gateway": "端末", "online": "接続", "state_online": "オンライン",
		"state_offline": "オフライン", "queue": "未送信", "clock": "時計", "clock_synced": "同期済み",
		"clock_unsynced": "未同期", "readers": "読取機", "reported": "最終報告", "version": "版",
		"no_gateways": "状態を報告した端末はありません。", "taps": "打刻（ライブ）", "time": "時刻",
		"reader": "読取機", "dir": "区分", "who": "職員", "dir_tap": "打刻", "dir_in": "出勤", "dir_out": "退勤",
		"unknown_card": "未登録カード", "anonymous": "職員", "other_school_staff": "他校の職員",
		"no_taps": "まだ打刻はありません。", "live_on": "ライブ", "live_off": "再接続中…",
		"tables": "公表用の表", "tables_fy": "年度の表", "tables_month": "月の表", "print_html": "印刷用 HTML",
		"csv": "CSV", "staff_list": "職員別", "name": "氏名", "role": "職種", "id": "職員番号",
		"month_ot": "月の時間外", "fy_ot": "年度累計", "max_avg": "2〜6か月平均の最大",
		"over45_months": "45時間超の月数", "level": "状態", "level_ok": "正常", "level_info": "注意",
		"level_warn": "警告", "level_critical": "重大", "breaches": "超過した基準", "months": "月別",
		"avg2": "2か月平均", "avg3": "3か月平均", "avg4": "4か月平均", "avg5": "5か月平均", "avg6": "6か月平均",
		"days": "日別", "date": "日付", "first_in": "出勤", "last_out": "退勤", "presence": "在校",
		"at_work": "在校等時間", "regular": "所定", "overtime": "時間外", "flags": "備考",
		"flag_incomplete": "打刻漏れ", "flag_lock": "施錠時刻後", "flag_interval": "インターバル不足",
		"flag_unsynced": "時計未同期", "flag_takehome": "持ち帰り", "flag_reduction": "自己研鑽",
		"monthly_chart": "月ごとの時間外在校等時間", "daily_chart": "日ごとの時間外在校等時間",
		"no_days": "この月の記録はありません。", "not_found": "ページが見つかりません",
		"forbidden": "このページを見る権限がありません", "back_home": "ホームへ", "school_type": "学校種別",
		"ref45": "45時間", "ref80": "80時間", "ref100": "100時間", "fy": "年度",
		"nothing_here": "表示できる教育委員会がありません。", "kpi": "今月の状況", "mean_hours": "時間",
		"members": "対象", "forecast_only_current": "見込みは今月だけ表示します。", "live_hint": "新しい打刻は自動で表示されます。",
		"of_month": "の状況", "staff_view": "職員の記録", "month": "月",
	},
	LangEN: {
		"app": "Working time at school — live", "login_title": "Sign in", "token": "Access token",
		"login_button": "Sign in", "login_help": "Enter the access token your board or school gave you.",
		"login_failed": "That access token is not valid.", "logout": "Sign out", "other_lang": "日本語",
		"home": "Home", "boards": "Boards", "board": "Board", "school": "School", "schools": "By school",
		"staff": "Staff", "prev_month": "← Previous", "next_month": "Next →", "this_month": "This month",
		"headcount": "Staff counted", "over45": "Over 45 h", "share45": "Share", "mean": "Mean",
		"distribution": "Distribution of overtime", "b_lt45": "< 45 h", "b_45_80": "45 – < 80 h",
		"b_80_100": "80 – < 100 h", "b_ge100": "≥ 100 h", "by_type": "By school type", "by_role": "By role",
		"all": "All", "mean_trend": "Mean overtime, last 12 months", "share_trend": "Share over 45 h, last 12 months",
		"hidden_note":   "＊: groups of fewer than 5 staff are not shown (privacy).",
		"overtime_note": "Overtime at school: time at school beyond the regular hours, in h:mm.",
		"alerts":        "Alerts", "alert_rule": "Rule", "open_now": "Open (for the month)", "raised_month": "Raised in month",
		"cleared_month": "Cleared in month", "open_alerts": "Open alerts (for the month)", "period": "Period", "value": "Value",
		"threshold": "Threshold", "no_alerts": "No open alerts.", "forecast": "Month-end forecast",
		"remaining_days": "Scheduled days left", "now45": "Over 45 h so far", "now80": "Over 80 h so far",
		"will45": "Projected over 45 h", "will80": "Projected over 80 h", "so_far": "So far", "projected": "Projected",
		"who_will_pass":    "Staff projected over 45 h",
		"nobody_projected": "Nobody is projected over 45 h.",
		"forecast_note":    "Projected from the rate so far over the scheduled days left.",
		"gateways":         "Gateways", "gateway": "Gateway", "online": "Online", "state_online": "online",
		"state_offline": "offline", "queue": "Spool", "clock": "Clock", "clock_synced": "synced",
		"clock_unsynced": "not synced", "readers": "Readers", "reported": "Reported", "version": "Version",
		"no_gateways": "No gateway has reported its status.", "taps": "Taps (live)", "time": "Time",
		"reader": "Reader", "dir": "Kind", "who": "Who", "dir_tap": "tap", "dir_in": "in", "dir_out": "out",
		"unknown_card": "unknown card", "anonymous": "staff member", "other_school_staff": "staff of another school",
		"no_taps": "No taps yet.", "live_on": "live", "live_off": "reconnecting…",
		"tables": "Published tables", "tables_fy": "Fiscal year", "tables_month": "Month", "print_html": "Printable HTML",
		"csv": "CSV", "staff_list": "Staff", "name": "Name", "role": "Role", "id": "Staff no.",
		"month_ot": "Month", "fy_ot": "Fiscal year", "max_avg": "Max 2–6-month avg.",
		"over45_months": "Months over 45 h", "level": "Level", "level_ok": "ok", "level_info": "info",
		"level_warn": "warning", "level_critical": "critical", "breaches": "Breached", "months": "Month by month",
		"avg2": "2-month avg.", "avg3": "3-month avg.", "avg4": "4-month avg.", "avg5": "5-month avg.", "avg6": "6-month avg.",
		"days": "Day by day", "date": "Date", "first_in": "In", "last_out": "Out", "presence": "Present",
		"at_work": "At work", "regular": "Regular", "overtime": "Overtime", "flags": "Notes",
		"flag_incomplete": "missing punch", "flag_lock": "after lock time", "flag_interval": "short rest",
		"flag_unsynced": "clock not synced", "flag_takehome": "take-home", "flag_reduction": "self-study",
		"monthly_chart": "Overtime by month", "daily_chart": "Overtime by day",
		"no_days": "Nothing recorded this month.", "not_found": "Page not found",
		"forbidden": "You may not see this page", "back_home": "Home", "school_type": "School type",
		"ref45": "45 h", "ref80": "80 h", "ref100": "100 h", "fy": "Fiscal year",
		"nothing_here": "There is no board to show.", "kpi": "This month", "mean_hours": "hours",
		"members": "Counted", "forecast_only_current": "The forecast is shown for the current month only.",
		"live_hint": "New taps appear by themselves.", "of_month": "", "staff_view": "Staff record", "month": "Month",
	},
}

var roleNames = map[string][2]string{
	"principal":      {"校長", "Principal"},
	"vice_principal": {"副校長・教頭", "Vice principal"},
	"teacher":        {"教諭等", "Teacher"},
	"office":         {"事務職員", "Office staff"},
	"other":          {"その他", "Other"},
}

var typeNames = map[string][2]string{
	"kindergarten":  {"幼稚園", "Kindergarten"},
	"elementary":    {"小学校", "Elementary"},
	"junior_high":   {"中学校", "Junior high"},
	"compulsory":    {"義務教育学校", "Compulsory"},
	"high":          {"高等学校", "High school"},
	"special_needs": {"特別支援学校", "Special needs"},
}

var ruleNames = map[string][2]string{
	"month_45":        {"月45時間超", "Month over 45 h"},
	"year_360":        {"年360時間超", "Year over 360 h"},
	"month_100":       {"月100時間以上", "Month 100 h or more"},
	"year_720":        {"年720時間超", "Year over 720 h"},
	"avg_80":          {"2〜6か月平均80時間超", "2–6-month average over 80 h"},
	"over45_6":        {"月45時間超が年6か月超", "Over 45 h in more than 6 months"},
	"doctor_80":       {"医師面接指導（月80時間超）", "Doctor's interview (month over 80 h)"},
	"principal_3m45":  {"校長面談（3か月平均45時間超）", "Principal's interview (3-month avg. over 45 h)"},
	"interval_11":     {"勤務間インターバル11時間未満", "Rest under 11 h"},
	"lock_time":       {"施錠時刻後の退勤", "Left after lock time"},
	"missing_punch":   {"打刻漏れ", "Missing punch"},
	"clock_untrusted": {"時計未同期の打刻", "Tap with an unsynchronised clock"},
}

// alertGroups are the rows of the alerts table: the measures the plans
// take, each for one or more rules. A board's own monthly rule counts as a
// limit.
var alertGroups = []struct {
	Key   string
	Names [2]string
	Rules []string
}{
	{"doctor", [2]string{"医師面接指導", "Doctor's interview"}, []string{"doctor_80"}},
	{"interview", [2]string{"校長面談", "Principal's interview"}, []string{"principal_3m45"}},
	{"limit", [2]string{"上限超過", "Over a limit"}, []string{"month_45", "month_100", "year_360", "year_720", "avg_80", "over45_6"}},
	{"interval", [2]string{"勤務間インターバル", "Rest interval"}, []string{"interval_11"}},
	{"lock", [2]string{"施錠時刻", "Lock time"}, []string{"lock_time"}},
	{"missing", [2]string{"打刻漏れ", "Missing punch"}, []string{"missing_punch"}},
	{"clock", [2]string{"時計未同期", "Clock not synced"}, []string{"clock_untrusted"}},
}

// alertGroup returns the index in alertGroups of rule.
func alertGroup(rule string) int {
	for i, g := range alertGroups {
		for _, r := range g.Rules {
			if r == rule {
				return i
			}
		}
	}
	return 2 // a board's own rule on the month or year: a limit
}

func pick(names [2]string, ok bool, key, l string) string {
	if !ok {
		return key
	}
	if l == LangEN {
		return names[1]
	}
	return names[0]
}

// translator gives a page its texts in one language.
type translator struct{ lang string }

// T returns the text of key.
func (t translator) T(key string) string {
	if s, ok := dict[t.lang][key]; ok {
		return s
	}
	return key
}

// RoleName names a role.
func (t translator) RoleName(role string) string {
	n, ok := roleNames[role]
	return pick(n, ok, role, t.lang)
}

// TypeName names a school type.
func (t translator) TypeName(st string) string {
	if st == "*" {
		return t.T("all")
	}
	n, ok := typeNames[st]
	return pick(n, ok, st, t.lang)
}

// RuleName names a rule.
func (t translator) RuleName(rule string) string {
	n, ok := ruleNames[rule]
	return pick(n, ok, rule, t.lang)
}

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
