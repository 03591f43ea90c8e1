package intake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
)

// Reservation is one attempt's hold on an idempotency key, taken (with the
// submission's rate limits counted) before the claim is numbered.
type Reservation struct {
	// Key is the idempotency key with its body hash and Owner (nil: the
	// submission has none, and only the rate limits are counted).
	Key *Idempotency
	// LeaseUntil is when another attempt may take the key over if this one
	// has neither stored its claim nor released the key by then (it died).
	LeaseUntil time.Time
	// Replaces is the holder of a lapsed or released reservation this one
	// takes over ("" for a key nobody holds).
	Replaces string
	// Number and Turn are the claim number (and round-robin turn) a released
	// attempt took but could not use: this attempt uses them.
	Number string
	Turn   int64
	// RateLimits are counted with the reservation (the first attempt of a
	// key only: a takeover is the same submission).
	RateLimits []RateLimit
	Now        time.Time
}

// IdempotencyRecord is what is stored under an idempotency key.
type IdempotencyRecord struct {
	BodyHash string
	// ClaimID is set once the claim is stored.
	ClaimID string
	// Owner holds the key until LeaseUntil while ClaimID is empty; a
	// released key has a zero LeaseUntil.
	Owner      string
	LeaseUntil time.Time
	// Number and Turn are what a released attempt took (see Reservation).
	Number string
	Turn   int64
}

// KeyHeldError is Store.Reserve's answer when the key is held or used.
type KeyHeldError struct {
	Record IdempotencyRecord
}

func (e *KeyHeldError) Error() string {
	if e.Record.ClaimID != "" {
		return "idempotency key already used for claim " + e.Record.ClaimID
	}
	return "idempotency key held by attempt " + e.Record.Owner
}

// Waiting for a concurrent attempt with the same key.
const (
	// MaxKeyWait bounds how long a request waits for another attempt with
	// its key to store the claim before answering 409 with Retry-After.
	MaxKeyWait = 5 * time.Second
	// leaseMargin is added to an attempt's deadline for its lease: a
	// request sent just before the deadline may still be applied.
	leaseMargin = 10 * time.Second
	// defaultLease is an attempt's lease when its context has no deadline.
	defaultLease = time.Minute
)

// reserve holds the submission's idempotency key and counts its rate limits
// before the claim is numbered. It returns the replay of the claim the key
// was used for (same body), Unprocessable (another body), RateLimited, or,
// when another attempt with the key is under way, waits up to MaxKeyWait for
// its claim (a replay) and then answers Conflict with a retry time. An
// attempt that died is taken over once its lease lapses; a released one at
// once, with the number it kept.
func (s *Service) reserve(ctx context.Context, sub Submission, now time.Time) (*Reservation, *Result, error) {
	r := &Reservation{Now: now}
	for _, rl := range sub.RateLimits {
		r.RateLimits = append(r.RateLimits, claims.HourlyLimit(rl.Key, rl.PerHour, now))
	}
	k := sub.Idempotency
	if k == nil {
		if len(r.RateLimits) == 0 {
			return r, nil, nil
		}
		return r, nil, s.rateLimited(s.cfg.Store.Reserve(ctx, r), now)
	}
	owner, err := newOwnerID()
	if err != nil {
		return nil, nil, err
	}
	r.Key = &Idempotency{Scope: k.Scope, Key: k.Key, BodyHash: k.BodyHash, Owner: owner, Expires: now.Add(24 * time.Hour)}
	r.LeaseUntil = now.Add(defaultLease)
	if dl, ok := ctx.Deadline(); ok {
		r.LeaseUntil = now.Add(time.Until(dl) + leaseMargin)
	}
	maxWait := MaxKeyWait
	if dl, ok := ctx.Deadline(); ok {
		// Answer before the function's own deadline.
		maxWait = min(maxWait, time.Until(dl)-time.Second)
	}
	waitUntil := now.Add(maxWait)
	err = s.cfg.Store.Reserve(ctx, r)
	for wait := 25 * time.Millisecond; ; wait = min(2*wait, 400*time.Millisecond) {
		var held *KeyHeldError
		if !errors.As(err, &held) {
			if err != nil {
				return nil, nil, s.rateLimited(err, now)
			}
			return r, nil, nil
		}
		rec := held.Record
		at := s.cfg.Now()
		switch {
		case rec.BodyHash != k.BodyHash:
			return nil, nil, &apperr.Error{Code: apperr.Unprocessable, Message: "this Idempotency-Key was already used for a different request",
				Fields: []apperr.FieldError{{Field: "Idempotency-Key", Message: "reused with a different body"}}}
		case rec.ClaimID != "":
			c, err := s.cfg.Store.GetClaim(ctx, rec.ClaimID)
			if err != nil {
				return nil, nil, fmt.Errorf("replay idempotent submission: %w", err)
			}
			return nil, &Result{Claim: c, TrackingToken: s.cfg.Keys.TrackingToken(c.ID), Created: false}, nil
		case !rec.LeaseUntil.After(at):
			// The holder died or gave up: this attempt takes over (with
			// the number it kept, if any); the rate limits were counted.
			r.Replaces, r.Number, r.Turn, r.RateLimits = rec.Owner, rec.Number, rec.Turn, nil
			err = s.cfg.Store.Reserve(ctx, r)
			continue
		case !at.Add(wait).Before(waitUntil):
			return nil, nil, &apperr.Error{Code: apperr.Conflict,
				Message:    "another request with this Idempotency-Key is being processed; retry shortly",
				RetryAfter: min(max(rec.LeaseUntil.Sub(at), time.Second), 30*time.Second)}
		}
		if err := s.cfg.Sleep(ctx, wait); err != nil {
			return nil, nil, fmt.Errorf("wait for idempotency key %s: %w", k.Key, err)
		}
		got, rerr := s.cfg.Store.IdempotencyRecord(ctx, k.Scope, k.Key)
		if rerr != nil {
			return nil, nil, rerr
		}
		if got == nil {
			// Gone (expired): a fresh reservation.
			r.Replaces = ""
			err = s.cfg.Store.Reserve(ctx, r)
			continue
		}
		err = &KeyHeldError{Record: *got}
	}
}

// rateLimited adds a retry time (the next clock hour, when the counters
// restart) to a RateLimited error.
func (s *Service) rateLimited(err error, now time.Time) error {
	if e, ok := apperr.As(err); ok && e.Code == apperr.RateLimited && e.RetryAfter == 0 {
		cp := *e
		cp.RetryAfter = now.Truncate(time.Hour).Add(time.Hour).Sub(now)
		return &cp
	}
	return err
}

func newOwnerID() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random attempt id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
