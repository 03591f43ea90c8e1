package chat_test

import (
	"sync"
	"testing"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/chat"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/workflow"
)

// TestPostWithoutVersionRetriesALostRace: a message without a version that
// loses a race in storage is posted again on the current claim; with the
// author's version it is posted again while that version is still current
// (only the history moved: a generated document), and a stale version is
// the author's to handle (409).
func TestPostWithoutVersionRetriesALostRace(t *testing.T) {
	e, id := newEnv(t, workflow.Diagnostics)
	e.Store.Fail = apperr.Errorf(apperr.Conflict, "claim %s was changed concurrently", id)
	msg, cl, err := e.Chat.Post(ctx, customer, id, 0, chat.Post{Body: "Ответ клиента"})
	if err != nil || msg == nil || cl.Version != 2 || len(e.Store.Messages(id)) != 1 {
		t.Fatalf("after a lost race: %v, version %v, %d messages", err, cl, len(e.Store.Messages(id)))
	}
	e.Store.Fail = apperr.Errorf(apperr.Conflict, "claim %s was changed concurrently", id)
	if _, cl, err := e.Chat.Post(ctx, as(manager), id, 2, chat.Post{Body: "С версией"}); err != nil || cl.Version != 3 {
		t.Errorf("with the current version after a lost race: %v, %v; want posted at version 3", err, cl)
	}
	if _, _, err := e.Chat.Post(ctx, as(manager), id, 2, chat.Post{Body: "Со старой версией"}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("with a stale version: %v, want conflict", err)
	}
	if n := len(e.Store.Messages(id)); n != 2 {
		t.Errorf("%d messages stored, want 2", n)
	}
	// A refusal that is not a race (the rate limit) is not retried.
	e.Store.Fail = apperr.Errorf(apperr.RateLimited, "too many messages")
	if _, _, err := e.Chat.Post(ctx, customer, id, 0, chat.Post{Body: "Ещё"}); !apperr.Is(err, apperr.RateLimited) {
		t.Errorf("rate limited: %v", err)
	}
}

// TestParallelMessagesAllLand: 30 messages at once from the customer, the
// dealer and the manager are all stored, each with its history entry, on
// one chain.
func TestParallelMessagesAllLand(t *testing.T) {
	e, id := newEnv(t, workflow.Diagnostics)
	const n = 30
	callers := []casework.Caller{customer, as(dealer), as(manager)}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, _, errs[i] = e.Chat.Post(ctx, callers[i%3], id, 0, chat.Post{Body: "Сообщение"})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}
	if got := len(e.Store.Messages(id)); got != n {
		t.Errorf("%d messages stored, want %d", got, n)
	}
	h := e.Store.History(id)
	posted := 0
	for _, ev := range h {
		if ev.Type == chat.EventPosted {
			posted++
		}
	}
	if posted != n {
		t.Errorf("%d message entries in the history, want %d", posted, n)
	}
	if seq, ok := claims.VerifyChain(h); !ok {
		t.Errorf("the chain breaks at %d", seq)
	}
}

// TestParallelAnswersResumeOnce: answers posted at once on a claim waiting
// for the customer are all stored, and the claim goes back to its stage
// once, whichever answer resumes it.
func TestParallelAnswersResumeOnce(t *testing.T) {
	e, id := newEnv(t, workflow.WaitingForCustomer)
	const n = 12
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			caller := customer
			if i%2 == 1 {
				caller = as(dealer)
			}
			_, _, errs[i] = e.Chat.Post(ctx, caller, id, 0, chat.Post{Body: "Ответ"})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("answer %d: %v", i, err)
		}
	}
	resumes := 0
	for _, ev := range e.Store.History(id) {
		if ev.Type == "stage.changed" {
			resumes++
		}
	}
	cl, err := e.Store.GetClaim(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if cl.Stage != workflow.Diagnostics || resumes != 1 || len(e.Store.Messages(id)) != n {
		t.Errorf("stage %s after %d resumes with %d messages, want diagnostics after 1 with %d", cl.Stage, resumes, len(e.Store.Messages(id)), n)
	}
}
