package dynamo_test

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/outbox"
	"github.com/claimsdesk/backend/shared/registry"
)

func TestCreateClaimRoundTrip(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	nc := newClaim(t, 1, claimOpts{phone: "+79161234567", attachments: 3, assignee: "mgr-1"})
	db.create(t, nc)

	d, err := db.store.ClaimDetail(ctx, nc.Claim.ID)
	if err != nil {
		t.Fatalf("ClaimDetail: %v", err)
	}
	want := &registry.Detail{Claim: *nc.Claim, Attachments: nc.Attachments, History: viaJSON(t, []claims.Event{nc.Event})}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("claim detail mismatch (-want +got):\n%s", diff)
	}
	for _, a := range d.Attachments {
		if a.Key != "uploads/0a1b2c/"+a.ID {
			t.Errorf("attachment %s has S3 key %q after the round trip", a.ID, a.Key)
		}
	}
	if seq, ok := claims.VerifyChain(d.History); !ok {
		t.Errorf("stored history does not verify: broken at %d", seq)
	}

	got, err := db.store.GetClaim(ctx, nc.Claim.ID)
	if err != nil {
		t.Fatalf("GetClaim: %v", err)
	}
	if diff := cmp.Diff(nc.Claim, got); diff != "" {
		t.Errorf("GetClaim mismatch (-want +got):\n%s", diff)
	}
	id, err := db.store.ClaimIDByTracking(ctx, nc.TrackingHash)
	if err != nil || id != nc.Claim.ID {
		t.Errorf("ClaimIDByTracking = %q, %v; want %q", id, err, nc.Claim.ID)
	}
	if cust, err := db.store.CustomerByContact(ctx, "phone:+79161234567"); err != nil || cust != nc.Customer.ID {
		t.Errorf("CustomerByContact(phone) = %q, %v; want the email-derived %q", cust, err, nc.Customer.ID)
	}
	if cust, err := db.store.CustomerByContact(ctx, "phone:+70000000000"); err != nil || cust != "" {
		t.Errorf("CustomerByContact(unknown) = %q, %v; want \"\"", cust, err)
	}
	if db.item(t, "CUSTOMER#"+nc.Customer.ID, "#PROFILE") == nil {
		t.Errorf("no customer profile for %s", nc.Customer.ID)
	}
}

func TestReadsOfUnknownClaims(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	_, errGet := db.store.GetClaim(ctx, "RC-2026-000404")
	_, errDetail := db.store.ClaimDetail(ctx, "RC-2026-000404")
	_, errTrack := db.store.ClaimIDByTracking(ctx, "0000")
	got := []apperr.Code{apperr.CodeOf(errGet), apperr.CodeOf(errDetail), apperr.CodeOf(errTrack)}
	want := []apperr.Code{apperr.NotFound, apperr.NotFound, apperr.NotFound}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("codes of GetClaim, ClaimDetail, ClaimIDByTracking mismatch (-want +got):\n%s", diff)
	}
}

func TestCreateClaimCustomerProfileAccumulates(t *testing.T) {
	db := newDB(t)
	first := newClaim(t, 1, claimOpts{})
	second := newClaim(t, 2, claimOpts{phone: "+79161234567"})
	db.create(t, first, second)
	var profile struct {
		Name      string `json:"name"`
		Email     string `json:"email"`
		Phone     string `json:"phone"`
		Claims    int    `json:"claims"`
		FirstSeen string `json:"firstSeen"`
		LastSeen  string `json:"lastSeen"`
	}
	item := db.item(t, "CUSTOMER#"+first.Customer.ID, "#PROFILE")
	if err := unmarshalItem(item, &profile); err != nil {
		t.Fatal(err)
	}
	want := profile
	want.Name, want.Email, want.Phone, want.Claims = "Ivan Petrov", "ivan.petrov@example.com", "+79161234567", 2
	want.FirstSeen, want.LastSeen = first.Claim.CreatedAt.Format(time.RFC3339), second.Claim.CreatedAt.Format(time.RFC3339)
	if diff := cmp.Diff(want, profile); diff != "" {
		t.Errorf("customer profile mismatch (-want +got):\n%s", diff)
	}
}

func TestCreateClaimIdempotency(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	idem := func(hash string) *intake.Idempotency {
		return &intake.Idempotency{Scope: "form", Key: "token-1", BodyHash: hash, Expires: base.Add(24 * time.Hour)}
	}
	first := newClaim(t, 1, claimOpts{attachments: 1, idem: idem("hash-1")})
	db.create(t, first)
	before := db.itemCount(t)

	for _, hash := range []string{"hash-1", "hash-2"} {
		retry := newClaim(t, 2, claimOpts{attachments: 1, idem: idem(hash)})
		err := db.store.CreateClaim(ctx, retry)
		var dup *intake.DuplicateError
		if !errors.As(err, &dup) {
			t.Fatalf("second CreateClaim with body %s: error %v, want *intake.DuplicateError", hash, err)
		}
		if diff := cmp.Diff(&intake.DuplicateError{ClaimID: first.Claim.ID, BodyHash: "hash-1"}, dup); diff != "" {
			t.Errorf("duplicate error mismatch (-want +got):\n%s", diff)
		}
		if after := db.itemCount(t); after != before {
			t.Errorf("a duplicate changed the item count from %d to %d", before, after)
		}
		if _, err := db.store.GetClaim(ctx, retry.Claim.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("GetClaim of the duplicate %s: %v, want not found", retry.Claim.ID, err)
		}
	}
	// Another scope may use the same key.
	other := newClaim(t, 3, claimOpts{idem: &intake.Idempotency{Scope: "user:u-1", Key: "token-1", BodyHash: "hash-1"}})
	db.create(t, other)
}

func TestCreateClaimRateLimits(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	limit := func(key string) []intake.RateLimit {
		return []intake.RateLimit{{Key: key, Limit: 2, Expires: base.Add(2 * time.Hour)}, {Key: "qr:QR7#2026030108", Limit: 10, Expires: base.Add(2 * time.Hour)}}
	}
	db.create(t, newClaim(t, 1, claimOpts{limits: limit("ip:203.0.113.9#2026030108")}),
		newClaim(t, 2, claimOpts{limits: limit("ip:203.0.113.9#2026030108")}))
	before := db.itemCount(t)

	third := newClaim(t, 3, claimOpts{limits: limit("ip:203.0.113.9#2026030108")})
	err := db.store.CreateClaim(ctx, third)
	if got := apperr.CodeOf(err); got != apperr.RateLimited {
		t.Fatalf("third CreateClaim: %v (code %q), want %q", err, got, apperr.RateLimited)
	}
	if after := db.itemCount(t); after != before {
		t.Errorf("a rate-limited claim changed the item count from %d to %d", before, after)
	}
	if _, err := db.store.GetClaim(ctx, third.Claim.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("GetClaim of the refused claim: %v, want not found", err)
	}
	// The next hour's counter (another key) is fresh.
	db.create(t, newClaim(t, 4, claimOpts{limits: limit("ip:203.0.113.9#2026030109")}))
}

func TestCreateClaimNumberTaken(t *testing.T) {
	db := newDB(t)
	db.create(t, newClaim(t, 1, claimOpts{}))
	again := newClaim(t, 1, claimOpts{email: "anna@example.com"})
	again.TrackingHash = "other"
	err := db.store.CreateClaim(context.Background(), again)
	if got := apperr.CodeOf(err); got != apperr.Conflict {
		t.Errorf("CreateClaim of a taken number: %v (code %q), want %q", err, got, apperr.Conflict)
	}
}

func TestNextNumberConcurrent(t *testing.T) {
	db := newDB(t)
	const n = 100
	got := make([]int64, n)
	turns := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		pool := []string{"defect", "transport|heaters"}[i%2]
		wg.Go(func() {
			var turn int64
			got[i], turn, errs[i] = db.store.NextNumber(context.Background(), 2026, pool)
			turns[i] = turn
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("NextNumber: %v", err)
	}
	sorted := func(v []int64) []int64 {
		v = append([]int64(nil), v...)
		sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
		return v
	}
	seq := func(k int) []int64 {
		out := make([]int64, k)
		for i := range out {
			out[i] = int64(i + 1)
		}
		return out
	}
	if diff := cmp.Diff(seq(n), sorted(got)); diff != "" {
		t.Errorf("numbers mismatch (-want +got):\n%s", diff)
	}
	// Each pool's turns count separately, without gaps or repeats.
	var even, odd []int64
	for i, turn := range turns {
		if i%2 == 0 {
			even = append(even, turn)
		} else {
			odd = append(odd, turn)
		}
	}
	if diff := cmp.Diff(seq(n/2), sorted(even)); diff != "" {
		t.Errorf("turns of pool defect (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(seq(n/2), sorted(odd)); diff != "" {
		t.Errorf("turns of pool transport|heaters (-want +got):\n%s", diff)
	}
	if first, turn, err := db.store.NextNumber(context.Background(), 2027, ""); err != nil || first != 1 || turn != 0 {
		t.Errorf("first number of 2027 = %d (turn %d), %v; want 1 and no turn", first, turn, err)
	}
}

func TestOutboxReceived(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	nc := newClaim(t, 1, claimOpts{})
	db.create(t, nc)
	ev := nc.Outbox[0]

	if pending := db.pendingOutbox(t); !cmp.Equal([]string{ev.ID}, pending) {
		t.Errorf("pending outbox = %v, want [%s]", pending, ev.ID)
	}
	if err := db.store.MarkReceived(ctx, ev); err != nil {
		t.Fatalf("MarkReceived: %v", err)
	}
	if pending := db.pendingOutbox(t); len(pending) != 0 {
		t.Errorf("pending outbox after the notifier received the event = %v, want none", pending)
	}
	if it := db.item(t, "CLAIM#"+nc.Claim.ID, "OUTBOX#"+ev.ID); it == nil || it["receivedAt"] == nil {
		t.Errorf("outbox item after MarkReceived = %v, want it kept with receivedAt", it)
	}
	// A redelivery marks nothing again.
	if err := db.store.MarkReceived(ctx, ev); err != nil {
		t.Errorf("MarkReceived again: %v", err)
	}

	// An event that is not ours (a purged claim) is acknowledged without a trace.
	stray := outbox.Event{ID: "stray", ClaimID: "RC-2026-000999"}
	before := db.itemCount(t)
	if err := db.store.MarkReceived(ctx, stray); err != nil {
		t.Errorf("MarkReceived of an unknown event: %v", err)
	}
	if after := db.itemCount(t); after != before {
		t.Errorf("MarkReceived of an unknown event changed the item count from %d to %d", before, after)
	}
}

func TestCreateClaimRetryOverRateLimitReplays(t *testing.T) {
	// A client whose claim used up the hour's limit retries with the same
	// key: it gets its claim back, not "too many claims".
	db := newDB(t)
	opts := func() claimOpts {
		return claimOpts{
			idem:   &intake.Idempotency{Scope: "user:u-1", Key: "k-1", BodyHash: "hash-1", Expires: base.Add(24 * time.Hour)},
			limits: []intake.RateLimit{{Key: "ip:203.0.113.9#2026030108", Limit: 1, Expires: base.Add(2 * time.Hour)}},
		}
	}
	first := newClaim(t, 1, opts())
	db.create(t, first)
	err := db.store.CreateClaim(context.Background(), newClaim(t, 2, opts()))
	var dup *intake.DuplicateError
	if !errors.As(err, &dup) || dup.ClaimID != first.Claim.ID {
		t.Errorf("retry over the limit: %v, want a DuplicateError for %s", err, first.Claim.ID)
	}
}
