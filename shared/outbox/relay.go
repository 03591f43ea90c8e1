// Package outbox is the transactional outbox's safety net: a change writes
// its events (package events) in its own transaction and publishes them
// after the commit; when that publish is lost (a crash, a timeout, a queue
// outage), the relay finds the events the notifier never received and
// publishes them again. Consumers recognise redeliveries by the event ID.
//
// It imports only the standard library and the events package.
//
// Layer: leaf.
package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/claimsdesk/backend/shared/events"
)

// Pending lists events that never reached their consumer.
type Pending interface {
	// PendingEvents returns up to limit events written before before that the
	// notifier has not received yet, oldest first.
	PendingEvents(ctx context.Context, before time.Time, limit int) ([]events.Event, error)
	// Postpone moves still-pending events' place on the list to until, so
	// that a queue merely slow to drain is not flooded with copies.
	Postpone(ctx context.Context, evs []events.Event, until time.Time) error
}

// Sender publishes events (the queue).
type Sender interface {
	Publish(ctx context.Context, evs []events.Event) error
}

// Relay re-publishes events a crash, a timeout or a queue outage kept from
// being published after their commit: the transactional outbox's safety net.
// Consumers are idempotent by event ID, so an event published twice (the
// original send was merely slow) is delivered once.
type Relay struct {
	Pending Pending
	Sender  Sender
	// Grace is how old a pending event must be before the relay sends it
	// again (the normal publish right after the commit takes milliseconds).
	Grace time.Duration
	// Max bounds the events one run re-publishes.
	Max    int
	Now    func() time.Time
	Logger *slog.Logger
}

// RelayResult is what one run did.
type RelayResult struct {
	Republished int `json:"republished"`
}

// Run re-publishes the pending events older than Grace.
func (r *Relay) Run(ctx context.Context) (RelayResult, error) {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	grace, limit := r.Grace, r.Max
	if grace <= 0 {
		grace = time.Minute
	}
	if limit <= 0 {
		limit = 1000
	}
	pending, err := r.Pending.PendingEvents(ctx, now().Add(-grace), limit)
	if err != nil {
		return RelayResult{}, fmt.Errorf("relay: %w", err)
	}
	if len(pending) == 0 {
		return RelayResult{}, nil
	}
	if err := r.Sender.Publish(ctx, pending); err != nil {
		return RelayResult{}, fmt.Errorf("relay %d events: %w", len(pending), err)
	}
	// Sent again; if the notifier still has not received them in five grace
	// periods (a backlog, not a loss), they go once more.
	if err := r.Pending.Postpone(ctx, pending, now().Add(5*grace)); err != nil {
		r.Logger.WarnContext(ctx, "postponing re-published events failed; the next run sends them again", "error", err.Error())
	}
	for _, e := range pending {
		r.Logger.WarnContext(ctx, "outbox event re-published", "eventId", e.ID, "eventType", e.Type, "claimId", e.ClaimID, "at", e.At)
	}
	return RelayResult{Republished: len(pending)}, nil
}
