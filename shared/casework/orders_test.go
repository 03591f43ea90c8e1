package casework_test

import (
	"context"
	"testing"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/workflow"
)

// TestCreateOrder: the claim's manager or a supervisor creates an order from
// a decided claim between the decision and its close, in one change (the
// claim lists the order, a history entry, a claim.order_created event);
// everybody and everything else is refused with the right code.
func TestCreateOrder(t *testing.T) {
	rework := orders.CreateRequest{Kind: orders.Rework, Items: []orders.Item{{SKU: "TH-2000", Name: "Тепловентилятор", Quantity: 1, Unit: "шт"}}}
	decided := func(s *store, id string, stage claims.Stage) {
		c := s.claims[id]
		c.Stage = stage
		c.Decision = &claims.Decision{WarrantyCase: true, FaultParty: "company", Resolution: claims.ResolutionReplace, Instructions: "Заменим изделие."}
		s.claims[id] = c
	}
	tests := []struct {
		name   string
		caller func() (string, auth.Role)
		setup  func(s *store, id string)
		req    orders.CreateRequest
		want   apperr.Code
	}{
		{"a dealer", func() (string, auth.Role) { return "d1", auth.Dealer }, func(s *store, id string) { decided(s, id, workflow.Decision) }, rework, apperr.Forbidden},
		{"another manager", func() (string, auth.Role) { return "boris", auth.Manager }, func(s *store, id string) { decided(s, id, workflow.Decision) }, rework, apperr.NotFound},
		{"not decided", func() (string, auth.Role) { return "anna", auth.Manager }, func(*store, string) {}, rework, apperr.Conflict},
		{"closed", func() (string, auth.Role) { return "sup", auth.Supervisor }, func(s *store, id string) { decided(s, id, workflow.Closed) }, rework, apperr.Conflict},
		{"no items", func() (string, auth.Role) { return "anna", auth.Manager }, func(s *store, id string) { decided(s, id, workflow.Decision) },
			orders.CreateRequest{Kind: orders.Rework}, apperr.Invalid},
		{"the manager in implementation", func() (string, auth.Role) { return "anna", auth.Manager }, func(s *store, id string) { decided(s, id, workflow.Implementation) }, rework, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, s, id := newService(t)
			tt.setup(s, id)
			user, role := tt.caller()
			before := s.claims[id]
			o, cl, err := svc.CreateOrder(context.Background(), staff(user, role), id, before.Version, tt.req)
			if code(err) != tt.want {
				t.Fatalf("CreateOrder = %v, want %q", err, tt.want)
			}
			if tt.want != "" {
				if s.writes != 0 || len(s.outbox) != 0 {
					t.Errorf("a refused order wrote %d changes, %d events", s.writes, len(s.outbox))
				}
				return
			}
			if o.Kind != orders.Rework || o.SourceClaim != id || cl.Version != before.Version+1 || len(cl.Orders) != 1 || cl.Orders[0] != o.Number {
				t.Errorf("created %+v, claim orders %v version %d", o, cl.Orders, cl.Version)
			}
			h := s.history[id]
			if last := h[len(h)-1]; last.Type != "order.created" || last.After["number"] != o.Number {
				t.Errorf("history entry %+v", last)
			}
			if len(s.outbox) != 1 || s.outbox[0].Type != events.OrderCreated {
				t.Errorf("outbox %+v, want one %s", s.outbox, events.OrderCreated)
			}
		})
	}
}
