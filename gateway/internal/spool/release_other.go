//go:build !linux

package spool

// releasePages does nothing off Linux (the gateway runs on Linux).
func (s *Spool) releasePages() {}
