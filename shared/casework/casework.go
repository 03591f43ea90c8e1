// Package casework is the claims department's daily work on a claim: moving
// it through the workflow, recording and revising the decision, reassigning
// it, editing its fields, keeping its tasks and investigation plan. Every
// change goes through one path (Service.change): load the claim, check the
// caller and the expected version, apply the change, seal a history entry on
// the claim's hash chain, and store claim, entry and outbox event in one
// transaction guarded by the version (optimistic locking: the loser of a race
// gets Conflict with the current version).
//
// It declares the storage interface it needs and imports no AWS package.
package casework

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/cache"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/outbox"
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
	Publish(ctx context.Context, events []outbox.Event) error
}

// Config wires a Service.
type Config struct {
	Store     Store
	Publisher Publisher
	Workflow  *workflow.Config
	// Catalog gives the root cause catalog for decisions.
	Catalog catalog.Source
	// SLA keeps the claims' service-level clocks (nil: none are kept).
	SLA    sla.Source
	Now    func() time.Time
	Logger *slog.Logger
}

// ErrNoChange is what an Edit returns when there is nothing to write: the
// change path then returns the claim as it is.
var ErrNoChange = errors.New("nothing to change")

// Service changes claims.
type Service struct {
	cfg Config
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Workflow == nil {
		cfg.Workflow = workflow.DefaultConfig()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg}
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
	// Notify is published as an outbox event of this type (with Data) when set.
	Notify string
	Data   any
	// Also are further outbox events of the change.
	Also []Note
	// Extra writes.
	Files      []claims.Attachment
	Messages   []claims.Message
	Orders     []orders.Order
	RateLimits []claims.RateLimit
}

// Note is an outbox event of a change: its type and data.
type Note struct {
	Type string
	Data any
}

// change is the one path of every change: see the package comment. version
// is the version the caller saw (0 = whatever is current, for the system).
func (s *Service) change(ctx context.Context, c Caller, id string, version int, edit Edit) (*claims.Claim, error) {
	if !claims.ValidNumber(id) {
		return nil, apperr.Errorf(apperr.NotFound, "claim not found")
	}
	cur, err := s.cfg.Store.GetClaim(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.changeFrom(ctx, c, cur, version, edit)
}

// ApplyTo runs a system change on a claim the caller already read (from an
// index, which may lag): it skips the read, and when the claim changed
// meanwhile it reads it again and runs the edit once more on the current
// state.
func (s *Service) ApplyTo(ctx context.Context, c Caller, cur *claims.Claim, edit Edit) (*claims.Claim, error) {
	cl, err := s.changeFrom(ctx, c, cur, cur.Version, edit)
	if e, ok := apperr.As(err); ok && e.Code == apperr.Conflict && e.Details["currentVersion"] != nil {
		return s.change(ctx, c, cur.ID, 0, edit)
	}
	return cl, err
}

// changeFrom is change on a claim already read.
func (s *Service) changeFrom(ctx context.Context, c Caller, cur *claims.Claim, version int, edit Edit) (*claims.Claim, error) {
	id := cur.ID
	a, err := actor(c, cur)
	if err != nil {
		return nil, err
	}
	if version != 0 && version != cur.Version {
		return nil, &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("claim %s is at version %d, not %d: reload and retry", id, cur.Version, version),
			Details: map[string]any{"currentVersion": cur.Version}}
	}
	next := *cur
	next.Tasks = append([]claims.Task(nil), cur.Tasks...)
	next.Orders = append([]string(nil), cur.Orders...)
	next.MissingZones = append([]string(nil), cur.MissingZones...)
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
	notes := out.Also
	if out.Notify != "" {
		notes = append([]Note{{Type: out.Notify, Data: out.Data}}, notes...)
	}
	for _, n := range notes {
		e, err := outbox.New(n.Type, id, a.ID, now, n.Data)
		if err != nil {
			return nil, err
		}
		ch.Outbox = append(ch.Outbox, e)
	}
	if err := s.cfg.Store.ApplyChange(ctx, ch); err != nil {
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

// Apply runs a custom change through the one change path (packages built on
// casework — chat, orders — use it).
func (s *Service) Apply(ctx context.Context, c Caller, id string, version int, edit Edit) (*claims.Claim, error) {
	return s.change(ctx, c, id, version, edit)
}

// StageChanged is the outbox data of a stage change.
type StageChanged struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Reason   string `json:"reason,omitempty"`
	Number   string `json:"number"`
	Email    string `json:"email,omitempty"`
	Language string `json:"language"`
	Assignee string `json:"assignee,omitempty"`
	// Instructions carry the decision's instructions when the claim enters
	// implementation or closes.
	Instructions string `json:"instructions,omitempty"`
	// ClaimantName, Resolution and WarrantyCase are for the claimant's mail
	// (the decision's resolution and kind, set with Instructions).
	ClaimantName string `json:"claimantName,omitempty"`
	Resolution   string `json:"resolution,omitempty"`
	WarrantyCase bool   `json:"warrantyCase,omitempty"`
}

// Engine returns the current SLA engine, or nil when none is kept or it
// cannot be loaded (the change then goes through without clocks, logged).
func (s *Service) Engine(ctx context.Context) *sla.Engine {
	return cache.OrZero(ctx, s.cfg.SLA, s.cfg.Logger, "SLA clocks not updated")
}

// Transition moves a claim to another stage. See workflow.Config.Move for the
// errors; NotFound when the caller cannot see the claim.
func (s *Service) Transition(ctx context.Context, c Caller, id string, version int, r workflow.Request) (*claims.Claim, error) {
	engine := s.Engine(ctx)
	return s.change(ctx, c, id, version, func(cl *claims.Claim, a workflow.Actor, now time.Time) (*Outcome, error) {
		from := cl.Stage
		before, after, err := s.cfg.Workflow.Move(cl, a, r, now)
		if err != nil {
			return nil, err
		}
		if engine != nil {
			engine.Moved(cl, from, now)
		}
		data := StageChanged{From: string(from), To: string(cl.Stage), Reason: r.Reason, Number: cl.ID, Email: cl.Claimant.Email, Language: cl.Language, Assignee: cl.Assignee,
			ClaimantName: cl.Claimant.Name}
		if (workflow.Terminal(cl.Stage) || cl.Stage == workflow.Implementation) && cl.Decision != nil {
			data.Instructions, data.Resolution, data.WarrantyCase = cl.Decision.Instructions, string(cl.Decision.Resolution), cl.Decision.WarrantyCase
		}
		return &Outcome{EventType: "stage.changed", Before: before, After: after, Notify: outbox.StageChanged, Data: data}, nil
	})
}

// Allowed returns the claim and the stages the caller may move it to from
// its stage (conditions such as a recorded decision are checked on the move).
func (s *Service) Allowed(ctx context.Context, c Caller, id string) (*claims.Claim, []claims.Stage, error) {
	if !claims.ValidNumber(id) {
		return nil, nil, apperr.Errorf(apperr.NotFound, "claim not found")
	}
	cl, err := s.cfg.Store.GetClaim(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	a, err := actor(c, cl)
	if err != nil {
		return nil, nil, err
	}
	if workflow.Terminal(cl.Stage) {
		return cl, nil, nil
	}
	return cl, s.cfg.Workflow.Allowed(cl, a), nil
}
