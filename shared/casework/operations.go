package casework

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/workflow"
)

func has(a workflow.Actor, role string) bool { return slices.Contains(a.Roles, role) }

// decisionMap lists a decision's fields for the history.
func decisionMap(d *claims.Decision) map[string]any {
	if d == nil {
		return nil
	}
	return map[string]any{
		"warrantyCase": d.WarrantyCase, "faultParty": d.FaultParty, "culpritDepartment": d.CulpritDepartment,
		"culpritEmployee": d.CulpritEmployee, "rootCause": d.RootCause, "resolution": string(d.Resolution),
		"cost": d.Cost.String(), "instructions": d.Instructions, "incidentAnalysisRequired": d.IncidentAnalysisRequired,
		"solvedWith": d.SolvedWith,
	}
}

// Decide records the claim's decision: at the decision stage, by its manager
// or a supervisor. A recorded decision changes only by a supervisor, with a
// reason. Errors: Invalid naming the field, Forbidden, Conflict (wrong stage,
// stale version).
func (s *Service) Decide(ctx context.Context, c Caller, id string, version int, d claims.Decision, reason string) (*claims.Claim, error) {
	cat, err := s.cfg.Catalog.Catalog(ctx)
	if err != nil {
		return nil, fmt.Errorf("decide: %w", err)
	}
	causes := cat.Active().RootCauses
	if err := claims.ValidateDecision(&d, causes); err != nil {
		return nil, err
	}
	if d.SolvedWith != "" {
		if s.cfg.Articles == nil {
			return nil, apperr.InvalidField("solvedWith", "the knowledge base is not available here")
		}
		ok, err := s.cfg.Articles.Published(ctx, d.SolvedWith)
		if err != nil {
			return nil, fmt.Errorf("decide: %w", err)
		}
		if !ok {
			return nil, apperr.InvalidField("solvedWith", "not a published knowledge base article")
		}
	}
	for _, rc := range causes {
		if rc.ID == d.RootCause {
			d.IncidentAnalysisRequired = rc.Manufacturing()
		}
	}
	return s.change(ctx, c, id, version, func(cl *claims.Claim, a workflow.Actor, now time.Time) (*Outcome, error) {
		before := decisionMap(cl.Decision)
		typ := "decision.recorded"
		if cl.Decision == nil {
			if cl.Stage != workflow.Decision {
				return nil, apperr.Errorf(apperr.Conflict, "a decision is recorded at the decision stage; the claim is at %s", cl.Stage)
			}
			if !has(a, workflow.ByAssignee) && !has(a, workflow.BySupervisor) {
				return nil, apperr.Errorf(apperr.Forbidden, "the decision is for the claim's manager or a supervisor")
			}
		} else {
			if !has(a, workflow.BySupervisor) {
				return nil, apperr.Errorf(apperr.Forbidden, "a recorded decision changes only by a supervisor")
			}
			if strings.TrimSpace(reason) == "" {
				return nil, apperr.InvalidField("reason", "changing a recorded decision needs a reason")
			}
			if workflow.Terminal(cl.Stage) {
				return nil, apperr.Errorf(apperr.Conflict, "the claim is %s", cl.Stage)
			}
			typ = "decision.revised"
			d.Revision = cl.Decision.Revision + 1
		}
		d.DecidedBy, d.DecidedAt = a.ID, now
		cl.Decision = &d
		after := decisionMap(&d)
		if reason != "" {
			after["reason"] = claims.CleanText(reason)
		}
		return &Outcome{EventType: typ, Before: before, After: after, Event: events.Decision{Number: cl.ID, WarrantyCase: d.WarrantyCase, Resolution: string(d.Resolution), Revision: d.Revision}}, nil
	})
}

// Roster knows the claims managers and the customers' personal managers.
type Roster interface {
	// ManagerByID returns apperr.NotFound for a user not on the roster.
	ManagerByID(ctx context.Context, id string) (*assignment.Manager, error)
	// PersonalManager returns the customer's personal manager key ("" for none).
	PersonalManager(ctx context.Context, customerID string) (string, error)
}

// Reassign gives a claim to another manager: supervisors only, with a reason;
// open tasks of the previous manager move along. The customer's personal
// manager cannot take the customer's claim. Errors: Forbidden, Invalid
// (unknown or inactive manager, the personal manager, no reason), Conflict.
func (s *Service) Reassign(ctx context.Context, c Caller, roster Roster, id string, version int, assignee, reason string) (*claims.Claim, error) {
	if c.Principal == nil || !c.Principal.Has(auth.Supervisor) {
		return nil, apperr.Errorf(apperr.Forbidden, "supervisors reassign claims")
	}
	reason = claims.CleanText(reason)
	if reason == "" {
		return nil, apperr.InvalidField("reason", "a reassignment needs a reason")
	}
	m, err := roster.ManagerByID(ctx, assignee)
	if e, ok := apperr.As(err); ok && e.Code == apperr.NotFound {
		return nil, apperr.InvalidField("assignee", "not a claims manager")
	}
	if err != nil {
		return nil, fmt.Errorf("reassign: %w", err)
	}
	if !m.Active {
		return nil, apperr.InvalidField("assignee", "not an active claims manager")
	}
	return s.change(ctx, c, id, version, func(cl *claims.Claim, a workflow.Actor, now time.Time) (*Outcome, error) {
		if workflow.Terminal(cl.Stage) {
			return nil, apperr.Errorf(apperr.Conflict, "the claim is %s", cl.Stage)
		}
		pm, err := roster.PersonalManager(ctx, cl.CustomerID)
		if err != nil {
			return nil, fmt.Errorf("reassign: %w", err)
		}
		if pm != "" && (pm == assignment.PersonalKey(m.ID) || pm == assignment.PersonalKey(m.Email)) {
			return nil, apperr.InvalidField("assignee", "the customer's personal manager does not handle the customer's claims")
		}
		if cl.Assignee == assignee {
			return nil, apperr.Errorf(apperr.Conflict, "the claim is already assigned to %s", assignee)
		}
		prev := cl.Assignee
		Assign(cl, assignee)
		return &Outcome{EventType: "claim.assigned",
			Before: map[string]any{"assignee": prev}, After: map[string]any{"assignee": assignee, "reason": reason},
			Event: events.Assignment{Number: cl.ID, Assignee: assignee, Previous: prev, Reason: reason}}, nil
	})
}

// Assign sets the claim's manager and moves the previous manager's open
// tasks to the new one.
func Assign(cl *claims.Claim, assignee string) {
	for i, t := range cl.Tasks {
		if t.Open() && (t.Owner == cl.Assignee || t.Owner == "") && t.Owner != "supervisors" {
			cl.Tasks[i].Owner = assignee
		}
	}
	cl.Assignee = assignee
}

// FieldPatch changes a claim's editable fields (nil = unchanged). Fields
// that index the registry (category, type, serial, series, dealer, order,
// customer email) are fixed after intake.
type FieldPatch struct {
	Priority      *catalog.Priority     `json:"priority"`
	ClaimantName  *string               `json:"claimantName"`
	ClaimantPhone *string               `json:"claimantPhone"`
	Company       *string               `json:"company"`
	ProductName   *string               `json:"productName"`
	PurchaseDate  *string               `json:"purchaseDate"`
	DesiredResult *claims.DesiredResult `json:"desiredResult"`
	DesiredFix    *string               `json:"desiredFix"`
}

// EditFields edits a claim's fields: its manager or a supervisor; each
// changed field is in the history with before and after. Errors: Invalid
// naming the field, Forbidden, Conflict.
func (s *Service) EditFields(ctx context.Context, c Caller, id string, version int, p FieldPatch) (*claims.Claim, error) {
	var cat *catalog.Catalog
	if p.PurchaseDate != nil {
		var err error
		if cat, err = s.cfg.Catalog.Catalog(ctx); err != nil {
			return nil, fmt.Errorf("edit claim: %w", err)
		}
	}
	return s.change(ctx, c, id, version, func(cl *claims.Claim, a workflow.Actor, now time.Time) (*Outcome, error) {
		if !has(a, workflow.ByAssignee) && !has(a, workflow.BySupervisor) {
			return nil, apperr.Errorf(apperr.Forbidden, "claims are edited by their manager or a supervisor")
		}
		if workflow.Terminal(cl.Stage) {
			return nil, apperr.Errorf(apperr.Conflict, "the claim is %s", cl.Stage)
		}
		before, after := map[string]any{}, map[string]any{}
		set := func(name string, old *string, v *string) {
			if v != nil && *v != *old {
				before[name], after[name] = *old, *v
				*old = *v
			}
		}
		d := claims.Draft{Claimant: cl.Claimant, Product: cl.Product, DesiredResult: cl.DesiredResult, DesiredFix: cl.DesiredFix,
			Channel: cl.Channel, CategoryID: cl.CategoryID, TypeID: cl.TypeID, Essence: cl.Essence, Order: cl.Order, Language: cl.Language}
		if p.Priority != nil {
			if !p.Priority.Valid() {
				return nil, apperr.InvalidField("priority", "one of low, normal, high, critical")
			}
			if *p.Priority != cl.Priority {
				before["priority"], after["priority"] = string(cl.Priority), string(*p.Priority)
				cl.Priority = *p.Priority
			}
		}
		set("claimant.name", &d.Claimant.Name, p.ClaimantName)
		set("claimant.phone", &d.Claimant.Phone, p.ClaimantPhone)
		set("claimant.company", &d.Claimant.Company, p.Company)
		set("product.name", &d.Product.Name, p.ProductName)
		set("product.purchaseDate", &d.Product.PurchaseDate, p.PurchaseDate)
		set("desiredFix", &d.DesiredFix, p.DesiredFix)
		if p.DesiredResult != nil && *p.DesiredResult != d.DesiredResult {
			before["desiredResult"], after["desiredResult"] = string(d.DesiredResult), string(*p.DesiredResult)
			d.DesiredResult = *p.DesiredResult
		}
		if len(after) == 0 {
			return nil, apperr.InvalidField("body", "nothing to change")
		}
		fields := d.Normalize()
		fields = append(fields, validateEdited(&d, now)...)
		if err := apperr.Validation(fields); err != nil {
			return nil, err
		}
		cl.Claimant, cl.Product, cl.DesiredResult, cl.DesiredFix = d.Claimant, d.Product, d.DesiredResult, d.DesiredFix
		// The event names the fields edited; a flag the edit moved is in
		// the history only (flags are staff-only).
		edited := events.Update{Number: cl.ID, Fields: keysOf(after)}
		if _, ok := after["product.purchaseDate"]; ok && cat != nil {
			s.rewarrant(cl, cat, a.ID, now, before, after)
		}
		return &Outcome{EventType: "claim.updated", Before: before, After: after, Event: edited}, nil
	})
}

// rewarrant checks a claim whose purchase date was edited against its
// type's warranty again (the serial, the essence and the claimant's email,
// which the other flags depend on, are fixed after intake): an active
// after_warranty flag is dismissed when the claim now falls within the
// warranty, one is raised when it now falls after it. The history entry
// says so under "flag.after_warranty".
func (s *Service) rewarrant(cl *claims.Claim, cat *catalog.Catalog, actor string, now time.Time, before, after map[string]any) {
	months := 0
	if t, ok := cat.Type(cl.TypeID); ok {
		months = t.WarrantyMonths
	}
	end, on, late := claims.AfterWarranty(cl.Product.PurchaseDate, months, cl.CreatedAt, s.cfg.Location)
	const key = "flag." + string(claims.FlagAfterWarranty)
	i := cl.FlagIndex(claims.FlagAfterWarranty)
	switch {
	case late && i < 0:
		cl.Flags = append(cl.Flags, claims.AfterWarrantyFlag(cl.Product.PurchaseDate, months, end, on, now))
		before[key], after[key] = "none", "raised"
	case !late && i >= 0:
		cl.Flags[i].DismissedAt, cl.Flags[i].DismissedBy = now, actor
		cl.Flags[i].DismissNote = "the purchase date was corrected to " + cl.Product.PurchaseDate + ": within the warranty"
		before[key], after[key] = "active", "dismissed"
	}
}

// DismissFlag dismisses the claim's active flag of kind, with a note saying
// why (a member of staff looked and found nothing wrong): the claim's
// manager or a supervisor. The flag stays on the claim with who dismissed
// it, when and why, and the claim leaves the registry's ?flag= lists; the
// history keeps the entry (staff only, like the flag). Errors: Invalid
// naming note, NotFound (no active flag of that kind), Forbidden, Conflict.
func (s *Service) DismissFlag(ctx context.Context, c Caller, id string, version int, kind claims.FlagKind, note string) (*claims.Claim, error) {
	note = claims.CleanText(note)
	switch n := len([]rune(note)); {
	case n == 0:
		return nil, apperr.InvalidField("note", "say why the flag is dismissed")
	case n > 2000:
		return nil, apperr.InvalidField("note", "at most 2000 characters")
	}
	return s.change(ctx, c, id, version, func(cl *claims.Claim, a workflow.Actor, now time.Time) (*Outcome, error) {
		if !has(a, workflow.ByAssignee) && !has(a, workflow.BySupervisor) {
			return nil, apperr.Errorf(apperr.Forbidden, "flags are dismissed by the claim's manager or a supervisor")
		}
		i := cl.FlagIndex(kind)
		if i < 0 {
			return nil, apperr.Errorf(apperr.NotFound, "the claim has no active %s flag", kind)
		}
		cl.Flags[i].DismissedAt, cl.Flags[i].DismissedBy, cl.Flags[i].DismissNote = now, a.ID, note
		return &Outcome{EventType: claims.EventFlagDismissed,
			Before: map[string]any{"flag": string(kind), "active": true},
			After:  map[string]any{"flag": string(kind), "active": false, "note": note}}, nil
	})
}

// validateEdited re-checks the editable fields with the intake rules.
func validateEdited(d *claims.Draft, now time.Time) []apperr.FieldError {
	var out []apperr.FieldError
	all := d.Validate(&catalog.Catalog{}, now)
	for _, f := range all {
		switch f.Field {
		case "claimant.name", "claimant.phone", "claimant.email", "claimant.company", "product.purchaseDate", "product.name", "desiredResult", "desiredFix":
			out = append(out, f)
		}
	}
	return out
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// CompleteTask marks a task done: its owner, the claim's manager or a
// supervisor. Errors: NotFound (no such task), Forbidden, Conflict (already
// done, stale version).
func (s *Service) CompleteTask(ctx context.Context, c Caller, id string, version int, taskID, note string) (*claims.Claim, error) {
	return s.change(ctx, c, id, version, func(cl *claims.Claim, a workflow.Actor, now time.Time) (*Outcome, error) {
		i, err := cl.TaskIndex(taskID)
		if err != nil {
			return nil, err
		}
		t := cl.Tasks[i]
		owner := t.Owner == a.UserID || (t.Owner == "supervisors" && has(a, workflow.BySupervisor))
		if !owner && !has(a, workflow.ByAssignee) && !has(a, workflow.BySupervisor) {
			return nil, apperr.Errorf(apperr.Forbidden, "the task is %s's", t.Owner)
		}
		if !t.Open() {
			return nil, apperr.Errorf(apperr.Conflict, "the task %s is already done", taskID)
		}
		cl.Tasks[i].DoneAt, cl.Tasks[i].DoneBy, cl.Tasks[i].Note = now, a.ID, claims.CleanText(note)
		return &Outcome{EventType: "task.completed", Before: map[string]any{"task": taskID, "done": false},
			After: map[string]any{"task": taskID, "done": true, "note": cl.Tasks[i].Note}}, nil
	})
}

// PlanTask is a task for the investigation plan.
type PlanTask struct {
	Title string    `json:"title"`
	Owner string    `json:"owner"`
	Due   time.Time `json:"due"`
	Note  string    `json:"note"`
}

// AddPlanTask adds a dated task with an owner to the claim's investigation
// plan: its manager or a supervisor.
func (s *Service) AddPlanTask(ctx context.Context, c Caller, id string, version int, p PlanTask) (*claims.Claim, error) {
	return s.change(ctx, c, id, version, func(cl *claims.Claim, a workflow.Actor, now time.Time) (*Outcome, error) {
		if !has(a, workflow.ByAssignee) && !has(a, workflow.BySupervisor) {
			return nil, apperr.Errorf(apperr.Forbidden, "the investigation plan is kept by the claim's manager or a supervisor")
		}
		if workflow.Terminal(cl.Stage) {
			return nil, apperr.Errorf(apperr.Conflict, "the claim is %s", cl.Stage)
		}
		n := 1
		for _, t := range cl.Tasks {
			if t.Source == "plan" {
				n++
			}
		}
		t, err := claims.NewPlanTask(fmt.Sprintf("plan.%d", n), p.Title, p.Owner, p.Note, p.Due, now)
		if err != nil {
			return nil, err
		}
		if len(cl.Tasks) >= 100 {
			return nil, apperr.InvalidField("title", "a claim keeps at most 100 tasks")
		}
		cl.Tasks = append(cl.Tasks, t)
		return &Outcome{EventType: "plan.task_added", After: map[string]any{"task": t.ID, "title": t.Title, "owner": t.Owner, "due": t.Due.Format(time.RFC3339)}}, nil
	})
}

// Verification is the result of checking a claim's audit chain.
type Verification struct {
	Valid   bool   `json:"valid"`
	Entries int    `json:"entries"`
	Head    string `json:"head"`
	// BrokenAt is the first entry whose link or content does not verify.
	BrokenAt int    `json:"brokenAt,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// Verify checks a history against the claim's stored head.
func Verify(cl *claims.Claim, history []claims.Event) Verification {
	v := Verification{Entries: len(history), Head: cl.HistoryHash}
	if seq, ok := claims.VerifyChain(history); !ok {
		v.BrokenAt, v.Reason = seq, "entry does not match its hash or is not linked to the one before"
		return v
	}
	switch {
	case len(history) == 0:
		v.Reason = "the claim has no history"
	case history[len(history)-1].Hash != cl.HistoryHash:
		v.BrokenAt, v.Reason = history[len(history)-1].Seq, "the last entry is not the claim's head (entries removed or added)"
	case history[len(history)-1].Seq != cl.HistoryHead():
		v.BrokenAt, v.Reason = history[len(history)-1].Seq, "the history is shorter or longer than the claim's history head"
	default:
		v.Valid = true
	}
	return v
}
