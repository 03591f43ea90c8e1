package notify_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/webhook"
)

// TestDealerWebhooksCarryWhatTheDealerSees: the company's system gets an
// event as it is; a dealer's own system gets the dealer's view of it (no
// internal reason, order note or creator, the actor as "staff"), under the
// same event and delivery IDs.
func TestDealerWebhooksCarryWhatTheDealerSees(t *testing.T) {
	f := newFixture(t,
		webhook.Target{ID: "crm", URL: "https://crm.example/hook", Events: []string{webhook.AllEvents}, Active: true},
		webhook.Target{ID: "dlr-1", URL: "https://dlr1.example/hook", Events: []string{webhook.AllEvents}, DealerID: "DLR-1", Active: true},
	)
	rework := stage("returned_for_rework", "anna@example.com")
	rework.Reason = "INTERNAL: the supervisor found the repair sloppy"
	for _, tt := range []struct {
		name   string
		typ    string
		data   any
		hidden []string
		shown  []string
	}{
		{"send-back", events.StageChanged, rework, []string{"INTERNAL", "managers:m-1"}, []string{"returned_for_rework", `"actor":"staff"`}},
		{"pause", events.StageChanged, stage("waiting_for_customer", "anna@example.com"), []string{"managers:m-1"}, []string{"Пришлите фото шильдика"}},
		{"order", events.OrderCreated, events.Order{Number: "RW-RC-2026-000001-1", Kind: string(orders.Rework), Claim: "RC-2026-000001",
			Note: "INTERNAL order note", CreatedBy: "managers:m-1"}, []string{"INTERNAL", "managers:m-1", `"note"`, `"createdBy"`}, []string{"RW-RC-2026-000001-1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := event(t, tt.typ, tt.data)
			plan, err := f.n.Plan(context.Background(), e)
			if err != nil {
				t.Fatal(err)
			}
			bodies := map[string]string{}
			for _, d := range plan {
				if d.Webhook != nil {
					bodies[d.Webhook.Target.ID] = string(d.Webhook.Delivery.Body)
					var p webhook.Payload
					if err := json.Unmarshal(d.Webhook.Delivery.Body, &p); err != nil || p.Event.ID != e.ID || p.DeliveryID != e.ID+"."+d.Webhook.Target.ID {
						t.Errorf("%s: payload %s: %v", d.Webhook.Target.ID, d.Webhook.Delivery.Body, err)
					}
				}
			}
			for _, h := range tt.hidden {
				if strings.Contains(bodies["dlr-1"], h) {
					t.Errorf("the dealer's system gets %q: %s", h, bodies["dlr-1"])
				}
			}
			for _, s := range tt.shown {
				if !strings.Contains(bodies["dlr-1"], s) {
					t.Errorf("the dealer's system lacks %q: %s", s, bodies["dlr-1"])
				}
			}
			if !strings.Contains(bodies["crm"], string(e.Data)) || !strings.Contains(bodies["crm"], "managers:m-1") {
				t.Errorf("the company's system does not get the event as it is: %s", bodies["crm"])
			}
		})
	}
}

// TestClaimantMailsCarryOnlyTheirReasons: the claimant's mail says why the
// claim waits for them or was rejected, never the reason of a move that is
// not theirs to know.
func TestClaimantMailsCarryOnlyTheirReasons(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		to     string
		reason string
		shown  bool
	}{
		{"waiting_for_customer", "Please send a photo of the rating plate", true},
		{"rejected", "The warranty ended in March", true},
		{"withdrawn", "INTERNAL: duplicate of a fraudulent claim", false},
		{"closed", "INTERNAL: closed to meet the monthly target", false},
		{"implementation", "INTERNAL: the decision was rushed", false},
	} {
		d := stage(tt.to, "anna@example.com")
		d.Reason = tt.reason
		plan, err := f.n.Plan(context.Background(), event(t, events.StageChanged, d))
		if err != nil {
			t.Fatal(err)
		}
		var text string
		for _, p := range plan {
			if p.Mail != nil {
				text += p.Mail.Subject + p.Mail.Text + p.Mail.HTML
			}
		}
		if text == "" {
			t.Fatalf("%s: no mail to the claimant", tt.to)
		}
		if strings.Contains(text, tt.reason) != tt.shown {
			t.Errorf("%s: reason shown = %v, want %v", tt.to, !tt.shown, tt.shown)
		}
	}
}
