package httpapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/lazyre"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/visibility"
)

// OrdersStore keeps orders (dynamo.Store implements it).
type OrdersStore interface {
	// UpsertOrder stores an ERP order; false for a replay or an older version.
	UpsertOrder(ctx context.Context, o orders.Order) (bool, error)
	// SetOrderStatus records an ERP status; false for a replay or an older
	// version, apperr.NotFound for an unknown order.
	SetOrderStatus(ctx context.Context, number, status string, erpVersion int64) (bool, error)
	// Order returns apperr.NotFound for an unknown order.
	Order(ctx context.Context, number string) (*orders.Order, error)
	// OrdersByNumber leaves unknown numbers out.
	OrdersByNumber(ctx context.Context, numbers []string) ([]orders.Order, error)
}

// ClaimsLister lists claims by one index dimension (registry.DimOrder: the
// claims against a source order).
type ClaimsLister interface {
	ListClaims(ctx context.Context, spec registry.ListSpec) (*registry.ListPage, error)
}

// DealerOrdersLister lists the source orders the ERP sent for a dealer
// (dynamo.Store implements it).
type DealerOrdersLister interface {
	// DealerOrders returns a page newest first and where the next starts
	// ("" on the last); a start not of this list is apperr.Invalid.
	DealerOrders(ctx context.Context, dealerID string, limit int, start string) ([]orders.Order, string, error)
}

// OrdersAPI is the orders part of the API: the ERP's inbound exchange,
// orders created from claims, the order view and a dealer's orders.
type OrdersAPI struct {
	Work     *casework.Service
	Orders   OrdersStore
	Claims   ClaimsLister
	Registry *registry.Service
	// DealerOrders lists a dealer's orders (GET /v1/orders).
	DealerOrders DealerOrdersLister
}

// Register adds the orders routes.
func (a *OrdersAPI) Register(r *apigw.Router) {
	r.Handle("PUT /v1/erp/orders/{number}", a.upsert)
	r.Handle("POST /v1/erp/orders/{number}/status", a.status)
	r.Handle("POST /v1/claims/{id}/orders", a.create)
	r.Handle("GET /v1/orders/{number}", a.get)
	r.Handle("GET /v1/orders", a.list, apigw.PatternParam("dealerId", dealerIDPattern, 64, "a dealer ID: 1-64 letters, digits and _ . -"),
		limitParam, apigw.PatternParam("cursor", orderCursorPattern, 400, "a cursor from the previous page's next"))
}

// orderCursorPattern is the shape of GET /v1/orders' cursor.
var orderCursorPattern = lazyre.New(`^[A-Za-z0-9_-]{1,400}$`)

// OrderPage is a page of a dealer's orders.
type OrderPage struct {
	Orders []orders.Order `json:"orders"`
	// Next continues the list (as cursor); absent on the last page.
	Next string `json:"next,omitempty"`
}

// list is GET /v1/orders: the source orders the ERP sent for a dealer,
// newest first. A dealer (or the dealer's system) lists their own
// (dealerId may be left out; another's is 403); the claims department and
// the company's integrations name the dealer (400 without dealerId).
func (a *OrdersAPI) list(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	p := req.Principal
	if err := auth.Require(p, auth.Dealer, auth.Manager, auth.Supervisor, auth.Admin, auth.Integration); err != nil {
		return nil, err
	}
	dealer := req.Query.Get("dealerId")
	if own := visibility.DealerScope(p); !visibility.Of(p).Internal() {
		switch {
		case own == "":
			return nil, apperr.Errorf(apperr.Forbidden, "the account belongs to no dealer")
		case dealer != "" && !strings.EqualFold(dealer, own):
			return nil, apperr.Errorf(apperr.Forbidden, "a dealer lists their own orders only")
		}
		dealer = own
	} else if dealer == "" {
		return nil, apperr.InvalidField("dealerId", "required: the dealer whose orders to list")
	}
	start := ""
	if c := req.Query.Get("cursor"); c != "" {
		raw, err := base64.RawURLEncoding.DecodeString(c)
		d, sk, ok := strings.Cut(string(raw), "|")
		if err != nil || !ok || !strings.EqualFold(d, dealer) {
			return nil, apperr.InvalidField("cursor", "not a cursor of this list")
		}
		start = sk
	}
	limit := 25
	if l := req.Query.Get("limit"); l != "" {
		limit, _ = strconv.Atoi(l)
	}
	list, next, err := a.DealerOrders.DealerOrders(ctx, dealer, limit, start)
	if err != nil {
		return nil, err
	}
	page := OrderPage{Orders: make([]orders.Order, 0, len(list))}
	for _, o := range list {
		page.Orders = append(page.Orders, orderForCaller(p, o))
	}
	if next != "" {
		page.Next = base64.RawURLEncoding.EncodeToString([]byte(dealer + "|" + next))
	}
	return apigw.JSON(http.StatusOK, page), nil
}

// Body limits.
const (
	maxOrderBody  = 256 << 10
	maxStatusBody = 4 << 10
)

// ERPResult answers the ERP: the stored order and whether the call changed it
// (false for a replay or an older version).
type ERPResult struct {
	Order   *orders.Order `json:"order"`
	Changed bool          `json:"changed"`
}

func erpActor(p *auth.Principal) string { return "integrations:" + p.UserID }

// requireCompanySystem returns Unauthorized or Forbidden unless p is the
// company's own integration (the ERP): an integrations account that
// carries a dealer is that dealer's system, which sees the dealer's claims
// and writes none of the company's records.
func requireCompanySystem(p *auth.Principal, roles ...auth.Role) error {
	if err := auth.Require(p, roles...); err != nil {
		return err
	}
	if p.Has(auth.Integration) && visibility.DealerScope(p) != "" {
		return apperr.Errorf(apperr.Forbidden, "a dealer's system does not write the company's records")
	}
	return nil
}

// orderNumber is the {number} path parameter; a number that cannot be an
// order's is NotFound, like an unknown one.
func orderNumber(req *apigw.Request) (string, error) {
	n := req.Param("number")
	if u, err := url.PathUnescape(n); err == nil {
		n = u
	}
	if !orders.ValidNumber(n) {
		return "", apperr.Errorf(apperr.NotFound, "order not found")
	}
	return n, nil
}

func (a *OrdersAPI) upsert(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := requireCompanySystem(req.Principal, auth.Integration); err != nil {
		return nil, err
	}
	var body orders.ERPOrder
	if err := req.DecodeJSON(&body, maxOrderBody); err != nil {
		return nil, err
	}
	number := req.Param("number")
	if u, err := url.PathUnescape(number); err == nil {
		number = u
	}
	o, err := orders.FromERP(number, body, erpActor(req.Principal), req.Time)
	if err != nil {
		return nil, err
	}
	didChange, err := a.Orders.UpsertOrder(ctx, o)
	if err != nil {
		return nil, err
	}
	stored, err := a.Orders.Order(ctx, o.Number)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, ERPResult{Order: stored, Changed: didChange}), nil
}

func (a *OrdersAPI) status(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := requireCompanySystem(req.Principal, auth.Integration); err != nil {
		return nil, err
	}
	number, err := orderNumber(req)
	if err != nil {
		return nil, err
	}
	var body orders.StatusReport
	if err := req.DecodeJSON(&body, maxStatusBody); err != nil {
		return nil, err
	}
	if err := body.Validate(); err != nil {
		return nil, err
	}
	didChange, err := a.Orders.SetOrderStatus(ctx, number, body.Status, body.ERPVersion)
	if err != nil {
		return nil, err
	}
	stored, err := a.Orders.Order(ctx, number)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, ERPResult{Order: stored, Changed: didChange}), nil
}

// CreateOrderRequest is the body of POST /v1/claims/{id}/orders.
type CreateOrderRequest struct {
	// Version is the claim version the manager saw (optimistic locking; or
	// an If-Match header).
	Version int           `json:"version"`
	Kind    orders.Kind   `json:"kind"`
	Items   []orders.Item `json:"items"`
	Note    string        `json:"note"`
}

// CreatedOrder answers POST /v1/claims/{id}/orders.
type CreatedOrder struct {
	Order *orders.Order `json:"order"`
	Claim *claims.Claim `json:"claim"`
}

func (a *OrdersAPI) create(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	p := req.Principal
	var body CreateOrderRequest
	if err := req.DecodeJSON(&body, maxOrderBody); err != nil {
		return nil, err
	}
	version, err := expectedVersion(req, body.Version)
	if err != nil {
		return nil, err
	}
	created, cl, err := a.Work.CreateOrder(ctx, casework.Caller{Principal: p}, req.Param("id"), version,
		orders.CreateRequest{Kind: body.Kind, Items: body.Items, Note: body.Note})
	if err != nil {
		return nil, err
	}
	shown := visibility.Claim(visibility.Of(p), *cl)
	out := apigw.JSON(http.StatusCreated, CreatedOrder{Order: created, Claim: &shown})
	out.Headers["location"] = "/v1/orders/" + url.PathEscape(created.Number)
	out.Headers["etag"] = `"` + strconv.Itoa(cl.Version) + `"`
	return out, nil
}

// ClaimRef is a claim as an order view lists it: enough to recognise it,
// without the internals GET /v1/claims/{id} shows only to staff.
type ClaimRef struct {
	ID            string               `json:"id"`
	Stage         claims.Stage         `json:"stage"`
	CategoryID    string               `json:"categoryId"`
	TypeID        string               `json:"typeId"`
	DealerID      string               `json:"dealerId,omitempty"`
	Assignee      string               `json:"assignee,omitempty"`
	ProductModel  string               `json:"productModel"`
	Serial        string               `json:"serial,omitempty"`
	DesiredResult claims.DesiredResult `json:"desiredResult"`
	// WarrantyCase is set once the decision is recorded.
	WarrantyCase *bool     `json:"warrantyCase,omitempty"`
	Orders       []string  `json:"orders,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
}

func claimRef(c *claims.Claim) ClaimRef {
	r := ClaimRef{
		ID: c.ID, Stage: c.Stage, CategoryID: c.CategoryID, TypeID: c.TypeID, DealerID: c.DealerID, Assignee: c.Assignee,
		ProductModel: c.Product.Model, Serial: c.Product.Serial, DesiredResult: c.DesiredResult, Orders: c.Orders, CreatedAt: c.CreatedAt,
	}
	if c.Decision != nil {
		w := c.Decision.WarrantyCase
		r.WarrantyCase = &w
	}
	return r
}

// OrderView is an order with its relations: the claim it was created from
// and the claims against it, as far as the caller may see them.
type OrderView struct {
	Order orders.Order `json:"order"`
	// SourceClaim is the claim a rework or additional order was created from
	// (absent when the caller may not see it; order.sourceClaim still names it).
	SourceClaim *ClaimRef `json:"sourceClaim,omitempty"`
	// Claims are the claims that name the order as their source order.
	Claims []ClaimRef `json:"claims"`
	// More is set when there are more claims against the order than listed.
	More bool `json:"more,omitempty"`
}

// maxOrderClaims bounds the claims an order view lists.
const maxOrderClaims = 200

// canSeeOrder: staff and the company's integrations see every order,
// dealers (and a dealer's own system) their dealership's.
func canSeeOrder(p *auth.Principal, o *orders.Order) bool {
	if visibility.Of(p).Internal() {
		return true
	}
	d := visibility.DealerScope(p)
	return d != "" && strings.EqualFold(o.DealerID, d)
}

// orderForCaller shows an order as the caller may see it (visibility).
func orderForCaller(p *auth.Principal, o orders.Order) orders.Order {
	return visibility.Order(visibility.Of(p), o)
}

func (a *OrdersAPI) get(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	p := req.Principal
	if err := auth.Require(p, auth.Dealer, auth.Manager, auth.Supervisor, auth.Admin, auth.Integration); err != nil {
		return nil, err
	}
	number, err := orderNumber(req)
	if err != nil {
		return nil, err
	}
	o, err := a.Orders.Order(ctx, number)
	if err != nil {
		return nil, err
	}
	if !canSeeOrder(p, o) {
		return nil, apperr.Errorf(apperr.NotFound, "order not found")
	}
	v := OrderView{Order: orderForCaller(p, *o), Claims: []ClaimRef{}}
	if o.SourceClaim != "" {
		d, err := a.Registry.Detail(ctx, o.SourceClaim)
		switch {
		case apperr.Is(err, apperr.NotFound):
		case err != nil:
			return nil, err
		case registry.CanSee(p, &d.Claim):
			ref := claimRef(&d.Claim)
			v.SourceClaim = &ref
		}
	}
	spec := registry.ListSpec{Dim: registry.DimOrder, Value: o.Number, Limit: 100}
	for {
		page, err := a.Claims.ListClaims(ctx, spec)
		if err != nil {
			return nil, err
		}
		for _, cl := range page.Claims {
			if registry.CanSee(p, &cl) {
				v.Claims = append(v.Claims, claimRef(&cl))
			}
		}
		if page.Next == "" {
			break
		}
		if len(v.Claims) >= maxOrderClaims {
			v.More = true
			break
		}
		spec.Start = page.Next
	}
	return apigw.JSON(http.StatusOK, v), nil
}

// ClaimOrders are a claim's orders: the source order it names and the
// orders created from it.
type ClaimOrders struct {
	SourceOrder *orders.Order  `json:"sourceOrder,omitempty"`
	Orders      []orders.Order `json:"orders"`
}

// ClaimOrders reads the orders of a claim the caller already may see, for
// the claim's detail view (one BatchGetItem). The source order is left out
// when it is not mirrored from the ERP (yet) or the caller may not see it.
func (a *OrdersAPI) ClaimOrders(ctx context.Context, p *auth.Principal, cl *claims.Claim) (*ClaimOrders, error) {
	numbers := append([]string{cl.Order.Reference}, cl.Orders...)
	got, err := a.Orders.OrdersByNumber(ctx, numbers)
	if err != nil {
		return nil, err
	}
	out := &ClaimOrders{Orders: []orders.Order{}}
	for _, o := range got {
		switch {
		case o.SourceClaim == cl.ID:
			out.Orders = append(out.Orders, orderForCaller(p, o))
		case o.Number == cl.Order.Reference && o.Kind == orders.Source && canSeeOrder(p, &o):
			out.SourceOrder = new(orderForCaller(p, o))
		}
	}
	return out, nil
}
