package service

import (
	"context"
	"maps"
	"time"

	"timeclock/gateway/internal/feedback"
	"timeclock/internal/punch"
)

// status is the gateway's status message now.
func (s *Service) status(online bool) punch.Status {
	s.mu.Lock()
	readers := maps.Clone(s.readers)
	s.mu.Unlock()
	return punch.Status{Online: online, TS: time.Now(), Queue: s.sp.Depth(), ClockSynced: s.trust.Synced(),
		Readers: readers, Version: s.cfg.Version}
}

func (s *Service) signalStatus() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

func (s *Service) onConnect() {
	s.pub.Reconnected()
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
		st := s.status(true)
		online := s.sender.Session() != 0
		s.mu.Lock()
		high := s.high
		s.mu.Unlock()
		s.mux.Show(feedback.Event{Kind: feedback.Status, Queue: st.Queue, HighWater: high, Online: online,
			Synced: st.ClockSynced})
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
		case <-s.changed:
		}
	}
}
