// Package survey is the satisfaction survey of closed claims: the claimant
// (through the signed link of the closing mail or the tracking page) or the
// claim's dealer rates how the claim was handled, 1 to 5, once, and may add
// a comment once. The rating is kept with the claim and on its history (a
// record that leaves the claim's version alone: a closed claim takes no
// other change), and a claim.rated event carries it to the notifier (a low
// score calls the supervisors) and to the consumers that count it.
//
// It declares the storage it needs and imports no AWS package.
//
// Layer: domain, producer.
package survey

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/workflow"
)

// Store reads claims and keeps their ratings.
type Store interface {
	// GetClaim returns apperr.NotFound for an unknown claim.
	GetClaim(ctx context.Context, id string) (*claims.Claim, error)
	// RecordRating stores a rating (first) or the comment that follows it,
	// with its history entry and events, advancing the history head from
	// prevHead: Conflict with Details "rated" when it is there already,
	// another Conflict when the history moved on.
	RecordRating(ctx context.Context, claimID string, prevHead int, entry claims.Event, r claims.Satisfaction, first bool, outbox []events.Event) error
}

// Publisher sends events after their commit.
type Publisher interface {
	Publish(ctx context.Context, evs []events.Event) error
}

// Config wires a Service; Store is required.
type Config struct {
	Store Store
	// Publisher sends the claim.rated event right after its commit
	// (optional: the outbox relay sends it otherwise).
	Publisher Publisher
	Now       func() time.Time
	Logger    *slog.Logger
}

// Service records ratings.
type Service struct{ cfg Config }

// New returns a Service; an Internal error names what cfg lacks.
func New(cfg Config) (*Service, error) {
	if err := deps.Check("survey", deps.Need("Store", cfg.Store)); err != nil {
		return nil, err
	}
	cfg.Publisher = deps.Optional(cfg.Publisher)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg}, nil
}

// Rater is who rates: the claimant (a holder of the claim's signed link) or
// a signed-in principal (the claim's dealer).
type Rater struct {
	Claimant  bool
	Principal *auth.Principal
}

// ClaimantRater is the claimant, through the claim's signed link.
var ClaimantRater = Rater{Claimant: true}

func (r Rater) id() string {
	if r.Claimant {
		return "claimant"
	}
	return "dealers:" + r.Principal.UserID
}

// mayRate returns NotFound unless r may rate c: the claimant of any claim
// they hold the link of; a dealer's user (or a dealer's system) for the
// dealer's own claims.
func (r Rater) mayRate(c *claims.Claim) error {
	if r.Claimant {
		return nil
	}
	p := r.Principal
	if err := auth.Require(p, auth.Dealer, auth.Integration); err != nil {
		return err
	}
	if p.DealerID == "" || p.DealerID != c.DealerID {
		return apperr.Errorf(apperr.NotFound, "claim not found")
	}
	return nil
}

// Rate records a closed claim's rating, with an optional comment. Errors:
// Invalid naming the field (score 1..5, comment length); NotFound when the
// rater may not rate the claim; Conflict when it is not closed, or is
// rated already (Details "rated": the first score stands).
func (s *Service) Rate(ctx context.Context, r Rater, claimID string, score int, comment string) (*claims.Claim, error) {
	if err := claims.CheckRating(score, &comment); err != nil {
		return nil, err
	}
	return s.record(ctx, r, claimID, true, func(c *claims.Claim, now time.Time) (claims.Satisfaction, string, map[string]any) {
		sat := claims.Satisfaction{Score: score, Comment: comment, RatedAt: now, RatedBy: r.id()}
		if comment != "" {
			sat.CommentedAt = now
		}
		return sat, claims.EventRated, map[string]any{"score": score, "comment": comment, "ratedBy": sat.RatedBy}
	})
}

// Comment adds the comment to a claim's rating given without one. Errors:
// Invalid (empty or too long); NotFound as Rate; Conflict when the claim is
// not rated yet or already has its comment.
func (s *Service) Comment(ctx context.Context, r Rater, claimID, comment string) (*claims.Claim, error) {
	if err := claims.CheckRating(claims.MaxScore, &comment); err != nil {
		return nil, err
	}
	if comment == "" {
		return nil, apperr.InvalidField("comment", "required: what you would like to tell us")
	}
	return s.record(ctx, r, claimID, false, func(c *claims.Claim, now time.Time) (claims.Satisfaction, string, map[string]any) {
		sat := *c.Satisfaction
		sat.Comment, sat.CommentedAt = comment, now
		return sat, claims.EventCommented, map[string]any{"comment": comment}
	})
}

// record reads the claim, checks who and when, and stores the rating the
// edit makes; a lost race with another record is tried again.
func (s *Service) record(ctx context.Context, r Rater, claimID string, first bool,
	edit func(c *claims.Claim, now time.Time) (claims.Satisfaction, string, map[string]any)) (*claims.Claim, error) {
	if !claims.ValidNumber(claimID) {
		return nil, apperr.Errorf(apperr.NotFound, "claim not found")
	}
	const attempts = 4
	for attempt := 1; ; attempt++ {
		c, err := s.cfg.Store.GetClaim(ctx, claimID)
		if err != nil {
			return nil, err
		}
		if err := r.mayRate(c); err != nil {
			return nil, err
		}
		if c.Stage != workflow.Closed {
			return nil, &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("claim %s is %s: a claim is rated once it is closed", c.ID, c.Stage),
				Details: map[string]any{"stage": string(c.Stage)}}
		}
		switch {
		case first && c.Satisfaction != nil:
			return nil, rated(c)
		case !first && c.Satisfaction == nil:
			return nil, apperr.Errorf(apperr.Conflict, "claim %s is not rated yet: a comment follows a rating", c.ID)
		case !first && c.Satisfaction.Comment != "":
			return nil, rated(c)
		}
		now := s.cfg.Now().UTC()
		sat, typ, after := edit(c, now)
		prev := c.HistoryHead()
		entry, err := claims.Record(c, typ, r.id(), now, nil, after)
		if err != nil {
			return nil, err
		}
		e, err := events.New(c.ID, r.id(), now, events.Rating{Number: c.ID, Score: sat.Score, Low: sat.Score <= claims.LowScore,
			Comment: sat.Comment, Commented: !first, RatedBy: sat.RatedBy, DealerID: c.DealerID, Assignee: c.Assignee})
		if err != nil {
			return nil, err
		}
		err = s.cfg.Store.RecordRating(ctx, c.ID, prev, entry, sat, first, []events.Event{e})
		switch {
		case err == nil:
			c.Satisfaction = &sat
			if s.cfg.Publisher != nil {
				if perr := s.cfg.Publisher.Publish(ctx, []events.Event{e}); perr != nil {
					s.cfg.Logger.WarnContext(ctx, "publish after commit failed; the outbox relay will retry", "claimId", c.ID, "error", perr.Error())
				}
			}
			s.cfg.Logger.InfoContext(ctx, "claim rated", "claimId", c.ID, "score", sat.Score, "by", sat.RatedBy, "comment", !first)
			return c, nil
		case isRated(err):
			return nil, err
		case !apperr.Is(err, apperr.Conflict) || attempt >= attempts:
			return nil, fmt.Errorf("rate claim %s: %w", c.ID, err)
		}
	}
}

// rated is the Conflict of a claim rated (and commented) already; its
// Details carry the score that stands.
func rated(c *claims.Claim) error {
	return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("claim %s is rated already (%d of 5): the first rating stands", c.ID, c.Satisfaction.Score),
		Details: map[string]any{"rated": true, "score": c.Satisfaction.Score}}
}

func isRated(err error) bool {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return false
	}
	_, ok := e.Details["rated"]
	return ok
}
