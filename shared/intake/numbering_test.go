package intake_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/intake"
)

// holdKey records key token-1 of scope form as another attempt's.
func holdKey(e *env, rec intake.IdempotencyRecord) {
	e.store.keys["form#token-1"] = &rec
}

func TestSubmitTakesNoNumberForARefusal(t *testing.T) {
	stored := &claims.Claim{ID: "RC-2026-000007", Stage: claims.StageNew, Version: 3, CustomerID: "CUS-X", CreatedAt: now.Add(-time.Hour)}
	tests := []struct {
		name       string
		setup      func(e *env, sub *intake.Submission)
		wantCode   apperr.Code
		wantFields []string
		wantReplay bool
	}{
		{"invalid", func(e *env, sub *intake.Submission) { sub.Draft.Essence = "short" }, apperr.Invalid, []string{"essence"}, false},
		{"replay of the same body", func(e *env, sub *intake.Submission) {
			e.store.claims[stored.ID] = stored
			holdKey(e, intake.IdempotencyRecord{BodyHash: "hash-1", ClaimID: stored.ID})
		}, "", nil, true},
		{"key reused with another body", func(e *env, sub *intake.Submission) {
			holdKey(e, intake.IdempotencyRecord{BodyHash: "hash-0", ClaimID: stored.ID})
		}, apperr.Unprocessable, []string{"Idempotency-Key"}, false},
		{"key held for another body", func(e *env, sub *intake.Submission) {
			holdKey(e, intake.IdempotencyRecord{BodyHash: "hash-0", Owner: "other", LeaseUntil: now.Add(time.Minute)})
		}, apperr.Unprocessable, []string{"Idempotency-Key"}, false},
		{"rate limited", func(e *env, sub *intake.Submission) {
			e.store.rates["ip:203.0.113.9#2026031410"] = 5
		}, apperr.RateLimited, nil, false},
		{"rate limited without a key", func(e *env, sub *intake.Submission) {
			sub.Idempotency = nil
			e.store.rates["qr:QR7#2026031410"] = 20
		}, apperr.RateLimited, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			sub := validSubmission(e)
			tt.setup(e, &sub)
			res, err := e.svc.Submit(context.Background(), sub)
			if e.store.counter != 0 || e.store.createCalls != 0 {
				t.Errorf("took %d numbers and tried to store %d claims, want none", e.store.counter, e.store.createCalls)
			}
			if len(e.pub.published) != 0 {
				t.Errorf("published %d batches, want none", len(e.pub.published))
			}
			if tt.wantReplay {
				if err != nil {
					t.Fatalf("Submit replay: %v", err)
				}
				want := &intake.Result{Claim: stored, TrackingToken: e.keys.TrackingToken(stored.ID), Created: false}
				if diff := cmp.Diff(want, res); diff != "" {
					t.Errorf("replay mismatch (-want +got):\n%s", diff)
				}
				return
			}
			code, fields := fieldsOf(err)
			if code != tt.wantCode {
				t.Fatalf("Submit error = %v (code %q), want %q", err, code, tt.wantCode)
			}
			if diff := cmp.Diff(tt.wantFields, fields); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
			if e, _ := apperr.As(err); code == apperr.RateLimited && e.RetryAfter != 30*time.Minute-15*time.Second {
				t.Errorf("RetryAfter = %v, want until the next clock hour (29m45s)", e.RetryAfter)
			}
		})
	}
}

func TestSubmitWaitsForAConcurrentAttemptWithTheKey(t *testing.T) {
	e := newEnv(t)
	holdKey(e, intake.IdempotencyRecord{BodyHash: "hash-1", Owner: "winner", LeaseUntil: now.Add(time.Minute)})
	winner := &claims.Claim{ID: "RC-2026-000005", Stage: claims.StageNew, Version: 1}
	reads := 0
	e.store.onRead = func() {
		// The winner stores its claim while we wait (third look).
		if reads++; reads == 3 {
			e.store.mu.Lock()
			e.store.claims[winner.ID] = winner
			e.store.keys["form#token-1"] = &intake.IdempotencyRecord{BodyHash: "hash-1", ClaimID: winner.ID}
			e.store.mu.Unlock()
		}
	}
	res, err := e.svc.Submit(context.Background(), validSubmission(e))
	if err != nil {
		t.Fatalf("Submit while the winner works: %v", err)
	}
	if res.Created || res.Claim.ID != winner.ID {
		t.Errorf("result = %s created=%v, want the winner's %s replayed", res.Claim.ID, res.Created, winner.ID)
	}
	if e.store.counter != 0 {
		t.Errorf("the waiting attempt took %d numbers, want none", e.store.counter)
	}
	if diff := cmp.Diff([]time.Duration{25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond}, e.clock.pauses); diff != "" {
		t.Errorf("pauses mismatch (-want +got):\n%s", diff)
	}
}

func TestSubmitAnswersConflictWhenTheOtherAttemptTakesTooLong(t *testing.T) {
	e := newEnv(t)
	holdKey(e, intake.IdempotencyRecord{BodyHash: "hash-1", Owner: "slow", LeaseUntil: now.Add(20 * time.Second)})
	_, err := e.svc.Submit(context.Background(), validSubmission(e))
	ae, ok := apperr.As(err)
	if !ok || ae.Code != apperr.Conflict {
		t.Fatalf("Submit = %v, want a conflict", err)
	}
	waited := e.clock.now().Sub(now)
	if waited > intake.MaxKeyWait || waited < intake.MaxKeyWait/2 {
		t.Errorf("waited %v, want about %v", waited, intake.MaxKeyWait)
	}
	// Retry when the holder's lease ends.
	if want := 20*time.Second - waited; ae.RetryAfter != want {
		t.Errorf("RetryAfter = %v, want %v", ae.RetryAfter, want)
	}
	if e.store.counter != 0 || e.store.createCalls != 0 {
		t.Errorf("took %d numbers, stored %d claims; want none", e.store.counter, e.store.createCalls)
	}
}

func TestSubmitTakesOverAnAttemptThatDied(t *testing.T) {
	e := newEnv(t)
	holdKey(e, intake.IdempotencyRecord{BodyHash: "hash-1", Owner: "dead", LeaseUntil: now.Add(-time.Second)})
	res, err := e.svc.Submit(context.Background(), validSubmission(e))
	if err != nil {
		t.Fatalf("Submit after a dead attempt: %v", err)
	}
	if !res.Created || res.Claim.ID != "RC-2026-000001" {
		t.Errorf("result = %s created=%v, want RC-2026-000001 created", res.Claim.ID, res.Created)
	}
	last := e.store.reservations[len(e.store.reservations)-1]
	if last.Replaces != "dead" || len(last.RateLimits) != 0 {
		t.Errorf("takeover replaces %q with %d rate limits; want the dead attempt, none counted again", last.Replaces, len(last.RateLimits))
	}
	if rec := e.store.keys["form#token-1"]; rec.ClaimID != res.Claim.ID {
		t.Errorf("the key names %q, want %s", rec.ClaimID, res.Claim.ID)
	}
}

func TestSubmitRetriesStorageFailuresWithTheSameNumber(t *testing.T) {
	e := newEnv(t)
	transient := fmt.Errorf("transaction conflict: %w", intake.ErrTransient)
	e.store.createErrs = []error{transient, transient, nil}
	res, err := e.svc.Submit(context.Background(), validSubmission(e))
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if res.Claim.ID != "RC-2026-000001" || e.store.counter != 1 || e.store.createCalls != 3 {
		t.Errorf("claim %s after %d numbers and %d attempts; want RC-2026-000001, 1 number, 3 attempts", res.Claim.ID, e.store.counter, e.store.createCalls)
	}
	if diff := cmp.Diff([]time.Duration{50 * time.Millisecond, 100 * time.Millisecond}, e.clock.pauses); diff != "" {
		t.Errorf("pauses mismatch (-want +got):\n%s", diff)
	}
	if res.TrackingToken != e.keys.TrackingToken("RC-2026-000001") {
		t.Errorf("tracking token is not the claim's")
	}
}

func TestSubmitLostAnswerIsTheStoredClaim(t *testing.T) {
	e := newEnv(t)
	e.store.createLost = true
	res, err := e.svc.Submit(context.Background(), validSubmission(e))
	if err != nil {
		t.Fatalf("Submit with a lost answer: %v", err)
	}
	if !res.Created || res.Claim.ID != "RC-2026-000001" || e.store.counter != 1 || len(e.store.created) != 1 {
		t.Errorf("claim %s created=%v, %d numbers, %d stored; want RC-2026-000001 once", res.Claim.ID, res.Created, e.store.counter, len(e.store.created))
	}
	if len(e.pub.published) != 1 {
		t.Errorf("published %d batches, want 1", len(e.pub.published))
	}
}

func TestSubmitSkipsANumberAnotherClaimHas(t *testing.T) {
	e := newEnv(t)
	e.store.claims["RC-2026-000001"] = &claims.Claim{ID: "RC-2026-000001", Version: 4, HistoryHash: "other"}
	sub := validSubmission(e)
	sub.Idempotency = nil
	res, err := e.svc.Submit(context.Background(), sub)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if res.Claim.ID != "RC-2026-000002" {
		t.Errorf("claim %s, want RC-2026-000002 (the counter was behind)", res.Claim.ID)
	}
}

func TestSubmitGivesUpKeepingTheNumberForTheRetry(t *testing.T) {
	e := newEnv(t)
	e.store.createErr = fmt.Errorf("throttled: %w", intake.ErrTransient)
	_, err := e.svc.Submit(context.Background(), validSubmission(e))
	if apperr.CodeOf(err) != apperr.Internal {
		t.Fatalf("Submit against a failing table = %v, want an internal error", err)
	}
	rec := e.store.keys["form#token-1"]
	if rec.Number != "RC-2026-000001" || !rec.LeaseUntil.IsZero() {
		t.Fatalf("key after giving up = %+v, want released with RC-2026-000001", rec)
	}
	// The client's retry (same key, same body) takes the kept number.
	e.store.createErr = nil
	res, err := e.svc.Submit(context.Background(), validSubmission(e))
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if res.Claim.ID != "RC-2026-000001" || e.store.counter != 1 || !res.Created {
		t.Errorf("retry stored %s after %d numbers, want RC-2026-000001 with the one number", res.Claim.ID, e.store.counter)
	}
}

func TestSubmitPersonalManagerRetryKeepsTheNumber(t *testing.T) {
	e := newEnvWith(t, staticRoster{r: threeManagers()})
	first := submitted(t, e, "loyal@example.com")
	e.store.personal[first.CustomerID] = "vera@factory.example"
	before := e.store.counter
	c := submitted(t, e, "loyal@example.com")
	if e.store.pmRefusals == 0 {
		t.Fatal("setup: the rotation did not reach the personal manager")
	}
	if got := e.store.counter - before; got != 1 || c.ID != claims.Number(2026, before+1) {
		t.Errorf("claim %s took %d numbers, want the next one only", c.ID, got)
	}
}

func TestSubmitConcurrentAttemptsWithOneKeyTakeOneNumber(t *testing.T) {
	e := newEnv(t)
	// Real time: the attempts wait for each other.
	e.svc = e.service(intake.Config{Store: e.store, Files: e.files, Catalog: fixedCatalog{e.cat}, Publisher: e.pub, Keys: e.keys})
	const n = 50
	results := make([]*intake.Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i], errs[i] = e.svc.Submit(context.Background(), validSubmission(e)) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	created := 0
	for _, r := range results {
		if r.Created {
			created++
		}
		if r.Claim.ID != "RC-2026-000001" {
			t.Errorf("an attempt answered %s, want RC-2026-000001", r.Claim.ID)
		}
	}
	if created != 1 || e.store.counter != 1 || len(e.store.created) != 1 {
		t.Errorf("%d created, %d numbers, %d stored; want 1 of each", created, e.store.counter, len(e.store.created))
	}
}

func TestKeyHeldErrorMessage(t *testing.T) {
	for _, tt := range []struct {
		rec  intake.IdempotencyRecord
		want string
	}{
		{intake.IdempotencyRecord{ClaimID: "RC-2026-000001"}, "idempotency key already used for claim RC-2026-000001"},
		{intake.IdempotencyRecord{Owner: "a1"}, "idempotency key held by attempt a1"},
	} {
		if got := (&intake.KeyHeldError{Record: tt.rec}).Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
