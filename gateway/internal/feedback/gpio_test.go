package feedback

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/physic"
)

// stepClock is a Clock whose time moves only when someone waits on it: each
// After advances it by d and fires at once, so patterns play instantly and
// their timing can be read back exactly.
type stepClock struct {
	mu  sync.Mutex
	now time.Duration
}

func (c *stepClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.now += d
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- time.Time{}
	return ch
}

func (c *stepClock) at() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// recPin records every change with the step clock's time.
type recPin struct {
	gpiotest.Pin
	clock *stepClock
	log   *[]string
}

func (p *recPin) Out(l gpio.Level) error {
	*p.log = append(*p.log, fmt.Sprintf("%s=%v@%v", p.N, l, p.clock.at()))
	return p.Pin.Out(l)
}

func (p *recPin) PWM(d gpio.Duty, f physic.Frequency) error {
	*p.log = append(*p.log, fmt.Sprintf("%s~%v@%v", p.N, f, p.clock.at()))
	return p.Pin.PWM(d, f)
}

func TestGPIOPatterns(t *testing.T) {
	cases := []struct {
		name string
		e    Event
		tone physic.Frequency
		want string
	}{
		{"accepted", Event{Kind: Accepted}, 0,
			"led=High@0s buz=High@0s buz=Low@80ms led=Low@300ms"},
		{"accepted passive piezo", Event{Kind: Accepted}, 2 * physic.KiloHertz,
			"led=High@0s buz~2kHz@0s buz=Low@80ms led=Low@300ms"},
		{"answer ok is silent", Event{Kind: Answer, Result: "ok", Level: "ok"}, 0, ""},
		{"answer warn", Event{Kind: Answer, Result: "ok", Level: "warn"}, 0,
			"buz=High@0s buz=Low@150ms buz=High@250ms buz=Low@400ms"},
		{"answer critical", Event{Kind: Answer, Result: "ok", Level: "critical"}, 0,
			"buz=High@0s buz=Low@250ms buz=High@370ms buz=Low@620ms buz=High@740ms buz=Low@990ms"},
		{"unknown card", Event{Kind: Answer, Result: "unknown_card"}, 0,
			"buz=High@0s buz=Low@80ms buz=High@160ms buz=Low@240ms buz=High@320ms buz=Low@400ms"},
		{"rejected", Event{Kind: Answer, Result: "rejected"}, 0, "buz=High@0s buz=Low@600ms"},
		{"failed", Event{Kind: Failed}, 0, "buz=High@0s buz=Low@1s"},
		{"status is silent", Event{Kind: Status}, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := &stepClock{}
			var log []string
			g := &GPIO{
				LED:    &recPin{Pin: gpiotest.Pin{N: "led"}, clock: clock, log: &log},
				Buzzer: &recPin{Pin: gpiotest.Pin{N: "buz"}, clock: clock, log: &log},
				Tone:   c.tone,
				Clock:  clock,
			}
			if err := g.Show(context.Background(), c.e); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(log, " "); got != c.want {
				t.Fatalf("pins %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestGPIOWithoutPins(t *testing.T) {
	g := &GPIO{Clock: &stepClock{}}
	if err := g.Show(context.Background(), Event{Kind: Accepted}); err != nil {
		t.Fatal(err)
	}
}

// blockClock never fires: a pattern waits until its context ends.
type blockClock struct{}

func (blockClock) After(time.Duration) <-chan time.Time { return nil }

func TestGPIOStopsSilentOnCancel(t *testing.T) {
	var log []string
	clock := &stepClock{}
	buz := &recPin{Pin: gpiotest.Pin{N: "buz"}, clock: clock, log: &log}
	led := &recPin{Pin: gpiotest.Pin{N: "led"}, clock: clock, log: &log}
	g := &GPIO{LED: led, Buzzer: buz, Clock: blockClock{}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.Show(ctx, Event{Kind: Failed}); err != context.Canceled {
		t.Fatalf("Show = %v, want context.Canceled", err)
	}
	if buz.L != gpio.Low || led.L != gpio.Low {
		t.Fatalf("after cancel: buzzer %v, led %v; want both low (%v)", buz.L, led.L, log)
	}
}
