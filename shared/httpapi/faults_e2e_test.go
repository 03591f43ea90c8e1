package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/claimsdesk/backend/infra/local/stack"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/workflow"
)

// TestRelayDeliversWhatACrashLeftUnsent: a change committed by a process
// that died before publishing its event (here: a casework service without a
// publisher) is sent by the scheduled outbox relay, and delivered once.
func TestRelayDeliversWhatACrashLeftUnsent(t *testing.T) {
	erp := newUser(t, "integrations", "erp-relay", "")
	email := "relay@example.com"
	r, created := createClaim(t, erp, claimBody(func(b map[string]any) {
		b["claimant"] = map[string]any{"name": "Клиент Реле", "email": email}
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	id := created.Claim.ID
	mgr := newUser(t, "managers", created.Claim.Assignee, "")
	c := readClaim(t, mgr, id)
	move(t, mgr, &c, "information_check", "", 200)

	// The "crashed" writer: the same transaction, no publish after it.
	store := dynamo.New(local.Clients.DynamoDB, "claims-Table")
	work := casework.New(casework.Config{Store: store})
	sup := &auth.Principal{UserID: "supervisor-relay", Roles: []auth.Role{auth.Supervisor}}
	if _, err := work.Transition(context.Background(), casework.Caller{Principal: sup}, id, c.Version,
		workflow.Request{To: workflow.WaitingForCustomer, Reason: "Пришлите фото шильдика"}); err != nil {
		t.Fatal(err)
	}
	// Only the confirmation arrives: the change's event was never sent.
	st.Eventually(t, deliveryWait, "the confirmation", func() bool { return len(mailsAbout(local.OutboxDir, email, id)) == 1 })
	settle()
	before := len(mailsAbout(local.OutboxDir, email, id))
	if before != 1 {
		t.Fatalf("%d mails before the relay, want the confirmation only", before)
	}
	// What the schedule does every minute.
	res, err := local.Invoke(context.Background(), "RelayFunction", []byte(`{}`))
	if err != nil || res.FunctionError != "" {
		t.Fatalf("relay: %v %s", err, res.Payload)
	}
	var out struct {
		Republished int `json:"republished"`
	}
	_ = json.Unmarshal(res.Payload, &out)
	if out.Republished < 1 {
		t.Fatalf("the relay re-published %d events: %s", out.Republished, res.Payload)
	}
	st.Eventually(t, deliveryWait, "the mail asking the customer", func() bool {
		return len(mailsAbout(local.OutboxDir, email, id)) > before
	})
	// A second run finds nothing: the notifier took the event off the list.
	settle()
	res, err = local.Invoke(context.Background(), "RelayFunction", []byte(`{}`))
	if err != nil || res.FunctionError != "" {
		t.Fatalf("relay again: %v %s", err, res.Payload)
	}
	_ = json.Unmarshal(res.Payload, &out)
	if got := len(mailsAbout(local.OutboxDir, email, id)); got != before+1 {
		t.Errorf("%d mails after the relay, want %d (delivered once)", got, before+1)
	}
}

// TestDeadLettersAreRedriven: a notification whose webhook target keeps
// failing ends in the dead-letter queue after its retries; once the target
// is back, the redrive endpoint moves it back and it is delivered, the
// deliveries made before (the claimant's mail) not repeated.
func TestDeadLettersAreRedriven(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	hook := newHookReceiver(t, func(int) (int, time.Duration) {
		if down.Load() {
			return http.StatusBadGateway, 0
		}
		return http.StatusOK, 0
	})
	registerHook(t, hook, "dlr-dlq", "DLR-DLQ", "claim.received")
	admin := newUser(t, "admins", "admin-dlq", "")
	dealer := newUser(t, "dealers", "dealer-dlq", "DLR-DLQ")
	email := "dead-letter@example.com"
	r, created := createClaim(t, dealer, claimBody(func(b map[string]any) {
		b["claimant"] = map[string]any{"name": "Клиент", "email": email}
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	id := created.Claim.ID
	type status struct {
		Messages int `json:"messages"`
	}
	// Five receives (retried after 1, 2, 4 and 8 s on the test stack).
	st.Eventually(t, 90*time.Second, "the event in the dead-letter queue", func() bool {
		var s status
		admin.do(t, "GET", "/v1/admin/dead-letters", nil).JSON(t, &s)
		return s.Messages >= 1 && len(hook.got(id)) >= 5
	})
	if n := len(hook.got(id)); n != 5 {
		t.Errorf("the target was called %d times before the dead-letter queue, want 5 (maxReceiveCount)", n)
	}
	if got := mailsAbout(local.OutboxDir, email, id); len(got) != 1 {
		t.Errorf("claimant mails before the redrive: %v, want the one confirmation", got)
	}
	if r := newUser(t, "supervisors", "sup-dlq", "").do(t, "POST", "/v1/admin/dead-letters/redrive", nil); r.Status != 403 {
		t.Errorf("a supervisor redriving = %d, want 403", r.Status)
	}
	down.Store(false)
	if r := admin.do(t, "POST", "/v1/admin/dead-letters/redrive", nil); r.Status != 202 {
		t.Fatalf("redrive = %d %s", r.Status, r.Body)
	}
	st.Eventually(t, deliveryWait, "the webhook accepted after the redrive", func() bool {
		calls := hook.got(id)
		return len(calls) > 0 && calls[len(calls)-1].status == http.StatusOK
	})
	settle()
	calls := hook.got(id)
	for _, c := range calls {
		if c.delivery != calls[0].delivery || !c.signed {
			t.Errorf("call %+v: not the same signed delivery %s", c, calls[0].delivery)
		}
	}
	if len(calls) != 6 {
		t.Errorf("%d calls in all, want 5 refused and 1 accepted", len(calls))
	}
	if got := mailsAbout(local.OutboxDir, email, id); len(got) != 1 {
		t.Errorf("the redrive repeated the claimant's mail: %v", got)
	}
	var s status
	admin.do(t, "GET", "/v1/admin/dead-letters", nil).JSON(t, &s)
	if s.Messages != 0 {
		t.Errorf("%d messages left in the dead-letter queue", s.Messages)
	}
}

// TestNotifierCrashMidBatch kills the notifier while it is delivering a
// batch (a webhook call hangs; the process dies as an out-of-memory kill
// would): after the visibility timeout the batch comes back and every
// notification of it is delivered once in effect: the mail made before the
// crash not again, the notes with the same IDs, the webhooks with the same
// delivery IDs. (Only the first claim has an email: a mail caught in the
// very instant between SES accepting it and its record would be sent again,
// which no mail system can rule out; the notifier makes mail before
// webhooks so that a hanging target cannot cause it.)
func TestNotifierCrashMidBatch(t *testing.T) {
	s := st.Start(t, st.WithTestSettings(), st.WithConfig(func(c *stack.Config) {
		// No roster and no supervisors' address: besides the first
		// claimant's mail, the deliveries are notes and webhooks.
		c.Parameters["DemoData"], c.Parameters["SupervisorsEmail"] = "false", ""
	}))
	shared := local
	local = s
	t.Cleanup(func() { local = shared })
	// A crashed batch comes back when its visibility times out: shorten it
	// from the template's 60 s, as an operator could.
	ctx := context.Background()
	q, err := s.Clients.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("claims-NotificationsQueue")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Clients.SQS.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: q.QueueUrl,
		Attributes: map[string]string{string(sqstypes.QueueAttributeNameVisibilityTimeout): "3"}}); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	hang := make(chan struct{})
	hook := newHookReceiver(t, func(n int) (int, time.Duration) {
		if calls.Add(1) == 1 {
			close(hang)
			return http.StatusOK, 1500 * time.Millisecond // the notifier dies meanwhile
		}
		return http.StatusOK, 0
	})
	registerHook(t, hook, "dlr-crash", "DLR-CRASH", "claim.received")
	dealer := newUser(t, "dealers", "dealer-crash", "DLR-CRASH")
	var ids []string
	email := "crash@example.com"
	for i := range 3 {
		claimant := map[string]any{"name": "Клиент", "phone": "+7903000000" + string(rune('1'+i))}
		if i == 0 {
			claimant["email"] = email
		}
		r, created := createClaim(t, dealer, claimBody(func(b map[string]any) {
			b["claimant"] = claimant
			b["essence"] = "Проверка сбоя уведомлений номер " + string(rune('1'+i)) + "."
		}))
		if r.Status != 201 {
			t.Fatalf("intake = %d %s", r.Status, r.Body)
		}
		ids = append(ids, created.Claim.ID)
	}
	select {
	case <-hang:
	case <-time.After(deliveryWait):
		t.Fatal("the webhook was never called")
	}
	if n := s.Pool("NotifierFunction").Kill(); n == 0 {
		t.Fatal("no notifier process to kill")
	}
	sup := newUser(t, "supervisors", "supervisor-crash", "")
	for _, id := range ids {
		st.Eventually(t, deliveryWait, "the webhook of "+id, func() bool {
			for _, c := range hook.got(id) {
				if c.status == http.StatusOK {
					return true
				}
			}
			return false
		})
		st.Eventually(t, deliveryWait, "the supervisors' note of "+id, func() bool {
			return len(notesAbout(t, sup, id, "")) > 0
		})
	}
	settle()
	if got := mailsAbout(s.OutboxDir, email, ids[0]); len(got) != 1 {
		t.Errorf("claim %s: %d confirmations, want 1", ids[0], len(got))
	}
	for _, id := range ids {
		if n := len(notesAbout(t, sup, id, "")); n != 1 {
			t.Errorf("claim %s: %d supervisors' notes, want 1", id, n)
		}
		got := hook.got(id)
		deliveries := map[string]bool{}
		for _, c := range got {
			deliveries[c.delivery] = true
		}
		if len(deliveries) != 1 || len(got) > 2 {
			t.Errorf("claim %s: webhook calls %+v, want one delivery (at most once more after the crash)", id, got)
		}
	}
	if stats := s.Pool("NotifierFunction").Stats(); stats.Crashes == 0 {
		t.Errorf("the notifier pool saw no crash: %+v", stats)
	}
}

// TestConfirmationWithinTwoSeconds: on a stack of its own (no other test's
// mail ahead in the queue), the claimant's confirmation is in the outbox
// within two seconds of filing.
func TestConfirmationWithinTwoSeconds(t *testing.T) {
	s := st.Start(t, st.WithTestSettings())
	shared := local
	local = s
	t.Cleanup(func() { local = shared })
	erp := newUser(t, "integrations", "erp-latency", "")
	file := func(email string) (string, time.Time) {
		r, created := createClaim(t, erp, claimBody(func(b map[string]any) {
			b["claimant"] = map[string]any{"name": "Клиент", "email": email}
		}))
		if r.Status != 201 {
			t.Fatalf("intake = %d %s", r.Status, r.Body)
		}
		return created.Claim.ID, time.Now()
	}
	// The first claim starts the notifier's process (a cold start).
	id, _ := file("latency-warm@example.com")
	st.Eventually(t, deliveryWait, "the first confirmation", func() bool {
		return len(mailsAbout(s.OutboxDir, "latency-warm@example.com", id)) == 1
	})
	for i := range 3 {
		email := "latency" + string(rune('a'+i)) + "@example.com"
		id, filed := file(email)
		st.Eventually(t, 2*time.Second, "the confirmation of "+id+" within 2 s", func() bool {
			return len(mailsAbout(s.OutboxDir, email, id)) == 1
		})
		t.Logf("confirmation of %s in the outbox %v after filing", id, time.Since(filed).Round(time.Millisecond))
	}
}

// TestScheduledJobsRun invokes the scheduled functions as their schedules
// do (the SLA check, the daily absence job, the outbox relay) and checks
// they run on the stack and answer what they did; a bad job name is refused.
func TestScheduledJobsRun(t *testing.T) {
	for _, tt := range []struct{ fn, input, want string }{
		{"SlaFunction", `{"job":"check"}`, `"read"`},
		{"SlaFunction", `{"job":"absences"}`, `"reassigned"`},
		{"RelayFunction", `{}`, `"republished"`},
	} {
		res, err := local.Invoke(context.Background(), tt.fn, []byte(tt.input))
		if err != nil || res.FunctionError != "" || !strings.Contains(string(res.Payload), tt.want) {
			t.Errorf("%s %s = %v %s", tt.fn, tt.input, err, res.Payload)
		}
	}
	res, err := local.Invoke(context.Background(), "SlaFunction", []byte(`{"job":"everything"}`))
	if err != nil || res.FunctionError == "" || !strings.Contains(string(res.Payload), "job") {
		t.Errorf("unknown job: %v %s", err, res.Payload)
	}
}
