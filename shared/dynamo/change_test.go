package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/registry"
)

// assignChange is the change a manager makes taking a claim: a new stage and
// assignee, a history entry, one more file and an outbox event.
func assignChange(t *testing.T, d *registry.Detail, assignee string, at time.Time) *claims.Change {
	t.Helper()
	next := d.Claim
	prev := next.Version
	next.Stage, next.Assignee = "in_review", assignee
	ev, err := claims.Next(&next, "claim.assigned", "managers:"+assignee, at,
		map[string]any{"assignee": d.Claim.Assignee}, map[string]any{"assignee": assignee})
	if err != nil {
		t.Fatal(err)
	}
	file := claims.Attachment{
		ID: fmt.Sprintf("%024d", 900+next.Version), Zone: "product", Key: "uploads/ffff/" + assignee, FileName: "act.pdf",
		ContentType: "application/pdf", Size: 4096, UploadedAt: at, UploadedBy: "managers:" + assignee,
	}
	note, err := events.NewRaw("claim.assigned", next.ID, "managers:"+assignee, at, map[string]string{"assignee": assignee})
	if err != nil {
		t.Fatal(err)
	}
	return &claims.Change{Claim: &next, PrevVersion: prev, Event: ev, Files: []claims.Attachment{file}, Outbox: []events.Event{note}}
}

func TestApplyChange(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	nc := newClaim(t, 1, claimOpts{attachments: 2})
	db.create(t, nc)
	d, err := db.store.ClaimDetail(ctx, nc.Claim.ID)
	if err != nil {
		t.Fatal(err)
	}
	ch := assignChange(t, d, "mgr-7", base.Add(time.Hour))
	if err := db.store.ApplyChange(ctx, ch); err != nil {
		t.Fatalf("ApplyChange at the current version: %v", err)
	}

	got, err := db.store.ClaimDetail(ctx, nc.Claim.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := &registry.Detail{
		Claim:       *ch.Claim,
		Attachments: append(append([]claims.Attachment(nil), nc.Attachments...), ch.Files...),
		History:     viaJSON(t, []claims.Event{nc.Event, ch.Event}),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("detail after the change mismatch (-want +got):\n%s", diff)
	}
	if got.Claim.Version != 2 {
		t.Errorf("version after one change = %d, want 2", got.Claim.Version)
	}
	if seq, ok := claims.VerifyChain(got.History); !ok {
		t.Errorf("history after the change does not verify: broken at %d", seq)
	}
	if pending := db.pendingOutbox(t); len(pending) != 2 {
		t.Errorf("pending outbox has %d events, want the intake's and the change's", len(pending))
	}

	// The claim moved between the stage and assignee indexes.
	lists := []struct {
		dim, value string
		want       []string
	}{
		{registry.DimStage, "new", nil},
		{registry.DimStage, "in_review", []string{nc.Claim.ID}},
		{registry.DimAssignee, "mgr-7", []string{nc.Claim.ID}},
	}
	for _, l := range lists {
		if diff := cmp.Diff(l.want, listAll(t, db, registry.ListSpec{Dim: l.dim, Value: l.value, Limit: 10})); diff != "" {
			t.Errorf("%s=%s after the change mismatch (-want +got):\n%s", l.dim, l.value, diff)
		}
	}
	page, err := db.store.ListClaims(ctx, registry.ListSpec{Dim: registry.DimAssignee, Value: "mgr-7", Limit: 10})
	if err != nil || len(page.Claims) != 1 || page.Claims[0].Version != 2 || page.Claims[0].Stage != "in_review" {
		t.Errorf("assignee list shows %+v, %v; want the claim at version 2 in review", page, err)
	}

	// A change prepared from version 1 lost the race.
	stale := assignChange(t, d, "mgr-8", base.Add(2*time.Hour))
	before := db.itemCount(t)
	err = db.store.ApplyChange(ctx, stale)
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Conflict {
		t.Fatalf("ApplyChange from a stale version: %v, want %q", err, apperr.Conflict)
	}
	if diff := cmp.Diff(map[string]any{"currentVersion": 2}, e.Details); diff != "" {
		t.Errorf("conflict details mismatch (-want +got):\n%s", diff)
	}
	if after := db.itemCount(t); after != before {
		t.Errorf("a refused change changed the item count from %d to %d", before, after)
	}
	if again, _ := db.store.ClaimDetail(ctx, nc.Claim.ID); again.Claim.Assignee != "mgr-7" || len(again.History) != 2 {
		t.Errorf("after the refused change: assignee %q, %d events; want mgr-7 and 2", again.Claim.Assignee, len(again.History))
	}
}

func TestApplyChangeUnknownClaim(t *testing.T) {
	db := newDB(t)
	nc := newClaim(t, 1, claimOpts{})
	d := &registry.Detail{Claim: *nc.Claim, History: []claims.Event{nc.Event}}
	err := db.store.ApplyChange(context.Background(), assignChange(t, d, "mgr-1", base))
	if got := apperr.CodeOf(err); got != apperr.NotFound {
		t.Errorf("ApplyChange of an unknown claim: %v (code %q), want %q", err, got, apperr.NotFound)
	}
	if n := db.itemCount(t); n != 0 {
		t.Errorf("ApplyChange of an unknown claim left %d items", n)
	}
}

func TestApplyChangeConcurrent(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	nc := newClaim(t, 1, claimOpts{})
	db.create(t, nc)
	d, err := db.store.ClaimDetail(ctx, nc.Claim.ID)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	changes := make([]*claims.Change, n)
	for i := range changes {
		changes[i] = assignChange(t, d, fmt.Sprintf("mgr-%02d", i), base.Add(time.Duration(i)*time.Second))
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = db.store.ApplyChange(ctx, changes[i]) })
	}
	wg.Wait()

	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("changes %d and %d both succeeded from version 1", winner, i)
		case err == nil:
			winner = i
		case apperr.CodeOf(err) != apperr.Conflict:
			t.Errorf("change %d: %v, want %q", i, err, apperr.Conflict)
		}
	}
	if winner < 0 {
		t.Fatal("no change succeeded")
	}
	got, err := db.store.ClaimDetail(ctx, nc.Claim.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{changes[winner].Claim.Assignee, "2 events", "1 file"}
	gotSummary := []string{got.Claim.Assignee, fmt.Sprintf("%d events", len(got.History)), fmt.Sprintf("%d file", len(got.Attachments))}
	if diff := cmp.Diff(want, gotSummary); diff != "" || got.Claim.Version != 2 {
		t.Errorf("claim after the race (version %d) mismatch (-want +got):\n%s", got.Claim.Version, diff)
	}
	if seq, ok := claims.VerifyChain(got.History); !ok {
		t.Errorf("history after the race does not verify: broken at %d", seq)
	}
}
