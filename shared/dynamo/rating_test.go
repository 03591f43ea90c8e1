package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
)

// TestRecordRating: the first rating is kept with the claim (its version
// unchanged, its history one entry longer, its event pending); a second
// rating is refused as rated, a comment without a rating too, a comment
// follows a rating once; a stale history head is a race.
func TestRecordRating(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	nc := newClaim(t, 1, claimOpts{})
	db.create(t, nc)
	id := nc.Claim.ID
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	rate := func(first bool, sat claims.Satisfaction, head int) error {
		c, err := db.store.GetClaim(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if head == 0 {
			head = c.HistoryHead()
		}
		entry, err := claims.Record(c, claims.EventRated, "claimant", at, nil, map[string]any{"score": sat.Score})
		if err != nil {
			t.Fatal(err)
		}
		e, err := events.New(id, "claimant", at, events.Rating{Number: id, Score: sat.Score, RatedBy: "claimant"})
		if err != nil {
			t.Fatal(err)
		}
		return db.store.RecordRating(ctx, id, head, entry, sat, first, []events.Event{e})
	}
	rated := func(err error) bool {
		e, ok := apperr.As(err)
		return ok && e.Code == apperr.Conflict && e.Details["rated"] == true
	}
	if err := rate(false, claims.Satisfaction{Score: 4, Comment: "x", RatedBy: "claimant", RatedAt: at}, 0); err == nil || rated(err) {
		t.Errorf("a comment before any rating: %v, want a conflict that is not 'rated'", err)
	}
	if err := rate(true, claims.Satisfaction{Score: 4, RatedBy: "claimant", RatedAt: at}, 0); err != nil {
		t.Fatal(err)
	}
	if err := rate(true, claims.Satisfaction{Score: 1, RatedBy: "claimant", RatedAt: at}, 0); !rated(err) {
		t.Errorf("a second rating: %v, want rated", err)
	}
	if err := rate(false, claims.Satisfaction{Score: 4, Comment: "Всё хорошо", RatedBy: "claimant", RatedAt: at, CommentedAt: at}, 1); err == nil || rated(err) {
		t.Errorf("a comment on a stale history head: %v, want a race", err)
	}
	if err := rate(false, claims.Satisfaction{Score: 4, Comment: "Всё хорошо", RatedBy: "claimant", RatedAt: at, CommentedAt: at}, 0); err != nil {
		t.Fatal(err)
	}
	if err := rate(false, claims.Satisfaction{Score: 4, Comment: "Ещё раз", RatedBy: "claimant", RatedAt: at, CommentedAt: at}, 0); !rated(err) {
		t.Errorf("a second comment: %v, want rated", err)
	}
	d, err := db.store.ClaimDetail(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	s := d.Claim.Satisfaction
	if s == nil || s.Score != 4 || s.Comment != "Всё хорошо" || d.Claim.Version != 1 || d.Claim.HistorySeq != 3 || len(d.History) != 3 {
		t.Errorf("claim after rating: %+v, version %d, head %d, %d entries", s, d.Claim.Version, d.Claim.HistorySeq, len(d.History))
	}
	if at, ok := claims.VerifyChain(d.History); !ok {
		t.Errorf("history broken at %d", at)
	}
	pending, err := db.store.PendingEvents(ctx, at.Add(time.Hour), 10)
	if err != nil || len(pending) != 3 { // the claim's own received event and two ratings
		t.Errorf("pending events: %d, %v", len(pending), err)
	}
}
