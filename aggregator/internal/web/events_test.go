package web

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"timeclock/aggregator/internal/journal"
	"timeclock/internal/daemontest"
)

// sseEvent is one server-sent event.
type sseEvent struct {
	id, event, data string
}

// stream is an open /events connection.
type stream struct {
	t      *testing.T
	events chan sseEvent
	resp   *http.Response
}

func (f *fixture) stream(query, role, name string, header ...string) *stream {
	f.t.Helper()
	before := f.feed.subscribers()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/events?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+token(role, name))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		f.t.Fatalf("/events?%s: %s", query, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		f.t.Fatalf("content type %q", ct)
	}
	s := &stream{t: f.t, events: make(chan sseEvent, 64), resp: resp}
	f.t.Cleanup(func() {
		cancel()
		resp.Body.Close()
	})
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.event != "" {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
	}()
	// The handler subscribes before it answers; wait for it so that
	// nothing pushed next is missed.
	ctxW := daemontest.WaitContext(f.t)
	for f.feed.subscribers() == before {
		select {
		case <-ctxW.Done():
			f.t.Fatal("the stream never subscribed")
		case <-time.After(5 * time.Millisecond):
		}
	}
	return s
}

// next returns the next event, failing if the stream ends or none comes
// before the wait's deadline.
func (s *stream) next() sseEvent {
	s.t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			s.t.Fatal("the stream ended")
		}
		return ev
	case <-daemontest.WaitContext(s.t).Done():
		s.t.Fatal("no event")
	}
	return sseEvent{}
}

func (s *stream) tap() tapView {
	s.t.Helper()
	ev := s.next()
	if ev.event != "tap" {
		s.t.Fatalf("event %q, want a tap", ev.event)
	}
	var v tapView
	if err := json.Unmarshal([]byte(ev.data), &v); err != nil {
		s.t.Fatal(err)
	}
	return v
}

// The stream carries the taps of the page's scope as its viewer may see
// them, tells the page to refresh on alerts and gateway reports of that
// scope, resumes after Last-Event-ID, and ends when the feed stops.
func TestEventStream(t *testing.T) {
	f := newFixture(t)
	e01, e02, u01 := f.staffOf("nakatsu-e01"), f.staffOf("nakatsu-e02"), f.staffOf("usa-e01")
	board := f.stream("board=nakatsu", RoleBoard, "nakatsu")
	principal := f.stream("school=nakatsu-e01", RolePrincipal, "nakatsu-e01")
	self := f.stream("staff="+e01[3].ID, RoleStaff, e01[3].ID)

	at := f.now
	f.feed.push(Update{Seq: 10, Tap: tapOf(u01[0], 1, at, "entrance")})  // another board: nobody here
	f.feed.push(Update{Seq: 11, Tap: tapOf(e02[0], 2, at, "entrance")})  // the board only
	f.feed.push(Update{Seq: 12, Tap: tapOf(e01[3], 3, at, "staffroom")}) // all three
	unknown := tapOf(e01[0], 4, at, "entrance")
	unknown.Card = "felica:00000000000000ff"
	f.feed.push(Update{Seq: 13, Tap: unknown}) // the board and the principal
	f.feed.push(Update{Seq: 14, Alert: &journal.Alert{Staff: e01[3].ID, Board: "nakatsu", School: "nakatsu-e01", Rule: "lock_time", Raised: true}})
	f.feed.push(Update{Seq: 15, Status: &journal.Status{Board: "nakatsu", School: "nakatsu-e02", Gateway: "gw-e02-a"}})

	v := board.tap()
	if v.Seq != 11 || v.Who != "職員" || v.Href != "" || v.School != "nakatsu-e02" || v.Time != "12:00:00" || v.Dir != "出勤" {
		t.Errorf("board's first tap %+v, want seq 11, anonymous, 12:00:00 出勤", v)
	}
	if v := board.tap(); v.Seq != 12 || v.Who != "職員" {
		t.Errorf("board's second tap %+v", v)
	}
	if v := board.tap(); v.Seq != 13 || !v.Unknown || strings.Contains(v.Who, "felica") {
		t.Errorf("board's unknown card %+v: want marked unknown, without the card", v)
	}
	if ev := board.next(); ev.event != "alert" || strings.Contains(ev.data, e01[3].ID) {
		t.Errorf("board's alert event %+v, want a bare refresh", ev)
	}
	if ev := board.next(); ev.event != "gateway" {
		t.Errorf("board's gateway event %+v", ev)
	}

	if v := principal.tap(); v.Seq != 12 || v.Who != e01[3].Name+"（"+e01[3].ID+"）" || v.Href != "/staff/"+e01[3].ID || v.Reader != "staffroom" {
		t.Errorf("principal's tap %+v, want their staff member by name", v)
	}
	if v := principal.tap(); v.Seq != 13 || !v.Unknown {
		t.Errorf("principal's second tap %+v", v)
	}
	if ev := principal.next(); ev.event != "alert" {
		t.Errorf("principal's event %+v, want the alert (the gateway is another school's)", ev)
	}

	if v := self.tap(); v.Seq != 12 || v.Who != e01[3].Name+"（"+e01[3].ID+"）" {
		t.Errorf("staff's tap %+v, want their own", v)
	}
	if ev := self.next(); ev.event != "alert" {
		t.Errorf("staff's event %+v, want their alert", ev)
	}

	// A page that reconnects gets what it missed, in English if it asks.
	again := f.stream("board=nakatsu", RoleBoard, "nakatsu", "Last-Event-ID", "11", "Cookie", LangCookie+"=en")
	if v := again.tap(); v.Seq != 12 || v.Who != "staff member" || v.Dir != "in" {
		t.Errorf("resumed tap %+v, want seq 12 in English", v)
	}
	if v := again.tap(); v.Seq != 13 {
		t.Errorf("resumed tap %+v, want seq 13", v)
	}

	f.feed.close()
	for _, s := range []*stream{board, principal, self, again} {
		for range s.events {
		}
	}
}
