package dynamo_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/registry"
)

// TestFlagLookup: the open claims on a serial (a finished one is no
// reason), newest first, and each contact's latest claim with the essence
// within the window, from the serial's list index and the essence items.
func TestFlagLookup(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	phone := "+79161234567"
	a := newClaim(t, 1, claimOpts{at: base, serial: "SN-F", phone: phone})
	b := newClaim(t, 2, claimOpts{at: base.Add(time.Hour), serial: "SN-F", stage: "closed", email: "other@example.com"})
	c := newClaim(t, 3, claimOpts{at: base.Add(2 * time.Hour), serial: "SN-F"})
	d := newClaim(t, 4, claimOpts{at: base.Add(3 * time.Hour), serial: "SN-G", email: "third@example.com"})
	db.create(t, a, b, c, d)

	essence := claims.EssenceIndexKeys(claims.Claimant{Email: "ivan.petrov@example.com", Phone: phone}, "the LID is scratched, all over")
	got, err := db.store.FlagLookup(ctx, intake.FlagQuery{Serial: "SN-F", EssenceKeys: essence, Since: base})
	if err != nil {
		t.Fatalf("FlagLookup: %v", err)
	}
	if want := []string{c.Claim.ID, a.Claim.ID}; !slices.Equal(got.OpenOnSerial, want) {
		t.Errorf("open on the serial = %v, want %v", got.OpenOnSerial, want)
	}
	// By email the latest is claim 3; by phone only claim 1 had it.
	if want := []string{c.Claim.ID, a.Claim.ID}; !slices.Equal(got.SameEssence, want) {
		t.Errorf("same essence = %v, want %v", got.SameEssence, want)
	}
	got, err = db.store.FlagLookup(ctx, intake.FlagQuery{Serial: "SN-NONE", EssenceKeys: essence, Since: base.Add(time.Minute)})
	if err != nil {
		t.Fatalf("FlagLookup: %v", err)
	}
	if len(got.OpenOnSerial) != 0 || !slices.Equal(got.SameEssence, []string{c.Claim.ID}) {
		t.Errorf("a new serial, the window after claim 1: %+v, want only %s by email", got, c.Claim.ID)
	}
	if got, err := db.store.FlagLookup(ctx, intake.FlagQuery{}); err != nil || len(got.OpenOnSerial)+len(got.SameEssence) != 0 {
		t.Errorf("an empty lookup = %+v, %v", got, err)
	}
	// The essence item expires with the window.
	item := db.item(t, "ESSENCE#"+essence[1], "#ESSENCE")
	if item == nil {
		t.Fatal("no essence item for the phone")
	}
	if ttl := item["ttl"]; ttl == nil {
		t.Error("the essence item has no TTL")
	}
}

// TestFlagIndexFollowsTheFlags: a flagged claim is listed by each active
// flag's kind and by "any" from intake; a dismissal removes its entries in
// the change's transaction.
func TestFlagIndexFollowsTheFlags(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	nc := newClaim(t, 7, claimOpts{})
	nc.Claim.Flags = []claims.Flag{
		claims.OpenSerialFlag("SN-00007", []string{"RC-2026-000001"}, base),
		claims.RepeatEssenceFlag([]string{"RC-2026-000002"}, base),
	}
	db.create(t, nc, newClaim(t, 8, claimOpts{}))
	list := func(value string) []string {
		return listAll(t, db, registry.ListSpec{Dim: registry.DimFlag, Value: value, Limit: 10})
	}
	id := nc.Claim.ID
	for _, v := range []string{"any", "open_serial_duplicate", "repeat_essence"} {
		if got := list(v); !slices.Equal(got, []string{id}) {
			t.Errorf("flag=%s lists %v, want [%s]", v, got, id)
		}
	}
	if got := list("after_warranty"); len(got) != 0 {
		t.Errorf("flag=after_warranty lists %v", got)
	}

	dismiss := func(kind claims.FlagKind) {
		t.Helper()
		cur, err := db.store.GetClaim(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		next := *cur
		next.Flags = slices.Clone(cur.Flags)
		next.Flags[next.FlagIndex(kind)].DismissedAt = base.Add(time.Hour)
		ev, err := claims.Next(&next, claims.EventFlagDismissed, "supervisors:s", base.Add(time.Hour), nil, map[string]any{"flag": string(kind)})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.store.ApplyChange(ctx, &claims.Change{Claim: &next, Before: cur, PrevVersion: cur.Version, Event: ev}); err != nil {
			t.Fatalf("ApplyChange: %v", err)
		}
	}
	dismiss(claims.FlagOpenSerial)
	if got := list("open_serial_duplicate"); len(got) != 0 {
		t.Errorf("a dismissed kind still lists %v", got)
	}
	if got := list("any"); !slices.Equal(got, []string{id}) {
		t.Errorf("flag=any with one flag left lists %v, want [%s]", got, id)
	}
	dismiss(claims.FlagRepeatEssence)
	if got := list("any"); len(got) != 0 {
		t.Errorf("flag=any with every flag dismissed lists %v", got)
	}
	cur, err := db.store.GetClaim(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(cur.Flags) != 2 || cur.Flags[0].Active() || cur.Flags[0].Related[0] != "RC-2026-000001" {
		t.Errorf("stored flags = %+v, want both kept, dismissed", cur.Flags)
	}
}
