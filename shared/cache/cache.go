// Package cache keeps one value per execution environment for a while:
// reference data (the catalog, the manager roster) that every request reads
// and that changes rarely. A failed refresh keeps serving the last good
// value, so a DynamoDB hiccup does not fail requests that could be served.
//
// Layer: leaf.
package cache

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Value is a cached value of type T, loaded by Load and kept for TTL (0
// loads on every call).
type Value[T any] struct {
	Load func(ctx context.Context) (T, error)
	TTL  time.Duration
	Now  func() time.Time

	mu      sync.Mutex
	v       T
	ok      bool
	fetched time.Time
}

// Get returns the cached value, reloading it when older than TTL. When the
// reload fails it returns the previous value if there is one, else the error.
func (c *Value[T]) Get(ctx context.Context) (T, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok && now().Sub(c.fetched) < c.TTL {
		return c.v, nil
	}
	v, err := c.Load(ctx)
	if err != nil {
		if c.ok {
			return c.v, nil
		}
		var zero T
		return zero, err
	}
	c.v, c.ok, c.fetched = v, true, now()
	return v, nil
}

// Invalidate drops the cached value: the next Get loads.
func (c *Value[T]) Invalidate() {
	c.mu.Lock()
	c.ok = false
	c.mu.Unlock()
}

// Getter gives a current value: a Value, or anything else that loads one.
type Getter[T any] interface {
	Get(ctx context.Context) (T, error)
}

// OrZero returns g's value, or the zero value when there is no g or it
// fails, logging what is missing and what the caller does without it. It is
// for reference data a request can go on without (a claim is never refused
// for want of the roster or the SLA configuration).
func OrZero[T any](ctx context.Context, g Getter[T], logger *slog.Logger, without string) T {
	var zero T
	if g == nil {
		return zero
	}
	v, err := g.Get(ctx)
	if err != nil {
		logger.ErrorContext(ctx, "reference data unavailable: "+without, "error", err.Error())
		return zero
	}
	return v
}
