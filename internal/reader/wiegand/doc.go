// Package wiegand reads Wiegand 26 and 34 card readers wired to two GPIO
// lines, D0 and D1 (idle high, an active-low pulse per bit: a pulse on D0 is a
// 0, on D1 a 1, most significant bit first).
//
// The package is layered so that each layer can be tested without hardware:
//
//   - Bits, Frame, Decode and Encode: the frame format of READERS.md. A W26
//     frame is an even parity bit over bits 2–13, 8 bits of facility code,
//     16 bits of card number and an odd parity bit over bits 14–25; a W34
//     frame is an even parity bit over bits 2–17, 32 data bits and an odd
//     parity bit over bits 18–33. Frame.Card gives the card id of FORMATS.md
//     §2 (wiegand26:xxxxxx, wiegand34:xxxxxxxx: the payload without parity).
//   - EdgeSource: falling edges of both lines, in the order they happened,
//     with a bounded wait. GPIOSource is the real one (the Linux GPIO
//     character device through periph's gpioioctl, both lines in one line
//     request so the kernel keeps their events in order); the tests have a
//     fake on periph's gpiotest pins (device_test.go, its own tests in wire_test.go).
//   - Reader: turns edges into bits, ends a frame after a silence (25 ms by
//     default), decodes it and hands the card id to a callback. Frames of
//     the wrong length, with bad parity or hit by noise are dropped, counted
//     and logged, never emitted.
//
// The device side (a reader emulator driving the lines, with the faults of
// real wiring) is in the tests (device_test.go) and builds its pulses from
// Encode, so both sides share one definition of the format.
package wiegand
