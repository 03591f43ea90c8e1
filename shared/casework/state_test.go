package casework_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/workflow"
)

// causes is a catalog source with one root cause.
type causes struct{}

func (causes) Catalog(context.Context) (*catalog.Catalog, error) {
	return &catalog.Catalog{RootCauses: []catalog.RootCause{{ID: "misuse", Active: true}}}, nil
}

// TestFinishedClaimsTakeNoChange: a closed, rejected or withdrawn claim
// refuses every change on the one change path with 409 naming its stage,
// whoever asks and whatever version they give, and nothing is written.
func TestFinishedClaimsTakeNoChange(t *testing.T) {
	for _, stage := range []claims.Stage{workflow.Closed, workflow.Rejected, workflow.Withdrawn} {
		t.Run(string(stage), func(t *testing.T) {
			_, s, id := newService(t)
			svc := newCasework(t, casework.Config{Store: s, Catalog: causes{}, Now: func() time.Time { return now }})
			c := s.claims[id]
			c.Stage = stage
			c.Decision = &claims.Decision{FaultParty: "customer", RootCause: "misuse", Resolution: claims.ResolutionReject, Instructions: "Отказано."}
			s.claims[id] = c
			mgr, sup := staff("anna", auth.Manager), staff("sup", auth.Supervisor)
			prio := catalog.High
			name := "Иван"
			decision := claims.Decision{FaultParty: "customer", RootCause: "misuse", Resolution: claims.ResolutionRepair, Instructions: "Починим за ваш счёт."}
			ops := map[string]func(v int) error{
				"edit": func(v int) error {
					_, err := svc.EditFields(context.Background(), mgr, id, v, casework.FieldPatch{Priority: &prio, ClaimantName: &name})
					return err
				},
				"task done": func(v int) error {
					_, err := svc.CompleteTask(context.Background(), mgr, id, v, "information_check.check-completeness", "")
					return err
				},
				"plan task": func(v int) error {
					_, err := svc.AddPlanTask(context.Background(), sup, id, v, casework.PlanTask{Title: "Проверить", Owner: "anna", Due: now.Add(time.Hour)})
					return err
				},
				"decision": func(v int) error {
					_, err := svc.Decide(context.Background(), sup, id, v, decision, "пересмотр")
					return err
				},
				"reassign": func(v int) error {
					_, err := svc.Reassign(context.Background(), sup, roster{}, id, v, "boris", "отпуск")
					return err
				},
				"transition": func(v int) error {
					_, err := svc.Transition(context.Background(), sup, id, v, workflow.Request{To: workflow.QualityControl})
					return err
				},
				"custom": func(v int) error {
					_, err := svc.Apply(context.Background(), mgr, id, v, func(*claims.Claim, workflow.Actor, time.Time) (*casework.Outcome, error) {
						return &casework.Outcome{EventType: "x"}, nil
					})
					return err
				},
				"current": func(int) error {
					_, err := svc.ApplyCurrent(context.Background(), mgr, id, func(*claims.Claim, workflow.Actor, time.Time) (*casework.Outcome, error) {
						return &casework.Outcome{EventType: "x"}, nil
					})
					return err
				},
			}
			for name, op := range ops {
				for _, v := range []int{c.Version, c.Version - 1} {
					err := op(v)
					e, ok := apperr.As(err)
					if !ok || e.Code != apperr.Conflict || !strings.Contains(e.Message, string(stage)) {
						t.Errorf("%s at version %d: %v, want 409 naming %s", name, v, err, stage)
					}
				}
			}
			if s.writes != 0 {
				t.Errorf("%d writes to a %s claim", s.writes, stage)
			}
			// Someone who may not see the claim still learns nothing.
			if err := func() error {
				_, err := svc.EditFields(context.Background(), staff("boris", auth.Manager), id, c.Version, casework.FieldPatch{Priority: &prio})
				return err
			}(); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("another manager: %v, want NotFound", err)
			}
		})
	}
}

// racingStore loses the first races ApplyChange calls: before each of them
// another change is written (the version moves on), as when parallel
// writers post on the same claim.
type racingStore struct {
	*store
	races int
}

func (r *racingStore) ApplyChange(ctx context.Context, ch *claims.Change) error {
	r.mu.Lock()
	if r.races > 0 {
		r.races--
		c := r.claims[ch.Claim.ID]
		c.Version++
		r.claims[ch.Claim.ID] = c
		r.mu.Unlock()
		return &apperr.Error{Code: apperr.Conflict, Message: "changed by someone else", Details: map[string]any{"currentVersion": c.Version}}
	}
	r.mu.Unlock()
	return r.store.ApplyChange(ctx, ch)
}

// TestApplyCurrentRetriesLostRaces: a change without the caller's version
// is tried again on the current claim after each lost race, up to a bound;
// the edit's own refusals and changes with the caller's version are not.
func TestApplyCurrentRetriesLostRaces(t *testing.T) {
	_, base, id := newService(t)
	rs := &racingStore{store: base}
	svc := newCasework(t, casework.Config{Store: rs, Catalog: causes{}, Now: func() time.Time { return now },
		Retry: casework.Retry{Attempts: 40, Base: time.Microsecond, Cap: 10 * time.Microsecond}})
	mgr := staff("anna", auth.Manager)
	runs := 0
	var seen []int
	edit := func(cl *claims.Claim, _ workflow.Actor, _ time.Time) (*casework.Outcome, error) {
		runs++
		seen = append(seen, cl.Version)
		return &casework.Outcome{EventType: "note.added", After: map[string]any{"n": runs}}, nil
	}

	rs.races = 5
	cl, err := svc.ApplyCurrent(context.Background(), mgr, id, edit)
	if err != nil {
		t.Fatalf("after 5 lost races: %v", err)
	}
	if runs != 6 || cl.Version != 7 || base.writes != 1 {
		t.Errorf("runs %d, version %d, writes %d; want 6 runs, version 7 (5 changes by others + ours), 1 write", runs, cl.Version, base.writes)
	}
	for i, v := range seen {
		if v != 1+i {
			t.Errorf("try %d ran on version %d, want the current %d", i+1, v, 1+i)
		}
	}

	// The caller's version is honoured: no retry.
	runs, rs.races = 0, 1
	if _, err := svc.Apply(context.Background(), mgr, id, cl.Version, edit); !apperr.Is(err, apperr.Conflict) || runs != 1 {
		t.Errorf("with a version: %v after %d runs, want one Conflict", err, runs)
	}

	// The edit's refusal is final.
	runs, rs.races = 0, 0
	refuse := func(*claims.Claim, workflow.Actor, time.Time) (*casework.Outcome, error) {
		runs++
		return nil, apperr.InvalidField("body", "required")
	}
	if _, err := svc.ApplyCurrent(context.Background(), mgr, id, refuse); !apperr.Is(err, apperr.Invalid) || runs != 1 {
		t.Errorf("refused edit: %v after %d runs", err, runs)
	}

	// A claim that keeps changing: the bound holds and the race is reported.
	runs, rs.races = 0, 1000
	if _, err := svc.ApplyCurrent(context.Background(), mgr, id, edit); !apperr.Is(err, apperr.Conflict) || runs != 40 {
		t.Errorf("endless races: %v after %d runs, want Conflict after 40", err, runs)
	}
	// A cancelled caller stops waiting.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rs.races = 3
	if _, err := svc.ApplyCurrent(ctx, mgr, id, edit); err == nil || apperr.Is(err, apperr.Conflict) {
		t.Errorf("cancelled: %v, want the context's error", err)
	}
}

// TestApplyCurrentInParallel: 30 writers at once on one claim all land,
// each once, on one gapless chain.
func TestApplyCurrentInParallel(t *testing.T) {
	_, s, id := newService(t)
	svc := newCasework(t, casework.Config{Store: s, Catalog: causes{}, Now: func() time.Time { return now }})
	const n = 30
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = svc.ApplyCurrent(context.Background(), staff("anna", auth.Manager), id,
				func(*claims.Claim, workflow.Actor, time.Time) (*casework.Outcome, error) {
					return &casework.Outcome{EventType: "note.added", After: map[string]any{"writer": i}}, nil
				})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	cl := s.claims[id]
	if cl.Version != 1+n || s.writes != n {
		t.Fatalf("version %d after %d writes, want %d and %d", cl.Version, s.writes, 1+n, n)
	}
	writers := map[string]bool{}
	for _, e := range s.history[id][1:] {
		writers[fmt.Sprint(e.After["writer"])] = true
	}
	if len(writers) != n {
		t.Errorf("%d distinct writers in the history, want %d", len(writers), n)
	}
	if v := casework.Verify(&cl, s.history[id]); !v.Valid {
		t.Errorf("chain after the race: %+v", v)
	}
}
