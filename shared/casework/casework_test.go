package casework_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/workflow"
)

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// store is an in-memory casework.Store with the same version rule as
// DynamoDB's conditional write.
type store struct {
	mu      sync.Mutex
	claims  map[string]claims.Claim
	history map[string][]claims.Event
	outbox  []events.Event
	writes  int
	reads   int
}

func (s *store) GetClaim(_ context.Context, id string) (*claims.Claim, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	c, ok := s.claims[id]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "claim not found")
	}
	return &c, nil
}

func (s *store) ApplyChange(_ context.Context, ch *claims.Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.claims[ch.Claim.ID]
	if cur.Version != ch.PrevVersion {
		return &apperr.Error{Code: apperr.Conflict, Message: "changed", Details: map[string]any{"currentVersion": cur.Version}}
	}
	s.writes++
	s.claims[ch.Claim.ID] = *ch.Claim
	s.history[ch.Claim.ID] = append(s.history[ch.Claim.ID], ch.Event)
	s.outbox = append(s.outbox, ch.Outbox...)
	return nil
}

// roster knows two managers; the customer CUS-VIP's personal manager is
// Boris, recorded by email.
type roster struct{}

func (roster) ManagerByID(_ context.Context, id string) (*assignment.Manager, error) {
	switch id {
	case "anna":
		return &assignment.Manager{ID: "anna", Email: "anna@factory.example", Active: true}, nil
	case "boris":
		return &assignment.Manager{ID: "boris", Email: "Boris@Factory.example", Active: true}, nil
	case "gone":
		return &assignment.Manager{ID: "gone", Active: false}, nil
	}
	return nil, apperr.Errorf(apperr.NotFound, "no manager %s", id)
}

func (roster) PersonalManager(_ context.Context, customerID string) (string, error) {
	if customerID == "CUS-VIP" {
		return "boris@factory.example", nil
	}
	return "", nil
}

func newService(t *testing.T) (*casework.Service, *store, string) {
	t.Helper()
	first := claims.Event{Seq: 1, Type: claims.EventCreated, Actor: "public", At: now}
	if err := first.Seal(""); err != nil {
		t.Fatal(err)
	}
	c := claims.Claim{
		ID: "RC-2026-000001", CustomerID: "CUS-VIP", Stage: workflow.InformationCheck, Assignee: "anna",
		Priority: catalog.Normal, Version: 1, HistoryHash: first.Hash, CreatedAt: now,
		Claimant: claims.Claimant{Name: "Ivan Petrov", Email: "ivan@example.com"}, Language: "ru", DesiredResult: claims.Repair,
		Tasks: []claims.Task{{ID: "information_check.check-completeness", Stage: workflow.InformationCheck, Required: true, Owner: "anna", Source: "stage"}},
	}
	s := &store{claims: map[string]claims.Claim{c.ID: c}, history: map[string][]claims.Event{c.ID: {first}}}
	svc := newCasework(t, casework.Config{Store: s, Catalog: causes{}, Now: func() time.Time { return now }})
	return svc, s, c.ID
}

// newCasework returns the Service of cfg, failing the test when it is
// refused.
func newCasework(t *testing.T, cfg casework.Config) *casework.Service {
	t.Helper()
	svc, err := casework.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestNewRefusesEachMissingDependency: no store or no root-cause catalog
// (a typed nil included), and New names it; an absent publisher or SLA
// source is allowed (events wait for the relay, no clocks), a typed nil one
// too.
func TestNewRefusesEachMissingDependency(t *testing.T) {
	var nilStore *store
	tests := []struct {
		missing string
		cfg     casework.Config
	}{
		{"Store", casework.Config{Catalog: causes{}}},
		{"Store", casework.Config{Store: nilStore, Catalog: causes{}}},
		{"Catalog", casework.Config{Store: &store{}}},
	}
	for _, tt := range tests {
		svc, err := casework.New(tt.cfg)
		if e, ok := apperr.As(err); svc != nil || !ok || e.Code != apperr.Internal || len(e.Fields) != 1 || e.Fields[0].Field != tt.missing {
			t.Errorf("New without %s = %v, %v; want an Internal error naming it", tt.missing, svc, err)
		}
	}
	_, s, id := newService(t)
	var nilPublisher *recordingPublisher
	svc := newCasework(t, casework.Config{Store: s, Catalog: causes{}, Publisher: nilPublisher, Now: func() time.Time { return now }})
	fix := "Заменить крышку"
	got, err := svc.EditFields(context.Background(), staff("anna", auth.Manager), id, 1, casework.FieldPatch{DesiredFix: &fix})
	if err != nil || got.Version != 2 || len(s.outbox) == 0 {
		t.Errorf("a change with a typed nil publisher = %v (outbox %d); want it stored with its event, left to the relay", err, len(s.outbox))
	}
}

// recordingPublisher records what it is asked to publish.
type recordingPublisher struct{ published []events.Event }

func (p *recordingPublisher) Publish(_ context.Context, evs []events.Event) error {
	p.published = append(p.published, evs...)
	return nil
}

func staff(id string, roles ...auth.Role) casework.Caller {
	return casework.Caller{Principal: &auth.Principal{UserID: id, Roles: roles}}
}

func code(err error) apperr.Code {
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return "untyped"
}

func TestReassignKeepsThePersonalManagerAway(t *testing.T) {
	svc, s, id := newService(t)
	sup := staff("sup", auth.Supervisor)
	tests := []struct {
		name     string
		caller   casework.Caller
		assignee string
		reason   string
		want     apperr.Code
	}{
		{"a manager cannot", staff("anna", auth.Manager), "boris", "swap", apperr.Forbidden},
		{"no reason", sup, "boris", " ", apperr.Invalid},
		{"not on the roster", sup, "nobody", "swap", apperr.Invalid},
		{"inactive", sup, "gone", "swap", apperr.Invalid},
		{"the customer's personal manager (email in another case)", sup, "boris", "swap", apperr.Invalid},
		{"already the assignee", sup, "anna", "swap", apperr.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := svc.Reassign(context.Background(), tt.caller, roster{}, id, 1, tt.assignee, tt.reason); code(err) != tt.want {
				t.Errorf("Reassign = %v, want %s", err, tt.want)
			}
		})
	}
	if s.writes != 0 {
		t.Errorf("%d writes for refused reassignments", s.writes)
	}
}

func TestReassignMovesTheOpenTasks(t *testing.T) {
	svc, s, id := newService(t)
	c := s.claims[id]
	c.CustomerID = "CUS-OTHER"
	s.claims[id] = c
	got, err := svc.Reassign(context.Background(), staff("sup", auth.Supervisor), roster{}, id, 1, "boris", "отпуск")
	if err != nil {
		t.Fatal(err)
	}
	if got.Assignee != "boris" || got.Tasks[0].Owner != "boris" || got.Version != 2 {
		t.Errorf("after reassigning: assignee %s, task owner %s, version %d", got.Assignee, got.Tasks[0].Owner, got.Version)
	}
	if len(s.outbox) != 1 || s.outbox[0].Type != events.Assigned {
		t.Errorf("outbox %v, want one claim.assigned", s.outbox)
	}
	ev := s.history[id][1]
	if ev.Type != "claim.assigned" || ev.Before["assignee"] != "anna" || ev.After["reason"] != "отпуск" || ev.Actor != "supervisors:sup" {
		t.Errorf("history entry %+v", ev)
	}
	if v := casework.Verify(got, s.history[id]); !v.Valid {
		t.Errorf("chain after the change: %+v", v)
	}
}

func TestEditFields(t *testing.T) {
	svc, s, id := newService(t)
	anna := staff("anna", auth.Manager)
	high := catalog.High
	name := "Иван Петров-Водкин"
	got, err := svc.EditFields(context.Background(), anna, id, 1, casework.FieldPatch{Priority: &high, ClaimantName: &name})
	if err != nil {
		t.Fatal(err)
	}
	if got.Priority != catalog.High || got.Claimant.Name != name {
		t.Errorf("edited claim: priority %s, name %q", got.Priority, got.Claimant.Name)
	}
	ev := s.history[id][1]
	if ev.Before["priority"] != "normal" || ev.After["priority"] != "high" || ev.After["claimant.name"] != name {
		t.Errorf("history %+v", ev)
	}
	bad := "+7 123"
	if _, err := svc.EditFields(context.Background(), anna, id, 2, casework.FieldPatch{ClaimantPhone: &bad}); !hasField(err, "claimant.phone") {
		t.Errorf("a bad phone: %v, want an error naming claimant.phone", err)
	}
	if _, err := svc.EditFields(context.Background(), anna, id, 2, casework.FieldPatch{}); !hasField(err, "body") {
		t.Errorf("nothing to change: %v", err)
	}
	if _, err := svc.EditFields(context.Background(), staff("boris", auth.Manager), id, 2, casework.FieldPatch{ClaimantName: &name}); code(err) != apperr.NotFound {
		t.Errorf("another manager editing: %v, want NotFound (the claim is not theirs to see)", err)
	}
	if _, err := svc.EditFields(context.Background(), anna, id, 1, casework.FieldPatch{ClaimantName: &name}); code(err) != apperr.Conflict {
		t.Errorf("a stale version: %v, want Conflict", err)
	}
}

func TestPlanTasksAndCompletion(t *testing.T) {
	svc, _, id := newService(t)
	anna := staff("anna", auth.Manager)
	got, err := svc.AddPlanTask(context.Background(), anna, id, 1, casework.PlanTask{Title: "Запросить акт", Owner: "service-dept", Due: now.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Tasks) != 2 || got.Tasks[1].ID != "plan.1" || got.Tasks[1].Source != "plan" {
		t.Fatalf("tasks %+v", got.Tasks)
	}
	if _, err := svc.AddPlanTask(context.Background(), anna, id, 2, casework.PlanTask{Title: "x", Due: now.Add(-72 * time.Hour)}); !hasField(err, "title") || !hasField(err, "owner") || !hasField(err, "due") {
		t.Errorf("a bad plan task: %v, want title, owner and due named", err)
	}
	if _, err := svc.CompleteTask(context.Background(), anna, id, 2, "plan.9", ""); code(err) != apperr.NotFound {
		t.Errorf("an unknown task: %v", err)
	}
	got, err = svc.CompleteTask(context.Background(), anna, id, 2, "plan.1", "акт получен")
	if err != nil || got.Tasks[1].DoneBy != "managers:anna" || got.Tasks[1].Note != "акт получен" {
		t.Fatalf("complete: %v, %+v", err, got.Tasks)
	}
	if _, err := svc.CompleteTask(context.Background(), anna, id, 3, "plan.1", ""); code(err) != apperr.Conflict {
		t.Errorf("completing twice: %v, want Conflict", err)
	}
}

func TestApplyToAndNoChange(t *testing.T) {
	svc, s, id := newService(t)
	stale, _ := s.GetClaim(context.Background(), id)
	if _, err := svc.EditFields(context.Background(), staff("anna", auth.Manager), id, 1, casework.FieldPatch{DesiredFix: new("Заменить крышку")}); err != nil {
		t.Fatal(err)
	}
	// A system change on a stale copy (read from an index) is run again on
	// the current claim.
	runs := 0
	got, err := svc.ApplyTo(context.Background(), casework.Caller{System: true}, stale, func(cl *claims.Claim, _ workflow.Actor, _ time.Time) (*casework.Outcome, error) {
		runs++
		return &casework.Outcome{EventType: "sla.checked", After: map[string]any{"desiredFix": cl.DesiredFix}}, nil
	})
	if err != nil || runs != 2 || got.Version != 3 || s.history[id][2].After["desiredFix"] != "Заменить крышку" {
		t.Fatalf("ApplyTo on a stale copy: %v, runs %d, version %d", err, runs, got.Version)
	}
	// An edit with nothing to do writes nothing.
	writes := s.writes
	got, err = svc.Apply(context.Background(), casework.Caller{System: true}, id, 0, func(*claims.Claim, workflow.Actor, time.Time) (*casework.Outcome, error) {
		return nil, casework.ErrNoChange
	})
	if err != nil || got.Version != 3 || s.writes != writes {
		t.Errorf("no change: %v, version %d, %d writes", err, got.Version, s.writes-writes)
	}
	// Other errors pass through untouched.
	boom := errors.New("boom")
	if _, err := svc.Apply(context.Background(), casework.Caller{System: true}, id, 0, func(*claims.Claim, workflow.Actor, time.Time) (*casework.Outcome, error) {
		return nil, boom
	}); !errors.Is(err, boom) {
		t.Errorf("edit error: %v", err)
	}
}

func TestVerifyFindsRemovedAndEditedEntries(t *testing.T) {
	svc, s, id := newService(t)
	for i := range 3 {
		fix := "вариант " + string(rune('1'+i))
		if _, err := svc.EditFields(context.Background(), staff("anna", auth.Manager), id, i+1, casework.FieldPatch{DesiredFix: &fix}); err != nil {
			t.Fatal(err)
		}
	}
	c := s.claims[id]
	h := s.history[id]
	if v := casework.Verify(&c, h); !v.Valid || v.Entries != 4 {
		t.Fatalf("intact chain: %+v", v)
	}
	if v := casework.Verify(&c, h[:3]); v.Valid || v.BrokenAt != 3 {
		t.Errorf("last entry removed: %+v, want broken at 3", v)
	}
	edited := append([]claims.Event(nil), h...)
	edited[1].After = map[string]any{"desiredFix": "подделка"}
	if v := casework.Verify(&c, edited); v.Valid || v.BrokenAt != 2 {
		t.Errorf("entry 2 edited: %+v, want broken at 2", v)
	}
	if v := casework.Verify(&c, nil); v.Valid {
		t.Errorf("no history verifies: %+v", v)
	}
}

func hasField(err error, field string) bool {
	e, ok := apperr.As(err)
	if !ok {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}
