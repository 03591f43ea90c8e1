package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/webhook"
)

func received(email, assignee string) events.Received {
	return events.Received{Number: "RC-2026-000001", Channel: "qr", ClaimantName: "Анна Смирнова", Email: email, Language: "ru",
		BaseURL: "https://api.example.com", DealerID: "DLR-1", CategoryID: "defect", TypeID: "cosmetic", ProductModel: "TH-2000", Assignee: assignee}
}

func stage(to, email string) events.StageChange {
	return events.StageChange{From: "diagnostics", To: to, Reason: "Пришлите фото шильдика", Number: "RC-2026-000001", Email: email,
		Language: "en", Assignee: "m-1", ClaimantName: "Anna", Resolution: "repair", WarrantyCase: true, Instructions: "We will collect the heater on Monday."}
}

func posted(role, assignee string) events.Message {
	return events.Message{Number: "RC-2026-000001", MessageID: "m1", AuthorRole: role, AuthorName: "Анна", Length: 12, Stage: "diagnostics",
		Assignee: assignee, DealerID: "DLR-1", Email: "anna@example.com", Language: "ru"}
}

func sla(assignee string) events.SLA {
	return events.SLA{Number: "RC-2026-000001", Clock: "stage:diagnostics", Due: at.Add(4 * time.Hour), Level: 1, Assignee: assignee, Stage: "diagnostics", Priority: "high"}
}

// TestPlanRoutesEachEvent: which deliveries each event causes, each once.
func TestPlanRoutesEachEvent(t *testing.T) {
	manager := func(id string) []string {
		return []string{notify.KeyManagerMail(id), notify.KeyNote(notify.UserInbox(id))}
	}
	supervisors := []string{notify.KeySupervisorsMail, notify.KeySupervisorsNote}
	claimant := []string{notify.KeyClaimantMail}
	// The claim's dealer (DLR-1) hears of what the claimant hears of.
	withDealer := func(keys []string) []string {
		return append(append([]string{}, keys...), notify.KeyNote(notify.DealerInbox("DLR-1")))
	}
	tests := []struct {
		name string
		typ  string
		data any
		want []string
	}{
		{"received, assigned", events.ClaimReceived, received("anna@example.com", "m-1"), append(manager("m-1"), claimant...)},
		{"received by phone without email, nobody took it", events.ClaimReceived, received("", ""), supervisors},
		{"received, assignee without email", events.ClaimReceived, received("anna@example.com", "m-3"), append(claimant, notify.KeyNote("user:m-3"))},
		{"received, assignee not on the roster", events.ClaimReceived, received("", "ghost"), []string{notify.KeyNote("user:ghost")}},
		{"waiting for the customer", events.StageChanged, stage("waiting_for_customer", "anna@example.com"), withDealer(claimant)},
		{"implementation", events.StageChanged, stage("implementation", "anna@example.com"), withDealer(claimant)},
		// The claim's dealer is asked to rate it (a note in their inbox).
		{"closed", events.StageChanged, stage("closed", "anna@example.com"), withDealer(claimant)},
		{"rejected", events.StageChanged, stage("rejected", "anna@example.com"), withDealer(claimant)},
		{"rated 1 by the claimant", events.Rated, events.Rating{Number: "RC-2026-000001", Score: 1, Low: true, RatedBy: "claimant", Assignee: "m-1"}, supervisors},
		{"rated 4", events.Rated, events.Rating{Number: "RC-2026-000001", Score: 4, RatedBy: "claimant", Assignee: "m-1"}, nil},
		{"withdrawn", events.StageChanged, stage("withdrawn", "anna@example.com"), withDealer(claimant)},
		{"closed, claimant without email", events.StageChanged, stage("closed", ""), withDealer(nil)},
		{"an internal stage", events.StageChanged, stage("diagnostics", "anna@example.com"), nil},
		{"returned for rework", events.StageChanged, stage("returned_for_rework", "anna@example.com"), nil},
		{"reassigned", events.Assigned, events.Assignment{Number: "RC-2026-000001", Assignee: "m-2", Previous: "m-1", Reason: "отпуск"}, manager("m-2")},
		{"manager writes", events.MessagePosted, posted(events.AuthorManager, "m-1"), withDealer(claimant)},
		{"supervisor writes", events.MessagePosted, posted(events.AuthorSupervisor, "m-1"), withDealer(claimant)},
		{"claimant writes", events.MessagePosted, posted(events.AuthorClaimant, "m-1"), manager("m-1")},
		{"dealer writes", events.MessagePosted, posted(events.AuthorDealer, "m-2"), manager("m-2")},
		{"dealer writes, nobody assigned", events.MessagePosted, posted(events.AuthorDealer, ""), supervisors},
		{"deadline close", events.SLAWarning, sla("m-1"), manager("m-1")},
		{"deadline close, nobody assigned", events.SLAWarning, sla(""), supervisors},
		{"escalated", events.Escalated, sla("m-1"), supervisors},
		{"decision recorded", events.DecisionRecorded, events.Decision{Number: "RC-2026-000001", WarrantyCase: true, Resolution: "repair"}, nil},
		{"order created", events.OrderCreated, events.Order{}, nil},
		{"fields edited", events.Updated, map[string]any{"number": "RC-2026-000001", "fields": []string{"priority"}}, nil},
		{"an unknown type", "claim.archived", map[string]any{}, nil},
	}
	f := newFixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := f.n.Plan(context.Background(), event(t, tt.typ, tt.data))
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			var got []string
			for _, d := range plan {
				got = append(got, d.Key)
			}
			if diff := cmp.Diff(sorted(tt.want), sorted(got)); diff != "" {
				t.Errorf("deliveries mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPlanAddressesAndLanguages: who gets which mail, in which language.
func TestPlanAddressesAndLanguages(t *testing.T) {
	f := newFixture(t)
	plan, err := f.n.Plan(context.Background(), event(t, events.ClaimReceived, received("anna@example.com", "m-1")))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]notify.Delivery{}
	for _, d := range plan {
		got[d.Key] = d
	}
	claimant := got[notify.KeyClaimantMail].Mail
	token := f.keys.TrackingToken("RC-2026-000001")
	if claimant == nil || claimant.To[0] != "anna@example.com" || claimant.Subject != "Рекламация RC-2026-000001 зарегистрирована" ||
		!strings.Contains(claimant.Text, "https://api.example.com/t/"+token) || !strings.Contains(claimant.Text, "Анна Смирнова") {
		t.Errorf("claimant mail = %+v, want Russian with the tracking link of the site the claim came through", claimant)
	}
	mgr := got[notify.KeyManagerMail("m-1")].Mail
	if mgr == nil || mgr.To[0] != "irina@claimsdesk.example" || !strings.Contains(mgr.Subject, "RC-2026-000001") || !strings.Contains(mgr.Text, "Ирина Соколова") ||
		strings.Contains(mgr.Text, token) {
		t.Errorf("manager mail = %+v, want to the roster's address, naming the claim, without the claimant's link", mgr)
	}
	note := got[notify.KeyNote("user:m-1")].Note
	if note == nil || note.Recipient != "user:m-1" || note.ClaimID != "RC-2026-000001" || note.EventType != events.ClaimReceived ||
		!strings.Contains(note.Title, "RC-2026-000001") || !strings.Contains(note.TitleEN, "RC-2026-000001") || note.Read || !note.At.Equal(at) {
		t.Errorf("manager note = %+v", note)
	}

	// Later mails take the configured public site; English claims get English mail.
	plan, err = f.n.Plan(context.Background(), event(t, events.StageChanged, stage("implementation", "anna@example.com")))
	if err != nil {
		t.Fatal(err)
	}
	m := plan[0].Mail
	for _, want := range []string{"https://claims.example.com/t/" + token, "repair", "a warranty case", "We will collect the heater on Monday.", "Hello Anna"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("implementation mail text lacks %q:\n%s", want, m.Text)
		}
	}
	if m.Subject != "Claim RC-2026-000001: a decision has been made" {
		t.Errorf("implementation subject = %q", m.Subject)
	}
	// What is asked of the customer is in the waiting mail.
	plan, _ = f.n.Plan(context.Background(), event(t, events.StageChanged, stage("waiting_for_customer", "anna@example.com")))
	if m := plan[0].Mail; !strings.Contains(m.Text, "Пришлите фото шильдика") || !strings.Contains(m.HTML, "Пришлите фото шильдика") {
		t.Errorf("waiting mail does not say what is asked:\n%s", m.Text)
	}
	// So is the dealer's note, with the stage named in both languages.
	if n := plan[len(plan)-1].Note; n == nil || n.Recipient != "dealer:DLR-1" || n.Text != "Пришлите фото шильдика" ||
		n.Title != "Рекламация RC-2026-000001: ожидание клиента" || n.TitleEN != "Claim RC-2026-000001: waiting for the customer" {
		t.Errorf("the dealer's note = %+v", n)
	}
	// A message from the claims department: the link, never the text.
	plan, _ = f.n.Plan(context.Background(), event(t, events.MessagePosted, posted(events.AuthorManager, "m-1")))
	if m := plan[0].Mail; m.To[0] != "anna@example.com" || !strings.Contains(m.Text, "/t/"+token) || m.Subject != "Рекламация RC-2026-000001: новое сообщение" {
		t.Errorf("new message mail = %+v", m)
	}
	// Escalations name the deadline in the company's time zone.
	plan, _ = f.n.Plan(context.Background(), event(t, events.Escalated, sla("m-1")))
	for _, d := range plan {
		if d.Mail != nil && (d.Mail.To[0] != "supervisors@claimsdesk.example" || !strings.Contains(d.Mail.Text, "02.03.2026 16:30 MSK") ||
			!strings.Contains(d.Mail.Text, "Ирина Соколова")) {
			t.Errorf("escalation mail = %s: %s", d.Mail.To[0], d.Mail.Text)
		}
	}
}

// TestPlanWebhooks: targets get the types they subscribe to, dealers' systems
// only their dealer's claims, inactive targets nothing.
func TestPlanWebhooks(t *testing.T) {
	tg := []webhook.Target{
		{ID: "crm", URL: "https://crm.example/hook", Events: []string{webhook.AllEvents}, Active: true},
		{ID: "erp", URL: "https://erp.example/hook", Events: []string{events.OrderCreated, events.StageChanged}, Active: true},
		{ID: "off", URL: "https://off.example/hook", Events: []string{webhook.AllEvents}},
		{ID: "dlr-1", URL: "https://dlr1.example/hook", Events: []string{webhook.AllEvents}, DealerID: "DLR-1", Active: true},
		{ID: "dlr-2", URL: "https://dlr2.example/hook", Events: []string{events.StageChanged}, DealerID: "DLR-2", Active: true},
	}
	f := newFixture(t, tg...)
	tests := []struct {
		name  string
		claim string
		typ   string
		data  any
		want  []string
	}{
		{"received from DLR-1", "RC-2026-000001", events.ClaimReceived, received("", "m-3"), []string{"crm", "dlr-1"}},
		{"stage change of DLR-1's claim (dealer read from the claim)", "RC-2026-000001", events.StageChanged, stage("diagnostics", ""), []string{"crm", "dlr-1", "erp"}},
		{"stage change of a claim without dealer", "RC-2026-000002", events.StageChanged, stage("diagnostics", ""), []string{"crm", "erp"}},
		{"an internal event", "RC-2026-000001", events.Assigned, events.Assignment{Assignee: "m-3"}, []string{"crm"}},
		{"order created", "RC-2026-000001", events.OrderCreated, events.Order{}, []string{"crm", "dlr-1", "erp"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := eventOf(t, tt.claim, tt.typ, tt.data)
			plan, err := f.n.Plan(context.Background(), e)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range plan {
				if d.Webhook == nil {
					continue
				}
				got = append(got, d.Webhook.Target.ID)
				if d.Key != notify.KeyWebhook(d.Webhook.Target.ID) || d.Webhook.Delivery.ID != e.ID+"."+d.Webhook.Target.ID {
					t.Errorf("delivery %s has ID %s", d.Key, d.Webhook.Delivery.ID)
				}
				var p webhook.Payload
				if err := json.Unmarshal(d.Webhook.Delivery.Body, &p); err != nil || p.Event.ID != e.ID || p.DeliveryID != d.Webhook.Delivery.ID {
					t.Errorf("payload %s: %v", d.Webhook.Delivery.Body, err)
				}
			}
			if diff := cmp.Diff(sorted(tt.want), sorted(got)); diff != "" {
				t.Errorf("webhook targets mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDeliverEventOnce: a redelivered event sends nothing new.
func TestDeliverEventOnce(t *testing.T) {
	f := newFixture(t, webhook.Target{ID: "crm", URL: "https://crm.example/hook", Events: []string{webhook.AllEvents}, Active: true})
	e := event(t, events.ClaimReceived, received("anna@example.com", "m-1"))
	for range 3 {
		if err := f.n.Deliver(context.Background(), body(t, e)); err != nil {
			t.Fatalf("Deliver: %v", err)
		}
	}
	if got := f.mail.to("anna@example.com"); len(got) != 1 {
		t.Errorf("claimant got %d mails, want 1: %v", len(got), got)
	}
	if got := f.mail.to("irina@claimsdesk.example"); len(got) != 1 {
		t.Errorf("manager got %d mails, want 1: %v", len(got), got)
	}
	if len(f.poster.posted) != 1 || len(f.notes.order) != 1 {
		t.Errorf("%d webhooks, %d notes; want one each", len(f.poster.posted), len(f.notes.order))
	}
	want := []string{"mail:claimant", "mail:manager:m-1", "note:user:m-1", "webhook:crm"}
	if diff := cmp.Diff(want, f.deliveries.keys(e.ID)); diff != "" {
		t.Errorf("recorded deliveries mismatch (-want +got):\n%s", diff)
	}
	// Every receipt takes the event off the pending list first.
	if len(f.deliveries.received) != 3 || f.deliveries.queries != 3 {
		t.Errorf("MarkReceived %d times, %d queries; want 3 and 3 (one query per receipt)", len(f.deliveries.received), f.deliveries.queries)
	}
}

// TestHalfDoneEventSendsOnlyTheRest: when a delivery fails, the message
// fails; its retry makes only what is missing.
func TestHalfDoneEventSendsOnlyTheRest(t *testing.T) {
	f := newFixture(t, webhook.Target{ID: "crm", URL: "https://crm.example/hook", Events: []string{webhook.AllEvents}, Active: true})
	f.mail.failFor["irina@claimsdesk.example"] = 1
	f.poster.failFor["crm"] = 2
	e := event(t, events.ClaimReceived, received("anna@example.com", "m-1"))
	err := f.n.Deliver(context.Background(), body(t, e))
	if err == nil || !strings.Contains(err.Error(), "mail:manager:m-1") || !strings.Contains(err.Error(), "webhook:crm") {
		t.Fatalf("first attempt = %v, want the manager's mail and the webhook failed", err)
	}
	if apperr.Is(err, apperr.Invalid) {
		t.Errorf("a delivery failure is %v, want a retryable error", err)
	}
	if diff := cmp.Diff([]string{"mail:claimant", "note:user:m-1"}, f.deliveries.keys(e.ID)); diff != "" {
		t.Errorf("done after the first attempt (-want +got):\n%s", diff)
	}
	if err := f.n.Deliver(context.Background(), body(t, e)); err == nil {
		t.Fatal("second attempt succeeded, want the webhook still failing")
	}
	if err := f.n.Deliver(context.Background(), body(t, e)); err != nil {
		t.Fatalf("third attempt: %v", err)
	}
	if a, m := f.mail.to("anna@example.com"), f.mail.to("irina@claimsdesk.example"); len(a) != 1 || len(m) != 1 {
		t.Errorf("claimant got %d, manager %d mails; want one each", len(a), len(m))
	}
	if len(f.poster.posted) != 1 || len(f.notes.order) != 1 {
		t.Errorf("%d webhooks, %d notes; want one each", len(f.poster.posted), len(f.notes.order))
	}
}

// TestEventsWithoutDeliveries are acknowledged without reading deliveries.
func TestEventsWithoutDeliveries(t *testing.T) {
	f := newFixture(t)
	e := event(t, events.DecisionRecorded, events.Decision{Number: "RC-2026-000001"})
	if err := f.n.Deliver(context.Background(), body(t, e)); err != nil {
		t.Fatal(err)
	}
	if f.deliveries.queries != 0 || len(f.mail.sent) != 0 || len(f.deliveries.received) != 1 {
		t.Errorf("queries %d, mails %d, received %v; want 0, 0 and the event received", f.deliveries.queries, len(f.mail.sent), f.deliveries.received)
	}
}

// TestMalformedMessagesAreInvalid: what can never be delivered says so.
func TestMalformedMessagesAreInvalid(t *testing.T) {
	f := newFixture(t)
	bad := event(t, events.ClaimReceived, nil)
	bad.Data = json.RawMessage(`"not an object"`)
	tests := map[string][]byte{
		"not JSON":           []byte("{"),
		"event without ID":   []byte(`{"type":"claim.received","claimId":"RC-2026-000001"}`),
		"unreadable data":    body(t, bad),
		"unknown kind":       []byte(`{"id":"c1","kind":"sms"}`),
		"mail without To":    []byte(`{"id":"c1","kind":"email","mail":{"subject":"x","text":"y"}}`),
		"mail with bad To":   []byte(`{"id":"c1","kind":"email","mail":{"to":["nobody"],"subject":"x","text":"y"}}`),
		"mail without parts": []byte(`{"id":"c1","kind":"email","mail":{"to":["a@example.com"],"subject":"x"}}`),
	}
	for name, b := range tests {
		if err := f.n.Deliver(context.Background(), b); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	if len(f.mail.sent) != 0 {
		t.Errorf("malformed messages sent %d mails", len(f.mail.sent))
	}
}

// TestMailCommand: plain mail commands still work.
func TestMailCommand(t *testing.T) {
	f := newFixture(t)
	cmd := `{"id":"n-1","kind":"email","mail":{"to":["customer@example.com"],"subject":"Рекламация принята","text":"Здравствуйте!"}}`
	if err := f.n.Deliver(context.Background(), []byte(cmd)); err != nil {
		t.Fatal(err)
	}
	if got := f.mail.to("customer@example.com"); len(got) != 1 || got[0] != "Рекламация принята" {
		t.Errorf("sent %v", got)
	}
}

// TestRecordingFailureRetries: a delivery made but not recorded fails the
// message (the retry makes it again rather than losing it).
func TestRecordingFailureRetries(t *testing.T) {
	f := newFixture(t)
	f.deliveries.failMark = true
	e := event(t, events.StageChanged, stage("closed", "anna@example.com"))
	if err := f.n.Deliver(context.Background(), body(t, e)); err == nil {
		t.Fatal("Deliver succeeded though the delivery was not recorded")
	}
}

// TestTheSameEventTwiceAtOnceDeliversOnce: an event received twice at the
// same time (the relay re-sent it while the first copy was being handled)
// is delivered once; the copy that finds a delivery taken fails, to be
// retried, and then finds it done.
func TestTheSameEventTwiceAtOnceDeliversOnce(t *testing.T) {
	f := newFixture(t)
	e := event(t, events.ClaimReceived, received("twice@example.com", "m-1"))
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = f.n.Deliver(context.Background(), body(t, e)) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, notify.ErrBusy) {
			t.Errorf("concurrent copy: %v, want success or ErrBusy", err)
		}
	}
	// The retries of the busy copies.
	for range errs {
		if err := f.n.Deliver(context.Background(), body(t, e)); err != nil {
			t.Fatalf("retry: %v", err)
		}
	}
	if got := f.mail.to("twice@example.com"); len(got) != 1 {
		t.Errorf("the claimant got %d mails, want 1", len(got))
	}
	if got := f.mail.to("irina@claimsdesk.example"); len(got) != 1 {
		t.Errorf("the manager got %d mails, want 1", len(got))
	}
}
