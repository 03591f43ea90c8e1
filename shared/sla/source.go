package sla

import (
	"context"
	"fmt"
	"log/slog"
)

// Source gives the current engine: the policies and the calendar as the
// administrators last set them (cached by the caller).
type Source interface {
	Get(ctx context.Context) (*Engine, error)
}

// Current returns src's engine, or nil when there is no source or it fails:
// a claim is never refused or left unchanged for want of its clocks (the
// failure is logged, and the SLA check catches up).
func Current(ctx context.Context, src Source, logger *slog.Logger) *Engine {
	if src == nil {
		return nil
	}
	e, err := src.Get(ctx)
	if err != nil {
		logger.ErrorContext(ctx, "SLA configuration unavailable: clocks not updated", "error", err.Error())
		return nil
	}
	return e
}

// Documents are the names of the SLA's reference documents in storage.
const (
	CalendarDoc = "calendar"
	PoliciesDoc = "sla"
)

// DocStore reads reference documents by name.
type DocStore interface {
	ConfigDoc(ctx context.Context, name string) ([]byte, error)
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
