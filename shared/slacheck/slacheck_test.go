package slacheck_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/infra/seed"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/cache"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/sla"
	"github.com/claimsdesk/backend/shared/slacheck"
	"github.com/claimsdesk/backend/shared/workflow"
)

var msk = mustZone("Europe/Moscow")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// at is a Moscow wall-clock time in November 2026 (the 20th is a Friday).
func at(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, msk)
}

// clock is the fake clock every service of a test reads.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// published records what was published.
type published struct {
	mu   sync.Mutex
	list []events.Event
}

func (e *published) Publish(_ context.Context, evs []events.Event) error {
	e.mu.Lock()
	e.list = append(e.list, evs...)
	e.mu.Unlock()
	return nil
}

// of returns the published events of a type for a claim.
func (e *published) of(typ, claimID string) []events.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []events.Event
	for _, ev := range e.list {
		if ev.Type == typ && ev.ClaimID == claimID {
			out = append(out, ev)
		}
	}
	return out
}

type fixed[T any] struct{ v T }

func (f fixed[T]) Get(context.Context) (T, error) { return f.v, nil }

type fixedCatalog struct{ c *catalog.Catalog }

func (f fixedCatalog) Catalog(context.Context) (*catalog.Catalog, error) { return f.c, nil }

// env is intake, casework and the checker on the embedded DynamoDB, with
// one fake clock, the seed SLA policies and calendar, and a roster of two
// managers who stand in for each other (Anna, Boris) plus Vera, who stands
// in for nobody.
type env struct {
	clock   *clock
	store   *dynamo.Store
	pub     *published
	roster  *assignment.Roster
	intake  *intake.Service
	work    *casework.Service
	checker *slacheck.Checker
}

func newEnv(t *testing.T) *env {
	t.Helper()
	p := st.Services(t)
	store, err := dynamo.New(dynamo.Config{Client: p.Clients.DynamoDB, Table: "claims-Table"})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := seed.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	cal, err := seed.Calendar()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := seed.SLAConfig()
	if err != nil {
		t.Fatal(err)
	}
	k, err := keys.Derive(strings.Repeat("sla-secret-", 4))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{clock: &clock{}, store: store, pub: &published{}}
	e.roster = &assignment.Roster{Managers: []assignment.Manager{
		{ID: "anna", Name: "Анна", Email: "anna@factory.example", Categories: []string{"service"}, Active: true, Substitute: "boris"},
		{ID: "boris", Name: "Борис", Email: "boris@factory.example", Categories: []string{"defect"}, Active: true, Substitute: "vera"},
		{ID: "vera", Name: "Вера", Email: "vera@factory.example", Categories: []string{"defect"}, Active: true},
	}}
	engine := fixed[*sla.Engine]{&sla.Engine{Calendar: cal, Config: cfg}}
	logger := slog.New(slog.DiscardHandler)
	if e.intake, err = intake.New(intake.Config{
		Store: store, Files: noFiles{}, Catalog: fixedCatalog{cat}, Publisher: e.pub, Keys: k, Roster: fixed[*assignment.Roster]{e.roster},
		SLA: engine, Location: msk, Now: e.clock.Now, Logger: logger,
	}); err != nil {
		t.Fatal(err)
	}
	if e.work, err = casework.New(casework.Config{Store: store, Publisher: e.pub, Catalog: fixedCatalog{cat}, SLA: engine, Now: e.clock.Now, Logger: logger}); err != nil {
		t.Fatal(err)
	}
	if e.checker, err = slacheck.New(slacheck.Config{Work: e.work, Store: store, SLA: engine, Roster: fixed[*assignment.Roster]{e.roster},
		Location: msk, Now: e.clock.Now, Logger: logger}); err != nil {
		t.Fatal(err)
	}
	return e
}

// noFiles is the bucket of claims filed without files (the tests' claims
// are of a type that takes none).
type noFiles struct{}

func (noFiles) PresignUpload(context.Context, intake.UploadSpec) (*intake.Upload, error) {
	return nil, apperr.Errorf(apperr.Internal, "no uploads in these tests")
}
func (noFiles) Stat(context.Context, string) (*intake.Object, error) {
	return nil, apperr.Errorf(apperr.NotFound, "no files in these tests")
}
func (noFiles) Head(context.Context, string, int) ([]byte, error) {
	return nil, apperr.Errorf(apperr.NotFound, "no files in these tests")
}

// TestNewRefusesEachMissingDependency: a checker without its change path,
// its store or its SLA source (typed nils included) is never built; before,
// one without SLA failed every scheduled run.
func TestNewRefusesEachMissingDependency(t *testing.T) {
	// Never called: New only checks what it is given.
	store := &dynamo.Store{}
	work, err := casework.New(casework.Config{Store: store, Catalog: fixedCatalog{&catalog.Catalog{}}})
	if err != nil {
		t.Fatal(err)
	}
	full := slacheck.Config{Work: work, Store: store, SLA: fixed[*sla.Engine]{&sla.Engine{}}}
	var (
		nilWork  *casework.Service
		nilStore *dynamo.Store
		nilSLA   *cache.Value[*sla.Engine]
	)
	tests := []struct {
		missing string
		drop    func(*slacheck.Config)
	}{
		{"Work", func(c *slacheck.Config) { c.Work = nilWork }},
		{"Store", func(c *slacheck.Config) { c.Store = nil }},
		{"Store", func(c *slacheck.Config) { c.Store = nilStore }},
		{"SLA", func(c *slacheck.Config) { c.SLA = nil }},
		{"SLA", func(c *slacheck.Config) { c.SLA = nilSLA }},
	}
	for _, tt := range tests {
		cfg := full
		tt.drop(&cfg)
		c, err := slacheck.New(cfg)
		if e, ok := apperr.As(err); c != nil || !ok || e.Code != apperr.Internal || len(e.Fields) != 1 || e.Fields[0].Field != tt.missing {
			t.Errorf("New without %s = %v, %v; want an Internal error naming it", tt.missing, c, err)
		}
	}
	if _, err := slacheck.New(full); err != nil {
		t.Errorf("New with every dependency = %v", err)
	}
}

// file takes a claim in at the clock's time (service category: Anna's).
func (e *env) file(t *testing.T, email string) *claims.Claim {
	t.Helper()
	res, err := e.intake.Submit(context.Background(), intake.Submission{
		Draft: claims.Draft{
			Channel: claims.ChannelAPI, Claimant: claims.Claimant{Name: "Ольга Клиентова", Email: email},
			Product: claims.Product{Model: "TH-2000"}, CategoryID: "service", TypeID: "staff_conduct",
			Essence: "Мастер не пришёл в назначенное время.", DesiredResult: claims.OtherResult, Language: "ru",
		},
		Actor: intake.Actor{Role: "integrations", UserID: "erp"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.Claim
}

func (e *env) check(t *testing.T, when time.Time) slacheck.Result {
	t.Helper()
	e.clock.Set(when)
	res, err := e.checker.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (e *env) get(t *testing.T, id string) *claims.Claim {
	t.Helper()
	c, err := e.store.GetClaim(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func slaData(t *testing.T, ev events.Event) events.SLA {
	t.Helper()
	var d events.SLA
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestCheckWarnsThenEscalatesAcrossTheWeekend: a claim filed on Friday at
// 16:00 has 4 business hours to leave "new" (the seed default): two hours on
// Friday, two on Monday. Nothing happens over the weekend; the assignee is
// warned on Monday at 10:12 (80 %); at 11:00 the clocks run out and the
// supervisors are told, once.
func TestCheckWarnsThenEscalatesAcrossTheWeekend(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(at(20, 16, 0))
	c := e.file(t, "weekend@example.com")
	if c.Assignee != "anna" || c.SLA == nil || c.SLA.Policy != "default" {
		t.Fatalf("filed claim: assignee %q, SLA %+v", c.Assignee, c.SLA)
	}
	if want := at(23, 11, 0); !c.DueAt.Equal(want) || !c.SLA.FirstResponseDue.Equal(want) {
		t.Fatalf("due %v / first response %v, want Monday 11:00 MSK", c.DueAt.In(msk), c.SLA.FirstResponseDue.In(msk))
	}
	if want := at(23, 10, 12); !c.SLA.NextCheck.Equal(want) {
		t.Fatalf("next check %v, want Monday 10:12 MSK", c.SLA.NextCheck.In(msk))
	}
	for _, when := range []time.Time{at(21, 12, 0), at(22, 23, 0), at(23, 10, 11)} {
		if res := e.check(t, when); res.Read != 0 || res.Changed != 0 {
			t.Errorf("check at %v read %d claims, changed %d; want none due", when, res.Read, res.Changed)
		}
	}
	res := e.check(t, at(23, 10, 15))
	if res.Read != 1 || res.Warnings != 2 || res.Breaches != 0 {
		t.Fatalf("check at 10:15: %+v, want 2 warnings (first response, stage)", res)
	}
	warnings := e.pub.of(events.SLAWarning, c.ID)
	if len(warnings) != 2 || slaData(t, warnings[0]).Assignee != "anna" {
		t.Fatalf("warning events %v", warnings)
	}
	if res := e.check(t, at(23, 10, 30)); res.Read != 0 {
		t.Errorf("a second check before the breach read %d claims", res.Read)
	}
	res = e.check(t, at(23, 11, 1))
	if res.Breaches != 2 {
		t.Fatalf("check at 11:01: %+v, want 2 breaches", res)
	}
	esc := e.pub.of(events.Escalated, c.ID)
	if len(esc) != 2 || slaData(t, esc[1]).Level != 2 {
		t.Fatalf("escalations %v", esc)
	}
	got := e.get(t, c.ID)
	if got.SLA.Level != 2 || len(got.SLA.Breached) != 2 {
		t.Errorf("stored SLA %+v", got.SLA)
	}
	// Checking again reports nothing new.
	if res := e.check(t, at(23, 11, 30)); res.Warnings+res.Breaches != 0 {
		t.Errorf("repeated check: %+v", res)
	}
	if n := len(e.pub.of(events.Escalated, c.ID)); n != 2 {
		t.Errorf("%d escalations after a repeated check, want 2", n)
	}
	// Every finding is in the audit trail, and the chain holds.
	d, err := e.store.ClaimDetail(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, ev := range d.History {
		if ev.Type == "sla.checked" {
			checked++
		}
	}
	if checked != 2 || !casework.Verify(&d.Claim, d.History).Valid {
		t.Errorf("%d sla.checked entries, chain valid %v", checked, casework.Verify(&d.Claim, d.History).Valid)
	}
}

// TestPauseStopsTheBusinessClocks: waiting for the customer stops the
// stage and resolution clocks (no breach while paused), and the stage gets
// its remaining time back on resume.
func TestPauseStopsTheBusinessClocks(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.clock.Set(at(23, 9, 0)) // Monday
	c := e.file(t, "pause@example.com")
	anna := casework.Caller{System: true}
	move := func(to claims.Stage, reason string, when time.Time) *claims.Claim {
		t.Helper()
		e.clock.Set(when)
		cur := e.get(t, c.ID)
		out, err := e.work.ApplyTo(ctx, anna, cur, func(cl *claims.Claim, _ workflow.Actor, now time.Time) (*casework.Outcome, error) {
			from := cl.Stage
			before, after, err := workflow.DefaultConfig().Move(cl, workflow.Actor{ID: "managers:anna", Roles: []string{workflow.ByAssignee, workflow.BySystem}}, workflow.Request{To: to, Reason: reason}, now)
			if err != nil {
				return nil, err
			}
			e.work.Engine(ctx).Moved(cl, from, now)
			return &casework.Outcome{EventType: "stage.changed", Before: before, After: after}, nil
		})
		if err != nil {
			t.Fatalf("move to %s: %v", to, err)
		}
		return out
	}
	c = move(workflow.InformationCheck, "", at(23, 10, 0))
	if c.SLA.RespondedAt.IsZero() {
		t.Error("leaving new did not count as the first response")
	}
	stageDue, resolutionDue := c.DueAt, c.SLA.ResolutionDue
	if want := at(23, 18, 0); !stageDue.Equal(want) {
		t.Fatalf("information check due %v, want 18:00 the same day (8 business hours)", stageDue.In(msk))
	}
	c = move(workflow.WaitingForCustomer, "Пришлите акт", at(23, 12, 0)) // 6 business hours left
	if !c.DueAt.IsZero() || c.SLA.StageLeftSeconds != 6*3600 {
		t.Fatalf("paused: due %v, stage left %ds", c.DueAt, c.SLA.StageLeftSeconds)
	}
	// Two working days pass: nothing breaches while the customer owes us.
	if res := e.check(t, at(25, 17, 0)); res.Breaches != 0 {
		t.Fatalf("breaches while paused: %+v", res)
	}
	c = move("$previous", "", at(26, 9, 0)) // Thursday 09:00, 2 days 6 hours of business time paused
	if want := at(26, 15, 0); !c.DueAt.Equal(want) {
		t.Errorf("resumed stage due %v, want 15:00 (the 6 hours left)", c.DueAt.In(msk))
	}
	paused := e.work.Engine(ctx).Calendar.Between(at(23, 12, 0), at(26, 9, 0))
	if !c.SLA.ResolutionDue.Equal(e.work.Engine(ctx).Calendar.Add(resolutionDue, paused)) {
		t.Errorf("resolution due %v, want %v moved by the %v paused", c.SLA.ResolutionDue.In(msk), resolutionDue.In(msk), paused)
	}
	if res := e.check(t, at(26, 15, 1)); res.Breaches != 1 {
		t.Errorf("after the resumed stage ran out: %+v, want 1 breach", res)
	}
}

// TestCheckHandsTheDueClaimOfAnAbsentAssigneeToTheStandIn: Anna falls ill;
// her claim, due for a check, goes to Boris (her substitute), with the
// reason in the history and an assignment event for the notifier.
func TestCheckHandsTheDueClaimOfAnAbsentAssigneeToTheStandIn(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(at(23, 9, 0))
	c := e.file(t, "ill@example.com")
	e.roster.Managers[0].Absences = []assignment.Absence{{From: "2026-11-23", To: "2026-11-27", Kind: assignment.SickLeave}}
	res := e.check(t, at(23, 12, 20))
	if res.Reassigned != 1 || res.Warnings != 2 {
		t.Fatalf("check: %+v, want 2 warnings and a reassignment", res)
	}
	got := e.get(t, c.ID)
	if got.Assignee != "boris" {
		t.Fatalf("assignee %q, want boris", got.Assignee)
	}
	assigned := e.pub.of(events.Assigned, c.ID)
	if len(assigned) != 1 || !strings.Contains(string(assigned[0].Data), "sick_leave") {
		t.Errorf("assignment events %v", assigned)
	}
}

// TestMoveAbsentMovesEveryOpenClaim: the daily job gives all of an absent
// manager's open claims to the stand-in, except one whose stand-in is the
// customer's personal manager: that one goes further down the matrix.
func TestMoveAbsentMovesEveryOpenClaim(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.clock.Set(at(23, 9, 0))
	var ids []string
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		ids = append(ids, e.file(t, email).ID)
	}
	vip := e.get(t, ids[2])
	if err := e.store.SetPersonalManager(ctx, vip.CustomerID, "boris@factory.example"); err != nil {
		t.Fatal(err)
	}
	e.roster.Managers[0].Absences = []assignment.Absence{{From: "2026-11-24", To: "2026-12-04", Kind: assignment.Vacation}}
	if res, err := e.checker.MoveAbsent(ctx); err != nil || res.Reassigned != 0 {
		t.Fatalf("the day before the vacation: %+v, %v; want nothing moved", res, err)
	}
	e.clock.Set(at(24, 7, 0))
	res, err := e.checker.MoveAbsent(ctx)
	if err != nil || res.Reassigned != 3 {
		t.Fatalf("first day of the vacation: %+v, %v; want 3 moved", res, err)
	}
	for i, id := range ids {
		want := "boris"
		if i == 2 {
			want = "vera" // Boris is this customer's personal manager
		}
		if got := e.get(t, id).Assignee; got != want {
			t.Errorf("claim %d went to %q, want %s", i, got, want)
		}
	}
	if res, err := e.checker.MoveAbsent(ctx); err != nil || res.Read != 0 {
		t.Errorf("a second run: %+v, %v; want nothing left to read", res, err)
	}
}

// TestRunRefusesAnUnknownJob: a schedule input that is not JSON or names
// no job is an Invalid error for field "job" (what the schedule's failure
// shows), and nothing is read.
func TestRunRefusesAnUnknownJob(t *testing.T) {
	store := &dynamo.Store{} // never called: the input is refused first
	work, err := casework.New(casework.Config{Store: store, Catalog: fixedCatalog{&catalog.Catalog{}}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := slacheck.New(slacheck.Config{Work: work, Store: store, SLA: fixed[*sla.Engine]{&sla.Engine{}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{`check`, `{"job":"report"}`, `{}`} {
		_, err := c.Run(context.Background(), []byte(in))
		if e, ok := apperr.As(err); !ok || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "job" {
			t.Errorf("Run(%s) = %v, want Invalid naming job", in, err)
		}
	}
}
