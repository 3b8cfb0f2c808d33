package report

import (
	"fmt"

	"timeclock/internal/civil"
)

var typeLabels = map[string]string{
	"kindergarten":  "幼稚園",
	"elementary":    "小学校",
	"junior_high":   "中学校",
	"high":          "高等学校",
	"special_needs": "特別支援学校",
}

var roleLabels = map[string]string{
	"principal":      "校長",
	"vice_principal": "副校長・教頭",
	"teacher":        "教諭等",
	"office":         "事務職員",
	"other":          "その他",
}

// ruleLabels name the rules as the plans do.
var ruleLabels = map[string]string{
	"month_45":       "月45時間超",
	"year_360":       "年360時間超",
	"month_100":      "月100時間以上",
	"year_720":       "年720時間超",
	"avg_80":         "2〜6か月平均80時間超",
	"over45_6":       "月45時間超が年6か月超",
	"doctor_80":      "医師面接指導（月80時間超）",
	"principal_3m45": "校長面談（3か月平均45時間超）",
	"interval_11":    "勤務間インターバル11時間未満",
	"lock_time":      "施錠時刻後の退勤",
	"missing_punch":  "打刻漏れ",
}

func label(m map[string]string, k string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return k
}

// fyName writes a fiscal year the Japanese way: 令和8年度 (FY2026).
func fyName(fy int) string {
	if fy >= 2019 {
		r := fy - 2018
		if r == 1 {
			return fmt.Sprintf("令和元年度（FY%d）", fy)
		}
		return fmt.Sprintf("令和%d年度（FY%d）", r, fy)
	}
	return fmt.Sprintf("平成%d年度（FY%d）", fy-1988, fy)
}

func monthName(m civil.Month) string { return fmt.Sprintf("%d年%d月", m.Year(), int(m.Mon())) }
