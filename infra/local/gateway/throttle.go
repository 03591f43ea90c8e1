package gateway

import (
	"math"
	"sync"
	"time"
)

// tokenBucket implements HTTP API's route throttling: BurstLimit tokens at
// most, refilled at RateLimit tokens per second.
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

// newTokenBucket returns nil (no throttling) when RateLimit is zero. A zero
// BurstLimit with a positive rate becomes one second's worth of requests,
// because a bucket that can hold nothing would refuse everything.
func newTokenBucket(s ThrottleSettings) *tokenBucket {
	if s.RateLimit <= 0 {
		return nil
	}
	burst := float64(s.BurstLimit)
	if burst <= 0 {
		burst = math.Max(1, math.Ceil(s.RateLimit))
	}
	return &tokenBucket{rate: s.RateLimit, burst: burst, tokens: burst}
}

// allow takes a token if one is available at now.
func (b *tokenBucket) allow(now time.Time) bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() {
		if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
			b.tokens = math.Min(b.burst, b.tokens+elapsed*b.rate)
		}
	}
	if now.After(b.last) {
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
