package casework

import (
	"context"
	"slices"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/workflow"
)

// orderStages are where a decided claim may get orders; a claim paused from
// one of them (waiting for the customer, returned for rework) may too.
var orderStages = []claims.Stage{workflow.Decision, workflow.Implementation, workflow.IncidentAnalysis, workflow.QualityControl}

// CreateOrder creates a rework order (a warranty case, at the company's
// cost) or an additional order (at the customer's cost) from a decided
// claim, in one change of the claim: the order, the claim's list of orders,
// the history entry and the claim.order_created event are written together.
// Only the claim's manager or a supervisor creates orders (Unauthorized,
// Forbidden; another manager gets NotFound, as for the claim); the
// claim must be decided and between the decision and its close (Conflict);
// the request is checked by orders.CreateRequest.Validate (Invalid);
// version as for every change (Conflict with the current version).
func (s *Service) CreateOrder(ctx context.Context, c Caller, id string, version int, r orders.CreateRequest) (*orders.Order, *claims.Claim, error) {
	// Dealers and integrations never create orders; managers other than
	// the claim's get NotFound from the change path, which hides the claim.
	if err := auth.Require(c.Principal, auth.Manager, auth.Supervisor); err != nil {
		return nil, nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, nil, err
	}
	var created orders.Order
	cl, err := s.change(ctx, c, id, version, func(cl *claims.Claim, act workflow.Actor, now time.Time) (*Outcome, error) {
		if !has(act, workflow.ByAssignee) && !has(act, workflow.BySupervisor) {
			return nil, apperr.Errorf(apperr.Forbidden, "orders are created by the claim's manager or a supervisor")
		}
		if err := orderStage(cl); err != nil {
			return nil, err
		}
		o, err := orders.FromClaim(r, orderOrigin(cl), act.ID, now)
		if err != nil {
			return nil, err
		}
		before := slices.Clone(cl.Orders)
		cl.Orders = append(cl.Orders, o.Number)
		created = o
		return &Outcome{
			EventType: "order.created",
			Before:    map[string]any{"orders": before},
			// number and kind are what the claimant's side sees of it.
			After:  map[string]any{"orders": slices.Clone(cl.Orders), "number": o.Number, "kind": string(o.Kind), "items": len(o.Items), "note": o.Note},
			Event:  orderCreated(o, cl),
			Orders: []orders.Order{o},
		}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return &created, cl, nil
}

// orderStage returns Conflict unless a decided claim is where orders are
// created.
func orderStage(cl *claims.Claim) error {
	if cl.Decision == nil {
		return apperr.Errorf(apperr.Conflict, "claim %s has no decision yet: an order is created after the decision", cl.ID)
	}
	st := cl.Stage
	if st == workflow.WaitingForCustomer || st == workflow.ReturnedForRework {
		st = cl.PreviousStage
	}
	if workflow.Terminal(cl.Stage) || !slices.Contains(orderStages, st) {
		return apperr.Errorf(apperr.Conflict, "claim %s is at %s: orders are created from the decision stage until the claim is closed", cl.ID, cl.Stage)
	}
	return nil
}

// orderOrigin is what the order rules need of a claim.
func orderOrigin(cl *claims.Claim) orders.Origin {
	o := orders.Origin{
		Claim: cl.ID, Orders: cl.Orders, Decided: cl.Decision != nil, DealerID: cl.DealerID,
		Customer: orders.Customer{Name: cl.Claimant.Name, Email: cl.Claimant.Email, Phone: cl.Claimant.Phone, Company: cl.Claimant.Company, TaxID: cl.Claimant.TaxID},
	}
	if cl.Decision != nil {
		o.WarrantyCase = cl.Decision.WarrantyCase
	}
	for _, it := range cl.Order.Items {
		o.Items = append(o.Items, orders.Item{SKU: it.SKU, Name: it.Name, Quantity: it.Quantity, Unit: it.Unit})
	}
	return o
}

// orderCreated is the event of an order created from a claim: what the ERP
// needs to create the order on its side.
func orderCreated(o orders.Order, cl *claims.Claim) events.Order {
	e := events.Order{
		Number: o.Number, Kind: string(o.Kind), Claim: cl.ID, SourceOrder: cl.Order.Reference, WarrantyCase: cl.Decision.WarrantyCase,
		Customer: events.OrderCustomer{Name: o.Customer.Name, Email: o.Customer.Email, Phone: o.Customer.Phone, Company: o.Customer.Company, TaxID: o.Customer.TaxID},
		DealerID: o.DealerID, Items: []events.OrderItem{}, Currency: o.Currency, Note: o.Note, CreatedBy: o.CreatedBy,
	}
	for _, it := range o.Items {
		e.Items = append(e.Items, events.OrderItem{SKU: it.SKU, Name: it.Name, Quantity: it.Quantity, Unit: it.Unit, Price: it.Price})
	}
	return e
}
