package feedback

import (
	"context"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
)

// beep is one sound: on for On, then silent for Off.
type beep struct{ On, Off time.Duration }

// pattern returns the beeps for e and how long the LED stays lit. The
// patterns are told apart by ear without looking: one short chirp for a tap
// on disk, more and longer ones the more attention the answer needs.
func pattern(e Event) (beeps []beep, led time.Duration) {
	short := beep{80 * time.Millisecond, 80 * time.Millisecond}
	switch e.Kind {
	case Accepted:
		return []beep{short}, 300 * time.Millisecond
	case Answer:
		switch {
		case e.Result == "unknown_card":
			return []beep{short, short, short}, 0
		case e.Result == "rejected":
			return []beep{{600 * time.Millisecond, 0}}, 0
		case e.Level == "warn":
			return []beep{{150 * time.Millisecond, 100 * time.Millisecond}, {150 * time.Millisecond, 0}}, 0
		case e.Level == "critical":
			l := beep{250 * time.Millisecond, 120 * time.Millisecond}
			return []beep{l, l, l}, 0
		}
	case Failed:
		return []beep{{time.Second, 0}}, 0
	}
	return nil, 0
}

// GPIO drives an LED and a buzzer on GPIO pins. Either may be nil. A
// passive piezo needs a tone (hardware PWM on GPIO12/13/18/19); an active
// buzzer is switched on and off with Tone 0.
type GPIO struct {
	LED    gpio.PinOut
	Buzzer gpio.PinOut
	Tone   physic.Frequency
	Clock  Clock
}

func (g *GPIO) String() string { return "gpio" }

// Show plays the pattern for e and returns when it has finished.
func (g *GPIO) Show(ctx context.Context, e Event) (err error) {
	beeps, led := pattern(e)
	if len(beeps) == 0 && led == 0 {
		return nil
	}
	if led > 0 && g.LED != nil {
		if err = g.LED.Out(gpio.High); err != nil {
			return err
		}
		defer func() { // the LED goes off, and a failure to is told
			if e := g.LED.Out(gpio.Low); err == nil {
				err = e
			}
		}()
	}
	var spent time.Duration
	for _, b := range beeps {
		if err = g.sound(true); err != nil {
			return err
		}
		if err = sleep(ctx, g.Clock, b.On); err != nil {
			g.sound(false)
			return err
		}
		if err = g.sound(false); err != nil {
			return err
		}
		if b.Off > 0 {
			if err = sleep(ctx, g.Clock, b.Off); err != nil {
				return err
			}
		}
		spent += b.On + b.Off
	}
	if led > spent && g.LED != nil {
		err = sleep(ctx, g.Clock, led-spent)
	}
	return err
}

func (g *GPIO) sound(on bool) error {
	if g.Buzzer == nil {
		return nil
	}
	if !on {
		return g.Buzzer.Out(gpio.Low)
	}
	if g.Tone > 0 {
		return g.Buzzer.PWM(gpio.DutyHalf, g.Tone)
	}
	return g.Buzzer.Out(gpio.High)
}
