package survey_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/survey"
	"github.com/claimsdesk/backend/shared/workflow"
)

// store keeps one claim and applies RecordRating's conditions.
type store struct {
	mu        sync.Mutex
	claim     claims.Claim
	history   []claims.Event
	published []events.Event
	raceOnce  bool
}

func (s *store) GetClaim(_ context.Context, id string) (*claims.Claim, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != s.claim.ID {
		return nil, apperr.Errorf(apperr.NotFound, "claim %s", id)
	}
	c := s.claim
	return &c, nil
}

func (s *store) RecordRating(_ context.Context, id string, prevHead int, entry claims.Event, r claims.Satisfaction, first bool, outbox []events.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.raceOnce {
		s.raceOnce = false
		if _, err := claims.Record(&s.claim, "document.generated", "system", time.Now(), nil, nil); err != nil {
			return err
		}
		return apperr.Errorf(apperr.Conflict, "history moved")
	}
	switch {
	case s.claim.HistoryHead() != prevHead:
		return apperr.Errorf(apperr.Conflict, "history moved")
	case first && s.claim.Satisfaction != nil, !first && s.claim.Satisfaction != nil && s.claim.Satisfaction.Comment != "":
		return &apperr.Error{Code: apperr.Conflict, Message: "rated", Details: map[string]any{"rated": true}}
	}
	s.claim.HistorySeq, s.claim.HistoryHash = entry.Seq, entry.Hash
	s.claim.Satisfaction = &r
	s.history = append(s.history, entry)
	return nil
}

type publisher struct{ s *store }

func (p publisher) Publish(_ context.Context, evs []events.Event) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	p.s.published = append(p.s.published, evs...)
	return nil
}

var now = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func newService(t *testing.T, stage claims.Stage) (*survey.Service, *store) {
	t.Helper()
	st := &store{claim: claims.Claim{ID: "RC-2026-000007", Stage: stage, DealerID: "DLR-1", Assignee: "m-1", Version: 9, HistorySeq: 11}}
	svc, err := survey.New(survey.Config{Store: st, Publisher: publisher{st}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return svc, st
}

var dealer = survey.Rater{Principal: &auth.Principal{UserID: "d-1", Roles: []auth.Role{auth.Dealer}, DealerID: "DLR-1"}}

// TestRatingAClosedClaim: the claimant's first score stands, with its
// history entry and a claim.rated event (low below 3); the version stays; a
// comment follows once.
func TestRatingAClosedClaim(t *testing.T) {
	svc, st := newService(t, workflow.Closed)
	st.raceOnce = true // a document was made meanwhile: tried again
	c, err := svc.Rate(context.Background(), survey.ClaimantRater, "RC-2026-000007", 2, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Satisfaction == nil || c.Satisfaction.Score != 2 || c.Satisfaction.RatedBy != "claimant" || st.claim.Version != 9 || st.claim.HistorySeq != 13 {
		t.Errorf("after rating: %+v, version %d, head %d", c.Satisfaction, st.claim.Version, st.claim.HistorySeq)
	}
	if len(st.published) != 1 || st.published[0].Type != events.Rated || !strings.Contains(string(st.published[0].Data), `"low":true`) {
		t.Errorf("published %+v", st.published)
	}
	if _, err := svc.Rate(context.Background(), survey.ClaimantRater, "RC-2026-000007", 5, ""); !apperr.Is(err, apperr.Conflict) ||
		!strings.Contains(err.Error(), "2 of 5") {
		t.Errorf("second rating: %v, want a conflict showing the first score", err)
	}
	if _, err := svc.Comment(context.Background(), survey.ClaimantRater, "RC-2026-000007", "  Долго ждали ответа  "); err != nil {
		t.Fatal(err)
	}
	if st.claim.Satisfaction.Comment != "Долго ждали ответа" || st.claim.Satisfaction.Score != 2 || len(st.history) != 2 || st.history[1].Type != claims.EventCommented {
		t.Errorf("after the comment: %+v, history %+v", st.claim.Satisfaction, st.history)
	}
	if _, err := svc.Comment(context.Background(), survey.ClaimantRater, "RC-2026-000007", "Ещё"); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("second comment: %v, want conflict", err)
	}
}

// TestRatingRefusals: the score and the comment are checked; only a closed
// claim is rated; a dealer rates their own claims only; staff do not rate.
func TestRatingRefusals(t *testing.T) {
	tests := []struct {
		name  string
		stage claims.Stage
		who   survey.Rater
		score int
		text  string
		code  apperr.Code
	}{
		{"score 0", workflow.Closed, survey.ClaimantRater, 0, "", apperr.Invalid},
		{"score 6", workflow.Closed, survey.ClaimantRater, 6, "", apperr.Invalid},
		{"a long comment", workflow.Closed, survey.ClaimantRater, 3, strings.Repeat("я", 2001), apperr.Invalid},
		{"not closed", workflow.Implementation, survey.ClaimantRater, 5, "", apperr.Conflict},
		{"rejected", workflow.Rejected, survey.ClaimantRater, 5, "", apperr.Conflict},
		{"another dealer", workflow.Closed, survey.Rater{Principal: &auth.Principal{UserID: "d-2", Roles: []auth.Role{auth.Dealer}, DealerID: "DLR-2"}}, 5, "", apperr.NotFound},
		{"a manager", workflow.Closed, survey.Rater{Principal: &auth.Principal{UserID: "m-1", Roles: []auth.Role{auth.Manager}}}, 5, "", apperr.Forbidden},
	}
	for _, tt := range tests {
		svc, st := newService(t, tt.stage)
		if _, err := svc.Rate(context.Background(), tt.who, "RC-2026-000007", tt.score, tt.text); !apperr.Is(err, tt.code) {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
		if st.claim.Satisfaction != nil {
			t.Errorf("%s: rated anyway", tt.name)
		}
	}
	svc, st := newService(t, workflow.Closed)
	if _, err := svc.Rate(context.Background(), dealer, "RC-2026-000007", 5, "Спасибо"); err != nil || st.claim.Satisfaction.RatedBy != "dealers:d-1" ||
		st.claim.Satisfaction.CommentedAt.IsZero() {
		t.Errorf("the dealer's rating: %v, %+v", err, st.claim.Satisfaction)
	}
}
