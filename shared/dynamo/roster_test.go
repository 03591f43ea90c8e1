package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/infra/seed"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
)

func rosterManager(id string, active bool, cats ...string) assignment.Manager {
	return assignment.Manager{ID: id, Name: "Менеджер " + id, Email: id + "@claimsdesk.example", Active: active,
		Categories: cats, ProductLines: []string{"heaters"}, Absences: []assignment.Absence{}}
}

func TestRosterPutAndRead(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	empty, err := db.store.Roster(ctx)
	if err != nil {
		t.Fatalf("Roster of an empty table: %v", err)
	}
	if len(empty.Managers) != 0 {
		t.Errorf("empty table has managers %+v", empty.Managers)
	}

	m2 := rosterManager("m2", true, "defect")
	m2.Substitute = "m1"
	m2.Absences = []assignment.Absence{{From: "2026-07-01", To: "2026-07-14", Kind: assignment.Vacation, Note: "море"}}
	m1 := rosterManager("m1", false, "transport", "service")
	for _, m := range []assignment.Manager{m2, m1} {
		if err := db.store.PutManager(ctx, m); err != nil {
			t.Fatalf("PutManager %s: %v", m.ID, err)
		}
	}
	got, err := db.store.Roster(ctx)
	if err != nil {
		t.Fatalf("Roster: %v", err)
	}
	if diff := cmp.Diff([]assignment.Manager{m1, m2}, got.Managers); diff != "" {
		t.Errorf("roster mismatch (-want +got):\n%s", diff)
	}
	one, err := db.store.ManagerByID(ctx, "m2")
	if err != nil || !cmp.Equal(&m2, one) {
		t.Errorf("ManagerByID(m2) = %+v, %v", one, err)
	}
	if _, err := db.store.ManagerByID(ctx, "m9"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("ManagerByID(m9) error = %v, want NotFound", err)
	}

	// The item layout: one partition, a JSON document.
	item := db.item(t, "ROSTER", "MANAGER#m2")
	var raw struct {
		Entity string `json:"entity"`
		Doc    string `json:"doc"`
	}
	if err := unmarshalItem(item, &raw); err != nil || raw.Entity != "manager" || raw.Doc == "" {
		t.Errorf("stored item %+v (%v)", raw, err)
	}

	// Put replaces.
	m1.Active, m1.Categories = true, []string{"defect"}
	if err := db.store.PutManager(ctx, m1); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.store.ManagerByID(ctx, "m1"); !cmp.Equal(&m1, got) {
		t.Errorf("after replace: %+v", got)
	}
}

func TestRosterUpdateManager(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	if err := db.store.PutManager(ctx, rosterManager("m1", true, "defect")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.store.UpdateManager(ctx, "m9", func(*assignment.Manager) error { return nil }); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("UpdateManager(m9) error = %v, want NotFound", err)
	}
	refuse := errors.New("refused")
	if _, err := db.store.UpdateManager(ctx, "m1", func(*assignment.Manager) error { return refuse }); !errors.Is(err, refuse) {
		t.Errorf("UpdateManager with a refusing change: %v", err)
	}

	// Concurrent calendar edits: none is lost (each either lands or
	// reports a Conflict).
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		added []string
	)
	for i := range 8 {
		wg.Go(func() {
			day := fmt.Sprintf("2026-08-%02d", i+1)
			_, err := db.store.UpdateManager(ctx, "m1", func(m *assignment.Manager) error {
				m.Absences = append(m.Absences, assignment.Absence{From: day, To: day, Kind: assignment.OtherAbsence})
				return nil
			})
			switch {
			case err == nil:
				mu.Lock()
				added = append(added, day)
				mu.Unlock()
			case !apperr.Is(err, apperr.Conflict):
				t.Errorf("UpdateManager: %v", err)
			}
		})
	}
	wg.Wait()
	m, err := db.store.ManagerByID(ctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	var stored []string
	for _, a := range m.Absences {
		stored = append(stored, a.From)
	}
	slices.Sort(stored)
	slices.Sort(added)
	if len(added) == 0 || !slices.Equal(stored, added) {
		t.Errorf("stored absences %v, successful updates %v", stored, added)
	}
}

func TestRosterActiveManager(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	for _, m := range []assignment.Manager{rosterManager("m1", true, "defect"), rosterManager("m2", false, "defect")} {
		if err := db.store.PutManager(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for id, want := range map[string]bool{"m1": true, "m2": false, "m9": false, "": false} {
		got, err := db.store.ActiveManager(ctx, id)
		if err != nil || got != want {
			t.Errorf("ActiveManager(%q) = %v, %v; want %v", id, got, err, want)
		}
	}
}

func TestRosterSeedAddsOnlyWhatIsMissing(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	managers, err := seed.Managers()
	if err != nil {
		t.Fatal(err)
	}
	added, err := db.store.SeedRoster(ctx, managers)
	if err != nil || added != len(managers) {
		t.Fatalf("first SeedRoster = %d, %v; want %d", added, err, len(managers))
	}
	// A supervisor's change survives the next deploy.
	if _, err := db.store.UpdateManager(ctx, "manager-2", func(m *assignment.Manager) error {
		m.Active = false
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	added, err = db.store.SeedRoster(ctx, managers)
	if err != nil || added != 0 {
		t.Fatalf("second SeedRoster = %d, %v; want 0", added, err)
	}
	r, err := db.store.Roster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(managers)
	want[1].Active = false
	if diff := cmp.Diff(want, r.Managers); diff != "" {
		t.Errorf("roster mismatch (-want +got):\n%s", diff)
	}
}

func TestRosterPersonalManager(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	first := newClaim(t, 1, claimOpts{})
	customer := first.Customer.ID

	// No profile yet: no personal manager, and none can be set.
	if got, err := db.store.PersonalManager(ctx, customer); err != nil || got != "" {
		t.Errorf("PersonalManager before intake = %q, %v", got, err)
	}
	if err := db.store.SetPersonalManager(ctx, customer, "m1"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("SetPersonalManager without a profile: %v, want NotFound", err)
	}
	if db.item(t, "CUSTOMER#"+customer, "#PROFILE") != nil {
		t.Fatalf("SetPersonalManager created a profile")
	}

	db.create(t, first)
	if got, err := db.store.PersonalManager(ctx, customer); err != nil || got != "" {
		t.Errorf("PersonalManager of a new profile = %q, %v", got, err)
	}
	if err := db.store.SetPersonalManager(ctx, customer, "manager-3"); err != nil {
		t.Fatal(err)
	}
	// The customer's next claim updates the profile and keeps the manager.
	db.create(t, newClaim(t, 2, claimOpts{}))
	if got, err := db.store.PersonalManager(ctx, customer); err != nil || got != "manager-3" {
		t.Errorf("PersonalManager = %q, %v; want manager-3", got, err)
	}
	var profile struct {
		Name   string `json:"name"`
		Claims int    `json:"claims"`
	}
	if err := unmarshalItem(db.item(t, "CUSTOMER#"+customer, "#PROFILE"), &profile); err != nil || profile.Claims != 2 || profile.Name == "" {
		t.Errorf("profile after two claims: %+v (%v)", profile, err)
	}
	if err := db.store.SetPersonalManager(ctx, customer, ""); err != nil {
		t.Fatal(err)
	}
	if got, err := db.store.PersonalManager(ctx, customer); err != nil || got != "" {
		t.Errorf("PersonalManager after clearing = %q, %v", got, err)
	}
}

func TestRosterOpenWorkload(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	db.create(t,
		newClaim(t, 1, claimOpts{assignee: "m1"}),
		newClaim(t, 2, claimOpts{assignee: "m1"}),
		newClaim(t, 3, claimOpts{assignee: "m1", stage: "closed"}),
		newClaim(t, 4, claimOpts{assignee: "m2"}),
		newClaim(t, 5, claimOpts{}),
	)
	got, err := db.store.OpenWorkload(ctx, []string{"m1", "m2", "m3"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"m1": 2, "m2": 1, "m3": 0}, got); diff != "" {
		t.Errorf("workload mismatch (-want +got):\n%s", diff)
	}
}
