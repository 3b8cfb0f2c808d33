package feedback

import (
	"fmt"
	"strings"
	"time"
)

// jst is where the people tapping live; a fixed zone needs no tzdata.
var jst = time.FixedZone("JST", 9*3600)

// Screen is what a display shows: one large headline and up to three
// normal lines, in Japanese.
type Screen struct {
	Head  string
	Lines []string
}

// dirWord names a tap's direction on screen.
func dirWord(dir string) string {
	switch dir {
	case "in":
		return "出勤"
	case "out":
		return "退勤"
	}
	return "打刻"
}

// hm writes minutes as H:MM (hours are not capped at 24: a month's overtime
// can be 100:00).
func hm(min int) string {
	sign := ""
	if min < 0 {
		sign, min = "-", -min
	}
	return fmt.Sprintf("%s%d:%02d", sign, min/60, min%60)
}

// ScreenFor returns the screen for e, and false for an event a screen does
// not show on its own (Status).
func ScreenFor(e Event) (Screen, bool) {
	at := e.Time.In(jst).Format("15:04")
	switch e.Kind {
	case Accepted:
		s := Screen{Head: dirWord(e.Dir) + " " + at, Lines: []string{"受付しました"}}
		if !e.Synced {
			s.Lines = append(s.Lines, "時計未同期")
		}
		return s, true
	case Answer:
		switch e.Result {
		case "unknown_card":
			return Screen{Head: "未登録", Lines: []string{"登録のないカードです", "管理者へ連絡を"}}, true
		case "rejected":
			return Screen{Head: "受付不可", Lines: []string{"記録できませんでした", "管理者へ連絡を"}}, true
		}
		s := Screen{Head: dirWord(e.Dir) + " " + at,
			Lines: []string{"本日 " + hm(e.TodayMin), "今月の時間外 " + hm(e.MonthOvertimeMin)}}
		switch e.Level {
		case "warn":
			s.Lines = append(s.Lines, "※時間外に注意")
		case "critical":
			s.Lines = append(s.Lines, "※時間外 要注意")
		}
		return s, true
	case Failed:
		return Screen{Head: "記録失敗", Lines: []string{"もう一度タッチ", "続く時は管理者へ"}}, true
	}
	return Screen{}, false
}

// IdleScreen is shown between taps, with what a technician should notice.
func IdleScreen(st Event) Screen {
	s := Screen{Head: "タッチ", Lines: []string{"カードをかざす"}}
	var warn []string
	if !st.Online {
		warn = append(warn, "未接続")
	}
	if !st.Synced {
		warn = append(warn, "時計未同期")
	}
	if len(warn) > 0 {
		s.Lines = append(s.Lines, strings.Join(warn, " "))
	}
	if st.HighWater || st.Queue > 0 && !st.Online {
		s.Lines = append(s.Lines, fmt.Sprintf("送信待ち %d件", st.Queue))
	}
	return s
}
