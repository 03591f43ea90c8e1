package sla

import (
	"context"
	"fmt"
	"time"

	"github.com/claimsdesk/backend/shared/cache"
	"github.com/claimsdesk/backend/shared/deps"
)

// Source gives the current engine: the policies and the calendar as the
// administrators last set them (cached by the caller).
type Source = cache.Getter[*Engine]

// Documents are the names of the SLA's reference documents in storage.
const (
	CalendarDoc = "calendar"
	PoliciesDoc = "sla"
)

// DocStore reads reference documents by name.
type DocStore interface {
	ConfigDoc(ctx context.Context, name string) ([]byte, error)
}

// Cached keeps the engine read from store for ttl in the execution
// environment (0 reads it on every call): the policies and the calendar
// change when an administrator replaces them. It returns an Internal error
// when store is missing (a typed nil included).
func Cached(store DocStore, ttl time.Duration) (*cache.Value[*Engine], error) {
	if err := deps.Check("sla engine cache", deps.Need("Store", store)); err != nil {
		return nil, err
	}
	return &cache.Value[*Engine]{TTL: ttl, Load: func(ctx context.Context) (*Engine, error) { return Load(ctx, store) }}, nil
}

// Load builds an engine from the stored calendar and policies.
func Load(ctx context.Context, store DocStore) (*Engine, error) {
	calDoc, err := store.ConfigDoc(ctx, CalendarDoc)
	if err != nil {
		return nil, fmt.Errorf("load working calendar: %w", err)
	}
	cal, err := ParseCalendar(calDoc)
	if err != nil {
		return nil, fmt.Errorf("working calendar: %w", err)
	}
	cfgDoc, err := store.ConfigDoc(ctx, PoliciesDoc)
	if err != nil {
		return nil, fmt.Errorf("load SLA policies: %w", err)
	}
	cfg, err := ParseConfig(cfgDoc)
	if err != nil {
		return nil, fmt.Errorf("SLA policies: %w", err)
	}
	return &Engine{Calendar: cal, Config: cfg}, nil
}
