// Package casework is the claims department's daily work on a claim: moving
// it through the workflow, recording and revising the decision, reassigning
// it, editing its fields, keeping its tasks and investigation plan. Every
// change goes through one path (Service.change): load the claim, check the
// caller and the expected version, apply the change, seal a history entry on
// the claim's hash chain, and store claim, entry and outbox event in one
// transaction guarded by the version (optimistic locking: the loser of a race
// gets Conflict with the current version). A finished claim (closed,
// rejected, withdrawn) takes no change on this path except the moves the
// workflow defines out of its stage (workflow.Finished). Changes that do not
// take the caller's version (a chat message) are retried on a lost race
// (ApplyCurrent).
//
// It declares the storage interface it needs and imports no AWS package.
//
// Layer: domain, producer.
package casework

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/cache"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/sla"
	"github.com/claimsdesk/backend/shared/workflow"
)

// Store reads claims and applies versioned changes.
type Store interface {
	// GetClaim returns apperr.NotFound for an unknown claim.
	GetClaim(ctx context.Context, id string) (*claims.Claim, error)
	// ApplyChange returns apperr.Conflict when the version moved on.
	ApplyChange(ctx context.Context, ch *claims.Change) error
}

// Publisher sends outbox events after commit.
type Publisher interface {
	Publish(ctx context.Context, events []events.Event) error
}

// Config wires a Service. Store and Catalog are required; Publisher and
// SLA are optional; the rest have defaults.
type Config struct {
	Store Store
	// Publisher sends a change's events right after its commit (optional;
	// nil: they wait in the outbox for the relay, a minute or so).
	Publisher Publisher
	// Workflow is the stage machine (default workflow.DefaultConfig).
	Workflow *workflow.Config
	// Catalog gives the root cause catalog for decisions.
	Catalog catalog.Source
	// Articles tells whether the article a decision was solved with is
	// published (optional; nil: a decision naming one is refused).
	Articles Articles
	// SLA keeps the claims' service-level clocks (optional; nil: none are
	// kept).
	SLA sla.Source
	// Location is the company's time zone: a claim's filing date against
	// its warranty (default UTC).
	Location *time.Location
	// Retry bounds the retries of ApplyCurrent (zero: DefaultRetry).
	Retry  Retry
	Now    func() time.Time
	Logger *slog.Logger
}

// Articles looks up knowledge base articles (kb.Shelf).
type Articles interface {
	// Published reports whether the article exists and is published.
	Published(ctx context.Context, id string) (bool, error)
}

// Retry is how ApplyCurrent retries a change that lost a race: at most
// Attempts tries, waiting a random time up to Base before the second,
// doubled after each lost race up to Cap, so that parallel writers spread
// out.
type Retry struct {
	Attempts  int
	Base, Cap time.Duration
}

// DefaultRetry lets 30 and more parallel writers on one claim all land
// within a few seconds.
var DefaultRetry = Retry{Attempts: 40, Base: 5 * time.Millisecond, Cap: 200 * time.Millisecond}

// ErrNoChange is what an Edit returns when there is nothing to write: the
// change path then returns the claim as it is.
var ErrNoChange = errors.New("nothing to change")

// Service changes claims.
type Service struct {
	cfg Config
}

// New returns a Service. It returns an Internal error naming each required
// dependency cfg lacks (a typed nil counts as none).
func New(cfg Config) (*Service, error) {
	if err := deps.Check("casework", deps.Need("Store", cfg.Store), deps.Need("Catalog", cfg.Catalog)); err != nil {
		return nil, err
	}
	cfg.Publisher, cfg.SLA = deps.Optional(cfg.Publisher), deps.Optional(cfg.SLA)
	if cfg.Workflow == nil {
		cfg.Workflow = workflow.DefaultConfig()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Retry.Attempts <= 0 {
		cfg.Retry = DefaultRetry
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	return &Service{cfg: cfg}, nil
}

// Caller is who asks for a change: a signed-in principal, or the claimant
// through a tracking link (Principal nil, Claimant true), or the system.
type Caller struct {
	Principal *auth.Principal
	Claimant  bool
	System    bool
}

// actor is the caller as the workflow sees it for this claim. Callers who
// may not even see the claim get NotFound.
func actor(c Caller, cl *claims.Claim) (workflow.Actor, error) {
	switch {
	case c.System:
		return workflow.Actor{ID: "system", Roles: []string{workflow.BySystem}}, nil
	case c.Claimant:
		return workflow.Actor{ID: "claimant", Roles: []string{workflow.ByClaimant}}, nil
	}
	p := c.Principal
	if p == nil {
		return workflow.Actor{}, apperr.Errorf(apperr.Unauthorized, "sign-in required")
	}
	if !registry.CanSee(p, cl) {
		return workflow.Actor{}, apperr.Errorf(apperr.NotFound, "claim not found")
	}
	a := workflow.Actor{UserID: p.UserID}
	switch {
	case p.Has(auth.Supervisor):
		a.ID = "supervisors:" + p.UserID
		a.Roles = append(a.Roles, workflow.BySupervisor)
		if cl.Assignee == p.UserID {
			a.Roles = append(a.Roles, workflow.ByAssignee)
		}
	case p.Has(auth.Manager):
		a.ID = "managers:" + p.UserID
		if cl.Assignee == p.UserID {
			a.Roles = append(a.Roles, workflow.ByAssignee)
		}
	case p.Has(auth.Dealer):
		a.ID = "dealers:" + p.UserID
		if cl.DealerID == p.DealerID {
			a.Roles = append(a.Roles, workflow.ByClaimant)
		}
	case p.Has(auth.Integration):
		a.ID = "integrations:" + p.UserID
	case p.Has(auth.Admin):
		a.ID = "admins:" + p.UserID
	}
	return a, nil
}

// Edit is what one change does to a copy of the claim: it returns the
// history entry's type and before/after values, the outbox events' type
// (empty for none) and data, and anything else the change writes.
type Edit func(cl *claims.Claim, a workflow.Actor, now time.Time) (*Outcome, error)

// Outcome describes an applied change.
type Outcome struct {
	EventType     string
	Before, After map[string]any
	// Event, when set, is published as the change's event (written in the
	// change's transaction).
	Event events.Payload
	// Also are further events of the change.
	Also []events.Payload
	// Extra writes.
	Files      []claims.Attachment
	Messages   []claims.Message
	Orders     []orders.Order
	RateLimits []claims.RateLimit
}

// change is the one path of every change: see the package comment. version
// is the version the caller saw (0 = whatever is current, for the system).
func (s *Service) change(ctx context.Context, c Caller, id string, version int, edit Edit) (*claims.Claim, error) {
	return s.versioned(ctx, c, id, version, edit, false)
}

// versioned runs a change at the caller's version. A lost race is tried
// again on a fresh read a few times: when the version moved on, that read
// answers Conflict with the current version; when only the history did (a
// record such as a generated document, which leaves the version alone), the
// caller's change still applies.
func (s *Service) versioned(ctx context.Context, c Caller, id string, version int, edit Edit, move bool) (*claims.Claim, error) {
	const attempts = 4
	for attempt := 1; ; attempt++ {
		cl, err := s.changeOf(ctx, c, id, version, edit, move)
		if _, lost := err.(raced); !lost || attempt >= attempts || ctx.Err() != nil {
			return unrace(cl, err)
		}
	}
}

// changeOf reads the claim and runs changeFrom; a move (a transition) is
// left to the workflow to refuse on a finished claim.
func (s *Service) changeOf(ctx context.Context, c Caller, id string, version int, edit Edit, move bool) (*claims.Claim, error) {
	if !claims.ValidNumber(id) {
		return nil, apperr.Errorf(apperr.NotFound, "claim not found")
	}
	cur, err := s.cfg.Store.GetClaim(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.changeFrom(ctx, c, cur, version, edit, move)
}

// raced is the error of a change that lost a race in storage (another change
// was written first): worth another try on the current state when the
// caller's version does not matter. It never leaves the package.
type raced struct{ error }

// unrace returns storage's own error for a lost race.
func unrace(cl *claims.Claim, err error) (*claims.Claim, error) {
	if r, ok := err.(raced); ok {
		return nil, r.error
	}
	return cl, err
}

// ApplyCurrent runs a change that does not take the caller's version (a
// chat message, the customer's reply) on the current state of the claim;
// when another change wins the race to storage it reads the claim again and
// runs the edit once more on a fresh copy, up to a bound, with jittered
// backoff (Config.Retry). Errors are Apply's; a Conflict of a lost race only
// when the claim kept changing under every try.
func (s *Service) ApplyCurrent(ctx context.Context, c Caller, id string, edit Edit) (*claims.Claim, error) {
	return s.current(ctx, c, id, edit, false)
}

// current is ApplyCurrent, for a move too.
func (s *Service) current(ctx context.Context, c Caller, id string, edit Edit, move bool) (*claims.Claim, error) {
	r := s.cfg.Retry
	wait := max(r.Base, time.Microsecond)
	for attempt := 1; ; attempt++ {
		cl, err := s.changeOf(ctx, c, id, 0, edit, move)
		if _, lost := err.(raced); !lost {
			return cl, err
		}
		if attempt >= r.Attempts {
			s.cfg.Logger.WarnContext(ctx, "change kept losing races", "claimId", id, "attempts", attempt)
			return unrace(cl, err)
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("change of claim %s after %d lost races: %w", id, attempt, err)
		}
		t := time.NewTimer(rand.N(wait) + wait/10)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("change of claim %s after %d lost races: %w", id, attempt, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, max(r.Cap, r.Base))
	}
}

// ApplyTo runs a system change on a claim the caller already read (from an
// index, which may lag): it skips the read, and when the claim changed
// meanwhile it reads it again and runs the edit once more on the current
// state.
func (s *Service) ApplyTo(ctx context.Context, c Caller, cur *claims.Claim, edit Edit) (*claims.Claim, error) {
	cl, err := s.changeFrom(ctx, c, cur, cur.Version, edit, false)
	if _, ok := err.(raced); ok {
		return s.change(ctx, c, cur.ID, 0, edit)
	}
	return cl, err
}

// changeFrom is change on a claim already read. A Conflict from storage (a
// lost race) comes back as raced.
func (s *Service) changeFrom(ctx context.Context, c Caller, cur *claims.Claim, version int, edit Edit, move bool) (*claims.Claim, error) {
	id := cur.ID
	a, err := actor(c, cur)
	if err != nil {
		return nil, err
	}
	// Before the version: a stale caller learns at once that the claim is
	// finished. A move is the workflow's to allow (a reopening, when the
	// process has one).
	locked := workflow.Finished(cur)
	if move {
		locked = s.cfg.Workflow.Locked(cur)
	}
	if locked != nil {
		return nil, locked
	}
	if version != 0 && version != cur.Version {
		return nil, &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("claim %s is at version %d, not %d: reload and retry", id, cur.Version, version),
			Details: map[string]any{"currentVersion": cur.Version}}
	}
	next := *cur
	next.Tasks = append([]claims.Task(nil), cur.Tasks...)
	next.Orders = append([]string(nil), cur.Orders...)
	next.MissingZones = append([]string(nil), cur.MissingZones...)
	next.Flags = append([]claims.Flag(nil), cur.Flags...)
	if cur.Decision != nil {
		d := *cur.Decision
		next.Decision = &d
	}
	if cur.SLA != nil {
		l := *cur.SLA
		next.SLA = &l
	}
	now := s.cfg.Now().UTC()
	out, err := edit(&next, a, now)
	if errors.Is(err, ErrNoChange) {
		return cur, nil
	}
	if err != nil {
		return nil, err
	}
	ev, err := claims.Next(&next, out.EventType, a.ID, now, out.Before, out.After)
	if err != nil {
		return nil, err
	}
	ch := &claims.Change{Claim: &next, Before: cur, PrevVersion: cur.Version, Event: ev, Files: out.Files, Messages: out.Messages, Orders: out.Orders, RateLimits: out.RateLimits}
	emitted := out.Also
	if out.Event != nil {
		emitted = append([]events.Payload{out.Event}, emitted...)
	}
	for _, p := range emitted {
		e, err := events.New(id, a.ID, now, p)
		if err != nil {
			return nil, err
		}
		ch.Outbox = append(ch.Outbox, e)
	}
	if err := s.cfg.Store.ApplyChange(ctx, ch); err != nil {
		if apperr.Is(err, apperr.Conflict) && !orderExists(err) {
			// Orders the change creates may conflict by number: that is
			// not a race to try again.
			return nil, raced{err}
		}
		return nil, err
	}
	if len(ch.Outbox) > 0 && s.cfg.Publisher != nil {
		if err := s.cfg.Publisher.Publish(ctx, ch.Outbox); err != nil {
			s.cfg.Logger.WarnContext(ctx, "publish after commit failed; the outbox relay will retry", "claimId", id, "error", err.Error())
		}
	}
	s.cfg.Logger.InfoContext(ctx, "claim changed", "claimId", id, "change", out.EventType, "version", next.Version, "actor", a.ID)
	return &next, nil
}

// orderExists reports whether a Conflict from storage is an order number
// already taken (Details "order").
func orderExists(err error) bool {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return false
	}
	_, ok := e.Details["order"]
	return ok
}

// Apply runs a custom change through the one change path (packages built on
// casework — chat, orders — use it).
func (s *Service) Apply(ctx context.Context, c Caller, id string, version int, edit Edit) (*claims.Claim, error) {
	return s.change(ctx, c, id, version, edit)
}

// Engine returns the current SLA engine, or nil when none is kept or it
// cannot be loaded (the change then goes through without clocks, logged).
func (s *Service) Engine(ctx context.Context) *sla.Engine {
	return cache.OrZero(ctx, s.cfg.SLA, s.cfg.Logger, "SLA clocks not updated")
}

// Transition moves a claim to another stage. See workflow.Config.Move for the
// errors; NotFound when the caller cannot see the claim. Without a version
// (the system's moves: a customer's answer resumes a waiting claim) a lost
// race is retried on the current claim, as ApplyCurrent does.
func (s *Service) Transition(ctx context.Context, c Caller, id string, version int, r workflow.Request) (*claims.Claim, error) {
	engine := s.Engine(ctx)
	edit := func(cl *claims.Claim, a workflow.Actor, now time.Time) (*Outcome, error) {
		from := cl.Stage
		before, after, err := s.cfg.Workflow.Move(cl, a, r, now)
		if err != nil {
			return nil, err
		}
		if engine != nil {
			engine.Moved(cl, from, now)
		}
		data := events.StageChange{From: string(from), To: string(cl.Stage), Reason: r.Reason, Number: cl.ID, Email: cl.Claimant.Email, Language: cl.Language, Assignee: cl.Assignee,
			ClaimantName: cl.Claimant.Name}
		if (workflow.Terminal(cl.Stage) || cl.Stage == workflow.Implementation) && cl.Decision != nil {
			data.Instructions, data.Resolution, data.WarrantyCase = cl.Decision.Instructions, string(cl.Decision.Resolution), cl.Decision.WarrantyCase
		}
		return &Outcome{EventType: "stage.changed", Before: before, After: after, Event: data}, nil
	}
	if version == 0 {
		return s.current(ctx, c, id, edit, true)
	}
	return s.versioned(ctx, c, id, version, edit, true)
}

// Moves returns the claim and the moves out of its stage as the caller sees
// them now (workflow.Config.Options: allowed ones would succeed, blocked
// ones carry the error they would get). Callers on the claimant's side (a
// dealer) see only the moves that are theirs to make. NotFound when the
// caller cannot see the claim.
func (s *Service) Moves(ctx context.Context, c Caller, id string) (*claims.Claim, workflow.Options, error) {
	if !claims.ValidNumber(id) {
		return nil, workflow.Options{}, apperr.Errorf(apperr.NotFound, "claim not found")
	}
	cl, err := s.cfg.Store.GetClaim(ctx, id)
	if err != nil {
		return nil, workflow.Options{}, err
	}
	a, err := actor(c, cl)
	if err != nil {
		return nil, workflow.Options{}, err
	}
	opts := s.cfg.Workflow.Options(cl, a)
	if !has(a, workflow.ByAssignee) && !has(a, workflow.BySupervisor) {
		kept := []workflow.Blocked{}
		for _, b := range opts.Blocked {
			if b.Code != string(apperr.Forbidden) {
				kept = append(kept, b)
			}
		}
		opts.Blocked = kept
	}
	return cl, opts, nil
}
