package intake_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/claimsdesk/backend/infra/seed"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/sla"
)

// staticRoster serves a fixed roster (or an error).
type staticRoster struct {
	r   *assignment.Roster
	err error
}

func (s staticRoster) Get(context.Context) (*assignment.Roster, error) { return s.r, s.err }

// threeManagers handle defects; m2 is on vacation the whole March with m3
// standing in.
func threeManagers() *assignment.Roster {
	return &assignment.Roster{Managers: []assignment.Manager{
		{ID: "m1", Name: "Анна", Email: "anna@factory.example", Categories: []string{"defect"}, Active: true, Substitute: "m2"},
		{ID: "m2", Name: "Борис", Email: "boris@factory.example", Categories: []string{"defect"}, Active: true, Substitute: "m3",
			Absences: []assignment.Absence{{From: "2026-03-01", To: "2026-03-31", Kind: assignment.Vacation}}},
		{ID: "m3", Name: "Вера", Email: "vera@factory.example", Categories: []string{"defect"}, Active: true, Substitute: "m1"},
	}}
}

func submitted(t *testing.T, e *env, email string) *claims.Claim {
	t.Helper()
	sub := validSubmission(e)
	sub.Draft.Claimant.Email = email
	sub.Idempotency, sub.RateLimits = nil, nil
	res, err := e.svc.Submit(context.Background(), sub)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return res.Claim
}

func TestSubmitAssignsByRoundRobinSkippingTheAbsent(t *testing.T) {
	e := newEnvWith(t, staticRoster{r: threeManagers()})
	var got []string
	for range 4 {
		got = append(got, submitted(t, e, "client@example.com").Assignee)
	}
	// Turns 1..4 in the pool [m1 m2 m3]: m2 (absent: m3 stands in), m3, m1, m2 -> m3.
	want := []string{"m3", "m3", "m1", "m3"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("assignees = %v, want %v", got, want)
		}
	}
	nc := e.store.created[0]
	if nc.Event.After["assignee"] != "m3" || nc.Event.After["assignment"] != "substitute for m2 (vacation)" {
		t.Errorf("first history entry = %v, want the assignee and why", nc.Event.After)
	}
	var rec events.Received
	if err := json.Unmarshal(nc.Outbox[0].Data, &rec); err != nil || rec.Assignee != "m3" {
		t.Errorf("claim.received data = %+v (%v), want the assignee for the notifier", rec, err)
	}
	if keys := nc.Customer.NotManagedBy; len(keys) != 2 || keys[0] != "m3" || keys[1] != "vera@factory.example" {
		t.Errorf("customer guard = %v, want the assignee's ID and email", keys)
	}
}

func TestSubmitNeverAssignsTheCustomersPersonalManager(t *testing.T) {
	e := newEnvWith(t, staticRoster{r: threeManagers()})
	// The first claim tells us the customer's ID; then m3 becomes their
	// personal manager (by email, as the ERP records it).
	first := submitted(t, e, "loyal@example.com")
	e.store.personal[first.CustomerID] = "vera@factory.example"
	for range 6 {
		c := submitted(t, e, "loyal@example.com")
		if c.Assignee == "m3" {
			t.Fatalf("claim %s went to the customer's personal manager", c.ID)
		}
		if c.Assignee == "" {
			t.Fatalf("claim %s was left unassigned", c.ID)
		}
	}
	if e.store.pmRefusals == 0 {
		t.Error("the store's guard was never exercised: no turn landed on the personal manager")
	}
	// Another customer's claims still reach m3.
	if c := submitted(t, e, "other@example.com"); c.Assignee == "" {
		t.Error("another customer's claim was left unassigned")
	}
}

func TestSubmitKeepsClaimsNobodyCanTake(t *testing.T) {
	r := threeManagers()
	for i := range r.Managers {
		r.Managers[i].Categories = []string{"transport"}
	}
	e := newEnvWith(t, staticRoster{r: r})
	c := submitted(t, e, "client@example.com")
	if c.Assignee != "" {
		t.Fatalf("assignee = %q, want none: nobody handles defects", c.Assignee)
	}
	if msg, _ := e.store.created[0].Event.After["assignment"].(string); msg == "" {
		t.Error("the history does not say why the claim is unassigned")
	}

	broken := newEnvWith(t, staticRoster{err: errors.New("table unavailable")})
	if c := submitted(t, broken, "client@example.com"); c.Assignee != "" || c.ID == "" {
		t.Errorf("with the roster unreadable: claim %q assignee %q; want the claim taken, unassigned", c.ID, c.Assignee)
	}
}

func TestSubmitAbsenceIsADayInTheCompanysZone(t *testing.T) {
	// 2026-03-31 22:30 UTC is already April 1st in Moscow: m2 is back.
	r := threeManagers()
	e := newEnvWith(t, staticRoster{r: r})
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	e.setLocation(msk, time.Date(2026, 3, 31, 22, 30, 0, 0, time.UTC))
	if c := submitted(t, e, "client@example.com"); c.Assignee != "m2" {
		t.Errorf("assignee = %q, want m2 (back from vacation in Moscow time)", c.Assignee)
	}
}

// engineSource serves a fixed SLA engine.
type engineSource struct{ e *sla.Engine }

func (s engineSource) Get(context.Context) (*sla.Engine, error) { return s.e, nil }

// TestSubmitStartsTheSLAClocks: a claim filed on a Saturday morning (the
// test clock) gets the seed default policy, its first business hours on
// Monday, and the statutory term for a repair.
func TestSubmitStartsTheSLAClocks(t *testing.T) {
	cal, err := seed.Calendar()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := seed.SLAConfig()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, nil)
	e.sla = engineSource{&sla.Engine{Calendar: cal, Config: cfg}}
	e.setLocation(time.UTC, now)
	c := submitted(t, e, "clock@example.com")
	msk, _ := time.LoadLocation("Europe/Moscow")
	if c.SLA == nil || c.SLA.Policy == "" {
		t.Fatalf("claim SLA = %+v", c.SLA)
	}
	// Saturday 14 March 2026: the stage's 4 business hours are Monday 09:00-13:00.
	if want := time.Date(2026, 3, 16, 13, 0, 0, 0, msk); !c.DueAt.Equal(want) {
		t.Errorf("stage due %v, want %v", c.DueAt.In(msk), want)
	}
	if c.SLA.StatutoryDue.IsZero() || c.SLA.StatutoryDue.Sub(c.CreatedAt) < 45*24*time.Hour {
		t.Errorf("statutory due %v for a repair, want 45 days on", c.SLA.StatutoryDue)
	}
	if !c.SLA.NextCheck.After(now) {
		t.Errorf("next check %v", c.SLA.NextCheck)
	}
}
