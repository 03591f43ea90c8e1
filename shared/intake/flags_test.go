package intake_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/intake"
)

// file submits validSubmission changed by mut, without an idempotency key
// or rate limits, and returns the stored claim.
func file(t *testing.T, e *env, mut func(d *claims.Draft)) *claims.Claim {
	t.Helper()
	sub := validSubmission(e)
	sub.Idempotency, sub.RateLimits = nil, nil
	if mut != nil {
		mut(&sub.Draft)
	}
	res, err := e.svc.Submit(context.Background(), sub)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return e.store.claims[res.Claim.ID]
}

func kinds(c *claims.Claim) []claims.FlagKind {
	var out []claims.FlagKind
	for _, f := range c.Flags {
		out = append(out, f.Kind)
	}
	return out
}

func TestFlagOpenSerialDuplicate(t *testing.T) {
	e := newEnv(t)
	first := file(t, e, nil)
	if len(first.Flags) != 0 {
		t.Fatalf("the first claim on the serial has flags %v", kinds(first))
	}
	second := file(t, e, func(d *claims.Draft) {
		d.Essence = "Another defect on the same unit"
		d.Claimant.Email, d.Claimant.Phone = "other@example.com", ""
	})
	want := []claims.Flag{{
		Kind: claims.FlagOpenSerial, Related: []string{first.ID}, FlaggedAt: now,
		Reason: map[string]string{
			"ru": "По серийному номеру SN12345 уже есть открытая рекламация: " + first.ID + ".",
			"en": "Serial number SN12345 already has an open claim: " + first.ID + ".",
		},
	}}
	if diff := cmp.Diff(want, second.Flags); diff != "" {
		t.Errorf("flags mismatch (-want +got):\n%s", diff)
	}
	// The claim is taken as any other, the flag in its first history entry.
	created := e.store.created[len(e.store.created)-1]
	if got := created.Event.After["flags"]; !cmp.Equal(got, []string{"open_serial_duplicate"}) {
		t.Errorf("history flags = %v, want [open_serial_duplicate]", got)
	}
	if q := e.store.flagQueries[1]; q.Serial != "SN12345" {
		t.Errorf("lookup serial = %q, want SN12345", q.Serial)
	}

	// A closed claim on the serial is no reason.
	e.store.claims[first.ID].Stage = "closed"
	e.store.claims[second.ID].Stage = "rejected"
	third := file(t, e, func(d *claims.Draft) {
		d.Essence = "Yet another defect"
		d.Claimant.Email, d.Claimant.Phone = "third@example.com", ""
	})
	if len(third.Flags) != 0 {
		t.Errorf("flags %v with only finished claims on the serial", kinds(third))
	}
}

func TestFlagRepeatEssence(t *testing.T) {
	e := newEnv(t)
	first := file(t, e, func(d *claims.Draft) { d.Product.Serial = "" })
	// The same claimant by phone only, the same essence typed differently.
	second := file(t, e, func(d *claims.Draft) {
		d.Product.Serial = ""
		d.Claimant.Email = ""
		d.Essence = "the LID is scratched, all over!"
	})
	if got := kinds(second); !slices.Equal(got, []claims.FlagKind{claims.FlagRepeatEssence}) {
		t.Fatalf("flags = %v, want [repeat_essence]", got)
	}
	if got := second.Flags[0].Related; !slices.Equal(got, []string{first.ID}) {
		t.Errorf("related = %v, want [%s]", got, first.ID)
	}
	// Another essence from the same claimant is no repeat.
	third := file(t, e, func(d *claims.Draft) { d.Product.Serial = ""; d.Essence = "The hinge broke off" })
	if len(third.Flags) != 0 {
		t.Errorf("flags %v for a new essence", kinds(third))
	}
}

func TestFlagRepeatEssenceWindow(t *testing.T) {
	e := newEnv(t)
	file(t, e, func(d *claims.Draft) { d.Product.Serial = "" })
	// One second past the window, the first claim no longer counts.
	e.clock.at = now.Add(claims.RepeatWindow + time.Second)
	late := file(t, e, func(d *claims.Draft) { d.Product.Serial = ""; d.Product.PurchaseDate = "2026-01-10" })
	if len(late.Flags) != 0 {
		t.Errorf("flags %v after the repeat window", kinds(late))
	}
	e2 := newEnv(t)
	file(t, e2, func(d *claims.Draft) { d.Product.Serial = "" })
	e2.clock.at = now.Add(claims.RepeatWindow)
	within := file(t, e2, func(d *claims.Draft) { d.Product.Serial = ""; d.Product.PurchaseDate = "2026-01-10" })
	if got := kinds(within); !slices.Equal(got, []claims.FlagKind{claims.FlagRepeatEssence}) {
		t.Errorf("flags = %v at the window's end, want [repeat_essence]", got)
	}
}

func TestFlagAfterWarranty(t *testing.T) {
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	// "cosmetic" has a 12-month warranty in the seed catalog; now is
	// 2026-03-14 10:30 UTC.
	tests := []struct {
		name     string
		purchase string
		loc      *time.Location
		at       time.Time
		want     []claims.FlagKind
	}{
		{"the warranty's last day", "2025-03-14", time.UTC, now, nil},
		{"the day after it", "2025-03-13", time.UTC, now, []claims.FlagKind{claims.FlagAfterWarranty}},
		{"late evening in UTC is the next day in Moscow", "2025-03-14", moscow, time.Date(2026, 3, 14, 21, 30, 0, 0, time.UTC),
			[]claims.FlagKind{claims.FlagAfterWarranty}},
		{"the same instant in UTC", "2025-03-14", time.UTC, time.Date(2026, 3, 14, 21, 30, 0, 0, time.UTC), nil},
		{"no purchase date", "", time.UTC, now, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.setLocation(tc.loc, tc.at)
			c := file(t, e, func(d *claims.Draft) { d.Product.PurchaseDate = tc.purchase })
			if got := kinds(c); !slices.Equal(got, tc.want) {
				t.Fatalf("flags = %v, want %v", got, tc.want)
			}
			if tc.want != nil && c.Flags[0].Reason["en"] != "Filed on 2026-03-15, after the warranty ended on 2026-03-14 (purchased 2025-03-14, 12-month warranty)." &&
				c.Flags[0].Reason["en"] != "Filed on 2026-03-14, after the warranty ended on 2026-03-13 (purchased 2025-03-13, 12-month warranty)." {
				t.Errorf("reason = %q", c.Flags[0].Reason["en"])
			}
		})
	}
}

// A failed lookup never refuses the claim: it is taken without the flags
// the lookup was for (the warranty needs none).
func TestFlagLookupFailureTakesTheClaim(t *testing.T) {
	e := newEnv(t)
	file(t, e, nil)
	e.store.flagErr = errors.New("throttled")
	c := file(t, e, func(d *claims.Draft) { d.Product.PurchaseDate = "2024-01-01" })
	if got := kinds(c); !slices.Equal(got, []claims.FlagKind{claims.FlagAfterWarranty}) {
		t.Errorf("flags = %v, want [after_warranty] only", got)
	}
	if len(e.store.created) != 2 {
		t.Errorf("%d claims stored, want 2", len(e.store.created))
	}
}

// The lookup asks for the serial's open claims and the essence under each
// of the claimant's contacts, back to the repeat window.
func TestFlagLookupAsksForWhatTheClaimHas(t *testing.T) {
	e := newEnv(t)
	file(t, e, nil)
	want := intake.FlagQuery{Serial: "SN12345", EssenceKeys: claims.EssenceIndexKeys(
		claims.Claimant{Email: "ivan.petrov@example.com", Phone: "+79161234567"}, "The lid is scratched all over"),
		Since: now.Add(-claims.RepeatWindow)}
	if diff := cmp.Diff(want, e.store.flagQueries[0]); diff != "" {
		t.Errorf("lookup mismatch (-want +got):\n%s", diff)
	}
}
