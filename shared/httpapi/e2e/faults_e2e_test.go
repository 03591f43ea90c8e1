package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/claimsdesk/backend/infra/local/awsemu/ses"
	"github.com/claimsdesk/backend/infra/local/stack"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/workflow"
)

// stillClock is a schedule clock that never fires: a stack with it runs no
// schedule on its own, so a test invokes the scheduled functions when it
// means to.
type stillClock struct{}

func (stillClock) Now() time.Time                       { return time.Now() }
func (stillClock) After(time.Duration) <-chan time.Time { return nil }

// TestRelayDeliversWhatACrashLeftUnsent: a change committed by a process
// that died before publishing its event (here: a casework service without a
// publisher) is sent by the scheduled outbox relay, and delivered once. The
// stack's schedules are still, so nothing but the test runs the relay.
func TestRelayDeliversWhatACrashLeftUnsent(t *testing.T) {
	s := st.Start(t, st.WithTestSettings(), st.WithConfig(func(c *stack.Config) { c.Clock = stillClock{} }))
	shared := local
	local = s
	t.Cleanup(func() { local = shared })
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
	store := tableStore(t, local.Clients.DynamoDB)
	work, err := casework.New(casework.Config{Store: store, Catalog: store})
	if err != nil {
		t.Fatal(err)
	}
	sup := &auth.Principal{UserID: "supervisor-relay", Roles: []auth.Role{auth.Supervisor}}
	if _, err := work.Transition(context.Background(), casework.Caller{Principal: sup}, id, c.Version,
		workflow.Request{To: workflow.WaitingForCustomer, Reason: "Пришлите фото шильдика"}); err != nil {
		t.Fatal(err)
	}
	// Only the confirmation arrives: the change's event was never sent.
	st.Eventually(t, deliveryWait, "the confirmation", func() bool { return len(mailsAbout(local.OutboxDir, email, id)) == 1 })
	drained(t, local)
	if got := mailsAbout(local.OutboxDir, email, id); len(got) != 1 {
		t.Fatalf("%d mails before the relay, want the confirmation only: %v", len(got), got)
	}
	// What the schedule does every minute.
	relay := func() int {
		t.Helper()
		res, err := local.Invoke(context.Background(), "RelayFunction", []byte(`{}`))
		if err != nil || res.FunctionError != "" {
			t.Fatalf("relay: %v %+v", err, res)
		}
		var out struct {
			Republished *int `json:"republished"`
		}
		if err := json.Unmarshal(res.Payload, &out); err != nil || out.Republished == nil {
			t.Fatalf("relay answered %s", res.Payload)
		}
		return *out.Republished
	}
	// The event is re-published once it is older than the relay's grace
	// (1 s on the test stack); earlier runs leave it alone.
	republished := 0
	st.Eventually(t, deliveryWait, "the relay re-publishing the event never sent", func() bool {
		republished = relay()
		return republished > 0
	})
	if republished != 1 {
		t.Fatalf("the relay re-published %d events, want the one never sent", republished)
	}
	st.Eventually(t, deliveryWait, "the mail asking the customer", func() bool {
		return mailAbout(local.OutboxDir, email, id+": нужна информация") != nil
	})
	// A second run finds nothing: the notifier took the event off the list.
	drained(t, local)
	if n := relay(); n != 0 {
		t.Errorf("the second run re-published %d events, want none", n)
	}
	drained(t, local)
	if got := mailsAbout(local.OutboxDir, email, id); len(got) != 2 {
		t.Errorf("mails after the relay = %v, want the confirmation and the request, once each", got)
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
	drained(t, local)
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
// would). After the visibility timeout the batch comes back; what the dead
// attempt held waits for its lease (the notifier's timeout and a margin),
// then is taken over. Every notification is then delivered once in effect:
// the notes once (same IDs), the webhooks under one delivery ID each, and a
// mail more than once only when its delivery's record counts the repeat (a
// mail caught between SES accepting it and its record; its copies share
// the delivery header). Counting waits until the queue is drained: every
// lease and backoff has passed and nothing is left to retry.
func TestNotifierCrashMidBatch(t *testing.T) {
	s := st.Start(t, st.WithTestSettings(), st.WithConfig(func(c *stack.Config) {
		// No roster and no supervisors' address: besides the claimants'
		// mail, the deliveries are notes and webhooks. A short timeout
		// keeps the lease (timeout + 5 s) the retry waits for short.
		c.Parameters["DemoData"], c.Parameters["SupervisorsEmail"], c.Parameters["NotifierTimeout"] = "false", "", "8"
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
	for i := range 3 {
		n := string(rune('1' + i))
		r, created := createClaim(t, dealer, claimBody(func(b map[string]any) {
			b["claimant"] = map[string]any{"name": "Клиент", "phone": "+7903000000" + n, "email": "crash" + n + "@example.com"}
			b["essence"] = "Проверка сбоя уведомлений номер " + n + "."
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
		st.Eventually(t, drainWait, "the webhook of "+id, func() bool {
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
	drained(t, s)

	store := tableStore(t, s.Clients.DynamoDB)
	records := map[string]map[string]dynamo.DeliveryRecord{} // by event
	recordsOf := func(event string) map[string]dynamo.DeliveryRecord {
		if records[event] == nil {
			recs, err := store.DeliveryRecords(ctx, event)
			if err != nil {
				t.Fatal(err)
			}
			records[event] = recs
		}
		return records[event]
	}
	mails, err := ses.ReadOutbox(s.OutboxDir)
	if err != nil {
		t.Fatal(err)
	}
	repeats := 0
	for i, id := range ids {
		email := "crash" + string(rune('1'+i)) + "@example.com"
		copies := map[string]int{}
		for _, m := range mails {
			if len(m.To) == 1 && m.To[0] == email && strings.Contains(m.Subject, id) {
				copies[deliveryOf(m)]++
			}
		}
		if len(copies) != 1 {
			t.Errorf("claim %s: confirmations by delivery ID %v, want one delivery", id, copies)
		}
		for delivery, n := range copies {
			event, key, _ := strings.Cut(delivery, "/")
			rec := recordsOf(event)[key]
			if rec.Status != "done" || n > 1+rec.Repeats {
				t.Errorf("claim %s: %d copies of %s, record %+v: a repeat its record does not count", id, n, delivery, rec)
			}
			repeats += n - 1
		}
		notes := notesAbout(t, sup, id, "")
		if len(notes) != 1 {
			t.Errorf("claim %s: %d supervisors' notes, want 1", id, len(notes))
			continue
		}
		got := hook.got(id)
		deliveries := map[string]bool{}
		for _, c := range got {
			deliveries[c.delivery] = true
		}
		webhook := recordsOf(notes[0].EventID)["webhook:dlr-crash"]
		if len(deliveries) != 1 || len(got) > 1+webhook.Repeats || webhook.Status != "done" {
			t.Errorf("claim %s: webhook calls %+v, record %+v; want one delivery ID, called again only when taken over", id, got, webhook)
		}
		for key, rec := range recordsOf(notes[0].EventID) {
			if rec.Status != "done" {
				t.Errorf("claim %s: delivery %s left %q", id, key, rec.Status)
			}
		}
	}
	t.Logf("confirmations repeated (outcome unknown, counted): %d", repeats)
	if stats := s.Pool("NotifierFunction").Stats(); stats.Crashes == 0 {
		t.Errorf("the notifier pool saw no crash: %+v", stats)
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

// sesHold is an SES endpoint in front of the embedded one that, once armed,
// holds the answer to the next SendEmail after SES has accepted the mail:
// the notifier's state in that instant is "mail sent, not recorded".
type sesHold struct {
	target   string
	mu       sync.Mutex
	armed    bool
	accepted chan struct{}
	release  chan struct{}
}

func (h *sesHold) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req, _ := http.NewRequestWithContext(context.WithoutCancel(r.Context()), r.Method, h.target+r.URL.RequestURI(), bytes.NewReader(body))
	req.Header = r.Header.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(res.Body)
	h.mu.Lock()
	hold := h.armed && r.URL.Path == "/v2/email/outbound-emails" && res.StatusCode == http.StatusOK
	if hold {
		h.armed = false
	}
	h.mu.Unlock()
	if hold {
		close(h.accepted)
		<-h.release
	}
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(answer)
}

// TestMailCaughtByACrashIsRepeatedAndCounted lands the crash in the one
// window mail cannot close: SES has accepted the confirmation, the notifier
// dies before its answer (and so before the record). After its lease the
// delivery is taken over as a repeat: the confirmation is sent again with
// the same delivery header and References, and its record counts the
// repeat; the event's note stays one note.
func TestMailCaughtByACrashIsRepeatedAndCounted(t *testing.T) {
	mailDir := t.TempDir()
	svc, err := stack.StartServices(mailDir, "127.0.0.1:0", "eu-central-1", "123456789012", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	hold := &sesHold{target: svc.URL, armed: true, accepted: make(chan struct{}), release: make(chan struct{})}
	proxy := httptest.NewServer(hold)
	t.Cleanup(proxy.Close)
	s := st.Start(t, st.WithTestSettings(), st.WithConfig(func(c *stack.Config) {
		c.Endpoints.SES = proxy.URL
		c.Parameters["DemoData"], c.Parameters["SupervisorsEmail"], c.Parameters["NotifierTimeout"] = "false", "", "8"
	}))
	ctx := context.Background()
	q, err := s.Clients.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("claims-NotificationsQueue")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Clients.SQS.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: q.QueueUrl,
		Attributes: map[string]string{string(sqstypes.QueueAttributeNameVisibilityTimeout): "3"}}); err != nil {
		t.Fatal(err)
	}
	tok, err := s.Token(stack.TokenRequest{Role: "dealers", User: "dealer-window", Claims: map[string]string{"custom:dealer_id": "DLR-WINDOW"}, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	email := "window@example.com"
	r := st.Do(t, "POST", s.APIURL+"/v1/claims", tok, claimBody(func(b map[string]any) {
		b["claimant"] = map[string]any{"name": "Клиент", "email": email}
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	var created claimOut
	r.JSON(t, &created)
	id := created.Claim.ID
	outbox := filepath.Join(mailDir, "outbox")
	select {
	case <-hold.accepted:
	case <-time.After(deliveryWait):
		t.Fatal("the confirmation never reached SES")
	}
	if got := mailsAbout(outbox, email, id); len(got) != 1 {
		t.Fatalf("accepted mails = %v, want the confirmation", got)
	}
	if n := s.Pool("NotifierFunction").Kill(); n == 0 {
		t.Fatal("no notifier process to kill")
	}
	close(hold.release)
	st.Eventually(t, drainWait, "the confirmation sent again", func() bool { return len(mailsAbout(outbox, email, id)) >= 2 })
	drained(t, s)

	mails, _ := ses.ReadOutbox(outbox)
	var copies []ses.Mail
	for _, m := range mails {
		if len(m.To) == 1 && m.To[0] == email && strings.Contains(m.Subject, id) {
			copies = append(copies, m)
		}
	}
	if len(copies) != 2 || deliveryOf(copies[0]) != deliveryOf(copies[1]) || copies[0].Headers["References"] != copies[1].Headers["References"] ||
		copies[0].MessageID == copies[1].MessageID {
		t.Fatalf("copies %d, delivery %q/%q, References %q/%q; want two sends of one delivery, SES's own Message-IDs",
			len(copies), deliveryOf(copies[0]), deliveryOf(copies[len(copies)-1]), copies[0].Headers["References"], copies[len(copies)-1].Headers["References"])
	}
	event, key, _ := strings.Cut(deliveryOf(copies[0]), "/")
	recs, err := tableStore(t, s.Clients.DynamoDB).DeliveryRecords(ctx, event)
	if err != nil {
		t.Fatal(err)
	}
	if rec := recs[key]; rec.Status != "done" || rec.Repeats != 1 || rec.Claims != 2 {
		t.Errorf("the confirmation's record = %+v, want done, taken twice, the repeat counted", rec)
	}
	// The event's other deliveries are made; the note, even if the kill
	// caught it too and it was taken over, is in the inbox once (by ID).
	for k, rec := range recs {
		if k != key && rec.Status != "done" {
			t.Errorf("delivery %s = %+v, want done", k, rec)
		}
	}
	supTok, err := s.Token(stack.TokenRequest{Role: "supervisors", User: "sup-window", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Notes []noteView `json:"notes"`
	}
	st.Do(t, "GET", s.APIURL+"/v1/notifications?limit=100", supTok, nil).JSON(t, &page)
	if len(page.Notes) != 1 || page.Notes[0].ClaimID != id {
		t.Errorf("supervisors' notes = %+v, want the claim's one", page.Notes)
	}
}
