package service

import (
	"context"
	"fmt"
	"time"

	"timeclock/gateway/internal/clocktrust"
	"timeclock/gateway/internal/feedback"
	"timeclock/gateway/internal/spool"
	"timeclock/gateway/internal/tapid"
	"timeclock/internal/punch"
)

// accept records one card read: debounce, stamp, spool (fsynced), then the
// local "accepted". It runs on the reader's goroutine, so reads at several
// readers share a group commit.
func (s *Service) accept(r Read) {
	if s.bounce(r) {
		s.m.debounced.Inc()
		return
	}
	dir := s.dirs[r.Reader]
	if dir == "" {
		dir = string(punch.DirTap)
	}
	s.record(r, dir, s.trust.Stamp())
}

// record spools the read r stamped st and tells the person.
func (s *Service) record(r Read, dir string, st clocktrust.Stamp) {
	tap := spool.Tap{Reader: r.Reader, Card: r.Card, Dir: dir, Time: st.Wall, Synced: st.Synced, Mono: st.Boot,
		OSBoot: st.OSBoot}
	// Not the service's context: a tap half-way to disk when the gateway
	// stops is still recorded and confirmed.
	ids, err := s.sp.Append(context.Background(), tap)
	if err != nil {
		s.m.failed.Inc()
		s.forget(r) // the person taps again at once: that is a new try, not a bounce
		s.log.Error("tap not recorded", "reader", r.Reader, "card", r.Card, "err", err)
		s.mux.Show(feedback.Event{Kind: feedback.Failed, Reader: r.Reader, Dir: dir, Time: st.Wall})
		return
	}
	id := ids[0]
	if !st.Synced {
		// A sync that came between the stamp and the commit corrected the
		// spool without this tap, and the clock will not become synchronised
		// again to correct it later: ask for another pass.
		if now := s.trust.Stamp(); now.Synced {
			s.onSync(now)
		}
	}
	// The record of what was accepted, written before the person is told:
	// the feedback outputs may drop events when they fall behind, this may not.
	s.log.Info("tap recorded", "id", id.String(), "reader", r.Reader, "dir", dir, "synced", st.Synced)
	s.mu.Lock()
	s.recent[id] = recentTap{reader: r.Reader, dir: dir, at: st.Wall, shown: time.Now()}
	s.mu.Unlock()
	s.mux.Show(feedback.Event{Kind: feedback.Accepted, ID: id.String(), Reader: r.Reader, Dir: dir, Time: st.Wall,
		Synced: st.Synced})
	if !r.At.IsZero() {
		s.m.latency.Observe(time.Since(r.At).Seconds())
	}
	s.m.accepted.Inc()
	s.pub.Kick()
	s.checkHighWater()
}

// bounce reports a repeat of the same card at the same reader within the
// debounce time: a card held a moment too long, not a second tap.
func (s *Service) bounce(r Read) bool {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	last, ok := s.lastCard[r.Reader]
	s.lastCard[r.Reader] = lastRead{card: r.Card, at: now}
	return ok && last.card == r.Card && now.Sub(last.at) < s.cfg.Debounce
}

// forget takes back what bounce noted of r: a read that could not be
// recorded.
func (s *Service) forget(r Read) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if last, ok := s.lastCard[r.Reader]; ok && last.card == r.Card {
		delete(s.lastCard, r.Reader)
	}
}

// onFeedback handles the aggregator's answer: the tap leaves the spool, and
// a recent one is shown to the person still standing at the reader.
func (s *Service) onFeedback(f punch.Feedback) {
	id, err := tapid.Parse(f.ID)
	if err != nil || id.Gateway != s.cfg.Gateway {
		s.log.Warn("feedback for a tap not of this gateway", "id", f.ID)
		return
	}
	s.pub.Ack(id)
	s.mu.Lock()
	rt, ok := s.recent[id]
	delete(s.recent, id)
	s.mu.Unlock()
	if !ok || time.Since(rt.shown) > s.cfg.AnswerWindow {
		return
	}
	s.mux.Show(feedback.Event{Kind: feedback.Answer, ID: f.ID, Reader: rt.reader, Dir: rt.dir, Time: rt.at,
		Result: string(f.Result), Staff: f.Staff, TodayMin: f.TodayMin, MonthOvertimeMin: f.MonthOvertimeMin,
		Level: string(f.Level)})
}

// pruneRecent forgets accepted taps whose answer would come too late to show.
func (s *Service) pruneRecent(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, rt := range s.recent {
		if now.Sub(rt.shown) > s.cfg.AnswerWindow {
			delete(s.recent, id)
		}
	}
}

// hold keeps a tap made before the clock was synchronised out of the
// publisher for -unsynced-hold (counted on the boot-time clock), so that a
// sync arriving meanwhile can still correct its time. Taps of an earlier
// kernel boot cannot be corrected and are not held.
func (s *Service) hold(t spool.Tap) time.Duration {
	if t.Synced {
		return 0
	}
	st := s.trust.Stamp()
	if t.OSBoot != st.OSBoot {
		return 0
	}
	return max(0, s.cfg.UnsyncedHold-(st.Boot-t.Mono))
}

// onSync hands a fresh sync to correctLoop; it runs inside a Stamp, on a
// reader's or the clock watcher's goroutine, and must not wait.
func (s *Service) onSync(ref clocktrust.Stamp) {
	s.signalStatus()
	select {
	case s.syncs <- ref:
	default: // a correction is pending; it will see these taps too
	}
}

// correctLoop corrects the spooled taps made before each sync, in this
// kernel boot, from their boot-time readings.
func (s *Service) correctLoop(ctx context.Context) error {
	for {
		var ref clocktrust.Stamp
		select {
		case <-ctx.Done():
			return nil
		case ref = <-s.syncs:
		}
		n := 0
		err := s.pub.RewriteUnsynced(ctx, func(t *spool.Tap) bool {
			if t.Synced {
				return false
			}
			at, ok := clocktrust.Correct(t.Mono, t.OSBoot, ref)
			if !ok {
				return false
			}
			t.Time, t.Synced = at, true
			n++
			return true
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("correcting taps made before clock sync: %w", err)
		}
		if n > 0 {
			s.log.Info("corrected the time of taps made before clock sync", "taps", n)
		}
	}
}
