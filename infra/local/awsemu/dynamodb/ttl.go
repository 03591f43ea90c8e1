package dynamodb

import (
	"log/slog"
	"strconv"
	"time"
)

func (s *Server) sweepLoop(interval time.Duration) {
	defer close(s.sweepDone)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-s.stopSweep:
			return
		case <-tick.C:
			if n := s.SweepTTL(); n > 0 {
				s.log.Info("dynamodb ttl sweep", slog.Int("deleted", n))
			}
		}
	}
}

// SweepTTL deletes, now, every item whose TTL attribute (on tables with TTL
// enabled) is a Number of epoch seconds not after the current time, and
// returns how many it deleted. Items with a non-number TTL attribute are
// kept. Until swept, expired items stay readable, as in DynamoDB.
func (s *Server) SweepTTL() int {
	now, _ := parseDecimal(strconv.FormatInt(s.now().Unix(), 10))
	type victim struct {
		t   *table
		key [4]string
	}
	// Find candidates under the read lock so a sweep of a large table does
	// not block readers; re-check each one under the write lock.
	var victims []victim
	s.mu.RLock()
	if s.closed.Load() {
		s.mu.RUnlock()
		return 0
	}
	for _, t := range s.tables {
		if !t.meta.TTLEnabled || t.meta.TTLAttr == "" {
			continue
		}
		attr := t.meta.TTLAttr
		t.primary.Ascend(func(e *entry) bool {
			if expired(e.it, attr, now) {
				victims = append(victims, victim{t, e.k})
			}
			return true
		})
	}
	s.mu.RUnlock()
	if len(victims) == 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	deleted := 0
	var muts []mutation
	for _, v := range victims {
		if s.closed.Load() || s.tables[v.t.meta.Name] != v.t || !v.t.meta.TTLEnabled {
			continue
		}
		if it := v.t.get(v.key); it != nil && expired(it, v.t.meta.TTLAttr, now) {
			muts = append(muts, mutation{t: v.t, key: v.key})
		}
	}
	for start := 0; start < len(muts); start += 100 {
		end := min(start+100, len(muts))
		if err := s.commitLocked(muts[start:end]); err != nil {
			s.log.Error("dynamodb ttl sweep failed", slog.Any("error", err))
			return deleted
		}
		deleted += end - start
	}
	return deleted
}

func expired(it item, attr string, now decimal) bool {
	v := it[attr]
	if v == nil || v.kind != kindN {
		return false
	}
	d, msg := parseDecimal(v.s)
	return msg == "" && compareDecimal(d, now) <= 0
}
