package service

import (
	"context"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"timeclock/gateway/internal/feedback"
	"timeclock/internal/punch"
)

// gwStatus is the gateway's status as the service keeps it, in this one
// place: the readers' states and the high-water flag; the backlog, the clock
// and the broker session are read where they are. statusLoop makes both the
// retained status message and the idle screen's Status event of one status.
type gwStatus struct {
	mu      sync.Mutex
	readers map[string]string // reader name → state
	high    atomic.Bool       // spool above the high-water mark
	changed chan struct{}     // status changed: publish it now
}

// status is the gateway's status message now.
func (s *Service) status(online bool) punch.Status {
	s.gs.mu.Lock()
	readers := maps.Clone(s.gs.readers)
	s.gs.mu.Unlock()
	return punch.Status{Online: online, TS: time.Now(), Queue: s.sp.Depth(), ClockSynced: s.trust.Synced(),
		Readers: readers, Version: s.cfg.Version}
}

// online reports whether the broker session is up.
func (s *Service) online() bool { return s.sender.Session() != 0 }

func (s *Service) signalStatus() {
	select {
	case s.gs.changed <- struct{}{}:
	default:
	}
}

func (s *Service) onConnect() {
	s.pub.Reconnected()
	s.signalStatus()
}

func (s *Service) setReader(name, state string) {
	s.gs.mu.Lock()
	old := s.gs.readers[name]
	s.gs.readers[name] = state
	s.gs.mu.Unlock()
	if old != state {
		s.log.Info("reader state", "reader", name, "state", state)
		s.signalStatus()
	}
}

// checkHighWater warns once when the backlog passes the mark, and again
// only after it has fallen below 90% of it.
func (s *Service) checkHighWater() {
	d := s.sp.Depth()
	was := s.gs.high.Load()
	now := was && d >= s.cfg.HighWater*9/10 || !was && d > s.cfg.HighWater
	if now == was || !s.gs.high.CompareAndSwap(was, now) {
		return
	}
	if now {
		s.log.Warn("spool above high-water mark; taps are kept, but the aggregator is not answering",
			"spooled", d, "high_water", s.cfg.HighWater)
	} else {
		s.log.Info("spool back below high-water mark", "spooled", d)
	}
	s.signalStatus()
}

// statusLoop publishes the retained status every -status-every and at once
// when something a technician cares about changes; it also feeds the idle
// screen and forgets answers too late to show.
func (s *Service) statusLoop(ctx context.Context) error {
	t := time.NewTicker(s.cfg.StatusEvery)
	defer t.Stop()
	for {
		s.checkHighWater()
		online := s.online()
		st := s.status(online)
		s.mux.Show(feedback.Event{Kind: feedback.Status, Queue: st.Queue, HighWater: s.gs.high.Load(),
			Online: online, Synced: st.ClockSynced})
		if s.conn != nil && online {
			if err := s.conn.PublishStatus(st); err != nil {
				s.log.Warn("status not published", "err", err)
			}
		}
		s.pruneRecent(time.Now())
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.gs.changed:
		}
	}
}
