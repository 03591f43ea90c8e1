package workflow

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

var (
	manager    = Actor{ID: "managers:m1", UserID: "m1", Roles: []string{ByAssignee}}
	other      = Actor{ID: "managers:m2", UserID: "m2"}
	supervisor = Actor{ID: "supervisors:s1", UserID: "s1", Roles: []string{BySupervisor}}
	claimant   = Actor{ID: "claimant", Roles: []string{ByClaimant}}
	system     = Actor{ID: "system", Roles: []string{BySystem}}
)

func newClaim(c *Config) *claims.Claim {
	cl := &claims.Claim{ID: "RC-2026-000001", Stage: New, Assignee: "m1", Priority: "normal"}
	c.Start(cl, t0)
	return cl
}

// code returns the apperr code of err ("" for nil).
func code(err error) apperr.Code {
	if err == nil {
		return ""
	}
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	return "untyped"
}

func move(t *testing.T, c *Config, cl *claims.Claim, a Actor, to claims.Stage, reason string) error {
	t.Helper()
	_, _, err := c.Move(cl, a, Request{To: to, Reason: reason}, t0)
	return err
}

func mustMove(t *testing.T, c *Config, cl *claims.Claim, a Actor, to claims.Stage) {
	t.Helper()
	if err := move(t, c, cl, a, to, ""); err != nil {
		t.Fatalf("move %s -> %s by %s: %v", cl.Stage, to, a.ID, err)
	}
	if cl.Stage != to {
		t.Fatalf("stage = %s, want %s", cl.Stage, to)
	}
}

// finishTasks marks the open required tasks of the claim's stage done.
func finishTasks(cl *claims.Claim) {
	for i, tk := range cl.Tasks {
		if tk.Stage == cl.Stage && tk.Open() {
			cl.Tasks[i].DoneAt = t0
		}
	}
}

func TestDefaultConfigIsValid(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
}

func TestValidateFindsBrokenConfigs(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(c *Config)
		field string
	}{
		{"unknown stage", func(c *Config) { c.Transitions[0].To = "limbo" }, "transitions[0].to"},
		{"unknown role", func(c *Config) { c.Transitions[0].By = []string{"janitor"} }, "transitions[0].by"},
		{"no role", func(c *Config) { c.Transitions[0].By = nil }, "transitions[0].by"},
		{"unknown condition", func(c *Config) { c.Transitions[0].Requires = []string{"luck"} }, "transitions[0].requires"},
		{"closed unreachable", func(c *Config) {
			var keep []Transition
			for _, tr := range c.Transitions {
				if tr.To != Closed {
					keep = append(keep, tr)
				}
			}
			c.Transitions = keep
		}, "transitions"},
		{"task owner", func(c *Config) { c.Tasks[Diagnostics][0].Owner = "anyone" }, "tasks.diagnostics[0].owner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.edit(c)
			err := c.Validate()
			e, ok := apperr.As(err)
			if !ok {
				t.Fatalf("Validate() = %v, want a validation error", err)
			}
			found := false
			for _, f := range e.Fields {
				found = found || f.Field == tt.field
			}
			if !found {
				t.Errorf("fields %v do not name %s", e.Fields, tt.field)
			}
		})
	}
}

func TestHappyPathThroughEveryStage(t *testing.T) {
	c := DefaultConfig()
	cl := newClaim(c)
	mustMove(t, c, cl, manager, InformationCheck)
	if got := openRequired(cl, InformationCheck); !cmp.Equal(got, []string{"information_check.check-completeness"}) {
		t.Fatalf("information check tasks = %v", got)
	}
	// A stage cannot be left while its required tasks are open.
	err := move(t, c, cl, manager, Diagnostics, "")
	if e, _ := apperr.As(err); code(err) != apperr.Conflict || e.Details["openTasks"] == nil {
		t.Fatalf("leaving with open tasks: %v, want Conflict naming the tasks", err)
	}
	finishTasks(cl)
	mustMove(t, c, cl, manager, Diagnostics)
	finishTasks(cl)
	mustMove(t, c, cl, manager, Decision)
	if err := move(t, c, cl, manager, Implementation, ""); code(err) != apperr.Conflict {
		t.Fatalf("implementation without a decision: %v, want Conflict", err)
	}
	cl.Decision = &claims.Decision{Resolution: claims.ResolutionRepair, IncidentAnalysisRequired: true}
	mustMove(t, c, cl, manager, Implementation)
	finishTasks(cl)
	// A manufacturing defect goes through incident analysis.
	if err := move(t, c, cl, manager, QualityControl, ""); code(err) != apperr.Conflict {
		t.Fatalf("skipping the incident analysis: %v, want Conflict", err)
	}
	mustMove(t, c, cl, manager, IncidentAnalysis)
	finishTasks(cl)
	mustMove(t, c, cl, manager, QualityControl)
	finishTasks(cl)
	// Only a supervisor closes.
	if err := move(t, c, cl, manager, Closed, ""); code(err) != apperr.Forbidden {
		t.Fatalf("manager closing: %v, want Forbidden", err)
	}
	mustMove(t, c, cl, supervisor, Closed)
	if err := move(t, c, cl, supervisor, Withdrawn, ""); code(err) != apperr.Conflict {
		t.Errorf("moving a closed claim: %v, want Conflict", err)
	}
	if got := c.Allowed(cl, supervisor); len(got) != 0 {
		t.Errorf("allowed from closed = %v, want none", got)
	}
}

func TestNoIncidentAnalysisWithoutManufacturingDefect(t *testing.T) {
	c := DefaultConfig()
	cl := newClaim(c)
	cl.Stage, cl.Decision = Implementation, &claims.Decision{Resolution: claims.ResolutionReplace}
	if err := move(t, c, cl, manager, IncidentAnalysis, ""); code(err) != apperr.Conflict {
		t.Fatalf("incident analysis without a manufacturing defect: %v, want Conflict", err)
	}
	mustMove(t, c, cl, manager, QualityControl)
}

func TestWhoMayMove(t *testing.T) {
	c := DefaultConfig()
	cl := newClaim(c)
	if err := move(t, c, cl, other, InformationCheck, ""); code(err) != apperr.Forbidden {
		t.Errorf("another manager: %v, want Forbidden", err)
	}
	if err := move(t, c, cl, claimant, InformationCheck, ""); code(err) != apperr.Forbidden {
		t.Errorf("the claimant: %v, want Forbidden", err)
	}
	if err := move(t, c, cl, manager, Closed, ""); code(err) != apperr.Conflict {
		t.Errorf("skipping to closed: %v, want Conflict", err)
	}
	if err := move(t, c, cl, manager, "limbo", ""); code(err) != apperr.Invalid {
		t.Errorf("unknown stage: %v, want Invalid", err)
	}
	if got := c.Allowed(cl, claimant); !cmp.Equal(got, []claims.Stage{Withdrawn}) {
		t.Errorf("claimant may go to %v, want only withdrawn", got)
	}
	// The claimant withdraws, even with tasks open.
	mustMove(t, c, cl, claimant, Withdrawn)
}

func TestPauseAndResume(t *testing.T) {
	c := DefaultConfig()
	cl := newClaim(c)
	mustMove(t, c, cl, manager, InformationCheck)
	if err := move(t, c, cl, manager, WaitingForCustomer, ""); code(err) != apperr.Invalid {
		t.Fatalf("pausing without a reason: %v, want Invalid (reason)", err)
	}
	if err := move(t, c, cl, manager, WaitingForCustomer, "need the receipt"); err != nil {
		t.Fatal(err)
	}
	if cl.PreviousStage != InformationCheck {
		t.Errorf("paused: previous %q, want information_check", cl.PreviousStage)
	}
	// A customer's reply resumes the claim (the system acts for them).
	mustMove(t, c, cl, system, InformationCheck)
	if cl.PreviousStage != "" {
		t.Errorf("previous stage after resuming = %q", cl.PreviousStage)
	}
	// Tasks of a stage entered again are not created twice.
	n := 0
	for _, tk := range cl.Tasks {
		if tk.Stage == InformationCheck {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d information check tasks after re-entry, want 1", n)
	}
}

func TestReturnForRework(t *testing.T) {
	c := DefaultConfig()
	cl := newClaim(c)
	cl.Stage = QualityControl
	if err := move(t, c, cl, manager, ReturnedForRework, "redo"); code(err) != apperr.Forbidden {
		t.Fatalf("the manager sending back: %v, want Forbidden", err)
	}
	if err := move(t, c, cl, supervisor, ReturnedForRework, "the repair did not hold"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Move(cl, manager, Request{To: Previous}, t0); err != nil {
		t.Fatalf("back to the previous stage: %v", err)
	}
	if cl.Stage != QualityControl {
		t.Errorf("stage after rework = %s, want quality_control", cl.Stage)
	}
	if _, _, err := c.Move(cl, manager, Request{To: Previous}, t0); code(err) != apperr.Invalid {
		t.Errorf("$previous without a pause: %v, want Invalid", err)
	}
}

func TestRejection(t *testing.T) {
	c := DefaultConfig()
	cl := newClaim(c)
	cl.Stage = Decision
	cl.Decision = &claims.Decision{Resolution: claims.ResolutionRepair}
	if err := move(t, c, cl, manager, Rejected, ""); code(err) != apperr.Conflict {
		t.Fatalf("rejecting with a repair decision: %v, want Conflict", err)
	}
	cl.Decision.Resolution = claims.ResolutionReject
	mustMove(t, c, cl, manager, Rejected)
}
