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
// ranked by sla.CompareUrgency (breached first, then due time to the
// minute, then priority), paged; a change moves a claim (a breach brings it
// to the front) and a claim leaves the list when it closes or is
// reassigned.
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
		breached bool
	}
	specs := []spec{
		{1, "m1", catalog.Normal, due.Add(20 * time.Second), workflow.Diagnostics, false},    // due minute, normal
		{2, "m1", catalog.Critical, due.Add(12 * time.Hour), workflow.Decision, false},       // later
		{3, "m1", catalog.Low, due.Add(-12 * time.Hour), workflow.New, false},                // earliest due
		{4, "m1", catalog.High, due.Add(40 * time.Second), workflow.InformationCheck, false}, // due minute, high: before 1
		{5, "m1", catalog.Normal, time.Time{}, workflow.WaitingForCustomer, false},           // no due: last
		{6, "m2", catalog.Critical, due.Add(-72 * time.Hour), workflow.New, false},           // another manager
		{7, "m1", catalog.Critical, time.Time{}, workflow.Closed, false},                     // finished
		{8, "m1", catalog.Low, due.Add(24 * time.Hour), workflow.Diagnostics, true},          // breached: first
	}
	for _, s := range specs {
		nc := newClaim(t, s.n, claimOpts{assignee: s.assignee, stage: string(s.stage)})
		nc.Claim.Priority, nc.Claim.DueAt = s.prio, s.due
		if s.breached {
			nc.Claim.SLA = &claims.SLA{Policy: "default", Breached: []string{"firstResponse"}, Level: 1}
		}
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
	num := func(ns ...int) []string {
		var out []string
		for _, n := range ns {
			out = append(out, claims.Number(2026, int64(n)))
		}
		return out
	}
	if diff := cmp.Diff(num(8, 3, 4, 1, 2, 5), got); diff != "" {
		t.Fatalf("worklist of m1 (-want +got):\n%s", diff)
	}

	// Closing claim 2 and giving claim 3 to m2 take them off m1's list.
	for _, n := range []int{2, 3} {
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
	if diff := cmp.Diff(num(8, 4, 1, 5), got); diff != "" {
		t.Errorf("worklist of m1 after closing and reassigning (-want +got):\n%s", diff)
	}

	// The SLA check records a breach of claim 5, and claim 1 becomes
	// critical (due in the same minute as claim 4, high): each change
	// rewrites the claim's key.
	for _, n := range []int{5, 1} {
		d, err := db.store.ClaimDetail(ctx, claims.Number(2026, int64(n)))
		if err != nil {
			t.Fatal(err)
		}
		next := d.Claim
		if n == 5 {
			next.SLA = &claims.SLA{Policy: "default", Breached: []string{"statutory"}, Level: 1}
		} else {
			next.Priority = catalog.Critical
		}
		ev, err := claims.Next(&next, "sla.checked", "system", base.Add(2*time.Hour), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.store.ApplyChange(ctx, &claims.Change{Claim: &next, PrevVersion: d.Claim.Version, Event: ev}); err != nil {
			t.Fatal(err)
		}
	}
	page, err = db.store.Worklist(ctx, "m1", 100, "")
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, c := range page.Claims {
		got = append(got, c.ID)
	}
	if diff := cmp.Diff(num(8, 5, 1, 4), got); diff != "" {
		t.Errorf("worklist of m1 after a breach and a priority edit (-want +got):\n%s", diff)
	}
	page, err = db.store.Worklist(ctx, "m2", 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Claims) != 2 || page.Claims[0].ID != claims.Number(2026, 6) {
		t.Errorf("worklist of m2 = %v, want claim 6 then claim 3", page.Claims)
	}

	if _, err := db.store.Worklist(ctx, "m1", 10, "not-a-key"); err == nil {
		t.Error("a forged cursor was accepted")
	}
}
