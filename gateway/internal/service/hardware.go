package service

import (
	"fmt"
	"log/slog"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/ssd1306"
	"periph.io/x/host/v3"

	"timeclock/gateway/internal/config"
	"timeclock/gateway/internal/feedback"
)

// Outputs opens the feedback hardware the configuration names and returns
// the outputs (always including the log) and a function releasing the
// hardware. A named pin or bus that does not exist is an error: a gateway
// told it has a buzzer must not run silently without one.
func Outputs(cfg *config.Config, log *slog.Logger) ([]feedback.Output, func(), error) {
	outs := []feedback.Output{feedback.Log{L: log}}
	release := func() {}
	if cfg.LEDPin == "" && cfg.BuzzerPin == "" && cfg.OLEDBus == "" {
		return outs, release, nil
	}
	if _, err := host.Init(); err != nil {
		return nil, nil, fmt.Errorf("periph: %w", err)
	}
	g := &feedback.GPIO{Tone: physic.Frequency(cfg.BuzzerToneHz) * physic.Hertz, Clock: feedback.RealClock{}}
	for _, p := range [...]struct {
		name string
		dst  *gpio.PinOut
	}{{cfg.LEDPin, &g.LED}, {cfg.BuzzerPin, &g.Buzzer}} {
		if p.name == "" {
			continue
		}
		pin := gpioreg.ByName(p.name)
		if pin == nil {
			return nil, nil, fmt.Errorf("gpio %q: no such pin on this board", p.name)
		}
		if err := pin.Out(gpio.Low); err != nil {
			return nil, nil, fmt.Errorf("gpio %s: %w", p.name, err)
		}
		*p.dst = pin
	}
	if g.LED != nil || g.Buzzer != nil {
		outs = append(outs, g)
	}
	if cfg.OLEDBus != "" {
		name := cfg.OLEDBus
		if name == "default" {
			name = ""
		}
		bus, err := i2creg.Open(name)
		if err != nil {
			return nil, nil, fmt.Errorf("i2c %q: %w", cfg.OLEDBus, err)
		}
		dev, err := ssd1306.NewI2C(bus, &ssd1306.DefaultOpts)
		if err != nil {
			bus.Close()
			return nil, nil, fmt.Errorf("ssd1306 on i2c %q: %w", cfg.OLEDBus, err)
		}
		outs = append(outs, feedback.NewOLED(dev))
		release = func() {
			dev.Halt()
			bus.Close()
		}
	}
	return outs, release, nil
}
