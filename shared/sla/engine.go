// Package sla is the claims' service levels: the company's working calendar
// (business hours, weekends, the production calendar's holidays, transfers
// and short days), the SLA policies matched to a claim, and the engine that
// keeps a claim's clocks (first response, the current stage, resolution,
// the statutory term) and reports warnings and breaches.
//
// Clocks run in business time, except the statutory clock, which runs in
// calendar days and does not stop while the claim waits for the customer.
// Time is always passed in (now), never read, so callers and tests control
// it.
//
// It imports only the standard library and the domain packages claims,
// catalog, workflow and apperr; no AWS package.
//
// Layer: domain.
package sla

import (
	"slices"
	"time"

	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/workflow"
)

// The clock labels of findings and of claims.SLA's Warned and Breached
// lists; a stage clock is StageClock(stage).
const (
	ClockFirstResponse = "firstResponse"
	ClockResolution    = "resolution"
	ClockStatutory     = "statutory"
)

// StageClock returns the label of stage s's clock, "stage:<s>": a new
// stage has its own label, so it gets its own warning and breach.
func StageClock(s claims.Stage) string { return "stage:" + string(s) }

// The kinds of finding.
const (
	// Warning: the clock used up its policy's warnAtPercent.
	Warning = "warning"
	// Breach: the clock is at or past its due time; the claim's escalation
	// level rose by one.
	Breach = "breach"
)

// Finding is something Check reports about one clock.
type Finding struct {
	Kind  string    `json:"kind"`
	Clock string    `json:"clock"`
	Due   time.Time `json:"due"`
	// Level is the claim's escalation level after the finding.
	Level int `json:"level"`
}

// Engine computes and checks claims' SLA state (claims.SLA and the claim's
// DueAt). Its methods change only the claim passed in, and replace cl.SLA
// with an updated copy rather than changing it in place, so a shallow copy
// of the claim taken before keeps the old state. Both fields must be
// validated; an Engine is then safe for concurrent use.
//
// The policy is fixed at intake: a claim keeps the policy Start matched even
// when its priority, category or type changes later (re-matching would
// rewrite due times the customer may already have been told). When the
// claim's policy is no longer in the config, the engine uses the one that
// matches the claim now.
//
// How callers use it: Start when a claim is filed, Moved after every
// stage transition, Responded when staff post a message the customer sees,
// and Check from the scheduled SLA check for claims whose SLA.NextCheck has
// come. Each sets SLA.NextCheck; persist the whole claim (SLA and DueAt)
// after each.
type Engine struct {
	Calendar *Calendar
	Config   *Config
}

// Start sets the SLA of a claim just filed (stage new): the matched policy,
// the first-response and resolution due times in business hours from
// cl.CreatedAt (now when zero), the statutory due time for the desired
// result, the stage clock (cl.DueAt) and NextCheck. It replaces any SLA the
// claim had.
func (e *Engine) Start(cl *claims.Claim, now time.Time) {
	t0 := cl.CreatedAt
	if t0.IsZero() {
		t0 = now
	}
	p := e.Config.Match(cl)
	s := &claims.SLA{
		Policy:           p.ID,
		FirstResponseDue: e.Calendar.Add(t0, p.FirstResponse()),
		ResolutionDue:    e.Calendar.Add(t0, p.Resolution()),
		StatutoryDue:     e.statutoryDue(cl.DesiredResult, t0),
	}
	cl.SLA = s
	cl.DueAt = time.Time{}
	if d, ok := p.Stage(cl.Stage); ok {
		cl.DueAt = e.Calendar.Add(t0, d)
	}
	s.NextCheck = e.next(cl, now)
}

// statutoryDue is the end of the statutory term for a claim presented at
// t0: by Civil Code arts. 191 and 194 the term starts the day after and
// ends at 24:00 of its last day, in the company's zone. The carry-over of a
// last day that is not a working day (art. 193) is not applied: the due
// time is the earliest one a court could hold the company to.
func (e *Engine) statutoryDue(r claims.DesiredResult, t0 time.Time) time.Time {
	days, ok := e.Config.StatutoryDays[r]
	if !ok || days <= 0 {
		return time.Time{}
	}
	loc := e.Calendar.Location()
	y, m, d := t0.In(loc).Date()
	return time.Date(y, m, d+days+1, 0, 0, 0, 0, loc).UTC()
}

// Moved updates the SLA after the workflow moved the claim from stage from
// to cl.Stage at now:
//   - leaving new is the first response (except a withdrawal by the
//     claimant);
//   - entering waiting_for_customer pauses the business clocks: PausedAt,
//     StageLeftSeconds (the stage clock's business time left, 0 when it had
//     run out), DueAt zero;
//   - leaving it resumes them: the resolution and a pending first-response
//     due time move later by the business time paused, and the stage clock
//     gets its time left back (DueAt = that much business time after now).
//     The workflow only returns a waiting claim to the stage it came from,
//     so the time left is the stage's own;
//   - entering any other working stage starts its stage clock afresh with
//     the policy's hours (no clock when it has none) and forgets the
//     stage's earlier warning and breach, so a stage entered again is
//     watched again;
//   - entering a final stage stops everything: DueAt and NextCheck zero,
//     ResolvedAt set.
//
// A claim without an SLA is left alone: give it one with Start.
func (e *Engine) Moved(cl *claims.Claim, from claims.Stage, now time.Time) {
	if cl.SLA == nil {
		return
	}
	s := cloneSLA(cl.SLA)
	cl.SLA = s
	to := cl.Stage
	if from == to {
		s.NextCheck = e.next(cl, now)
		return
	}
	now = now.UTC()
	if from == workflow.New && to != workflow.Withdrawn && s.RespondedAt.IsZero() {
		s.RespondedAt = now
	}
	p := e.policy(cl)
	switch {
	case workflow.Terminal(to):
		cl.DueAt = time.Time{}
		s.ResolvedAt = now
		s.PausedAt, s.StageLeftSeconds = time.Time{}, 0
		s.NextCheck = time.Time{}
		return
	case workflow.Paused(to):
		s.PausedAt = now
		s.StageLeftSeconds = 0
		if !cl.DueAt.IsZero() {
			s.StageLeftSeconds = int64(e.Calendar.Between(now, cl.DueAt).Round(time.Second) / time.Second)
		}
		cl.DueAt = time.Time{}
	case workflow.Paused(from) && !s.PausedAt.IsZero():
		paused := e.Calendar.Between(s.PausedAt, now)
		if !s.ResolutionDue.IsZero() {
			s.ResolutionDue = e.Calendar.Add(s.ResolutionDue, paused)
		}
		if s.RespondedAt.IsZero() && !s.FirstResponseDue.IsZero() {
			s.FirstResponseDue = e.Calendar.Add(s.FirstResponseDue, paused)
		}
		cl.DueAt = time.Time{}
		if _, ok := p.Stage(to); ok {
			cl.DueAt = e.Calendar.Add(now, time.Duration(s.StageLeftSeconds)*time.Second)
		}
		s.PausedAt, s.StageLeftSeconds = time.Time{}, 0
	default:
		cl.DueAt = time.Time{}
		if d, ok := p.Stage(to); ok {
			cl.DueAt = e.Calendar.Add(now, d)
		}
		label := StageClock(to)
		s.Warned = slices.DeleteFunc(s.Warned, func(l string) bool { return l == label })
		s.Breached = slices.DeleteFunc(s.Breached, func(l string) bool { return l == label })
	}
	s.ResolvedAt = time.Time{}
	s.NextCheck = e.next(cl, now)
}

// Responded records the first response (a staff message the customer sees)
// at now, unless the claim already had one or is finished.
func (e *Engine) Responded(cl *claims.Claim, now time.Time) {
	if cl.SLA == nil || !cl.SLA.RespondedAt.IsZero() || workflow.Terminal(cl.Stage) {
		return
	}
	s := cloneSLA(cl.SLA)
	cl.SLA = s
	s.RespondedAt = now.UTC()
	s.NextCheck = e.next(cl, now)
}

// Check evaluates the running clocks at now — the first response until it
// is given, the stage clock, resolution (none of them while paused) and the
// statutory term (also while paused) — and returns what is new, in that
// clock order:
//   - a breach when now is at or past a clock's due time: the clock is
//     added to SLA.Breached and SLA.Level rises by one; a clock that
//     breaches without having warned reports only the breach;
//   - otherwise a warning when now has reached warnAtPercent of the clock's
//     span: the clock is added to SLA.Warned.
//
// A clock's span is the policy's time for it in business time (pauses do
// not count), or the calendar time from intake to the statutory due time.
// Check then sets NextCheck to the earliest future warning or due time of
// the clocks not yet reported (zero when none is left). It is idempotent:
// a second call at the same instant reports nothing.
func (e *Engine) Check(cl *claims.Claim, now time.Time) []Finding {
	if cl.SLA == nil {
		return nil
	}
	s := cloneSLA(cl.SLA)
	cl.SLA = s
	var out []Finding
	for _, k := range e.clocks(cl) {
		switch {
		case k.breached:
		case !now.Before(k.due):
			s.Breached = append(s.Breached, k.label)
			s.Level++
			out = append(out, Finding{Kind: Breach, Clock: k.label, Due: k.due, Level: s.Level})
		case !k.warned && !now.Before(k.warnAt):
			s.Warned = append(s.Warned, k.label)
			out = append(out, Finding{Kind: Warning, Clock: k.label, Due: k.due, Level: s.Level})
		}
	}
	s.NextCheck = e.next(cl, now)
	return out
}

// clock is one running clock of a claim. warnAt is set only for a clock
// that has not warned or breached yet.
type clock struct {
	label            string
	due, warnAt      time.Time
	warned, breached bool
}

// clocks lists the claim's running clocks in reporting order.
func (e *Engine) clocks(cl *claims.Claim) []clock {
	s := cl.SLA
	if s == nil || workflow.Terminal(cl.Stage) {
		return nil
	}
	p := e.policy(cl)
	pct := time.Duration(p.WarnAtPercent)
	if pct <= 0 || pct >= 100 {
		pct = DefaultWarnAtPercent
	}
	out := make([]clock, 0, 4)
	add := func(label string, due time.Time, warnAt func() time.Time) {
		k := clock{label: label, due: due, warned: slices.Contains(s.Warned, label), breached: slices.Contains(s.Breached, label)}
		if !k.warned && !k.breached {
			k.warnAt = warnAt()
		}
		out = append(out, k)
	}
	// business returns the warning time of a business clock: when the
	// business time left falls to (100-pct) % of the span. Counting what is
	// left rather than what has passed keeps pauses out of the span.
	business := func(due time.Time, span time.Duration, start time.Time) func() time.Time {
		return func() time.Time {
			if span <= 0 {
				span = e.Calendar.Between(start, due)
			}
			return e.Calendar.back(due, span*(100-pct)/100)
		}
	}
	if !workflow.Paused(cl.Stage) && s.PausedAt.IsZero() {
		if s.RespondedAt.IsZero() && !s.FirstResponseDue.IsZero() {
			add(ClockFirstResponse, s.FirstResponseDue, business(s.FirstResponseDue, p.FirstResponse(), cl.CreatedAt))
		}
		if !cl.DueAt.IsZero() {
			span, _ := p.Stage(cl.Stage)
			add(StageClock(cl.Stage), cl.DueAt, business(cl.DueAt, span, cl.StageEnteredAt))
		}
		if !s.ResolutionDue.IsZero() {
			add(ClockResolution, s.ResolutionDue, business(s.ResolutionDue, p.Resolution(), cl.CreatedAt))
		}
	}
	if !s.StatutoryDue.IsZero() {
		add(ClockStatutory, s.StatutoryDue, func() time.Time {
			if cl.CreatedAt.IsZero() || !cl.CreatedAt.Before(s.StatutoryDue) {
				return s.StatutoryDue
			}
			return cl.CreatedAt.Add(s.StatutoryDue.Sub(cl.CreatedAt) * pct / 100).UTC()
		})
	}
	return out
}

// next returns the earliest warning or due time among the claim's
// unreported clocks, zero when there is none. After Check every reached one
// is reported, so it is in the future; after a move it may be reached
// already (a warning passed while the claim was paused), and then it is
// now: the check is due at once.
func (e *Engine) next(cl *claims.Claim, now time.Time) time.Time {
	var n time.Time
	consider := func(t time.Time) {
		if !t.After(now) {
			t = now
		}
		if n.IsZero() || t.Before(n) {
			n = t
		}
	}
	for _, k := range e.clocks(cl) {
		if k.breached {
			continue
		}
		if !k.warned {
			consider(k.warnAt)
		}
		consider(k.due)
	}
	return n.UTC()
}

// policy returns the claim's policy: the one it was given at intake, or
// the one matching it now when that is gone from the config.
func (e *Engine) policy(cl *claims.Claim) *Policy {
	if p, ok := e.Config.Policy(cl.SLA.Policy); ok {
		return p
	}
	return e.Config.Match(cl)
}

func cloneSLA(s *claims.SLA) *claims.SLA {
	c := *s
	c.Warned = slices.Clone(s.Warned)
	c.Breached = slices.Clone(s.Breached)
	return &c
}
