// Package readertest has test helpers for the serial reader packages: an
// in-memory Port wired to a device emulation that records the bytes both
// ways, so host and device sides can be tested together without a
// pseudo-terminal, and golden-file comparison of those recordings.
//
// Read on an empty Port sleeps for the read timeout and returns (0, nil),
// like go.bug.st/serial; run tests inside testing/synctest so that the sleep
// costs no wall-clock time and timeouts are exact.
package readertest

import (
	"fmt"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Port is an in-memory reader.Port. Every write goes to Device, whose answer
// is queued for reading.
type Port struct {
	mu      sync.Mutex
	device  func(p []byte) []byte
	in      []byte
	timeout time.Duration
	record  []chunk
	err     error
}

type chunk struct {
	host bool
	b    []byte
}

// NewPort returns a Port answering writes with device (nil: a device that
// never answers).
func NewPort(device func(p []byte) []byte) *Port {
	return &Port{device: device, timeout: -1}
}

// Write hands p to the device and queues its answer.
func (p *Port) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return 0, p.err
	}
	p.add(true, b)
	if p.device != nil {
		if out := p.device(b); len(out) > 0 {
			p.add(false, out)
			p.in = append(p.in, out...)
		}
	}
	return len(b), nil
}

// Read returns queued bytes; with none it waits for the read timeout and
// returns (0, nil), or, without a timeout, until bytes are fed.
func (p *Port) Read(b []byte) (int, error) {
	waited := false
	for {
		p.mu.Lock()
		if p.err != nil {
			p.mu.Unlock()
			return 0, p.err
		}
		if len(p.in) > 0 {
			n := copy(b, p.in)
			p.in = p.in[n:]
			p.mu.Unlock()
			return n, nil
		}
		timeout := p.timeout
		p.mu.Unlock()
		if waited {
			return 0, nil
		}
		if timeout < 0 {
			timeout = time.Millisecond
		} else {
			waited = true
		}
		time.Sleep(timeout)
	}
}

// SetReadTimeout sets the wait of a Read on an empty port.
func (p *Port) SetReadTimeout(d time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.timeout = d
	return p.err
}

// ResetInputBuffer drops the queued bytes.
func (p *Port) ResetInputBuffer() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.in = nil
	return p.err
}

// Feed queues bytes the device sends on its own (pushed frames, noise).
func (p *Port) Feed(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.add(false, b)
	p.in = append(p.in, b...)
}

// Unplug makes every following operation fail with EIO, as an unplugged
// USB serial adapter does.
func (p *Port) Unplug() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.err = syscall.EIO
}

// Close marks the port closed.
func (p *Port) Close() error {
	p.Unplug()
	return nil
}

// Transcript is the recorded traffic, one line per write or answer:
// "host   00 00 FF …" for bytes the host wrote, "device …" for bytes queued
// by the device.
func (p *Port) Transcript() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var s strings.Builder
	for _, c := range p.record {
		if c.host {
			s.WriteString("host   ")
		} else {
			s.WriteString("device ")
		}
		fmt.Fprintf(&s, "% X\n", c.b)
	}
	return s.String()
}

func (p *Port) add(host bool, b []byte) {
	p.record = append(p.record, chunk{host: host, b: append([]byte(nil), b...)})
}
