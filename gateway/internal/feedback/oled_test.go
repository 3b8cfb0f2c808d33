package feedback

import (
	"bytes"
	"context"
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"periph.io/x/conn/v3/display/displaytest"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata/")

var tapTime = time.Date(2026, 6, 1, 7, 40, 12, 0, jst)

var screens = []struct {
	name string
	e    Event
	want Screen
}{
	{"accepted_in", Event{Kind: Accepted, Dir: "in", Time: tapTime, Synced: true},
		Screen{"出勤 07:40", []string{"受付しました"}}},
	{"accepted_unsynced", Event{Kind: Accepted, Dir: "tap", Time: tapTime},
		Screen{"打刻 07:40", []string{"受付しました", "時計未同期"}}},
	{"answer_ok", Event{Kind: Answer, Result: "ok", Dir: "out", Time: tapTime.Add(10 * time.Hour), TodayMin: 605,
		MonthOvertimeMin: 750, Level: "ok"},
		Screen{"退勤 17:40", []string{"本日 10:05", "今月の時間外 12:30"}}},
	{"answer_warn", Event{Kind: Answer, Result: "ok", Dir: "in", Time: tapTime, TodayMin: 0, MonthOvertimeMin: 2710,
		Level: "warn"},
		Screen{"出勤 07:40", []string{"本日 0:00", "今月の時間外 45:10", "※時間外に注意"}}},
	{"answer_critical", Event{Kind: Answer, Result: "ok", Dir: "out", Time: tapTime, TodayMin: 720,
		MonthOvertimeMin: 6005, Level: "critical"},
		Screen{"退勤 07:40", []string{"本日 12:00", "今月の時間外 100:05", "※時間外 要注意"}}},
	{"unknown_card", Event{Kind: Answer, Result: "unknown_card", Time: tapTime},
		Screen{"未登録", []string{"登録のないカードです", "管理者へ連絡を"}}},
	{"rejected", Event{Kind: Answer, Result: "rejected", Time: tapTime},
		Screen{"受付不可", []string{"記録できませんでした", "管理者へ連絡を"}}},
	{"failed", Event{Kind: Failed, Time: tapTime}, Screen{"記録失敗", []string{"もう一度タッチ", "続く時は管理者へ"}}},
}

func TestScreenFor(t *testing.T) {
	for _, c := range screens {
		got, ok := ScreenFor(c.e)
		if !ok || got.Head != c.want.Head || !slices.Equal(got.Lines, c.want.Lines) {
			t.Errorf("%s: ScreenFor = %q %q, want %q %q", c.name, got.Head, got.Lines, c.want.Head, c.want.Lines)
		}
	}
	if _, ok := ScreenFor(Event{Kind: Status}); ok {
		t.Error("a status event has a screen of its own")
	}
}

func TestIdleScreen(t *testing.T) {
	cases := []struct {
		st   Event
		want []string
	}{
		{Event{Online: true, Synced: true}, []string{"カードをかざす"}},
		{Event{Online: true, Synced: true, Queue: 12}, []string{"カードをかざす"}},
		{Event{Online: false, Synced: true, Queue: 12}, []string{"カードをかざす", "未接続", "送信待ち 12件"}},
		{Event{Online: true, Synced: false, Queue: 99999, HighWater: true},
			[]string{"カードをかざす", "時計未同期", "送信待ち 99999件"}},
		{Event{Online: false, Synced: false}, []string{"カードをかざす", "未接続 時計未同期"}},
	}
	for _, c := range cases {
		if got := IdleScreen(c.st); !slices.Equal(got.Lines, c.want) {
			t.Errorf("IdleScreen(%+v) = %q, want %q", c.st, got.Lines, c.want)
		}
	}
}

// TestTextsFitTheScreen keeps every canned text within 128 pixels, the
// SSD1306's width, so nothing is cut off.
func TestTextsFitTheScreen(t *testing.T) {
	var all []Screen
	for _, c := range screens {
		all = append(all, c.want)
	}
	all = append(all, IdleScreen(Event{Online: false, Synced: false, Queue: 99999, HighWater: true}))
	for _, s := range all {
		if w := Width(s.Head) * headScale; w > 128 {
			t.Errorf("headline %q is %d px wide", s.Head, w)
		}
		for _, l := range s.Lines {
			if w := Width(l); w > 128 {
				t.Errorf("line %q is %d px wide", l, w)
			}
		}
		if h := lineHeight*headScale + 2 + len(s.Lines)*lineHeight; h > 64 {
			t.Errorf("screen %q is %d px tall", s.Head, h)
		}
	}
}

// TestRenderGolden compares each screen, drawn through the OLED output onto
// a fake 128×64 display, with a PNG in testdata/ (go test -update rewrites
// them; look at them before committing).
func TestRenderGolden(t *testing.T) {
	for _, c := range screens {
		t.Run(c.name, func(t *testing.T) {
			d := &displaytest.Drawer{Img: image.NewNRGBA(image.Rect(0, 0, 128, 64))}
			if err := NewOLED(d).Show(context.Background(), c.e); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, d.Img); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", c.name+".png")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			defer f.Close()
			want, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			lit := 0
			for y := 0; y < 64; y++ {
				for x := 0; x < 128; x++ {
					g := color.GrayModel.Convert(d.Img.At(x, y)).(color.Gray).Y
					w := color.GrayModel.Convert(want.At(x, y)).(color.Gray).Y
					if g != w {
						t.Fatalf("pixel (%d,%d) = %d, golden %d", x, y, g, w)
					}
					if g > 0 {
						lit++
					}
				}
			}
			if lit < 100 {
				t.Fatalf("only %d pixels lit: nothing drawn", lit)
			}
		})
	}
}

func TestOLEDIdleShowsStatus(t *testing.T) {
	d := &displaytest.Drawer{Img: image.NewNRGBA(image.Rect(0, 0, 128, 64))}
	o := NewOLED(d)
	ctx := context.Background()
	st := Event{Kind: Status, Online: false, Synced: true, Queue: 3}
	if err := o.Show(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := o.Idle(ctx, st); err != nil {
		t.Fatal(err)
	}
	want := Render(IdleScreen(st), d.Bounds())
	for y := 0; y < 64; y++ {
		for x := 0; x < 128; x++ {
			g := color.GrayModel.Convert(d.Img.At(x, y)).(color.Gray).Y > 0
			if g != bool(want.BitAt(x, y)) {
				t.Fatalf("idle screen differs from the status screen at (%d,%d)", x, y)
			}
		}
	}
}
