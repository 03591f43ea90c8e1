package e2e_test

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/claimsdesk/backend/infra/local/awsemu/ses"
	"github.com/claimsdesk/backend/infra/local/stack"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/webhook"
)

// hookCall is one request a webhook receiver got.
type hookCall struct {
	delivery, event, claim string
	status                 int
	signed                 bool
}

// hookReceiver is a company system behind a webhook target: it checks each
// request's signature with the target's secret and answers as respond says
// (status and delay) for the n-th request (from 0).
type hookReceiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	secret  string
	calls   []hookCall
	respond func(n int) (int, time.Duration)
}

func newHookReceiver(t *testing.T, respond func(n int) (int, time.Duration)) *hookReceiver {
	t.Helper()
	h := &hookReceiver{respond: respond}
	h.srv = httptest.NewServer(h)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var p webhook.Payload
	_ = json.Unmarshal(body, &p)
	h.mu.Lock()
	n := len(h.calls)
	status, delay := http.StatusOK, time.Duration(0)
	if h.respond != nil {
		status, delay = h.respond(n)
	}
	ok := webhook.Verify(h.secret, r.Header.Get(webhook.HeaderSignature), r.Header.Get(webhook.HeaderTimestamp), body, time.Now(), 5*time.Minute)
	ok = ok && r.Header.Get(webhook.HeaderDelivery) == p.DeliveryID && r.Header.Get(webhook.HeaderEvent) == p.Event.Type &&
		r.Header.Get("Content-Type") == "application/json"
	h.calls = append(h.calls, hookCall{delivery: p.DeliveryID, event: p.Event.Type, claim: p.Event.ClaimID, status: status, signed: ok})
	h.mu.Unlock()
	time.Sleep(delay)
	w.WriteHeader(status)
}

// got returns the calls about a claim.
func (h *hookReceiver) got(claim string) []hookCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []hookCall
	for _, c := range h.calls {
		if c.claim == claim {
			out = append(out, c)
		}
	}
	return out
}

// registerHook registers a receiver as a dealer's webhook target through
// the admin API and deactivates it when the test ends (the shared stack
// outlives the test).
func registerHook(t *testing.T, h *hookReceiver, id, dealer string, events ...string) {
	t.Helper()
	admin := newUser(t, "admins", "admin-hooks", "")
	body := map[string]any{"url": h.srv.URL + "/hooks/claims", "events": events, "dealerId": dealer, "description": "Система дилера " + dealer}
	// 201 the first time; 200 when a repeated run of the test (-count)
	// registers it again on the shared stack.
	r := admin.do(t, "PUT", "/v1/admin/webhooks/"+id, body)
	if r.Status != 201 && r.Status != 200 {
		t.Fatalf("register webhook %s = %d %s", id, r.Status, r.Body)
	}
	var created struct {
		ID, Secret string
		Active     bool
	}
	r.JSON(t, &created)
	if created.ID != id || !created.Active || len(created.Secret) != 64 || (r.Status == 201 && r.Header.Get("Location") != "/v1/admin/webhooks/"+id) {
		t.Fatalf("registered target = %+v (location %q)", created, r.Header.Get("Location"))
	}
	h.mu.Lock()
	h.secret = created.Secret
	h.mu.Unlock()
	t.Cleanup(func() {
		body["active"] = false
		if r := admin.do(t, "PUT", "/v1/admin/webhooks/"+id, body); r.Status != 200 {
			t.Errorf("deactivate webhook %s = %d %s", id, r.Status, r.Body)
		}
	})
}

// mailsAbout returns the subjects of the mail to address naming claim.
func mailsAbout(dir, address, claim string) []string {
	mails, _ := ses.ReadOutbox(dir)
	var out []string
	for _, m := range mails {
		if len(m.To) == 1 && m.To[0] == address && strings.Contains(m.Subject, claim) {
			out = append(out, m.Subject)
		}
	}
	return out
}

// mailAbout returns the mail to address whose subject contains part.
func mailAbout(dir, address, part string) *ses.Mail {
	mails, _ := ses.ReadOutbox(dir)
	for _, m := range mails {
		if len(m.To) == 1 && m.To[0] == address && strings.Contains(m.Subject, part) {
			return &m
		}
	}
	return nil
}

type noteView struct {
	ID        string `json:"id"`
	Recipient string `json:"recipient"`
	ClaimID   string `json:"claimId"`
	EventID   string `json:"eventId"`
	EventType string `json:"eventType"`
	Title     string `json:"title"`
	TitleEn   string `json:"titleEn"`
	Text      string `json:"text"`
	Read      bool   `json:"read"`
}

// notesAbout lists u's notifications about claim.
func notesAbout(t testing.TB, u *user, claim string, query string) []noteView {
	t.Helper()
	r := u.do(t, "GET", "/v1/notifications?limit=100"+query, nil)
	if r.Status != 200 {
		t.Fatalf("notifications of %s = %d %s", u.id, r.Status, r.Body)
	}
	var page struct {
		Notes []noteView `json:"notes"`
	}
	r.JSON(t, &page)
	var out []noteView
	for _, n := range page.Notes {
		// A surge alert is about a series, not the claim that tipped it
		// (the tests share a stack, and their claims a series): the
		// quality tests read those notes themselves.
		if n.ClaimID == claim && !strings.HasPrefix(n.EventType, "quality.") {
			out = append(out, n)
		}
	}
	return out
}

func eventTypes(notes []noteView) []string {
	var out []string
	for _, n := range notes {
		out = append(out, n.EventType)
	}
	sort.Strings(out)
	return out
}

// deliveryWait bounds the wait for a notification: generous, as the
// notifier may still be working through the mail of earlier tests (a
// thousand claims) while other packages' tests load the machine.
const deliveryWait = 45 * time.Second

// drainWait bounds the wait for the notifications queue to empty: every
// retry window passed, including a delivery's lease (the notifier's
// timeout plus a margin) and the backoffs of the test stack (1, 2, 4, 8 s).
const drainWait = 120 * time.Second

// drained waits until the notifications queue of s holds no message,
// visible or in flight: every notification sent so far has been handled
// (or dead-lettered) and no retry is pending, so counting what arrived
// cannot be early. It is what tests wait for before counting, instead of
// sleeping.
func drained(t testing.TB, s *stack.Stack) {
	t.Helper()
	q, err := s.Clients.SQS.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String("claims-NotificationsQueue")})
	if err != nil {
		t.Fatal(err)
	}
	st.Eventually(t, drainWait, "the notifications queue drained", func() bool {
		out, err := s.Clients.SQS.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
				sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible, sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed}})
		return err == nil && out.Attributes["ApproximateNumberOfMessages"] == "0" && out.Attributes["ApproximateNumberOfMessagesNotVisible"] == "0" &&
			out.Attributes["ApproximateNumberOfMessagesDelayed"] == "0"
	})
}

// deliveryOf returns the delivery ID (event/key) a mail carries.
func deliveryOf(m ses.Mail) string { return m.Headers["X-Claimsdesk-Delivery"] }

// TestNotificationsOfAClaimsLife follows a dealer's claim from intake to
// closed and checks every mail, webhook call and in-app note it causes:
// each once, to the right people, in the claim's language.
func TestNotificationsOfAClaimsLife(t *testing.T) {
	const dealerID, customer = "DLR-NOTIFY", "notify-life@example.com"
	hook := newHookReceiver(t, nil)
	registerHook(t, hook, "dlr-notify-crm", dealerID, "*")
	dealer := newUser(t, "dealers", "dealer-notify", dealerID)
	sup := newUser(t, "supervisors", "supervisor-notify", "")
	// The manager the claim goes to later: on the roster, handling nothing
	// (no new claims of other tests come their way).
	if r := sup.do(t, "PUT", "/v1/managers/notify-m2", map[string]any{"name": "Ольга Петрова", "email": "notify-m2@claimsdesk.example",
		"categories": []string{}, "active": true}); r.Status != 200 && r.Status != 201 {
		t.Fatalf("put manager = %d %s", r.Status, r.Body)
	}

	r, created := createClaim(t, dealer, claimBody(func(b map[string]any) {
		b["channel"] = "dealer_form"
		b["language"] = "en"
		b["claimant"] = map[string]any{"name": "Anna <b>Smith</b>", "email": customer}
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	id := created.Claim.ID
	first := newUser(t, "managers", created.Claim.Assignee, "")
	var firstProfile struct {
		Email string `json:"email"`
	}
	sup.do(t, "GET", "/v1/managers/"+first.id, nil).JSON(t, &firstProfile)
	st.Eventually(t, deliveryWait, "the confirmation and the manager's mail", func() bool {
		return len(mailsAbout(local.OutboxDir, customer, id)) == 1 && len(mailsAbout(local.OutboxDir, firstProfile.Email, id)) == 1
	})
	if m := mailAbout(local.OutboxDir, customer, id); m.Subject != "Your claim "+id+" has been registered" ||
		!strings.Contains(m.Text, created.TrackingURL) || !strings.Contains(m.HTML, "Anna &lt;b&gt;Smith&lt;/b&gt;") || m.From != "claims@claimsdesk.example" {
		t.Errorf("confirmation: %q from %s\n%s\n%s", m.Subject, m.From, m.Text, m.HTML)
	}
	if m := mailAbout(local.OutboxDir, firstProfile.Email, id); !strings.HasPrefix(m.Subject, "Новая рекламация "+id) {
		t.Errorf("manager's mail: %q", m.Subject)
	}

	// The supervisor gives the claim to another manager.
	c := readClaim(t, sup, id)
	c = step(t, sup, "POST", "/v1/claims/"+id+"/assignment", map[string]any{"assignee": "notify-m2", "reason": "Ирина в отпуске", "version": c.Version}, 200)
	mgr := newUser(t, "managers", "notify-m2", "")
	move(t, mgr, &c, "information_check", "", 200)
	finishTasks(t, mgr, &c)
	move(t, mgr, &c, "diagnostics", "", 200)
	move(t, mgr, &c, "waiting_for_customer", "Please send a photo of the rating plate.", 200)
	st.Eventually(t, deliveryWait, "the request to the customer", func() bool {
		return mailAbout(local.OutboxDir, customer, id+": we need information") != nil
	})
	if m := mailAbout(local.OutboxDir, customer, id+": we need information"); !strings.Contains(m.Text, "Please send a photo of the rating plate.") || !strings.Contains(m.Text, "/t/") {
		t.Errorf("the request does not say what is asked:\n%s", m.Text)
	}
	// The customer answers on the tracking page: the manager is told (the
	// claim resumes, which the customer is not told about).
	if res := postReply(t, created.TrackingURL, "Photo attached later; the plate says TH-2000 SN-77."); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("customer's reply = %d", res.StatusCode)
	}
	c = readClaim(t, mgr, id)
	// The manager writes back: the customer gets "you have a new message".
	if r := mgr.do(t, "POST", "/v1/claims/"+id+"/messages", map[string]any{"body": "Thank you, we have what we need.", "version": c.Version}); r.Status != 201 {
		t.Fatalf("manager's message = %d %s", r.Status, r.Body)
	}
	c = readClaim(t, mgr, id)
	finishTasks(t, mgr, &c)
	move(t, mgr, &c, "decision", "", 200)
	c = step(t, mgr, "PUT", "/v1/claims/"+id+"/decision", map[string]any{
		"version": c.Version, "warrantyCase": true, "faultParty": "company", "rootCause": "service_failure", "resolution": "repair",
		"cost": map[string]any{"amount": 0, "currency": "RUB"}, "instructions": "Our technician will finish the installation on Monday <script>alert(1)</script>.",
	}, 200)
	move(t, mgr, &c, "implementation", "", 200)
	finishTasks(t, mgr, &c)
	move(t, mgr, &c, "quality_control", "", 200)
	finishTasks(t, mgr, &c)
	move(t, sup, &c, "closed", "", 200)

	// The customer: registered, asked, a new message, the decision, closed.
	wantCustomer := []string{
		"Your claim " + id + " has been registered",
		"Claim " + id + ": we need information from you",
		"Claim " + id + ": you have a new message",
		"Claim " + id + ": a decision has been made",
		"Claim " + id + " is closed",
	}
	// The claims department: the first manager the new claim, the second
	// the reassignment and the customer's message.
	wantFirst := []string{"Новая рекламация " + id + " назначена вам"}
	wantSecond := []string{"Рекламация " + id + " передана вам", "Рекламация " + id + ": новое сообщение (Клиент)"}
	st.Eventually(t, deliveryWait, "every mail of the claim", func() bool {
		return len(mailsAbout(local.OutboxDir, customer, id)) >= len(wantCustomer) && len(mailsAbout(local.OutboxDir, "notify-m2@claimsdesk.example", id)) >= len(wantSecond) &&
			len(hook.got(id)) >= 12
	})
	drained(t, local)
	for _, tt := range []struct {
		who, address string
		want         []string
	}{
		{"customer", customer, wantCustomer},
		{"first manager", firstProfile.Email, wantFirst},
		{"second manager", "notify-m2@claimsdesk.example", wantSecond},
	} {
		got := mailsAbout(local.OutboxDir, tt.address, id)
		if !slices.Equal(sorted(tt.want), sorted(got)) {
			t.Errorf("%s's mail about %s = %q, want exactly %q", tt.who, id, got, tt.want)
		}
	}
	decided := mailAbout(local.OutboxDir, customer, id+": a decision has been made")
	closed := mailAbout(local.OutboxDir, customer, id+" is closed")
	for _, m := range []*ses.Mail{decided, closed} {
		if !strings.Contains(m.Text, "Our technician will finish the installation on Monday") || strings.Contains(m.HTML, "<script>") {
			t.Errorf("%q lacks the instructions or carries markup:\n%s", m.Subject, m.HTML)
		}
	}
	if !strings.Contains(decided.Text, "repair") || !strings.Contains(decided.Text, "warranty") {
		t.Errorf("the decision mail does not name the decision:\n%s", decided.Text)
	}
	if mailsAbout(local.OutboxDir, "supervisors@claimsdesk.example", id) != nil {
		t.Errorf("the supervisors got mail about an assigned claim")
	}

	// The dealer's system: every event a dealer may see, once each, signed;
	// the reassignment (internal) never.
	calls := hook.got(id)
	byEvent := map[string]int{}
	deliveries := map[string]bool{}
	for _, call := range calls {
		if !call.signed || call.status != 200 {
			t.Errorf("webhook call %+v: not signed as agreed", call)
		}
		if deliveries[call.delivery] {
			t.Errorf("delivery %s arrived twice", call.delivery)
		}
		deliveries[call.delivery] = true
		byEvent[call.event]++
	}
	wantEvents := map[string]int{"claim.received": 1, "claim.stage_changed": 8, "claim.message_posted": 2, "claim.decision_recorded": 1}
	if !maps.Equal(wantEvents, byEvent) {
		t.Errorf("webhook calls by event = %v, want %v", byEvent, wantEvents)
	}

	// In-app notes: each manager their own, none for the supervisors.
	if got := eventTypes(notesAbout(t, first, id, "")); !slices.Equal(got, []string{"claim.received"}) {
		t.Errorf("first manager's notes = %v", got)
	}
	notes := notesAbout(t, mgr, id, "")
	if got := eventTypes(notes); !slices.Equal(got, []string{"claim.assigned", "claim.message_posted"}) {
		t.Fatalf("second manager's notes = %v", got)
	}
	if got := notesAbout(t, sup, id, ""); len(got) != 0 {
		t.Errorf("supervisor's notes about an assigned claim = %+v", got)
	}
	n := notes[0]
	if !strings.Contains(n.Title, id) || !strings.Contains(n.TitleEn, id) || n.Read || n.Recipient != "user:notify-m2" {
		t.Errorf("note = %+v", n)
	}
	// Read: only by its owner; unread lists lose it.
	if r := first.do(t, "POST", "/v1/notifications/"+n.ID+"/read", nil); r.Status != 404 {
		t.Errorf("another manager marks the note read = %d, want 404", r.Status)
	}
	if r := dealer.do(t, "POST", "/v1/notifications/"+n.ID+"/read", nil); r.Status != 404 {
		t.Errorf("a dealer marks a manager's note read = %d, want 404", r.Status)
	}
	r = mgr.do(t, "POST", "/v1/notifications/"+n.ID+"/read", nil)
	var read noteView
	r.JSON(t, &read)
	if r.Status != 200 || !read.Read || read.ID != n.ID {
		t.Errorf("mark read = %d %s", r.Status, r.Body)
	}
	if got := notesAbout(t, mgr, id, "&unread=true"); len(got) != 1 || got[0].ID == n.ID {
		t.Errorf("unread notes after reading one = %+v", got)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// TestSupervisorsNotes: a claim nobody can take goes to the supervisors'
// mail and role inbox, which every supervisor reads.
func TestSupervisorsNotes(t *testing.T) {
	admin := newUser(t, "admins", "admin-notify", "")
	// A category of its own that no manager handles.
	if r := admin.do(t, "PUT", "/v1/admin/catalog/categories/notify-orphan", map[string]any{"name": map[string]any{"ru": "Ничья"}, "active": true}); r.Status != 200 {
		t.Fatalf("category = %d %s", r.Status, r.Body)
	}
	if r := admin.do(t, "PUT", "/v1/admin/catalog/types/notify-orphan-any", map[string]any{
		"categoryId": "notify-orphan", "name": map[string]any{"ru": "Любая"}, "defaultPriority": "normal", "active": true,
	}); r.Status != 200 {
		t.Fatalf("type = %d %s", r.Status, r.Body)
	}
	dealer := newUser(t, "dealers", "dealer-orphan", "DLR-ORPHAN")
	r, created := createClaim(t, dealer, claimBody(func(b map[string]any) {
		b["categoryId"], b["typeId"] = "notify-orphan", "notify-orphan-any"
		b["claimant"] = map[string]any{"name": "Пётр", "email": "orphan@example.com"}
	}))
	if r.Status != 201 || created.Claim.Assignee != "" {
		t.Fatalf("intake = %d, assignee %q; want an unassigned claim", r.Status, created.Claim.Assignee)
	}
	id := created.Claim.ID
	sup1, sup2 := newUser(t, "supervisors", "sup-notify-1", ""), newUser(t, "supervisors", "sup-notify-2", "")
	st.Eventually(t, deliveryWait, "the supervisors' mail and note", func() bool {
		return len(mailsAbout(local.OutboxDir, "supervisors@claimsdesk.example", id)) == 1 && len(notesAbout(t, sup1, id, "")) == 1
	})
	if m := mailAbout(local.OutboxDir, "supervisors@claimsdesk.example", id); m.Subject != "Рекламация "+id+" ждёт назначения" {
		t.Errorf("supervisors' mail: %q", m.Subject)
	}
	n := notesAbout(t, sup2, id, "&unread=true")
	if len(n) != 1 || n[0].Recipient != "role:supervisors" || n[0].EventType != "claim.received" {
		t.Fatalf("second supervisor's notes = %+v", n)
	}
	if r := sup2.do(t, "POST", "/v1/notifications/"+n[0].ID+"/read", nil); r.Status != 200 {
		t.Errorf("mark the role note read = %d %s", r.Status, r.Body)
	}
	if got := notesAbout(t, sup1, id, "&unread=true"); len(got) != 0 {
		t.Errorf("the role note is unread for the other supervisor: %+v", got)
	}
	mgr := newUser(t, "managers", "manager-1", "")
	if got := notesAbout(t, mgr, id, ""); len(got) != 0 {
		t.Errorf("a manager sees the supervisors' note: %+v", got)
	}
	// A dealer reads the dealer's inbox only: not the supervisors' note.
	orphanDealer := newUser(t, "dealers", "dealer-orphan", "DLR-ORPHAN")
	if got := notesAbout(t, orphanDealer, id, ""); len(got) != 0 {
		t.Errorf("a dealer sees the supervisors' note: %+v", got)
	}
	for _, tt := range []struct {
		u     *user
		query string
		want  int
	}{
		{newUser(t, "integrations", "erp-notes", ""), "", 403},
		{sup1, "?limit=0", 400},
		{sup1, "?unread=maybe", 400},
		{sup1, "?cursor=forged.cursor", 400},
	} {
		if r := tt.u.do(t, "GET", "/v1/notifications"+tt.query, nil); r.Status != tt.want {
			t.Errorf("%s GET /v1/notifications%s = %d %s, want %d", tt.u.id, tt.query, r.Status, r.Body, tt.want)
		}
	}
}

// TestWebhookAdminAPI: targets are validated, listed, read back, and only
// by administrators.
func TestWebhookAdminAPI(t *testing.T) {
	admin := newUser(t, "admins", "admin-hooks-api", "")
	body := map[string]any{"url": "https://crm.example/rest/1/abc/task.add", "events": []string{"claim.message_posted", "claim.escalated"},
		"description": "Битрикс24: задачи по сообщениям", "active": false}
	r := admin.do(t, "PUT", "/v1/admin/webhooks/hooks-api-crm", body)
	if r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	var first struct {
		Secret string `json:"secret"`
	}
	r.JSON(t, &first)
	r = admin.do(t, "PUT", "/v1/admin/webhooks/hooks-api-crm", body)
	var again struct {
		Secret string `json:"secret"`
		Events []string
	}
	r.JSON(t, &again)
	if r.Status != 200 || again.Secret != first.Secret || len(again.Events) != 2 {
		t.Errorf("replace = %d, secret %q (first %q)", r.Status, again.Secret, first.Secret)
	}
	var one map[string]any
	admin.do(t, "GET", "/v1/admin/webhooks/hooks-api-crm", nil).JSON(t, &one)
	if one["url"] != body["url"] || one["active"] != false || one["secret"] != nil || one["updatedBy"] != "admin-hooks-api" {
		t.Errorf("GET target = %v", one)
	}
	var list struct {
		Targets []struct {
			ID string `json:"id"`
		} `json:"targets"`
	}
	admin.do(t, "GET", "/v1/admin/webhooks", nil).JSON(t, &list)
	if !slices.ContainsFunc(list.Targets, func(t struct {
		ID string `json:"id"`
	}) bool {
		return t.ID == "hooks-api-crm"
	}) {
		t.Errorf("list lacks the target: %+v", list)
	}
	for _, tt := range []struct {
		name   string
		u      *user
		method string
		path   string
		body   any
		want   int
		fields []string
	}{
		{"bad URL", admin, "PUT", "/v1/admin/webhooks/bad", map[string]any{"url": "ftp://x", "events": []string{"*"}}, 400, []string{"url"}},
		{"no events", admin, "PUT", "/v1/admin/webhooks/bad", map[string]any{"url": "https://x.example", "events": []string{}}, 400, []string{"events"}},
		{"unknown event", admin, "PUT", "/v1/admin/webhooks/bad", map[string]any{"url": "https://x.example", "events": []string{"claim.exploded"}}, 400, []string{"events[0]"}},
		{"dealer and internal event", admin, "PUT", "/v1/admin/webhooks/bad", map[string]any{"url": "https://x.example", "events": []string{"claim.sla_warning"}, "dealerId": "DLR-1"}, 400, []string{"events[0]"}},
		{"bad ID", admin, "PUT", "/v1/admin/webhooks/Bad%20Id", map[string]any{"url": "https://x.example", "events": []string{"*"}}, 400, []string{"id"}},
		{"ID mismatch", admin, "PUT", "/v1/admin/webhooks/bad", map[string]any{"id": "other", "url": "https://x.example", "events": []string{"*"}}, 400, []string{"id"}},
		{"unknown field", admin, "PUT", "/v1/admin/webhooks/bad", map[string]any{"url": "https://x.example", "events": []string{"*"}, "secret": "mine"}, 400, []string{"secret"}},
		{"unknown target", admin, "GET", "/v1/admin/webhooks/nope", nil, 404, nil},
		{"supervisor", newUser(t, "supervisors", "sup-hooks", ""), "GET", "/v1/admin/webhooks", nil, 403, nil},
		{"manager writes", newUser(t, "managers", "manager-1", ""), "PUT", "/v1/admin/webhooks/mine", map[string]any{"url": "https://x.example", "events": []string{"*"}}, 403, nil},
		{"dealer reads", newUser(t, "dealers", "dealer-hooks", "DLR-1"), "GET", "/v1/admin/webhooks/hooks-api-crm", nil, 403, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.u.do(t, tt.method, tt.path, tt.body)
			if r.Status != tt.want {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, r.Status, r.Body, tt.want)
			}
			if got := errorFields(t, r); tt.fields != nil && !slices.Equal(tt.fields, got) {
				t.Errorf("error fields %v, want %v", got, tt.fields)
			}
		})
	}
}

// TestWebhookRetriedUntilAccepted: a target answering 500 gets the delivery
// again, with the same ID, until it answers 200; then never again. The
// event's other deliveries (the confirmation) are not repeated.
func TestWebhookRetriedUntilAccepted(t *testing.T) {
	hook := newHookReceiver(t, func(n int) (int, time.Duration) {
		if n == 0 {
			return http.StatusInternalServerError, 0
		}
		return http.StatusOK, 0
	})
	registerHook(t, hook, "dlr-retry", "DLR-RETRY", "claim.received")
	testRetried(t, hook, "DLR-RETRY", "retry-500@example.com")
}

// TestWebhookTimeoutRetried: a target that does not answer in time (2 s on
// the test stack) gets the delivery again.
func TestWebhookTimeoutRetried(t *testing.T) {
	hook := newHookReceiver(t, func(n int) (int, time.Duration) {
		if n == 0 {
			return http.StatusOK, 3 * time.Second
		}
		return http.StatusOK, 0
	})
	registerHook(t, hook, "dlr-slow", "DLR-SLOW", "claim.received")
	testRetried(t, hook, "DLR-SLOW", "retry-slow@example.com")
}

func testRetried(t *testing.T, hook *hookReceiver, dealerID, email string) {
	t.Helper()
	dealer := newUser(t, "dealers", "dealer-"+strings.ToLower(dealerID), dealerID)
	r, created := createClaim(t, dealer, claimBody(func(b map[string]any) {
		b["claimant"] = map[string]any{"name": "Клиент", "email": email}
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	id := created.Claim.ID
	st.Eventually(t, deliveryWait, "the delivery accepted after a retry", func() bool { return len(hook.got(id)) >= 2 })
	drained(t, local)
	calls := hook.got(id)
	if len(calls) != 2 || calls[0].delivery != calls[1].delivery || !calls[0].signed || !calls[1].signed {
		t.Errorf("calls = %+v, want the same signed delivery twice, then no more", calls)
	}
	if got := mailsAbout(local.OutboxDir, email, id); len(got) != 1 {
		t.Errorf("the retry re-sent the confirmation: %d mails", len(got))
	}
}

// TestMailRefusedBySESIsRetried runs a stack whose notifier sends from a
// domain SES has not verified: the mail fails (the in-app note is made),
// and once the domain is verified the mail arrives, once.
func TestMailRefusedBySESIsRetried(t *testing.T) {
	s := st.Start(t, st.WithConfig(func(c *stack.Config) {
		c.Parameters = map[string]string{"SupervisorsEmail": ""}
		c.EnvVars = map[string]map[string]string{
			"NotifierFunction": {"MAIL_FROM": "claims@unverified.example"},
			"Parameters":       {"NOTIFY_RETRY_BASE_SECONDS": "1", "ROSTER_CACHE_SECONDS": "0"},
		}
	}))
	token := func(role, id, dealer string) string {
		tok, err := s.Token(stack.TokenRequest{Role: role, User: id, Claims: map[string]string{"custom:dealer_id": dealer}, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	r := st.Do(t, "POST", s.APIURL+"/v1/claims", token("dealers", "dealer-ses", "DLR-SES"), claimBody(func(b map[string]any) {
		b["claimant"] = map[string]any{"name": "Клиент", "email": "ses-refused@example.com"}
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	var created claimOut
	r.JSON(t, &created)
	id := created.Claim.ID
	// Without a roster nobody takes the claim: the supervisors' note comes
	// with the first attempt, whose mail SES refuses.
	sup := token("supervisors", "sup-ses", "")
	var note noteView
	st.Eventually(t, deliveryWait, "the supervisors' note", func() bool {
		var page struct {
			Notes []noteView `json:"notes"`
		}
		st.Do(t, "GET", s.APIURL+"/v1/notifications", sup, nil).JSON(t, &page)
		if len(page.Notes) == 1 && page.Notes[0].ClaimID == id {
			note = page.Notes[0]
			return true
		}
		return false
	})
	// The refusal is recorded: the mail was given up as not made (a retry
	// sends it as a first, not a repeat).
	store := tableStore(t, s.Clients.DynamoDB)
	st.Eventually(t, deliveryWait, "the refused mail given up", func() bool {
		recs, err := store.DeliveryRecords(context.Background(), note.EventID)
		return err == nil && recs["mail:claimant"].Status == "failed"
	})
	if got := mailsAbout(s.OutboxDir, "ses-refused@example.com", id); len(got) != 0 {
		t.Fatalf("SES accepted mail from an unverified domain: %v", got)
	}
	if _, err := s.Clients.SES.CreateEmailIdentity(context.Background(), &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("unverified.example")}); err != nil {
		t.Fatal(err)
	}
	st.Eventually(t, deliveryWait, "the confirmation after the domain is verified", func() bool {
		return len(mailsAbout(s.OutboxDir, "ses-refused@example.com", id)) > 0
	})
	drained(t, s)
	if got := mailsAbout(s.OutboxDir, "ses-refused@example.com", id); len(got) != 1 {
		t.Errorf("confirmations = %v, want one", got)
	}
	if m := mailAbout(s.OutboxDir, "ses-refused@example.com", id); m.From != "claims@unverified.example" {
		t.Errorf("sent from %s", m.From)
	}
	if recs, err := store.DeliveryRecords(context.Background(), note.EventID); err != nil || recs["mail:claimant"].Status != "done" || recs["mail:claimant"].Repeats != 0 {
		t.Errorf("the mail's record = %+v (%v), want done with no repeat", recs["mail:claimant"], err)
	}
	var page struct {
		Notes []noteView `json:"notes"`
	}
	st.Do(t, "GET", s.APIURL+"/v1/notifications", sup, nil).JSON(t, &page)
	if len(page.Notes) != 1 {
		t.Errorf("the retries wrote %d notes, want 1", len(page.Notes))
	}
}

// TestNewWebhookTargetGetsTheNextEvent: a target registered a moment ago
// gets the very next event (the notifier reads the targets for each event;
// it has just delivered another claim, so a cache would still be warm).
func TestNewWebhookTargetGetsTheNextEvent(t *testing.T) {
	dealer := newUser(t, "dealers", "dealer-fresh-hook", "DLR-FRESH")
	r, warm := createClaim(t, dealer, claimBody(func(b map[string]any) {
		b["claimant"] = map[string]any{"name": "Клиент", "email": "fresh-hook-warm@example.com"}
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	st.Eventually(t, deliveryWait, "the first claim's confirmation", func() bool {
		return len(mailsAbout(local.OutboxDir, "fresh-hook-warm@example.com", warm.Claim.ID)) == 1
	})
	hook := newHookReceiver(t, nil)
	registerHook(t, hook, "dlr-fresh", "DLR-FRESH", "claim.received")
	r, created := createClaim(t, dealer, claimBody(func(b map[string]any) {
		b["claimant"] = map[string]any{"name": "Клиент", "email": "fresh-hook@example.com"}
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	st.Eventually(t, deliveryWait, "the new claim at the new target", func() bool {
		for _, c := range hook.got(created.Claim.ID) {
			if c.status == http.StatusOK && c.signed {
				return true
			}
		}
		return false
	})
	for _, c := range hook.got(created.Claim.ID) {
		if c.event != "claim.received" || !strings.HasSuffix(c.delivery, ".dlr-fresh") {
			t.Errorf("call %+v, want the claim.received delivery to dlr-fresh", c)
		}
	}
	if calls := hook.got(warm.Claim.ID); len(calls) != 0 {
		t.Errorf("the target got the claim filed before it was registered: %+v", calls)
	}
}

// TestConfirmationArrives: the claimant's confirmation reaches the outbox,
// carrying its delivery ID (event and key) and, in References, the thread
// ID a repeat would share; its Message-ID is the one SES gave it.
func TestConfirmationArrives(t *testing.T) {
	erp := newUser(t, "integrations", "erp-confirm", "")
	email := "confirm@example.com"
	r, created := createClaim(t, erp, claimBody(func(b map[string]any) {
		b["claimant"] = map[string]any{"name": "Клиент", "email": email}
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	id := created.Claim.ID
	st.Eventually(t, deliveryWait, "the confirmation", func() bool { return len(mailsAbout(local.OutboxDir, email, id)) == 1 })
	m := mailAbout(local.OutboxDir, email, id)
	event, key, ok := strings.Cut(deliveryOf(*m), "/")
	if !ok || key != "mail:claimant" || len(event) != 28 {
		t.Fatalf("delivery header %q, want <event>/mail:claimant", deliveryOf(*m))
	}
	if want := "<delivery." + event + "/mail.claimant@claimsdesk.example>"; m.Headers["References"] != want {
		t.Errorf("References %q, want %q", m.Headers["References"], want)
	}
	if !strings.HasPrefix(m.Headers["Message-Id"], "<"+m.MessageID+"@") {
		t.Errorf("Message-ID %q is not SES's %s", m.Headers["Message-Id"], m.MessageID)
	}
	recs, err := tableStore(t, local.Clients.DynamoDB).DeliveryRecords(context.Background(), event)
	if err != nil || recs[key].Status != "done" || recs[key].Claims != 1 || recs[key].Repeats != 0 {
		t.Errorf("delivery record %+v (%v), want done at the first attempt", recs[key], err)
	}
}
