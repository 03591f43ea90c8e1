package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/sla"
)

// Applied is the contribution last applied for a claim, stamped with the
// claim's history head at the time.
type Applied struct {
	Stamp        int
	Contribution Contribution
}

// Store keeps the aggregates and what each claim contributed.
type Store interface {
	// GetClaim returns apperr.NotFound for an unknown claim.
	GetClaim(ctx context.Context, id string) (*claims.Claim, error)
	// Applied returns the contributions last applied for a claim, by fact
	// kind (a kind never applied is absent).
	Applied(ctx context.Context, claimID string) (map[string]Applied, error)
	// Apply adds delta to the aggregates and records next as the claim's
	// applied contribution of the fact kind, in one transaction, if its
	// applied stamp is still prevStamp (0: none applied): Conflict
	// otherwise.
	Apply(ctx context.Context, claimID, kind string, prevStamp int, next Applied, delta Contribution) error
}

// CalendarSource gives the company's working calendar.
type CalendarSource interface {
	Calendar(ctx context.Context) (Calendar, error)
}

// MaxCells bounds the cells one fact kind's change may touch (one
// transaction: the claim's record and 99 aggregate items). The dimensions
// keep their facts so that no fact comes near it
// (TestDeltaStaysInOneTransaction).
const MaxCells = 99

// ConsumerConfig wires a Consumer; Store and Calendar are required.
type ConsumerConfig struct {
	Store    Store
	Calendar CalendarSource
	// Location is the company's time zone (default UTC): the days of the
	// aggregates.
	Location *time.Location
	Logger   *slog.Logger
}

// Consumer keeps the aggregates up to date from the claims' events.
type Consumer struct{ cfg ConsumerConfig }

// NewConsumer returns a Consumer; an Internal error names what cfg lacks.
func NewConsumer(cfg ConsumerConfig) (*Consumer, error) {
	if err := deps.Check("analytics", deps.Need("Store", cfg.Store), deps.Need("Calendar", cfg.Calendar)); err != nil {
		return nil, err
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Consumer{cfg: cfg}, nil
}

// Deliver counts one message of the analytics queue: a claim event (the
// body as published). Whatever the event, the claim is counted as it is
// now; an event of a claim already counted at its state changes nothing.
// It returns an Invalid error for a body that is not an event.
func (c *Consumer) Deliver(ctx context.Context, body []byte) error {
	var e events.Event
	if err := json.Unmarshal(body, &e); err != nil || e.ID == "" || !claims.ValidNumber(e.ClaimID) {
		return apperr.InvalidField("event", "not a claim event")
	}
	return c.Count(ctx, e.ClaimID)
}

// Count brings a claim's contribution to the aggregates up to date. A lost
// race with another count of the same claim is tried again (that count
// may have done it).
func (c *Consumer) Count(ctx context.Context, claimID string) error {
	const attempts = 5
	for attempt := 1; ; attempt++ {
		err := c.count(ctx, claimID)
		if err == nil || !apperr.Is(err, apperr.Conflict) || attempt >= attempts {
			return err
		}
	}
}

func (c *Consumer) count(ctx context.Context, claimID string) error {
	return c.countAll(ctx, claimID, false)
}

// countAll brings each fact kind of a claim up to date; force recomputes
// every kind, whatever its stamp says (a repair).
func (c *Consumer) countAll(ctx context.Context, claimID string, force bool) error {
	cl, err := c.cfg.Store.GetClaim(ctx, claimID)
	if apperr.Is(err, apperr.NotFound) {
		c.cfg.Logger.WarnContext(ctx, "event of an unknown claim: nothing to count", "claimId", claimID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("count claim %s: %w", claimID, err)
	}
	applied, err := c.cfg.Store.Applied(ctx, claimID)
	if err != nil {
		return fmt.Errorf("count claim %s: %w", claimID, err)
	}
	stamp := cl.HistoryHead()
	var facts map[string]Contribution
	cells := 0
	for _, kind := range FactKinds {
		prev := applied[kind]
		if prev.Stamp >= stamp && !force {
			continue // counted at this state (or a later one) already
		}
		if facts == nil {
			cal, err := c.cfg.Calendar.Calendar(ctx)
			if err != nil {
				return fmt.Errorf("count claim %s: %w", claimID, err)
			}
			facts = Facts(cl, cal, c.cfg.Location)
		}
		next := Applied{Stamp: max(stamp, prev.Stamp), Contribution: facts[kind]}
		delta := Delta(prev.Contribution, next.Contribution)
		if len(delta) == 0 {
			continue // nothing of this kind changed: nothing to write
		}
		if len(delta) > MaxCells {
			return fmt.Errorf("count claim %s: %w", claimID, errTooManyCells(len(delta)))
		}
		if err := c.cfg.Store.Apply(ctx, claimID, kind, prev.Stamp, next, delta); err != nil {
			return err
		}
		cells += len(delta)
	}
	if facts != nil {
		c.cfg.Logger.InfoContext(ctx, "claim counted", "claimId", claimID, "stamp", stamp, "cells", cells)
	}
	return nil
}

func errTooManyCells(n int) error {
	return fmt.Errorf("%w: a change touches %d aggregate cells", errTooMany, n)
}

var errTooMany = errors.New("more cells than one transaction holds")

// SLACalendar is the working calendar of the SLA engine source (the one
// the SLA's clocks use) as a CalendarSource.
func SLACalendar(src sla.Source) CalendarSource { return slaCalendar{src} }

type slaCalendar struct{ src sla.Source }

func (s slaCalendar) Calendar(ctx context.Context) (Calendar, error) {
	e, err := s.src.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("working calendar: %w", err)
	}
	return e.Calendar, nil
}
