package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"timeclock/aggregator/internal/web/webtest"
	"timeclock/aggregator/internal/web/webtest/harness"
	"timeclock/internal/civil"
	"timeclock/internal/daemontest"
	"timeclock/internal/punch"
	"timeclock/internal/simdata"
)

// liveBound is how soon a tap must show on an open page after its gateway
// published it (the "within 2 s"): broker, journal commit (one
// fsync), journal feed, server-sent event, script. It takes a few tens of
// milliseconds; the bound holds with a wide margin on a loaded machine.
const liveBound = 2 * time.Second

// screenshotsEnv names a folder for the README's screenshots: the test
// then feeds the whole fiscal year so far and a larger district.
const screenshotsEnv = "TIMECLOCK_WEB_SCREENSHOTS"

// browser is a headless Chromium driven over the DevTools protocol, with
// every console error, uncaught exception and error log entry collected.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	bin := daemontest.Binary(t, "chromium", "TIMECLOCK_CHROMIUM", "/usr/bin/chromium", "chromium", "chromium-browser")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("lang", "ja-JP"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1440, 960))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	b := &browser{ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		var p string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				p = "console." + string(ev.Type) + ": " + strings.Join(args, " ")
			}
		case *runtime.EventExceptionThrown:
			p = "exception: " + ev.ExceptionDetails.Text
			if ex := ev.ExceptionDetails.Exception; ex != nil {
				p += " " + ex.Description
			}
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				p = "log: " + ev.Entry.Text + " " + ev.Entry.URL
			}
		}
		if p != "" {
			b.mu.Lock()
			b.problems = append(b.problems, p)
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *browser) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// follow clicks a link and waits for the page it opens to load.
func (b *browser) follow(t *testing.T, what string, sel chromedp.CSS) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(sel)); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wait polls a JavaScript condition until it holds.
func (b *browser) wait(t *testing.T, what, js string) {
	t.Helper()
	b.do(t, "waiting for "+what, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(time.Minute)))
}

func (b *browser) text(t *testing.T) string {
	t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (b *browser) screenshot(t *testing.T, dir, name string) {
	t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (b *browser) checkNoProblems(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("browser: %s", p)
	}
	b.problems = nil
}

// shotsDir is where the screenshots go: the git-ignored testoutput/web, or
// the folder of screenshotsEnv.
func shotsDir(t *testing.T) string {
	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		root, err := daemontest.ModuleRoot()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(root, "testoutput", "web")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The live page in a real browser, against an aggregator fed with a
// history over MQTT: a tap shows up while the page is open, the language
// switches, a board sees no names, a school and a staff member's record
// open, and nothing goes wrong in the console.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("drives chromium (skipped under -short)")
	}
	b := newBrowser(t)
	opts := webtest.Options{Seed: 7}
	if os.Getenv(screenshotsEnv) != "" {
		today, _ := civil.WorkDate(time.Now().Unix(), 0)
		opts.Months = int(today.Month() - civil.FYStart(today.FY()))
		opts.SchoolsPerBoard, opts.StaffPerSchool = 6, 12
	}
	a := webtest.Start(t, opts)
	dir := shotsDir(t)
	publishStatuses(t, a)
	board := a.District.Cfg.Boards[0]
	var school string
	var inBoard []simdata.Staff
	for _, s := range a.District.Staff {
		if s.Board == board {
			inBoard = append(inBoard, s)
		}
	}
	school = inBoard[0].School

	t.Run("board", func(t *testing.T) {
		b.do(t, "open the board page", chromedp.Navigate(a.URL+"/board/"+board+"?token="+a.Token("board", board)))
		b.wait(t, "the live stream", `document.querySelector("#live.on") !== null`)
		b.wait(t, "the gateways", `document.querySelectorAll("#gateways tr[data-gateway]").length > 0`)
		b.screenshot(t, dir, "board-ja.png")

		// A tap while the page is open: it shows within liveBound, without a name.
		s := inBoard[len(inBoard)-1]
		tap := a.NewTap(s, punch.DirIn, time.Now())
		tap.Reader = "entrance-live-1"
		start := time.Now()
		a.Publish(t, tap)
		b.wait(t, "the tap on the page", `[...document.querySelectorAll("#taps li")].some(li => li.textContent.includes("entrance-live-1"))`)
		if took := time.Since(start); took > liveBound {
			t.Errorf("the tap took %v to show, want under %v", took.Round(time.Millisecond), liveBound)
		} else {
			t.Logf("the tap showed %v after it was published", took.Round(time.Millisecond))
		}
		text := b.text(t)
		for _, st := range a.District.Staff {
			if strings.Contains(text, st.Name) || strings.Contains(text, st.ID) {
				t.Errorf("the board's page shows staff member %s %s", st.ID, st.Name)
			}
		}
		for _, want := range []string{"対象人数", "45時間超人数", "割合", "平均時間", "医師面接指導", "校長面談", "上限超過",
			"勤務間インターバル", "施錠時刻", "打刻漏れ", "打刻端末", "entrance-live-1"} {
			if !strings.Contains(text, want) {
				t.Errorf("the board's page lacks %q", want)
			}
		}
		b.screenshot(t, dir, "board-live-ja.png")

		b.follow(t, "switch to English", chromedp.CSS("#lang-switch"))
		b.wait(t, "the English page", `document.documentElement.lang === "en" && document.querySelector("#live.on") !== null`)
		text = b.text(t)
		for _, want := range []string{"Staff counted", "Over 45 h", "Doctor's interview", "Gateways", "Taps (live)"} {
			if !strings.Contains(text, want) {
				t.Errorf("the English page lacks %q", want)
			}
		}
		b.screenshot(t, dir, "board-en.png")
		b.follow(t, "switch back to Japanese", chromedp.CSS("#lang-switch"))
		b.wait(t, "the Japanese page", `document.documentElement.lang === "ja"`)
		b.checkNoProblems(t)
	})

	t.Run("school and staff", func(t *testing.T) {
		b.do(t, "open the board page as admin", chromedp.Navigate(a.URL+"/board/"+board+"?token="+a.Token("admin", "ops")))
		b.follow(t, "open a school", chromedp.CSS(`#schools a[href^="/school/`+school+`"]`))
		b.wait(t, "the school page", `location.pathname === "/school/`+school+`" && document.querySelector("#staff tbody tr") !== null && document.querySelector("#live.on") !== null`)
		s := inBoard[1]
		tap := a.NewTap(s, punch.DirOut, time.Now())
		tap.Reader = "entrance-live-2"
		a.Publish(t, tap)
		b.wait(t, "the tap with its name", `[...document.querySelectorAll("#taps li")].some(li => li.textContent.includes("entrance-live-2") && li.textContent.includes(`+strconv.Quote(s.Name)+`))`)
		b.screenshot(t, dir, "school-ja.png")
		b.follow(t, "open a staff member", chromedp.CSS(`#staff tbody tr:first-child a`))
		b.wait(t, "the staff page", `location.pathname.startsWith("/staff/") && document.querySelector("#days") !== null`)
		text := b.text(t)
		for _, want := range []string{"月ごとの時間外在校等時間", "2か月平均", "6か月平均", "日別"} {
			if !strings.Contains(text, want) {
				t.Errorf("the staff page lacks %q", want)
			}
		}
		b.screenshot(t, dir, "staff-ja.png")
		b.follow(t, "switch to English", chromedp.CSS("#lang-switch"))
		b.wait(t, "the English staff page", `document.documentElement.lang === "en"`)
		b.screenshot(t, dir, "staff-en.png")
		b.follow(t, "switch back to Japanese", chromedp.CSS("#lang-switch"))
		b.wait(t, "the Japanese page", `document.documentElement.lang === "ja"`)
		b.checkNoProblems(t)
	})

	t.Run("phone", func(t *testing.T) {
		b.do(t, "open the board page on a phone",
			chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch),
			chromedp.Navigate(a.URL+"/board/"+board+"?token="+a.Token("board", board)))
		b.wait(t, "the live stream", `document.querySelector("#live.on") !== null`)
		width, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if width > 390 {
			t.Errorf("the page is %d px wide on a 390 px phone: it scrolls sideways", width)
		}
		b.screenshot(t, dir, "board-phone-ja.png")
		b.do(t, "back to the desktop", chromedp.EmulateReset())
		b.checkNoProblems(t)
	})
	t.Logf("screenshots in %s", dir)
}

// publishStatuses reports every gateway of the district online and one in
// trouble (offline with taps in its spool, a reader unplugged).
func publishStatuses(t *testing.T, a *webtest.Aggregator) {
	t.Helper()
	seen := map[string]bool{}
	n := 0
	for _, s := range a.District.Staff {
		if seen[s.School] {
			continue
		}
		seen[s.School] = true
		st := punch.Status{Online: true, TS: time.Now().Truncate(time.Millisecond), ClockSynced: true,
			Readers: map[string]string{"entrance": punch.ReaderOK}, Version: "1.4.2"}
		if n == 1 {
			st.Online, st.Queue, st.ClockSynced = false, 37, false
			st.Readers = map[string]string{"entrance": punch.ReaderOK, "staffroom": "unplugged"}
		}
		a.PublishStatus(t, s.Board, s.School, s.Gateway, st)
		n++
	}
	harness.Eventually(t, "the gateways on the page", func() (bool, string) {
		_, body := a.Get(t, "/", a.Token("admin", "ops"))
		got := strings.Count(string(body), "data-gateway=")
		return got == n, fmt.Sprintf("%d of %d gateways shown", got, n)
	})
}
