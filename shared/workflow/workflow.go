// Package workflow is the claim's process as an explicit state machine: the
// stages, the allowed transitions and who may make them (by role and by being
// the claim's assignee), the tasks a stage creates on entry (the automation
// rules the sources call robots) and the rule that a stage cannot be left
// while its required tasks are open. The rules come from a Config, with a
// sensible default (DefaultConfig).
//
// It imports only the standard library and the domain packages claims,
// catalog and apperr; no AWS package.
//
// Layer: domain.
package workflow

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
)

// The stages.
const (
	New                claims.Stage = "new"
	InformationCheck   claims.Stage = "information_check"
	Diagnostics        claims.Stage = "diagnostics"
	Decision           claims.Stage = "decision"
	Implementation     claims.Stage = "implementation"
	IncidentAnalysis   claims.Stage = "incident_analysis"
	QualityControl     claims.Stage = "quality_control"
	Closed             claims.Stage = "closed"
	WaitingForCustomer claims.Stage = "waiting_for_customer"
	ReturnedForRework  claims.Stage = "returned_for_rework"
	Rejected           claims.Stage = "rejected"
	Withdrawn          claims.Stage = "withdrawn"
)

// Stages lists every stage in process order.
var Stages = []claims.Stage{New, InformationCheck, Diagnostics, Decision, Implementation, IncidentAnalysis,
	QualityControl, Closed, WaitingForCustomer, ReturnedForRework, Rejected, Withdrawn}

// Terminal reports whether a claim in stage s is finished.
func Terminal(s claims.Stage) bool { return s == Closed || s == Rejected || s == Withdrawn }

// Finished returns nil for a claim that is not finished, and for a finished
// one (closed, rejected, withdrawn) the Conflict every change of it gets
// (files, edits, tasks, the decision, the assignment, messages, orders):
// a finished claim takes only the moves the process defines out of its
// stage (Config.Move), none by default.
func Finished(cl *claims.Claim) error {
	if !Terminal(cl.Stage) {
		return nil
	}
	return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("claim %s is %s: a finished claim takes no more changes", cl.ID, cl.Stage),
		Details: map[string]any{"stage": string(cl.Stage)}}
}

// Paused reports whether the claim's clock stops in stage s (the customer
// owes an answer).
func Paused(s claims.Stage) bool { return s == WaitingForCustomer }

// Previous is the target of a transition back to where the claim was before
// it was paused or returned.
const Previous claims.Stage = "$previous"

// Who may make a transition.
const (
	ByAssignee   = "assignee"   // the claim's assigned manager
	BySupervisor = "supervisor" // any supervisor
	ByClaimant   = "claimant"   // the customer (tracking link) or the claim's dealer
	BySystem     = "system"     // automation (a customer's reply resumes a waiting claim)
)

// Conditions a transition may require.
const (
	// NeedsDecision: a decision is recorded.
	NeedsDecision = "decision"
	// NeedsReason: the request carries a reason.
	NeedsReason = "reason"
	// NeedsIncidentAnalysis / SkipsIncidentAnalysis: taken only when the
	// decision does / does not call for an incident analysis.
	NeedsIncidentAnalysis = "incident_analysis_required"
	SkipsIncidentAnalysis = "incident_analysis_not_required"
	// NeedsRejection: the decision's resolution is reject.
	NeedsRejection = "resolution_reject"
)

// Transition is one allowed move.
type Transition struct {
	From     claims.Stage `json:"from"`
	To       claims.Stage `json:"to"`
	By       []string     `json:"by"`
	Requires []string     `json:"requires,omitempty"`
	// KeepsTasks lets the claim leave with required tasks open (pausing,
	// sending back, withdrawing and rejecting do not finish the work).
	KeepsTasks bool `json:"keepsTasks,omitempty"`
}

// TaskTemplate is a task a stage creates on entry.
type TaskTemplate struct {
	ID       string       `json:"id"`
	Title    catalog.Text `json:"title"`
	Required bool         `json:"required"`
	// Owner is ByAssignee or BySupervisor.
	Owner string `json:"owner"`
	// DueHours counts from the stage entry.
	DueHours int `json:"dueHours"`
}

// Config is the process.
type Config struct {
	Transitions []Transition                    `json:"transitions"`
	Tasks       map[claims.Stage][]TaskTemplate `json:"tasks"`
}

// open returns the stages from which the claimant may withdraw and a
// supervisor may close the matter early.
func openStages() []claims.Stage {
	return []claims.Stage{New, InformationCheck, Diagnostics, Decision, Implementation, IncidentAnalysis, QualityControl, WaitingForCustomer, ReturnedForRework}
}

// DefaultConfig is the process described by the sources: new → information
// check → diagnostics → decision → implementation → (incident analysis when
// the decision finds a manufacturing defect) → quality control → closed, with
// pauses for the customer, rework sent back by a reviewer, rejection and
// withdrawal.
func DefaultConfig() *Config {
	staff := []string{ByAssignee, BySupervisor}
	c := &Config{
		Transitions: []Transition{
			{From: New, To: InformationCheck, By: staff},
			{From: InformationCheck, To: Diagnostics, By: staff},
			{From: InformationCheck, To: Rejected, By: []string{BySupervisor}, Requires: []string{NeedsReason}, KeepsTasks: true},
			{From: Diagnostics, To: Decision, By: staff},
			{From: Decision, To: Implementation, By: staff, Requires: []string{NeedsDecision}},
			{From: Decision, To: Rejected, By: staff, Requires: []string{NeedsDecision, NeedsRejection}},
			{From: Implementation, To: IncidentAnalysis, By: staff, Requires: []string{NeedsIncidentAnalysis}},
			{From: Implementation, To: QualityControl, By: staff, Requires: []string{SkipsIncidentAnalysis}},
			{From: IncidentAnalysis, To: QualityControl, By: staff},
			{From: QualityControl, To: Closed, By: []string{BySupervisor}},
			{From: ReturnedForRework, To: Previous, By: staff},
			{From: WaitingForCustomer, To: Previous, By: []string{ByAssignee, BySupervisor, BySystem}},
		},
		Tasks: map[claims.Stage][]TaskTemplate{
			InformationCheck: {
				{ID: "check-completeness", Title: catalog.Text{"ru": "Проверить полноту сведений, фото и документов", "en": "Check the information, photos and documents are complete"}, Required: true, Owner: ByAssignee, DueHours: 8},
			},
			Diagnostics: {
				{ID: "diagnose", Title: catalog.Text{"ru": "Провести диагностику (экспертизу) изделия", "en": "Diagnose (examine) the product"}, Required: true, Owner: ByAssignee, DueHours: 24},
				{ID: "request-product", Title: catalog.Text{"ru": "При необходимости запросить изделие для экспертизы", "en": "Ask for the product for examination if needed"}, Owner: ByAssignee, DueHours: 8},
			},
			Implementation: {
				{ID: "implement", Title: catalog.Text{"ru": "Исполнить решение: ремонт, замена, возврат или претензия перевозчику", "en": "Carry out the decision: repair, replacement, refund or a claim against the carrier"}, Required: true, Owner: ByAssignee, DueHours: 40},
			},
			IncidentAnalysis: {
				{ID: "root-cause", Title: catalog.Text{"ru": "Найти коренную причину в производстве", "en": "Find the root cause in production"}, Required: true, Owner: ByAssignee, DueHours: 40},
				{ID: "corrective-action", Title: catalog.Text{"ru": "Назначить корректирующие действия", "en": "Assign corrective actions"}, Owner: BySupervisor, DueHours: 80},
			},
			QualityControl: {
				{ID: "satisfaction", Title: catalog.Text{"ru": "Узнать у клиента, доволен ли он результатом", "en": "Ask the customer whether they are satisfied"}, Required: true, Owner: ByAssignee, DueHours: 16},
			},
		},
	}
	// Pausing for the customer and sending back for rework happen from any
	// working stage; the claimant may withdraw and a supervisor may reject
	// from any open one.
	for _, s := range []claims.Stage{InformationCheck, Diagnostics, Decision, Implementation, IncidentAnalysis} {
		c.Transitions = append(c.Transitions, Transition{From: s, To: WaitingForCustomer, By: staff, Requires: []string{NeedsReason}, KeepsTasks: true})
	}
	for _, s := range []claims.Stage{Decision, Implementation, IncidentAnalysis, QualityControl} {
		c.Transitions = append(c.Transitions, Transition{From: s, To: ReturnedForRework, By: []string{BySupervisor}, Requires: []string{NeedsReason}, KeepsTasks: true})
	}
	for _, s := range openStages() {
		c.Transitions = append(c.Transitions, Transition{From: s, To: Withdrawn, By: []string{ByClaimant, BySupervisor}, KeepsTasks: true})
	}
	return c
}

// Validate checks a configuration: known stages, known roles and
// conditions, and every non-terminal stage reachable from new.
func (c *Config) Validate() error {
	var f []apperr.FieldError
	known := func(s claims.Stage) bool { return s == Previous || slices.Contains(Stages, s) }
	for i, t := range c.Transitions {
		p := fmt.Sprintf("transitions[%d]", i)
		if !known(t.From) || t.From == Previous {
			f = append(f, apperr.FieldError{Field: p + ".from", Message: fmt.Sprintf("unknown stage %q", t.From)})
		}
		if !known(t.To) {
			f = append(f, apperr.FieldError{Field: p + ".to", Message: fmt.Sprintf("unknown stage %q", t.To)})
		}
		if len(t.By) == 0 {
			f = append(f, apperr.FieldError{Field: p + ".by", Message: "at least one of assignee, supervisor, claimant, system"})
		}
		for _, b := range t.By {
			if !slices.Contains([]string{ByAssignee, BySupervisor, ByClaimant, BySystem}, b) {
				f = append(f, apperr.FieldError{Field: p + ".by", Message: fmt.Sprintf("unknown role %q", b)})
			}
		}
		for _, r := range t.Requires {
			if !slices.Contains([]string{NeedsDecision, NeedsReason, NeedsIncidentAnalysis, SkipsIncidentAnalysis, NeedsRejection}, r) {
				f = append(f, apperr.FieldError{Field: p + ".requires", Message: fmt.Sprintf("unknown condition %q", r)})
			}
		}
	}
	for stage, tasks := range c.Tasks {
		for i, t := range tasks {
			p := fmt.Sprintf("tasks.%s[%d]", stage, i)
			if t.ID == "" || t.Title["ru"] == "" {
				f = append(f, apperr.FieldError{Field: p, Message: "id and a Russian title are required"})
			}
			if t.Owner != ByAssignee && t.Owner != BySupervisor {
				f = append(f, apperr.FieldError{Field: p + ".owner", Message: "assignee or supervisor"})
			}
		}
	}
	reach := map[claims.Stage]bool{New: true}
	for changed := true; changed; {
		changed = false
		for _, t := range c.Transitions {
			if reach[t.From] && t.To != Previous && !reach[t.To] {
				reach[t.To], changed = true, true
			}
		}
	}
	if !reach[Closed] {
		f = append(f, apperr.FieldError{Field: "transitions", Message: "closed is not reachable from new"})
	}
	return apperr.Validation(f)
}

// Actor is who asks for a change, with what they are to the claim.
type Actor struct {
	// ID is recorded in the history ("managers:m1", "public", "system").
	ID string
	// Roles the actor holds towards this claim: ByAssignee when they are its
	// manager, BySupervisor, ByClaimant, BySystem.
	Roles []string
	// UserID is the signed-in user, "" for the public and the system.
	UserID string
}

// can reports whether the actor may make t.
func (a Actor) can(t Transition) bool {
	for _, r := range a.Roles {
		if slices.Contains(t.By, r) {
			return true
		}
	}
	return false
}

// Allowed lists the transitions out of the claim's stage that the actor may
// make (conditions are checked when the transition is asked for).
func (c *Config) Allowed(cl *claims.Claim, a Actor) []claims.Stage {
	var out []claims.Stage
	for _, t := range c.Transitions {
		if t.From == cl.Stage && a.can(t) {
			to := t.To
			if to == Previous {
				to = cl.PreviousStage
			}
			if !slices.Contains(out, to) {
				out = append(out, to)
			}
		}
	}
	return out
}

// Request asks to move a claim to a stage.
type Request struct {
	To     claims.Stage
	Reason string
	Note   string
}

// Locked returns Finished's Conflict for a finished claim the process has
// no move out of (every finished claim by default), nil otherwise: what a
// move of the claim gets before anything else is checked.
func (c *Config) Locked(cl *claims.Claim) error {
	if Terminal(cl.Stage) && !c.leaves(cl.Stage) {
		return Finished(cl)
	}
	return nil
}

// leaves reports whether the process has a move out of stage s (a finished
// stage has none unless the configuration adds one, e.g. a reopening).
func (c *Config) leaves(s claims.Stage) bool {
	return slices.ContainsFunc(c.Transitions, func(t Transition) bool { return t.From == s })
}

// find returns the transitions from the claim's stage to the target (several
// may lead there, with different conditions).
func (c *Config) find(cl *claims.Claim, to claims.Stage) []Transition {
	var out []Transition
	for _, t := range c.Transitions {
		if t.From != cl.Stage {
			continue
		}
		if t.To == to || (t.To == Previous && cl.PreviousStage == to) {
			out = append(out, t)
		}
	}
	return out
}

// Move checks and applies a transition to cl (a copy the caller owns): the
// stage, the stage entry time and due time, the tasks the new stage creates,
// and the stage to return to after a pause or rework. It returns the history
// entry's before/after values. Errors: Invalid (unknown stage, missing
// reason), Forbidden (not the actor's move), Conflict (not allowed from this
// stage, conditions unmet, required tasks open).
func (c *Config) Move(cl *claims.Claim, a Actor, r Request, now time.Time) (before, after map[string]any, err error) {
	if r.To == Previous {
		if cl.PreviousStage == "" {
			return nil, nil, apperr.InvalidField("to", "there is no previous stage to return to")
		}
		r.To = cl.PreviousStage
	}
	if !slices.Contains(Stages, r.To) {
		return nil, nil, apperr.InvalidField("to", fmt.Sprintf("unknown stage %q", r.To))
	}
	if _, err := c.check(cl, a, r); err != nil {
		return nil, nil, err
	}
	before = map[string]any{"stage": string(cl.Stage)}
	after = map[string]any{"stage": string(r.To)}
	if r.Reason != "" {
		after["reason"] = r.Reason
	}
	if r.Note != "" {
		after["note"] = r.Note
	}
	from := cl.Stage
	switch {
	case r.To == WaitingForCustomer || r.To == ReturnedForRework:
		cl.PreviousStage = from
	case from == WaitingForCustomer || from == ReturnedForRework:
		cl.PreviousStage = ""
	}
	cl.Stage = r.To
	cl.StageEnteredAt = now.UTC()
	c.enter(cl, now)
	return before, after, nil
}

// check returns the transition a move of cl to r.To (a known stage) takes
// for the actor, or the error Move returns: Conflict when the claim is
// finished, the process has no such move, a condition is unmet or required
// tasks are open; Forbidden when the move is not the actor's; Invalid naming
// "reason" when the move needs a reason the request lacks.
func (c *Config) check(cl *claims.Claim, a Actor, r Request) (*Transition, error) {
	if err := c.Locked(cl); err != nil {
		return nil, err
	}
	candidates := c.find(cl, r.To)
	if len(candidates) == 0 {
		return nil, &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("a claim cannot go from %s to %s", cl.Stage, r.To),
			Details: map[string]any{"allowed": c.Allowed(cl, Actor{Roles: []string{ByAssignee, BySupervisor, ByClaimant, BySystem}})}}
	}
	var allowedBy []Transition
	for _, t := range candidates {
		if a.can(t) {
			allowedBy = append(allowedBy, t)
		}
	}
	if len(allowedBy) == 0 {
		return nil, apperr.Errorf(apperr.Forbidden, "moving this claim from %s to %s is for the %s", cl.Stage, r.To, strings.Join(candidates[0].By, " or "))
	}
	var unmet []string
	var chosen *Transition
	for i := range allowedBy {
		t := allowedBy[i]
		missing := c.unmet(cl, t, r)
		if len(missing) == 0 {
			chosen = &t
			break
		}
		unmet = append(unmet, missing...)
	}
	if chosen == nil {
		if slices.Contains(unmet, NeedsReason) {
			return nil, apperr.InvalidField("reason", "this move needs a reason")
		}
		return nil, &apperr.Error{Code: apperr.Conflict, Message: "the claim is not ready for " + string(r.To) + ": " + describe(unmet),
			Details: map[string]any{"unmet": unmet}}
	}
	if !chosen.KeepsTasks {
		if open := openRequired(cl, cl.Stage); len(open) > 0 {
			return nil, &apperr.Error{Code: apperr.Conflict, Message: "required tasks of " + string(cl.Stage) + " are still open: " + strings.Join(open, ", "),
				Details: map[string]any{"openTasks": open}}
		}
	}
	return chosen, nil
}

// Blocked is a move out of the claim's stage that would not succeed now,
// with the error it would get: Code (forbidden: not the actor's move;
// conflict: the claim is not ready) and Reason (the error's message), and
// the unmet conditions or open required tasks behind it.
type Blocked struct {
	To        claims.Stage `json:"to"`
	Code      string       `json:"code"`
	Reason    string       `json:"reason"`
	Unmet     []string     `json:"unmet,omitempty"`
	OpenTasks []string     `json:"openTasks,omitempty"`
}

// Options are the moves out of a claim's stage as one actor sees them now.
type Options struct {
	// Allowed would succeed now (those in ReasonRequired with a reason).
	Allowed []claims.Stage
	// ReasonRequired are the allowed moves whose request needs a reason.
	ReasonRequired []claims.Stage
	// Blocked would fail, each with its reason.
	Blocked []Blocked
}

// Options lists every move the process has out of the claim's stage, each
// either allowed for the actor now or blocked with the error Move would
// return (the same check). A finished claim has none.
func (c *Config) Options(cl *claims.Claim, a Actor) Options {
	out := Options{Allowed: []claims.Stage{}, ReasonRequired: []claims.Stage{}, Blocked: []Blocked{}}
	var targets []claims.Stage
	for _, t := range c.Transitions {
		to := t.To
		if to == Previous {
			to = cl.PreviousStage
		}
		if t.From == cl.Stage && to != "" && !slices.Contains(targets, to) {
			targets = append(targets, to)
		}
	}
	if c.Locked(cl) != nil {
		return out
	}
	for _, to := range targets {
		_, err := c.check(cl, a, Request{To: to, Reason: "reason"})
		if err == nil {
			out.Allowed = append(out.Allowed, to)
			if _, err := c.check(cl, a, Request{To: to}); apperr.Is(err, apperr.Invalid) {
				out.ReasonRequired = append(out.ReasonRequired, to)
			}
			continue
		}
		b := Blocked{To: to, Code: string(apperr.Internal), Reason: err.Error()}
		if e, ok := apperr.As(err); ok {
			b.Code, b.Reason = string(e.Code), e.Message
			b.Unmet, _ = e.Details["unmet"].([]string)
			b.OpenTasks, _ = e.Details["openTasks"].([]string)
		}
		out.Blocked = append(out.Blocked, b)
	}
	return out
}

// enter creates the stage's tasks (unless the claim already has them from an
// earlier visit); the stage's due time is the SLA's (package sla).
func (c *Config) enter(cl *claims.Claim, now time.Time) {
	for _, tt := range c.Tasks[cl.Stage] {
		id := string(cl.Stage) + "." + tt.ID
		if slices.ContainsFunc(cl.Tasks, func(t claims.Task) bool { return t.ID == id }) {
			continue
		}
		owner := cl.Assignee
		if tt.Owner == BySupervisor {
			owner = "supervisors"
		}
		cl.Tasks = append(cl.Tasks, claims.Task{
			ID: id, Stage: cl.Stage, Title: tt.Title["ru"], TitleEN: tt.Title["en"],
			Required: tt.Required, Owner: owner, Due: now.Add(time.Duration(tt.DueHours) * time.Hour).UTC(), Source: "stage",
		})
	}
}

// Start prepares a claim just taken in: the new stage's tasks.
func (c *Config) Start(cl *claims.Claim, now time.Time) {
	cl.StageEnteredAt = now.UTC()
	c.enter(cl, now)
}

func openRequired(cl *claims.Claim, s claims.Stage) []string {
	var out []string
	for _, t := range cl.Tasks {
		if t.Stage == s && t.Required && t.DoneAt.IsZero() {
			out = append(out, t.ID)
		}
	}
	return out
}

// unmet lists the conditions of t the claim or request does not meet.
func (c *Config) unmet(cl *claims.Claim, t Transition, r Request) []string {
	var out []string
	for _, cond := range t.Requires {
		switch cond {
		case NeedsReason:
			if strings.TrimSpace(r.Reason) == "" {
				out = append(out, cond)
			}
		case NeedsDecision:
			if cl.Decision == nil {
				out = append(out, cond)
			}
		case NeedsRejection:
			if cl.Decision == nil || cl.Decision.Resolution != claims.ResolutionReject {
				out = append(out, cond)
			}
		case NeedsIncidentAnalysis:
			if cl.Decision == nil || !cl.Decision.IncidentAnalysisRequired {
				out = append(out, cond)
			}
		case SkipsIncidentAnalysis:
			if cl.Decision != nil && cl.Decision.IncidentAnalysisRequired {
				out = append(out, cond)
			}
		}
	}
	return out
}

func describe(unmet []string) string {
	texts := map[string]string{
		NeedsDecision:         "no decision is recorded",
		NeedsRejection:        "the decision does not reject the claim",
		NeedsIncidentAnalysis: "the decision does not call for an incident analysis",
		SkipsIncidentAnalysis: "the decision calls for an incident analysis first",
	}
	var out []string
	for _, u := range unmet {
		if t, ok := texts[u]; ok && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return strings.Join(out, "; ")
}
