package reportmail

import (
	"context"
	"time"

	"github.com/claimsdesk/backend/shared/events"
)

// Run is one attempt's hold on the mail of one (subscription, period): the
// run record keyed by both is created once, so a schedule that fires twice,
// a crash mid-build or a redrive build and send the period's mail once.
type Run struct {
	SubscriptionID string
	// Period is the span's key.
	Period string
	// Attempt identifies the holder: only it may complete the run.
	Attempt string
	// LeaseUntil is when a holder that has not completed is taken for dead
	// (the function's timeout and a margin after it began).
	LeaseUntil time.Time
}

// RunClaim is what taking a run found.
type RunClaim struct {
	// Taken: the run is the caller's to build (new, or Repeat).
	Taken bool
	// Repeat: an attempt whose lease ran out left it unfinished (a crash,
	// a kill, a timeout): the caller builds it again.
	Repeat bool
	// Status is a finished run's outcome (StatusSent, ...): nothing to do.
	Status string
	// HeldUntil: another attempt is building it until then.
	HeldUntil time.Time
}

// Completion is a run's end, written at once: the run's outcome (on the
// condition that the attempt still holds it), the subscription's last run
// and next firing (on the condition that it is at PrevVersion) and, for a
// mail, its outbox event.
type Completion struct {
	Run    Run
	Status string
	At     time.Time
	// Subscription is the subscription as it is to be stored.
	Subscription *Subscription
	PrevVersion  int
	// Event is the mail's outbox event (none when skipped).
	Event *events.Event
}

// Runs keeps the runs and what the scheduled job reads.
type Runs interface {
	// DueSubscriptions returns up to limit active subscriptions whose next
	// firing is at or before now, earliest first (from an index by next
	// firing: no scan).
	DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]Subscription, error)
	// ClaimRun creates the run of r.SubscriptionID and r.Period for
	// r.Attempt, or takes over one whose lease ran out at now; a finished
	// run gives its Status, a held one HeldUntil.
	ClaimRun(ctx context.Context, r Run, now time.Time) (RunClaim, error)
	// CompleteRun writes c in one transaction. It returns ErrRunLost when
	// the attempt no longer holds the run and a Conflict error when the
	// subscription is not at c.PrevVersion.
	CompleteRun(ctx context.Context, c Completion) error
	// PutEvent writes an outbox event of no claim (a mail sent at once).
	PutEvent(ctx context.Context, e events.Event) error
	// GetSubscription returns NotFound for an unknown ID.
	GetSubscription(ctx context.Context, id string) (*Subscription, error)
	// PutSubscription is the Store's.
	PutSubscription(ctx context.Context, s *Subscription, prevVersion int) error
}

// ErrRunLost is CompleteRun's answer when the attempt no longer holds the
// run (another took it over after its lease, and may have sent it).
var ErrRunLost = errRunLost{}

type errRunLost struct{}

func (errRunLost) Error() string { return "the run is no longer held by this attempt" }
