// Package slacheck is the scheduled control of the claims' service levels:
// every few minutes it reads the claims whose next SLA check has come (an
// index keyed by that time, never the whole table), warns the assignee before
// a breach, escalates to the supervisors on a breach, and hands the claims of
// an absent manager to the substitute; once a day it moves every open claim
// of the managers absent that day to their stand-ins.
//
// Every change goes through casework (one versioned transaction with its
// history entry and outbox events), as the system. It imports no AWS package.
//
// Layer: domain, producer.
package slacheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/cache"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/sla"
	"github.com/claimsdesk/backend/shared/workflow"
)

// Store reads the claims the jobs look at.
type Store interface {
	// DueClaims returns a page of claims whose SLA check is due by until.
	DueClaims(ctx context.Context, until time.Time, limit int, start string) ([]claims.Claim, string, error)
	// Worklist returns a page of a manager's open claims.
	Worklist(ctx context.Context, assignee string, limit int, start string) (*registry.ListPage, error)
	// PersonalManager returns a customer's personal manager key ("" for none).
	PersonalManager(ctx context.Context, customerID string) (string, error)
}

// RosterSource gives the current roster (cached by the caller).
type RosterSource = cache.Getter[*assignment.Roster]

// Checker runs the jobs.
type Checker struct {
	cfg Config
}

// Config wires a Checker. Work, Store and SLA are required; Roster is
// optional (nil: no claim changes hands); the rest have defaults.
type Config struct {
	// Work is the one change path every warning, escalation and move takes.
	Work  *casework.Service
	Store Store
	// SLA gives the policies and the working calendar.
	SLA sla.Source
	// Roster gives the managers and their stand-ins (optional; nil: no
	// reassignment, no absence moves).
	Roster RosterSource
	// Location is the company's time zone: absences are days there
	// (default UTC).
	Location *time.Location
	Now      func() time.Time
	Logger   *slog.Logger
}

// New returns a Checker. It returns an Internal error naming each required
// dependency cfg lacks (a typed nil counts as none).
func New(cfg Config) (*Checker, error) {
	if err := deps.Check("slacheck", deps.Need("Work", cfg.Work), deps.Need("Store", cfg.Store), deps.Need("SLA", cfg.SLA)); err != nil {
		return nil, err
	}
	cfg.Roster = deps.Optional(cfg.Roster)
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Checker{cfg: cfg}, nil
}

// Result is what a run did.
type Result struct {
	// Read counts the claims read; Changed those written.
	Read        int `json:"read"`
	Changed     int `json:"changed"`
	Warnings    int `json:"warnings"`
	Breaches    int `json:"breaches"`
	Reassigned  int `json:"reassigned"`
	Failed      int `json:"failed"`
	DurationMil int `json:"durationMs"`
}

const pageSize = 100

func (c *Checker) now() time.Time { return c.cfg.Now().UTC() }

// Run runs the job a schedule's input names: {"job": "check"} (Check) or
// {"job": "absences"} (MoveAbsent). Another input is an Invalid error for
// field "job".
func (c *Checker) Run(ctx context.Context, input []byte) (Result, error) {
	var job struct {
		Job string `json:"job"`
	}
	if err := json.Unmarshal(input, &job); err != nil {
		return Result{}, apperr.InvalidField("job", "the input is not JSON")
	}
	switch job.Job {
	case "check":
		return c.Check(ctx)
	case "absences":
		return c.MoveAbsent(ctx)
	}
	return Result{}, apperr.InvalidField("job", `"check" or "absences"`)
}

// Check looks at every claim whose next SLA check has come. A claim that
// fails is logged and left for the next run (its check time does not move);
// the others go on.
func (c *Checker) Check(ctx context.Context) (Result, error) {
	started := time.Now()
	now := c.now()
	engine, err := c.cfg.SLA.Get(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("sla check: %w", err)
	}
	roster := cache.OrZero(ctx, c.cfg.Roster, c.cfg.Logger, "no reassignment this run")
	var res Result
	start := ""
	for {
		page, next, err := c.cfg.Store.DueClaims(ctx, now, pageSize, start)
		if err != nil {
			return res, fmt.Errorf("sla check: %w", err)
		}
		for i := range page {
			res.Read++
			c.checkOne(ctx, engine, roster, &page[i], now, &res)
		}
		if next == "" {
			break
		}
		start = next
	}
	res.DurationMil = int(time.Since(started).Milliseconds())
	c.cfg.Logger.InfoContext(ctx, "sla check done", "read", res.Read, "changed", res.Changed, "warnings", res.Warnings,
		"breaches", res.Breaches, "reassigned", res.Reassigned, "failed", res.Failed)
	return res, nil
}

func (c *Checker) checkOne(ctx context.Context, engine *sla.Engine, roster *assignment.Roster, cl *claims.Claim, now time.Time, res *Result) {
	var findings []sla.Finding
	reassigned := false
	_, err := c.cfg.Work.ApplyTo(ctx, casework.Caller{System: true}, cl, func(cl *claims.Claim, _ workflow.Actor, at time.Time) (*casework.Outcome, error) {
		findings, reassigned = nil, false
		before := cl.SLA
		findings = engine.Check(cl, at)
		out := &casework.Outcome{EventType: "sla.checked", After: map[string]any{}}
		if len(findings) > 0 {
			list := make([]map[string]any, len(findings))
			for i, f := range findings {
				list[i] = map[string]any{"kind": f.Kind, "clock": f.Clock, "due": f.Due.Format(time.RFC3339), "level": f.Level}
				e := events.SLA{
					Number: cl.ID, Clock: f.Clock, Due: f.Due, Level: f.Level, Assignee: cl.Assignee,
					Stage: string(cl.Stage), Priority: string(cl.Priority),
				}
				if f.Kind == sla.Breach {
					out.Also = append(out.Also, events.Escalation(e))
				} else {
					out.Also = append(out.Also, e)
				}
			}
			out.After["findings"] = list
			out.After["level"] = cl.SLA.Level
		}
		if roster != nil {
			note, err := c.standIn(ctx, roster, cl, at, "the assignee is absent and the claim is due")
			if err != nil {
				return nil, err
			}
			if note != nil {
				reassigned = true
				out.Before = map[string]any{"assignee": note.Previous}
				out.After["assignee"] = cl.Assignee
				out.Also = append(out.Also, *note)
			}
		}
		if len(findings) == 0 && !reassigned {
			if before != nil && cl.SLA != nil && before.NextCheck.Equal(cl.SLA.NextCheck) {
				return nil, casework.ErrNoChange
			}
			// Only the next check moved (the clocks changed since the index
			// entry was written): record it so the claim leaves the due list.
			out.EventType = "sla.rescheduled"
		}
		if cl.SLA != nil {
			out.After["nextCheck"] = cl.SLA.NextCheck.Format(time.RFC3339)
		}
		return out, nil
	})
	if err != nil {
		res.Failed++
		c.cfg.Logger.ErrorContext(ctx, "sla check of a claim failed; retried next run", "claimId", cl.ID, "error", err.Error())
		return
	}
	if len(findings) > 0 || reassigned {
		res.Changed++
	}
	for _, f := range findings {
		if f.Kind == sla.Breach {
			res.Breaches++
		} else {
			res.Warnings++
		}
	}
	if reassigned {
		res.Reassigned++
	}
}

// standIn gives the claim to its assignee's stand-in when the assignee is
// not available today (absent, inactive, off the roster) and the
// responsibility matrix names someone available who is not the customer's
// personal manager. It returns the event of the reassignment, or nil when
// the claim stays.
func (c *Checker) standIn(ctx context.Context, roster *assignment.Roster, cl *claims.Claim, now time.Time, why string) (*events.Assignment, error) {
	today := now.In(c.loc())
	if cl.Assignee == "" || workflow.Terminal(cl.Stage) || roster.Available(cl.Assignee, today) {
		return nil, nil
	}
	pm, err := c.cfg.Store.PersonalManager(ctx, cl.CustomerID)
	if err != nil {
		return nil, fmt.Errorf("personal manager of %s: %w", cl.CustomerID, err)
	}
	sub := roster.StandIn(cl.Assignee, today, []string{pm})
	if sub == "" {
		return nil, nil
	}
	reason := why
	if m, ok := roster.Manager(cl.Assignee); ok {
		if a, absent := m.AbsentOn(today); absent {
			reason = fmt.Sprintf("%s: %s, stand-in by the responsibility matrix", why, a.Kind)
		}
	}
	prev := cl.Assignee
	casework.Assign(cl, sub)
	return &events.Assignment{Number: cl.ID, Assignee: sub, Previous: prev, Reason: reason}, nil
}

func (c *Checker) loc() *time.Location { return c.cfg.Location }

// MoveAbsent hands every open claim of the managers absent today to their
// stand-ins (the daily job). Claims whose stand-in would be the customer's
// personal manager, or who have nobody available, stay and are counted.
func (c *Checker) MoveAbsent(ctx context.Context) (Result, error) {
	started := time.Now()
	roster := cache.OrZero(ctx, c.cfg.Roster, c.cfg.Logger, "no absence moves this run")
	if roster == nil {
		return Result{}, errors.New("absence job: no roster")
	}
	now := c.now()
	today := now.In(c.loc())
	var res Result
	for _, m := range roster.Managers {
		if !m.Active {
			continue
		}
		if _, absent := m.AbsentOn(today); !absent {
			continue
		}
		start := ""
		for {
			page, err := c.cfg.Store.Worklist(ctx, m.ID, pageSize, start)
			if err != nil {
				return res, fmt.Errorf("absence job: worklist of %s: %w", m.ID, err)
			}
			for i := range page.Claims {
				res.Read++
				c.moveOne(ctx, roster, &page.Claims[i], &res)
			}
			if page.Next == "" {
				break
			}
			start = page.Next
		}
	}
	res.DurationMil = int(time.Since(started).Milliseconds())
	c.cfg.Logger.InfoContext(ctx, "absence job done", "read", res.Read, "reassigned", res.Reassigned, "failed", res.Failed)
	return res, nil
}

func (c *Checker) moveOne(ctx context.Context, roster *assignment.Roster, cl *claims.Claim, res *Result) {
	moved := false
	_, err := c.cfg.Work.ApplyTo(ctx, casework.Caller{System: true}, cl, func(cl *claims.Claim, _ workflow.Actor, at time.Time) (*casework.Outcome, error) {
		note, err := c.standIn(ctx, roster, cl, at, "the assignee is absent today")
		if err != nil {
			return nil, err
		}
		if note == nil {
			moved = false
			return nil, casework.ErrNoChange
		}
		moved = true
		return &casework.Outcome{EventType: "claim.assigned",
			Before: map[string]any{"assignee": note.Previous}, After: map[string]any{"assignee": note.Assignee, "reason": note.Reason},
			Event: *note}, nil
	})
	switch {
	case err != nil && !isGone(err):
		res.Failed++
		c.cfg.Logger.ErrorContext(ctx, "moving an absent manager's claim failed", "claimId", cl.ID, "error", err.Error())
	case moved:
		res.Reassigned++
		res.Changed++
	}
}

// isGone reports an error about a claim that no longer exists.
func isGone(err error) bool {
	e, ok := apperr.As(err)
	return ok && e.Code == apperr.NotFound
}
