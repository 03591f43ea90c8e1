package workflow

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
)

// states are claims in every stage, with and without their required tasks
// done and with the decisions that open or close the moves out of it.
func states(c *Config) map[string]*claims.Claim {
	out := map[string]*claims.Claim{}
	decisions := map[string]*claims.Decision{
		"undecided":     nil,
		"repair":        {Resolution: claims.ResolutionRepair},
		"reject":        {Resolution: claims.ResolutionReject},
		"manufacturing": {Resolution: claims.ResolutionReplace, IncidentAnalysisRequired: true},
	}
	for _, s := range Stages {
		for dn, d := range decisions {
			for _, done := range []bool{false, true} {
				cl := &claims.Claim{ID: "RC-2026-000001", Stage: s, Assignee: "m1", Priority: "normal", Decision: d}
				if s == WaitingForCustomer || s == ReturnedForRework {
					cl.PreviousStage = Diagnostics
				}
				c.enter(cl, t0)
				if done {
					finishTasks(cl)
				}
				out[fmt.Sprintf("%s/%s/done=%v", s, dn, done)] = cl
			}
		}
	}
	return out
}

// TestOptionsAgreeWithMove: for every claim state and actor, every move
// Options allows succeeds (with a reason where it says one is needed, and
// fails without it), and every move it blocks fails with the very code and
// message it gives.
func TestOptionsAgreeWithMove(t *testing.T) {
	c := DefaultConfig()
	actors := map[string]Actor{"manager": manager, "other": other, "supervisor": supervisor, "claimant": claimant, "system": system}
	moves := 0
	for name, cl := range states(c) {
		for an, a := range actors {
			opts := c.Options(cl, a)
			seen := map[claims.Stage]bool{}
			for _, to := range opts.Allowed {
				seen[to] = true
				cp := copyClaim(cl)
				reason := ""
				if slices.Contains(opts.ReasonRequired, to) {
					reason = "a reason"
					if err := move(t, c, copyClaim(cl), a, to, ""); !apperr.Is(err, apperr.Invalid) {
						t.Errorf("%s, %s -> %s: needs a reason, but without one: %v", name, an, to, err)
					}
				}
				if err := move(t, c, cp, a, to, reason); err != nil || cp.Stage != to {
					t.Errorf("%s, %s -> %s: allowed, but Move = %v (stage %s)", name, an, to, err, cp.Stage)
				}
				moves++
			}
			for _, b := range opts.Blocked {
				if seen[b.To] {
					t.Errorf("%s, %s -> %s: both allowed and blocked", name, an, b.To)
				}
				seen[b.To] = true
				err := move(t, c, copyClaim(cl), a, b.To, "a reason")
				e, ok := apperr.As(err)
				if !ok || string(e.Code) != b.Code || e.Message != b.Reason {
					t.Errorf("%s, %s -> %s: blocked as %s %q, but Move = %v", name, an, b.To, b.Code, b.Reason, err)
				}
				if b.Code != string(apperr.Forbidden) && b.Code != string(apperr.Conflict) {
					t.Errorf("%s, %s -> %s: blocked with code %s", name, an, b.To, b.Code)
				}
				moves++
			}
			// Every move the process has out of the stage is listed once.
			for _, tr := range c.Transitions {
				to := tr.To
				if to == Previous {
					to = cl.PreviousStage
				}
				if tr.From == cl.Stage && !Terminal(cl.Stage) && !seen[to] {
					t.Errorf("%s, %s: move to %s neither allowed nor blocked", name, an, to)
				}
			}
		}
	}
	if moves < 1000 {
		t.Errorf("only %d moves checked", moves)
	}
}

func copyClaim(cl *claims.Claim) *claims.Claim {
	cp := *cl
	cp.Tasks = slices.Clone(cl.Tasks)
	return &cp
}

// TestOptionsExplainWhy: the blocked moves of typical claims carry the
// reasons a manager needs (open tasks, no decision, not their move).
func TestOptionsExplainWhy(t *testing.T) {
	c := DefaultConfig()
	cl := newClaim(c)
	mustMove(t, c, cl, manager, InformationCheck)
	opts := c.Options(cl, manager)
	if diff := cmp.Diff([]claims.Stage{WaitingForCustomer}, opts.Allowed); diff != "" {
		t.Errorf("allowed with the check open (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]claims.Stage{WaitingForCustomer}, opts.ReasonRequired); diff != "" {
		t.Errorf("reason required (-want +got):\n%s", diff)
	}
	want := []Blocked{
		{To: Diagnostics, Code: "conflict", Reason: "required tasks of information_check are still open: information_check.check-completeness",
			OpenTasks: []string{"information_check.check-completeness"}},
		{To: Rejected, Code: "forbidden", Reason: "moving this claim from information_check to rejected is for the supervisor"},
		{To: Withdrawn, Code: "forbidden", Reason: "moving this claim from information_check to withdrawn is for the claimant or supervisor"},
	}
	if diff := cmp.Diff(want, opts.Blocked); diff != "" {
		t.Errorf("blocked (-want +got):\n%s", diff)
	}
	finishTasks(cl)
	mustMove(t, c, cl, manager, Diagnostics)
	finishTasks(cl)
	mustMove(t, c, cl, manager, Decision)
	opts = c.Options(cl, manager)
	var implementation *Blocked
	for i, b := range opts.Blocked {
		if b.To == Implementation {
			implementation = &opts.Blocked[i]
		}
	}
	if implementation == nil || implementation.Code != "conflict" || !slices.Contains(implementation.Unmet, NeedsDecision) {
		t.Errorf("implementation without a decision: %+v", implementation)
	}
	cl.Stage = Closed
	if opts := c.Options(cl, supervisor); len(opts.Allowed)+len(opts.Blocked) != 0 {
		t.Errorf("a closed claim has moves: %+v", opts)
	}
}

// TestFinishedClaims: a finished claim refuses every move with a Conflict
// naming its stage, unless the process defines a move out of it.
func TestFinishedClaims(t *testing.T) {
	c := DefaultConfig()
	for _, s := range []claims.Stage{Closed, Rejected, Withdrawn} {
		cl := &claims.Claim{ID: "RC-2026-000001", Stage: s, Assignee: "m1"}
		err := Finished(cl)
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Conflict || e.Details["stage"] != string(s) || e.Message != "claim RC-2026-000001 is "+string(s)+": a finished claim takes no more changes" {
			t.Errorf("Finished(%s) = %v", s, err)
		}
		if err := move(t, c, cl, supervisor, InformationCheck, "reopen"); code(err) != apperr.Conflict {
			t.Errorf("moving a %s claim: %v", s, err)
		}
	}
	for _, s := range []claims.Stage{New, Decision, WaitingForCustomer, ReturnedForRework} {
		if err := Finished(&claims.Claim{Stage: s}); err != nil {
			t.Errorf("Finished(%s) = %v", s, err)
		}
	}
	// A process with a reopening lets the supervisor reopen a closed claim.
	reopen := DefaultConfig()
	reopen.Transitions = append(reopen.Transitions, Transition{From: Closed, To: QualityControl, By: []string{BySupervisor}, Requires: []string{NeedsReason}})
	cl := &claims.Claim{ID: "RC-2026-000001", Stage: Closed, Assignee: "m1"}
	if err := move(t, reopen, cl, manager, QualityControl, "клиент недоволен"); code(err) != apperr.Forbidden {
		t.Errorf("manager reopening: %v", err)
	}
	if err := move(t, reopen, cl, supervisor, QualityControl, "клиент недоволен"); err != nil || cl.Stage != QualityControl {
		t.Errorf("supervisor reopening: %v (stage %s)", err, cl.Stage)
	}
}
