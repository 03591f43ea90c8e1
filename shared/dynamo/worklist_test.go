package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/workflow"
)

// TestWorklist checks the worklist index: a manager's open claims only,
// ordered by due time moved by priority, paged, and a claim leaves the list
// when it closes or is reassigned.
func TestWorklist(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	due := base.Add(48 * time.Hour)
	type spec struct {
		n        int
		assignee string
		prio     catalog.Priority
		due      time.Time
		stage    claims.Stage
	}
	specs := []spec{
		{1, "m1", catalog.Normal, due, workflow.Diagnostics},                    // key: due
		{2, "m1", catalog.Critical, due.Add(12 * time.Hour), workflow.Decision}, // due-24h+12h = due-12h
		{3, "m1", catalog.Low, due.Add(-12 * time.Hour), workflow.New},          // due-12h+24h = due+12h
		{4, "m1", catalog.High, due, workflow.InformationCheck},                 // due-8h
		{5, "m1", catalog.Normal, time.Time{}, workflow.WaitingForCustomer},     // last
		{6, "m2", catalog.Critical, due.Add(-72 * time.Hour), workflow.New},     // another manager
		{7, "m1", catalog.Critical, time.Time{}, workflow.Closed},               // finished
	}
	for _, s := range specs {
		nc := newClaim(t, s.n, claimOpts{assignee: s.assignee, stage: string(s.stage)})
		nc.Claim.Priority, nc.Claim.DueAt = s.prio, s.due
		db.create(t, nc)
	}
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := db.store.Worklist(ctx, "m1", 2, cursor)
		if err != nil {
			t.Fatalf("Worklist page %d: %v", pages, err)
		}
		for _, c := range page.Claims {
			got = append(got, c.ID)
		}
		if page.Next == "" || pages > 5 {
			break
		}
		cursor = page.Next
	}
	want := []string{claims.Number(2026, 2), claims.Number(2026, 4), claims.Number(2026, 1), claims.Number(2026, 3), claims.Number(2026, 5)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("worklist of m1 (-want +got):\n%s", diff)
	}

	// Closing claim 2 and giving claim 4 to m2 take them off m1's list.
	for _, n := range []int{2, 4} {
		d, err := db.store.ClaimDetail(ctx, claims.Number(2026, int64(n)))
		if err != nil {
			t.Fatal(err)
		}
		next := d.Claim
		if n == 2 {
			next.Stage, next.DueAt = workflow.Closed, time.Time{}
		} else {
			next.Assignee = "m2"
		}
		ev, err := claims.Next(&next, "stage.changed", "supervisors:s1", base.Add(time.Hour), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.store.ApplyChange(ctx, &claims.Change{Claim: &next, PrevVersion: d.Claim.Version, Event: ev}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := db.store.Worklist(ctx, "m1", 100, "")
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, c := range page.Claims {
		got = append(got, c.ID)
	}
	want = []string{claims.Number(2026, 1), claims.Number(2026, 3), claims.Number(2026, 5)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("worklist of m1 after closing and reassigning (-want +got):\n%s", diff)
	}
	page, err = db.store.Worklist(ctx, "m2", 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Claims) != 2 || page.Claims[0].ID != claims.Number(2026, 6) {
		t.Errorf("worklist of m2 = %v, want claim 6 then claim 4", page.Claims)
	}

	if _, err := db.store.Worklist(ctx, "m1", 10, "not-a-key"); err == nil {
		t.Error("a forged cursor was accepted")
	}
}
