package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/intake"
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

// reservation is an attempt at key by owner, leased for a minute.
func reservation(key, hash, owner string) *intake.Reservation {
	return &intake.Reservation{
		Key:        &intake.Idempotency{Scope: "form", Key: key, BodyHash: hash, Owner: owner, Expires: base.Add(24 * time.Hour)},
		LeaseUntil: base.Add(time.Minute), Now: base,
	}
}

func TestReserveIdempotencyKey(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	first := reservation("token-1", "hash-1", "attempt-1")
	if err := db.store.Reserve(ctx, first); err != nil {
		t.Fatalf("Reserve of a fresh key: %v", err)
	}
	held := func(r *intake.Reservation) *intake.IdempotencyRecord {
		t.Helper()
		err := db.store.Reserve(ctx, r)
		var h *intake.KeyHeldError
		if !errors.As(err, &h) {
			t.Fatalf("Reserve of a held key: %v, want a KeyHeldError", err)
		}
		return &h.Record
	}
	// Another attempt with the key sees the holder and its lease.
	want := &intake.IdempotencyRecord{BodyHash: "hash-1", Owner: "attempt-1", LeaseUntil: base.Add(time.Minute)}
	if diff := cmp.Diff(want, held(reservation("token-1", "hash-2", "attempt-2"))); diff != "" {
		t.Errorf("held record mismatch (-want +got):\n%s", diff)
	}
	// Only the holder stores its claim under the key.
	thief := newClaim(t, 9, claimOpts{idem: reservation("token-1", "hash-1", "attempt-2").Key})
	if err := db.store.CreateClaim(ctx, thief); !errors.Is(err, intake.ErrReservationLost) {
		t.Errorf("CreateClaim by an attempt not holding the key: %v, want ErrReservationLost", err)
	}
	if _, err := db.store.GetClaim(ctx, thief.Claim.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("the refused claim was stored: %v", err)
	}
	nc := newClaim(t, 1, claimOpts{attachments: 1, idem: first.Key})
	db.create(t, nc)
	// Now the key names the claim, for every later attempt.
	want = &intake.IdempotencyRecord{BodyHash: "hash-1", ClaimID: nc.Claim.ID}
	if diff := cmp.Diff(want, held(reservation("token-1", "hash-1", "attempt-3"))); diff != "" {
		t.Errorf("used record mismatch (-want +got):\n%s", diff)
	}
	got, err := db.store.IdempotencyRecord(ctx, "form", "token-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IdempotencyRecord mismatch (-want +got):\n%s", diff)
	}
	if got, err := db.store.IdempotencyRecord(ctx, "form", "never"); err != nil || got != nil {
		t.Errorf("IdempotencyRecord of an unused key = %+v, %v; want nil", got, err)
	}
	// Another scope may use the same key.
	other := reservation("token-1", "hash-1", "attempt-4")
	other.Key.Scope = "user:u-1"
	if err := db.store.Reserve(ctx, other); err != nil {
		t.Errorf("Reserve of the key in another scope: %v", err)
	}
}

func TestReleaseKeepsTheNumberForTheNextAttempt(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	first := reservation("token-1", "hash-1", "attempt-1")
	if err := db.store.Reserve(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := db.store.Release(ctx, first, "RC-2026-000042", 7); err != nil {
		t.Fatalf("Release: %v", err)
	}
	got, err := db.store.IdempotencyRecord(ctx, "form", "token-1")
	if err != nil {
		t.Fatal(err)
	}
	want := &intake.IdempotencyRecord{BodyHash: "hash-1", Owner: "attempt-1", Number: "RC-2026-000042", Turn: 7}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("released record mismatch (-want +got):\n%s", diff)
	}
	// A release by an attempt that lost the key changes nothing.
	if err := db.store.Release(ctx, reservation("token-1", "hash-1", "attempt-x"), "RC-2026-000099", 1); err != nil {
		t.Errorf("Release by a non-holder: %v", err)
	}
	// Taking over needs the holder that was read; the number stays.
	stale := reservation("token-1", "hash-1", "attempt-3")
	stale.Replaces = "attempt-x"
	var h *intake.KeyHeldError
	if err := db.store.Reserve(ctx, stale); !errors.As(err, &h) {
		t.Errorf("takeover naming another holder: %v, want a KeyHeldError", err)
	}
	next := reservation("token-1", "hash-1", "attempt-2")
	next.Replaces, next.Number, next.Turn = "attempt-1", "RC-2026-000042", 7
	if err := db.store.Reserve(ctx, next); err != nil {
		t.Fatalf("takeover of a released key: %v", err)
	}
	got, err = db.store.IdempotencyRecord(ctx, "form", "token-1")
	if err != nil {
		t.Fatal(err)
	}
	want = &intake.IdempotencyRecord{BodyHash: "hash-1", Owner: "attempt-2", LeaseUntil: base.Add(time.Minute), Number: "RC-2026-000042", Turn: 7}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("taken-over record mismatch (-want +got):\n%s", diff)
	}
}

func TestReserveRateLimits(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	limits := func(hour string) []intake.RateLimit {
		return []intake.RateLimit{{Key: "ip:203.0.113.9#" + hour, Limit: 2, Expires: base.Add(2 * time.Hour)}, {Key: "qr:QR7#" + hour, Limit: 10, Expires: base.Add(2 * time.Hour)}}
	}
	for i := range 2 {
		r := reservation(fmt.Sprintf("token-%d", i), "hash", "attempt")
		r.RateLimits = limits("2026030108")
		if err := db.store.Reserve(ctx, r); err != nil {
			t.Fatalf("reservation %d within the limit: %v", i, err)
		}
	}
	before := db.itemCount(t)
	third := reservation("token-3", "hash", "attempt")
	third.RateLimits = limits("2026030108")
	if err := db.store.Reserve(ctx, third); apperr.CodeOf(err) != apperr.RateLimited {
		t.Fatalf("third reservation: %v (code %q), want %q", err, apperr.CodeOf(err), apperr.RateLimited)
	}
	if after := db.itemCount(t); after != before {
		t.Errorf("a refused reservation changed the item count from %d to %d", before, after)
	}
	if rec, _ := db.store.IdempotencyRecord(ctx, "form", "token-3"); rec != nil {
		t.Errorf("a refused reservation holds its key: %+v", rec)
	}
	// A retry of a counted submission is its key's, not "too many claims".
	again := reservation("token-0", "hash", "attempt-9")
	again.RateLimits = limits("2026030108")
	var h *intake.KeyHeldError
	if err := db.store.Reserve(ctx, again); !errors.As(err, &h) {
		t.Errorf("retry over the limit: %v, want a KeyHeldError", err)
	}
	// Rate limits alone (no key): one conditional update.
	alone := &intake.Reservation{RateLimits: limits("2026030108")[:1], Now: base}
	if err := db.store.Reserve(ctx, alone); apperr.CodeOf(err) != apperr.RateLimited {
		t.Errorf("rate limit alone over the limit: %v", err)
	}
	// The next hour's counter (another key) is fresh.
	next := reservation("token-4", "hash", "attempt")
	next.RateLimits = limits("2026030109")
	if err := db.store.Reserve(ctx, next); err != nil {
		t.Errorf("reservation in the next hour: %v", err)
	}
}

func TestCreateClaimNumberTaken(t *testing.T) {
	db := newDB(t)
	db.create(t, newClaim(t, 1, claimOpts{}))
	again := newClaim(t, 1, claimOpts{email: "anna@example.com"})
	again.TrackingHash = "other"
	if err := db.store.CreateClaim(context.Background(), again); !errors.Is(err, intake.ErrNumberTaken) {
		t.Errorf("CreateClaim of a taken number: %v, want ErrNumberTaken", err)
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
	stray := events.Event{ID: "stray", ClaimID: "RC-2026-000999"}
	before := db.itemCount(t)
	if err := db.store.MarkReceived(ctx, stray); err != nil {
		t.Errorf("MarkReceived of an unknown event: %v", err)
	}
	if after := db.itemCount(t); after != before {
		t.Errorf("MarkReceived of an unknown event changed the item count from %d to %d", before, after)
	}
}
