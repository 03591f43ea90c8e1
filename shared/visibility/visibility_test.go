package visibility_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/visibility"
)

// Sentinels: values only the claims department may ever see. A view for
// the claimant's side must contain none of them anywhere.
const (
	culpritEmployee   = "SENTINEL-Culprit-Employee"
	culpritDepartment = "SENTINEL-Culprit-Department"
	rootCause         = "sentinel_root_cause"
	decider           = "sentinel-decider"
	taskTitle         = "SENTINEL task title"
	taskOwner         = "sentinel-task-owner"
	taskNote          = "SENTINEL task note"
	slaPolicy         = "sentinel-policy"
	moveNote          = "SENTINEL internal note"
	reworkReason      = "SENTINEL rework reason"
	assignReason      = "SENTINEL reassignment reason"
	salesManager      = "SENTINEL-sales-manager"
	orderNote         = "SENTINEL order note"
	staffUser         = "sentinel-staff-user"
	qrCode            = "SENTINELQR"
	historyHash       = "5e471e15e471e15e471e15e471e15e471e15e471e15e471e15e471e15e471e1"
	flagReason        = "SENTINEL flag reason"
	flagRelated       = "RC-1999-424242"
	flagNote          = "SENTINEL flag dismissal"
)

var sentinels = []string{culpritEmployee, culpritDepartment, rootCause, decider, taskTitle, taskOwner, taskNote, slaPolicy,
	moveNote, reworkReason, assignReason, salesManager, orderNote, staffUser, qrCode, historyHash, flagReason, flagRelated, flagNote}

// internalKeys are JSON names of internal fields: none may appear in a view
// for the claimant's side, whatever its value.
var internalKeys = []string{"culpritEmployee", "culpritDepartment", "rootCause", "decidedBy", "incidentAnalysisRequired",
	"tasks", "dueAt", "historyHash", "qrCode", "policy", "warned", "breached", "level", "nextCheck", "firstResponseDue",
	"resolutionDue", "pausedAt", "stageLeftSeconds", "salesManager", "note", "hash", "prevHash", "substituteChain", "assignment", "flags", "flag"}

var at = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

func fullClaim() claims.Claim {
	return claims.Claim{
		ID: "RC-2026-000001", Channel: claims.ChannelDealerForm, DealerID: "DLR-1", CustomerID: "CUS-1",
		Claimant: claims.Claimant{Name: "Анна", Email: "anna@example.com"}, Product: claims.Product{Model: "TH-2000"},
		CategoryID: "service", TypeID: "late_delivery", Essence: "Доставка задержана", DesiredResult: claims.Repair,
		Priority: "high", Stage: "implementation", Assignee: "manager-1", Language: "ru", QRCode: qrCode,
		StageEnteredAt: at, DueAt: at.Add(time.Hour),
		SLA: &claims.SLA{Policy: slaPolicy, FirstResponseDue: at, ResolutionDue: at.Add(time.Hour), StatutoryDue: at.Add(48 * time.Hour),
			Warned: []string{"resolution"}, Breached: []string{"firstResponse"}, Level: 2, NextCheck: at.Add(time.Minute)},
		Tasks: []claims.Task{{ID: "plan.1", Title: taskTitle, Owner: taskOwner, Note: taskNote, Due: at, Source: "plan"}},
		Decision: &claims.Decision{WarrantyCase: true, FaultParty: "company", CulpritDepartment: culpritDepartment,
			CulpritEmployee: culpritEmployee, RootCause: rootCause, Resolution: claims.ResolutionRepair,
			Cost: claims.Money{Amount: 450000, Currency: "RUB"}, Instructions: "Мастер приедет и всё починит.",
			IncidentAnalysisRequired: true, DecidedBy: "supervisors:" + decider, DecidedAt: at, Revision: 1},
		Orders: []string{"RW-RC-2026-000001-1"}, HistoryHash: historyHash, CreatedBy: "managers:" + staffUser,
		Flags: []claims.Flag{
			{Kind: claims.FlagOpenSerial, Reason: catalog.Text{"en": flagReason}, Related: []string{flagRelated}, FlaggedAt: at},
			{Kind: claims.FlagRepeatEssence, Reason: catalog.Text{"ru": flagReason}, Related: []string{flagRelated}, FlaggedAt: at,
				DismissedAt: at, DismissedBy: "managers:" + staffUser, DismissNote: flagNote},
		},
		CreatedAt: at, UpdatedAt: at, Version: 9,
	}
}

func history() []claims.Event {
	return []claims.Event{
		{Seq: 1, Type: claims.EventCreated, Actor: "dealers:d1", At: at, After: map[string]any{"stage": "new", "assignee": "manager-1",
			"assignment": "round robin", "substituteChain": []string{staffUser}, "flags": []string{"open_serial_duplicate"}}},
		{Seq: 2, Type: "claim.assigned", Actor: "supervisors:" + staffUser, At: at, After: map[string]any{"assignee": "manager-2", "reason": assignReason}},
		{Seq: 3, Type: "stage.changed", Actor: "managers:" + staffUser, At: at, Before: map[string]any{"stage": "diagnostics"},
			After: map[string]any{"stage": "waiting_for_customer", "reason": "Пришлите фото шильдика", "note": moveNote}},
		{Seq: 4, Type: "plan.task_added", Actor: "managers:" + staffUser, At: at, After: map[string]any{"task": "plan.1", "title": taskTitle}},
		{Seq: 5, Type: "task.completed", Actor: "managers:" + staffUser, At: at, After: map[string]any{"task": "plan.1", "note": taskNote}},
		{Seq: 6, Type: "decision.recorded", Actor: "supervisors:" + decider, At: at, After: map[string]any{"resolution": "repair",
			"warrantyCase": true, "instructions": "Мастер приедет", "rootCause": rootCause, "culpritEmployee": culpritEmployee}},
		{Seq: 7, Type: "stage.changed", Actor: "supervisors:" + staffUser, At: at, Before: map[string]any{"stage": "quality_control"},
			After: map[string]any{"stage": "returned_for_rework", "reason": reworkReason}},
		{Seq: 8, Type: "sla.checked", Actor: "system", At: at, After: map[string]any{"level": 2}},
		{Seq: 9, Type: "order.created", Actor: "managers:" + staffUser, At: at, After: map[string]any{"number": "RW-1", "kind": "rework", "note": orderNote}},
		{Seq: 10, Type: "claim.updated", Actor: "managers:" + staffUser, At: at, After: map[string]any{"priority": "low"}},
		{Seq: 11, Type: "message.posted", Actor: "claimant", At: at, After: map[string]any{"authorRole": "claimant", "length": 40}},
		{Seq: 12, Type: "stage.changed", Actor: "supervisors:" + staffUser, At: at, Before: map[string]any{"stage": "decision"},
			After: map[string]any{"stage": "rejected", "reason": "Гарантия истекла"}},
		{Seq: 13, Type: claims.EventFlagDismissed, Actor: "managers:" + staffUser, At: at, Before: map[string]any{"flag": "repeat_essence", "active": true},
			After: map[string]any{"flag": "repeat_essence", "active": false, "note": flagNote}},
	}
}

// leaks returns the sentinels and internal JSON names found in v encoded as
// JSON.
func leaks(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range sentinels {
		if strings.Contains(string(b), s) {
			out = append(out, s)
		}
	}
	for _, k := range internalKeys {
		if strings.Contains(string(b), `"`+k+`"`) {
			out = append(out, `"`+k+`"`)
		}
	}
	return out
}

func TestOf(t *testing.T) {
	for _, tt := range []struct {
		name   string
		p      *auth.Principal
		want   visibility.Audience
		dealer string
	}{
		{"nobody", nil, visibility.Claimant, ""},
		{"manager", &auth.Principal{UserID: "m", Roles: []auth.Role{auth.Manager}}, visibility.Staff, ""},
		{"supervisor", &auth.Principal{UserID: "s", Roles: []auth.Role{auth.Supervisor}}, visibility.Staff, ""},
		{"admin", &auth.Principal{UserID: "a", Roles: []auth.Role{auth.Admin}}, visibility.Staff, ""},
		{"company ERP", &auth.Principal{UserID: "erp", Roles: []auth.Role{auth.Integration}}, visibility.Integration, ""},
		{"dealer's system", &auth.Principal{UserID: "x", Roles: []auth.Role{auth.Integration}, DealerID: "DLR-9"}, visibility.Dealer, "DLR-9"},
		{"dealer", &auth.Principal{UserID: "d", Roles: []auth.Role{auth.Dealer}, DealerID: "DLR-1"}, visibility.Dealer, "DLR-1"},
		{"dealer without a dealer", &auth.Principal{UserID: "d", Roles: []auth.Role{auth.Dealer}}, visibility.Dealer, ""},
		{"unknown role", &auth.Principal{UserID: "u", Roles: []auth.Role{"guests"}}, visibility.Claimant, ""},
		{"manager with a dealer claim", &auth.Principal{UserID: "m", Roles: []auth.Role{auth.Manager}, DealerID: "DLR-1"}, visibility.Staff, ""},
	} {
		if got := visibility.Of(tt.p); got != tt.want {
			t.Errorf("%s: Of = %s, want %s", tt.name, got, tt.want)
		}
		if got := visibility.DealerScope(tt.p); got != tt.dealer {
			t.Errorf("%s: DealerScope = %q, want %q", tt.name, got, tt.dealer)
		}
	}
}

// TestInternalAudiencesSeeEverything: staff and the company's systems get
// the values unchanged.
func TestInternalAudiencesSeeEverything(t *testing.T) {
	for _, a := range []visibility.Audience{visibility.Staff, visibility.Integration} {
		if diff := cmp.Diff(fullClaim(), visibility.Claim(a, fullClaim())); diff != "" {
			t.Errorf("%s: claim mismatch (-want +got):\n%s", a, diff)
		}
		if diff := cmp.Diff(history(), visibility.History(a, history())); diff != "" {
			t.Errorf("%s: history mismatch (-want +got):\n%s", a, diff)
		}
		o := orders.Order{Number: "RW-1", SalesManager: salesManager, Note: orderNote, CreatedBy: "managers:" + staffUser}
		if diff := cmp.Diff(o, visibility.Order(a, o)); diff != "" {
			t.Errorf("%s: order mismatch (-want +got):\n%s", a, diff)
		}
	}
}

// TestClaimantSideSeesNoInternals: a dealer and the claimant see the claim,
// its history, files, messages and orders without any internal value or
// field, and still see what is theirs.
func TestClaimantSideSeesNoInternals(t *testing.T) {
	for _, a := range []visibility.Audience{visibility.Dealer, visibility.Claimant} {
		original := fullClaim()
		c := visibility.Claim(a, original)
		if l := leaks(t, c); len(l) > 0 {
			t.Errorf("%s: claim shows %v", a, l)
		}
		if diff := cmp.Diff(fullClaim(), original); diff != "" {
			t.Errorf("%s: Claim changed its argument (-want +got):\n%s", a, diff)
		}
		want := &claims.Decision{WarrantyCase: true, FaultParty: "company", Resolution: claims.ResolutionRepair,
			Cost: claims.Money{Amount: 450000, Currency: "RUB"}, Instructions: "Мастер приедет и всё починит.", DecidedAt: at, Revision: 1}
		if diff := cmp.Diff(want, c.Decision); diff != "" {
			t.Errorf("%s: decision mismatch (-want +got):\n%s", a, diff)
		}
		if diff := cmp.Diff(&claims.SLA{StatutoryDue: at.Add(48 * time.Hour)}, c.SLA); diff != "" {
			t.Errorf("%s: SLA mismatch (-want +got):\n%s", a, diff)
		}
		if c.Assignee != "manager-1" || c.CreatedBy != visibility.StaffActor || c.Essence != original.Essence || c.Version != 9 || len(c.Orders) != 1 {
			t.Errorf("%s: claim lost what is the claimant's: %+v", a, c)
		}

		h := visibility.History(a, history())
		if l := leaks(t, h); len(l) > 0 {
			t.Errorf("%s: history shows %v", a, l)
		}
		var seqs []int
		for _, e := range h {
			seqs = append(seqs, e.Seq)
		}
		if diff := cmp.Diff([]int{1, 3, 6, 7, 9, 11, 12}, seqs); diff != "" {
			t.Errorf("%s: entries shown mismatch (-want +got):\n%s", a, diff)
		}
		wantAfter := map[int]map[string]any{
			1:  {"stage": "new"},
			3:  {"stage": "waiting_for_customer", "reason": "Пришлите фото шильдика"},
			6:  {"resolution": "repair", "warrantyCase": true, "instructions": "Мастер приедет"},
			7:  {"stage": "returned_for_rework"},
			9:  {"number": "RW-1", "kind": "rework"},
			11: {"authorRole": "claimant"},
			12: {"stage": "rejected", "reason": "Гарантия истекла"},
		}
		for _, e := range h {
			if diff := cmp.Diff(wantAfter[e.Seq], e.After); diff != "" {
				t.Errorf("%s: entry %d values mismatch (-want +got):\n%s", a, e.Seq, diff)
			}
			if strings.Contains(e.Actor, ":") && !strings.HasPrefix(e.Actor, "dealers:") {
				t.Errorf("%s: entry %d actor %q", a, e.Seq, e.Actor)
			}
		}

		files := visibility.Attachments(a, []claims.Attachment{{ID: "f1", UploadedBy: "managers:" + staffUser}, {ID: "f2", UploadedBy: "public"}})
		if files[0].UploadedBy != visibility.StaffActor || files[1].UploadedBy != "public" {
			t.Errorf("%s: uploaders %q, %q", a, files[0].UploadedBy, files[1].UploadedBy)
		}
		msgs := visibility.Messages(a, []claims.Message{
			{ID: "m1", Author: "managers:" + staffUser, AuthorRole: "manager", AuthorName: "Ирина", Body: "Добрый день",
				Attachments: []claims.Attachment{{ID: "f3", UploadedBy: "managers:" + staffUser}}},
			{ID: "m2", Author: "dealers:d1", AuthorRole: "dealer", Body: "Спасибо"},
		})
		if l := leaks(t, msgs); len(l) > 0 {
			t.Errorf("%s: messages show %v", a, l)
		}
		if msgs[0].Author != visibility.StaffActor || msgs[0].AuthorName != "Ирина" || msgs[0].Body != "Добрый день" || msgs[1].Author != "dealers:d1" {
			t.Errorf("%s: messages %+v", a, msgs)
		}

		o := visibility.Order(a, orders.Order{Number: "RW-1", Kind: orders.Rework, SalesManager: salesManager, Note: orderNote,
			CreatedBy: "managers:" + staffUser, Items: []orders.Item{{SKU: "TH-2000", Quantity: 1}}, SourceClaim: "RC-2026-000001"})
		if l := leaks(t, o); len(l) > 0 {
			t.Errorf("%s: order shows %v", a, l)
		}
		if o.Number != "RW-1" || len(o.Items) != 1 || o.SourceClaim != "RC-2026-000001" || o.CreatedBy != visibility.StaffActor {
			t.Errorf("%s: order %+v", a, o)
		}
	}
}

// TestStageReason: the claimant is told why the claim waits for them and
// why it was rejected, nothing else.
func TestStageReason(t *testing.T) {
	for _, tt := range []struct {
		a      visibility.Audience
		to     string
		want   string
		reason string
	}{
		{visibility.Claimant, "waiting_for_customer", "Пришлите фото", "Пришлите фото"},
		{visibility.Claimant, "rejected", "Гарантия истекла", "Гарантия истекла"},
		{visibility.Claimant, "returned_for_rework", "", reworkReason},
		{visibility.Dealer, "withdrawn", "", "дубль"},
		{visibility.Dealer, "closed", "", "готово"},
		{visibility.Staff, "returned_for_rework", reworkReason, reworkReason},
	} {
		if got := visibility.StageReason(tt.a, tt.to, tt.reason); got != tt.want {
			t.Errorf("StageReason(%s, %s) = %q, want %q", tt.a, tt.to, got, tt.want)
		}
	}
}

func event(t *testing.T, typ string, data any) events.Event {
	t.Helper()
	e, err := events.NewRaw(typ, "RC-2026-000001", "supervisors:"+decider, at, data)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestDealerEvents: a dealer's own system gets the claim-facing events with
// their claim-facing data; internal event types not at all.
func TestDealerEvents(t *testing.T) {
	for _, tt := range []struct {
		name string
		e    events.Event
		want map[string]any // nil: not shown
	}{
		{"received", event(t, events.ClaimReceived, events.Received{Number: "RC-2026-000001", Channel: "api", ClaimantName: "Анна",
			Language: "ru", BaseURL: "https://x", DealerID: "DLR-1", CategoryID: "service", TypeID: "t", ProductModel: "TH", Assignee: "manager-1"}),
			map[string]any{"number": "RC-2026-000001", "channel": "api", "claimantName": "Анна", "language": "ru", "dealerId": "DLR-1",
				"categoryId": "service", "typeId": "t", "productModel": "TH", "assignee": "manager-1"}},
		{"rework", event(t, events.StageChanged, events.StageChange{From: "quality_control", To: "returned_for_rework", Reason: reworkReason,
			Number: "RC-2026-000001", Language: "ru"}),
			map[string]any{"from": "quality_control", "to": "returned_for_rework", "number": "RC-2026-000001", "language": "ru"}},
		{"waiting", event(t, events.StageChanged, events.StageChange{From: "diagnostics", To: "waiting_for_customer", Reason: "Пришлите фото",
			Number: "RC-2026-000001", Language: "en"}),
			map[string]any{"from": "diagnostics", "to": "waiting_for_customer", "reason": "Пришлите фото", "number": "RC-2026-000001", "language": "en"}},
		{"decision", event(t, events.DecisionRecorded, events.Decision{Number: "RC-2026-000001", WarrantyCase: true, Resolution: "repair", Revision: 1}),
			map[string]any{"number": "RC-2026-000001", "warrantyCase": true, "resolution": "repair", "revision": float64(1)}},
		{"order", event(t, events.OrderCreated, events.Order{Number: "RW-1", Kind: string(orders.Rework), Claim: "RC-2026-000001", Note: orderNote,
			CreatedBy: "managers:" + staffUser, Items: []events.OrderItem{{SKU: "A", Quantity: 1}}}),
			map[string]any{"number": "RW-1", "kind": "rework", "claim": "RC-2026-000001", "warrantyCase": false, "customer": map[string]any{},
				"items": []any{map[string]any{"sku": "A", "quantity": float64(1)}}}},
		{"message", event(t, events.MessagePosted, events.Message{Number: "RC-2026-000001", MessageID: "m1", AuthorRole: "manager", AuthorName: "Ирина",
			Length: 5, Stage: "diagnostics", Language: "ru"}),
			map[string]any{"number": "RC-2026-000001", "messageId": "m1", "authorRole": "manager", "authorName": "Ирина", "length": float64(5),
				"attachments": float64(0), "stage": "diagnostics", "language": "ru"}},
		{"assigned", event(t, events.Assigned, events.Assignment{Number: "RC-2026-000001", Assignee: "m2", Reason: assignReason}), nil},
		{"updated", event(t, events.Updated, map[string]any{"number": "RC-2026-000001"}), nil},
		{"escalated", event(t, events.Escalated, events.SLA{Number: "RC-2026-000001", Level: 2}), nil},
		{"warning", event(t, events.SLAWarning, events.SLA{Number: "RC-2026-000001"}), nil},
	} {
		got, ok, err := visibility.Event(visibility.Dealer, tt.e)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if ok != (tt.want != nil) {
			t.Errorf("%s: shown = %v, want %v", tt.name, ok, tt.want != nil)
			continue
		}
		if !ok {
			continue
		}
		if l := leaks(t, got); len(l) > 0 {
			t.Errorf("%s: event shows %v", tt.name, l)
		}
		var data map[string]any
		if err := json.Unmarshal(got.Data, &data); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, data); diff != "" {
			t.Errorf("%s: data mismatch (-want +got):\n%s", tt.name, diff)
		}
		if got.ID != tt.e.ID || got.Type != tt.e.Type || got.Actor != visibility.StaffActor {
			t.Errorf("%s: event %s %s by %s", tt.name, got.ID, got.Type, got.Actor)
		}
		// The company's systems get the event as it is.
		if same, ok, err := visibility.Event(visibility.Integration, tt.e); err != nil || !ok || string(same.Data) != string(tt.e.Data) || same.Actor != tt.e.Actor {
			t.Errorf("%s: the company's view changed the event: %v %v %s", tt.name, err, ok, same.Data)
		}
	}
	if _, _, err := visibility.Event(visibility.Dealer, events.Event{ID: "x", Type: events.StageChanged, Data: json.RawMessage(`[1]`)}); err == nil {
		t.Error("data that is not an object: no error")
	}
}

// TestQualityAlertsAreTheCompanys: the surge alert of a claim's series is
// shown to the claims department and the company's systems, never to a
// dealer, a dealer's own system or the claimant.
func TestQualityAlertsAreTheCompanys(t *testing.T) {
	for _, tt := range []struct {
		p    *auth.Principal
		want bool
	}{
		{&auth.Principal{UserID: "m", Roles: []auth.Role{auth.Manager}}, true},
		{&auth.Principal{UserID: "s", Roles: []auth.Role{auth.Supervisor}}, true},
		{&auth.Principal{UserID: "erp", Roles: []auth.Role{auth.Integration}}, true},
		{&auth.Principal{UserID: "d", Roles: []auth.Role{auth.Dealer}, DealerID: "DLR-1"}, false},
		{&auth.Principal{UserID: "dlr-sys", Roles: []auth.Role{auth.Integration}, DealerID: "DLR-1"}, false},
		{nil, false},
	} {
		if got := visibility.SeesQualityAlerts(visibility.Of(tt.p)); got != tt.want {
			t.Errorf("%+v sees quality alerts: %v, want %v", tt.p, got, tt.want)
		}
	}
}
