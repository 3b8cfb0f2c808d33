package simdata

import (
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"timeclock/internal/civil"
	"timeclock/internal/punch"
)

// Events yields the district's history from Cfg.From to Cfg.To, day by day,
// each day's events in time order (taps at their time, adjustments at 17:00
// of the next day, as a principal enters them). fn's error stops the walk.
func (d *District) Events(fn func(punch.Event) error) error {
	seqs := map[string]int{}
	var day []timed
	for date := d.Cfg.From; date <= d.Cfg.To; date++ {
		day = day[:0]
		for i := range d.Staff {
			day = d.staffDay(day, i, date, seqs)
		}
		slices.SortStableFunc(day, func(a, b timed) int { return a.at.Compare(b.at) })
		for _, t := range day {
			if err := fn(t.ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteEvents writes the history as JSONL and returns the number of events.
func (d *District) WriteEvents(w io.Writer) (int, error) {
	n := 0
	var buf []byte
	err := d.Events(func(ev punch.Event) error {
		buf = append(ev.AppendJSON(buf[:0]), '\n')
		n++
		_, err := w.Write(buf)
		return err
	})
	return n, err
}

type timed struct {
	at time.Time
	ev punch.Event
}

// rngFor gives each staff member and date their own random stream, so one
// day's events do not depend on how much was generated before.
func (d *District) rngFor(i int, date civil.Date) *rand.Rand {
	return rand.New(rand.NewPCG(d.Cfg.Seed^uint64(i)*0x9e3779b97f4a7c15, uint64(date)))
}

// season scales overtime by month: busy April, June and October, a quiet August.
var season = [13]float64{0, 1.0, 1.0, 1.1, 1.25, 1.05, 1.2, 1.0, 0.35, 1.0, 1.2, 1.05, 0.9}

func (d *District) staffDay(out []timed, i int, date civil.Date, seqs map[string]int) []timed {
	s := &d.Staff[i]
	r := d.rngFor(i, date)
	_, mon, _ := date.YMD()
	tap := func(at time.Time) {
		seqs[s.Gateway]++
		clock := punch.ClockSynced
		if r.IntN(1000) == 0 {
			clock = punch.ClockUnsynced
		}
		out = append(out, timed{at, punch.Event{Type: punch.TypeTap, Tap: punch.Tap{
			ID: s.Gateway + ":1:" + pad6(seqs[s.Gateway]), Board: s.Board, School: s.School, Gateway: s.Gateway,
			Reader: "entrance", Card: s.Card, Dir: punch.DirTap, TS: at, Clock: clock}}})
	}
	adjust := func(a punch.Adjustment) {
		a.Staff, a.Date = s.ID, date
		a.ID = "adj-" + strings.ToLower(s.ID) + "-" + date.String() + "-" + strconv.Itoa(len(out))
		a.Author, a.Created = "principal-"+s.School, (date + 1).At(17*60)
		out = append(out, timed{a.Created, punch.Event{Type: punch.TypeAdjustment, Adjustment: a}})
	}
	if !workday(date) {
		if date.Weekday() == time.Saturday && s.Role == "teacher" && s.SchoolType != "elementary" && r.IntN(100) < 35 {
			start := date.At(8*60 + 15 + r.IntN(30))
			tap(start)
			tap(start.Add(time.Duration(200+r.IntN(150)) * time.Minute))
		}
		return out
	}
	if r.IntN(100) < 3 {
		adjust(punch.Adjustment{Kind: punch.KindLeave, Minutes: 465, Reason: "年次休暇"})
		return out
	}
	arrive := date.At(7*60 + r.IntN(70)).Add(time.Duration(r.IntN(60)) * time.Second)
	ot := math.Max(0, s.Lean*season[mon]*math.Exp(r.NormFloat64()*0.35)-20+r.NormFloat64()*25)
	leave := arrive.Add(time.Duration(510+int(ot)) * time.Minute).Add(time.Duration(r.IntN(60)) * time.Second)
	if limit := date.At(27*60 + 30); leave.After(limit) {
		leave = limit
	}
	tap(arrive)
	if r.IntN(200) == 0 {
		tap(arrive.Add(time.Duration(5+r.IntN(40)) * time.Second)) // held twice: debounced
	}
	if r.IntN(1000) < 15 {
		// forgot to tap out; sometimes the principal enters it later
		if r.IntN(100) < 40 {
			lm := int(leave.Sub(date.At(0)).Minutes())
			adjust(punch.Adjustment{Kind: punch.KindMissingPunch, Time: hhmm(lm), Dir: punch.DirOut, Reason: "退勤打刻漏れ"})
		}
	} else {
		tap(leave)
	}
	switch k := r.IntN(1000); {
	case k < 20:
		adjust(punch.Adjustment{Kind: punch.KindOffsite, Minutes: 60 + r.IntN(120), Reason: "校外学習引率"})
	case k < 50:
		adjust(punch.Adjustment{Kind: punch.KindBreakNotTaken, Minutes: 45, Reason: "休憩時間中の児童対応"})
	case k < 80:
		adjust(punch.Adjustment{Kind: punch.KindTakehome, Minutes: 30 + r.IntN(90), Reason: "採点"})
	case k < 90:
		adjust(punch.Adjustment{Kind: punch.KindSelfStudy, Minutes: 30 + r.IntN(30), Reason: "自己研鑽"})
	}
	return out
}

func pad6(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 6 {
		s = "0" + s
	}
	return s
}

// hhmm writes a minute offset of a work date as FORMATS.md's "HH:MM", hours
// 00–03 standing for the next morning.
func hhmm(min int) string {
	h, m := (min/60)%24, min%60
	return pad2(h) + ":" + pad2(m)
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
