package dynamo_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/registry"
)

// listFixture files 25 claims that share every list dimension value, 7
// hours apart from 1 March (so across the first week of March), and four
// claims that differ in each dimension, filed in February and in April.
func listFixture(t *testing.T, db *testDB) (ids []string, customerID string) {
	t.Helper()
	var ncs []*intake.NewClaim
	for i := range 25 {
		// Filed out of order: the list order must come from the creation time.
		n := []int{3, 1, 4, 15, 9, 2, 6, 5, 35, 8, 97, 93, 23, 84, 62, 64, 33, 83, 27, 95, 28, 84 + 100, 19, 71, 69}[i]
		nc := newClaim(t, n, claimOpts{at: base.Add(time.Duration(i) * 7 * time.Hour), serial: "SN-SHARED", assignee: "mgr-1"})
		ncs = append(ncs, nc)
		ids = append(ids, nc.Claim.ID)
	}
	slices.Reverse(ids) // newest first
	noise := []claimOpts{
		{at: base.Add(-48 * time.Hour), email: "anna@example.com", dealer: "D-200", category: "transport", typeID: "product_damage",
			serial: "SN-OTHER", series: "KX-2024", stage: "in_review", assignee: "mgr-2"},
		{at: base.Add(-24 * time.Hour), email: "oleg@example.com", dealer: "D-300", category: "quantity", typeID: "shortage",
			serial: "SN-THIRD", series: "KX-2023", stage: "closed"},
		{at: base.AddDate(0, 1, 0), email: "olga@example.com", dealer: "D-200", category: "service", typeID: "late_delivery",
			serial: "SN-FOURTH", series: "KX-2024", stage: "in_review", assignee: "mgr-2"},
		{at: base.AddDate(0, 1, 2), email: "petr@example.com", dealer: "D-400", category: "installation", typeID: "bad_installation",
			serial: "SN-FIFTH", series: "KX-2022", stage: "waiting"},
	}
	for i, o := range noise {
		ncs = append(ncs, newClaim(t, 500+i, o))
	}
	// Claims are filed in the order their numbers were drawn, not by time.
	slices.SortFunc(ncs, func(a, b *intake.NewClaim) int { return cmpString(a.Claim.ID, b.Claim.ID) })
	db.create(t, ncs...)
	return ids, ncs[0].Customer.ID
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// listAll pages through a list and returns the claim IDs in order.
func listAll(t *testing.T, db *testDB, spec registry.ListSpec) []string {
	t.Helper()
	var ids []string
	for page := 0; ; page++ {
		if page > 50 {
			t.Fatalf("list %s=%s does not end", spec.Dim, spec.Value)
		}
		res, err := db.store.ListClaims(context.Background(), spec)
		if err != nil {
			t.Fatalf("ListClaims %+v: %v", spec, err)
		}
		if len(res.Claims) > spec.Limit {
			t.Fatalf("page of %d claims, limit %d", len(res.Claims), spec.Limit)
		}
		for _, c := range res.Claims {
			ids = append(ids, c.ID)
		}
		if res.Next == "" {
			return ids
		}
		spec.Start = res.Next
	}
}

func TestListClaimsEveryDimension(t *testing.T) {
	db := newDB(t)
	ids, customerID := listFixture(t, db)
	dims := []struct{ dim, value string }{
		{registry.DimDealer, "D-100"},
		{registry.DimDealer, "d-100"}, // dealer IDs are case-insensitive
		{registry.DimCategory, "defect"},
		{registry.DimType, "cosmetic"},
		{registry.DimCustomer, customerID},
		{registry.DimSerial, "SN-SHARED"},
		{registry.DimSeries, "KX-2025"},
		{registry.DimMonth, "2026-03"},
		{registry.DimStage, "new"},
		{registry.DimAssignee, "mgr-1"},
	}
	for _, d := range dims {
		t.Run(d.dim+"="+d.value, func(t *testing.T) {
			for _, limit := range []int{7, 5, 25, 100} {
				got := listAll(t, db, registry.ListSpec{Dim: d.dim, Value: d.value, Limit: limit})
				if diff := cmp.Diff(ids, got); diff != "" {
					t.Errorf("limit %d: claims mismatch (-want +got):\n%s", limit, diff)
				}
			}
			// From and To are inclusive creation times: claims 5..15 (oldest first).
			from, to := base.Add(5*7*time.Hour), base.Add(15*7*time.Hour)
			got := listAll(t, db, registry.ListSpec{Dim: d.dim, Value: d.value, From: from, To: to, Limit: 4})
			if diff := cmp.Diff(ids[25-16:25-5], got); diff != "" {
				t.Errorf("From..To: claims mismatch (-want +got):\n%s", diff)
			}
			got = listAll(t, db, registry.ListSpec{Dim: d.dim, Value: d.value, From: from, Limit: 6})
			if diff := cmp.Diff(ids[:25-5], got); diff != "" {
				t.Errorf("From only: claims mismatch (-want +got):\n%s", diff)
			}
			got = listAll(t, db, registry.ListSpec{Dim: d.dim, Value: d.value, To: to, Limit: 6})
			if diff := cmp.Diff(ids[25-16:], got); diff != "" {
				t.Errorf("To only: claims mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListClaimsSeparatesValues(t *testing.T) {
	db := newDB(t)
	listFixture(t, db)
	tests := []struct {
		dim, value string
		want       []string
	}{
		{registry.DimDealer, "D-200", []string{"RC-2026-000502", "RC-2026-000500"}},
		{registry.DimMonth, "2026-02", []string{"RC-2026-000501", "RC-2026-000500"}},
		{registry.DimMonth, "2026-04", []string{"RC-2026-000503", "RC-2026-000502"}},
		{registry.DimMonth, "2026-05", nil},
		{registry.DimStage, "in_review", []string{"RC-2026-000502", "RC-2026-000500"}},
		{registry.DimAssignee, "mgr-2", []string{"RC-2026-000502", "RC-2026-000500"}},
		{registry.DimSeries, "KX-2024", []string{"RC-2026-000502", "RC-2026-000500"}},
		{registry.DimType, "shortage", []string{"RC-2026-000501"}},
		{registry.DimCategory, "installation", []string{"RC-2026-000503"}},
		{registry.DimSerial, "SN-NOBODY", nil},
		{registry.DimAssignee, "mgr-nobody", nil},
	}
	for _, tt := range tests {
		got := listAll(t, db, registry.ListSpec{Dim: tt.dim, Value: tt.value, Limit: 10})
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s=%s: claims mismatch (-want +got):\n%s", tt.dim, tt.value, diff)
		}
	}
}

func TestListClaimsRefusals(t *testing.T) {
	db := newDB(t)
	listFixture(t, db)
	tests := []struct {
		name      string
		spec      registry.ListSpec
		wantField string
	}{
		{"unknown dimension", registry.ListSpec{Dim: "colour", Value: "red", Limit: 5}, "filter"},
		{"tampered index cursor", registry.ListSpec{Dim: registry.DimDealer, Value: "D-100", Limit: 5, Start: "garbage"}, "cursor"},
		{"tampered stage cursor", registry.ListSpec{Dim: registry.DimStage, Value: "new", Limit: 5, Start: "garbage"}, "cursor"},
		{"tampered assignee cursor", registry.ListSpec{Dim: registry.DimAssignee, Value: "mgr-1", Limit: 5, Start: "2026-03-01#"}, "cursor"},
		{"cursor with a forged claim ID", registry.ListSpec{Dim: registry.DimStage, Value: "new", Limit: 5,
			Start: "2026-03-01T08:00:00.000000Z#CUSTOMER#X"}, "cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := db.store.ListClaims(context.Background(), tt.spec)
			code, fields := fieldsOf(err)
			if code != apperr.Invalid {
				t.Fatalf("ListClaims = %v, %v (code %q); want %q", page, err, code, apperr.Invalid)
			}
			if diff := cmp.Diff([]string{tt.wantField}, fields); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// fieldsOf returns the code and field paths of an application error.
func fieldsOf(err error) (apperr.Code, []string) {
	e, ok := apperr.As(err)
	if !ok {
		return apperr.CodeOf(err), nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return e.Code, out
}

// decide applies a decision change to a claim (as casework does: with the
// claim as found).
func decide(t *testing.T, db *testDB, id string, d claims.Decision, at time.Time) {
	t.Helper()
	ctx := context.Background()
	cur, err := db.store.GetClaim(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	next := *cur
	next.Decision = &d
	ev, err := claims.Next(&next, "decision.recorded", "managers:mgr-1", at, nil, map[string]any{"resolution": string(d.Resolution)})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.store.ApplyChange(ctx, &claims.Change{Claim: &next, Before: cur, PrevVersion: cur.Version, Event: ev}); err != nil {
		t.Fatalf("decide %s: %v", id, err)
	}
}

// TestListClaimsByDecision: the decision's dimensions are listed from their
// own index entries, which follow a revised decision (the old values no
// longer list the claim) and leave undecided claims out.
func TestListClaimsByDecision(t *testing.T) {
	db := newDB(t)
	var ids []string
	for i := range 4 {
		nc := newClaim(t, 700+i, claimOpts{at: base.Add(time.Duration(i) * time.Hour)})
		db.create(t, nc)
		ids = append(ids, nc.Claim.ID)
	}
	warranty := claims.Decision{WarrantyCase: true, FaultParty: "company", CulpritDepartment: "Цех №2", RootCause: "weld_defect",
		Resolution: claims.ResolutionRepair, Instructions: "Привезите изделие в сервис."}
	customer := claims.Decision{WarrantyCase: false, FaultParty: "customer", Resolution: claims.ResolutionReject,
		Instructions: "Изделие установлено с нарушением инструкции."}
	decide(t, db, ids[0], warranty, base.Add(10*time.Hour))
	decide(t, db, ids[1], warranty, base.Add(10*time.Hour))
	decide(t, db, ids[2], customer, base.Add(10*time.Hour))
	// Revised: the claim leaves the warranty lists and joins the customer's.
	decide(t, db, ids[1], customer, base.Add(11*time.Hour))

	tests := []struct {
		dim, value string
		want       []string
	}{
		{registry.DimWarranty, "true", []string{ids[0]}},
		{registry.DimWarranty, "false", []string{ids[2], ids[1]}},
		{registry.DimResolution, "repair", []string{ids[0]}},
		{registry.DimResolution, "reject", []string{ids[2], ids[1]}},
		{registry.DimRootCause, "weld_defect", []string{ids[0]}},
		{registry.DimFaultParty, "company", []string{ids[0]}},
		{registry.DimFaultParty, "customer", []string{ids[2], ids[1]}},
		{registry.DimCulprit, "цех №2", []string{ids[0]}}, // case-insensitive
		{registry.DimCulprit, "Нет такого", nil},
	}
	for _, tt := range tests {
		t.Run(tt.dim+"="+tt.value, func(t *testing.T) {
			got := listAll(t, db, registry.ListSpec{Dim: tt.dim, Value: tt.value, Limit: 10})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("list mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
