package httpapi_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/httpapi"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/workflow"
)

// ordersFakeClaims is the claims storage the orders API reaches through casework
// and the registry.
type ordersFakeClaims struct {
	mu       sync.Mutex
	claims   map[string]claims.Claim
	changes  []*claims.Change
	applyErr error
	// pageSize splits ListClaims results into pages (0 = one page).
	pageSize int
}

func (f *ordersFakeClaims) GetClaim(_ context.Context, id string) (*claims.Claim, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.claims[id]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "claim not found")
	}
	c.Orders = slices.Clone(c.Orders)
	return &c, nil
}

func (f *ordersFakeClaims) ApplyChange(_ context.Context, ch *claims.Change) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.applyErr != nil {
		return f.applyErr
	}
	if cur := f.claims[ch.Claim.ID]; cur.Version != ch.PrevVersion {
		return &apperr.Error{Code: apperr.Conflict, Message: "changed by someone else", Details: map[string]any{"currentVersion": cur.Version}}
	}
	f.claims[ch.Claim.ID] = *ch.Claim
	f.changes = append(f.changes, ch)
	return nil
}

func (f *ordersFakeClaims) ClaimDetail(ctx context.Context, id string) (*registry.Detail, error) {
	c, err := f.GetClaim(ctx, id)
	if err != nil {
		return nil, err
	}
	return &registry.Detail{Claim: *c}, nil
}

func (f *ordersFakeClaims) Worklist(context.Context, string, int, string) (*registry.ListPage, error) {
	return &registry.ListPage{}, nil
}

func (f *ordersFakeClaims) ListClaims(_ context.Context, spec registry.ListSpec) (*registry.ListPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if spec.Dim != registry.DimOrder {
		return nil, apperr.InvalidField("filter", "the fake lists by order only")
	}
	var ids []string
	for id, c := range f.claims {
		if strings.EqualFold(c.Order.Reference, spec.Value) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	start := 0
	if spec.Start != "" {
		start = slices.Index(ids, spec.Start) + 1
	}
	end := len(ids)
	if f.pageSize > 0 {
		end = min(start+f.pageSize, len(ids))
	}
	page := &registry.ListPage{}
	for _, id := range ids[start:end] {
		page.Claims = append(page.Claims, f.claims[id])
	}
	if end < len(ids) {
		page.Next = ids[end-1]
	}
	return page, nil
}

// ordersFakeStore keeps orders in memory with the store's replay rule.
type ordersFakeStore struct {
	mu     sync.Mutex
	orders map[string]orders.Order
}

func (f *ordersFakeStore) UpsertOrder(_ context.Context, o orders.Order) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, ok := f.orders[o.Number]
	switch {
	case ok && cur.ERPVersion >= o.ERPVersion:
		return false, nil
	case ok && cur.Kind != orders.Source:
		cur.Status, cur.Items, cur.ERPVersion = o.Status, o.Items, o.ERPVersion
		o = cur
	case ok:
		o.CreatedAt = cur.CreatedAt
	}
	f.orders[o.Number] = o
	return true, nil
}

func (f *ordersFakeStore) SetOrderStatus(_ context.Context, number, status string, v int64) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, ok := f.orders[number]
	if !ok {
		return false, apperr.Errorf(apperr.NotFound, "order not found")
	}
	if cur.ERPVersion >= v {
		return false, nil
	}
	cur.Status, cur.ERPVersion = status, v
	f.orders[number] = cur
	return true, nil
}

func (f *ordersFakeStore) Order(_ context.Context, number string) (*orders.Order, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orders[number]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "order not found")
	}
	return &o, nil
}

func (f *ordersFakeStore) OrdersByNumber(_ context.Context, numbers []string) ([]orders.Order, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []orders.Order
	for _, n := range numbers {
		if o, ok := f.orders[n]; ok {
			out = append(out, o)
		}
	}
	return out, nil
}

type ordersFakePublisher struct {
	mu     sync.Mutex
	events []events.Event
}

func (p *ordersFakePublisher) Publish(_ context.Context, evs []events.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, evs...)
	return nil
}

var ordersNow = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// ordersFixture is an orders API on fakes with these claims and orders:
//
//	RC-2026-000001  decision, warranty case, mgr-1, dealer D-100, source order SO-77
//	RC-2026-000002  diagnostics, no decision, mgr-1
//	RC-2026-000003  implementation, not a warranty case, mgr-1
//	RC-2026-000004  closed, warranty case, mgr-1
//	RC-2026-000005  waiting for the customer after implementation, mgr-2, dealer D-200, source order so-77
//	RC-2026-000006  decision, warranty case, mgr-1, two orders created already
type ordersFixture struct {
	claims    *ordersFakeClaims
	orders    *ordersFakeStore
	published *ordersFakePublisher
	api       *httpapi.OrdersAPI
	router    *apigw.Router
}

func ordersFixtureClaim(n int, stage claims.Stage, assignee, dealer, reference string, warranty *bool) claims.Claim {
	c := claims.Claim{
		ID: claims.Number(2026, int64(n)), Channel: claims.ChannelAPI,
		Claimant: claims.Claimant{Name: "Ivan Petrov", Email: "ivan@example.com", Phone: "+79161234567", Company: "Petrov LLC"},
		DealerID: dealer, Order: claims.Order{Reference: reference, Items: []claims.OrderItem{{SKU: "KX-200-W", Name: "Kettle", Quantity: 2, Unit: "pcs"}}},
		Stage: stage, Assignee: assignee, Language: "ru", Version: 3, CreatedAt: ordersNow.Add(-72 * time.Hour),
	}
	if warranty != nil {
		c.Decision = &claims.Decision{WarrantyCase: *warranty, FaultParty: "company", Resolution: claims.ResolutionReplace}
	}
	return c
}

// ordersCatalog is the root-cause catalog of the orders tests: empty (they
// record no decision).
type ordersCatalog struct{}

func (ordersCatalog) Catalog(context.Context) (*catalog.Catalog, error) {
	return &catalog.Catalog{}, nil
}

// ordersLinks makes file links (the orders tests' claims have no files).
type ordersLinks struct{}

func (ordersLinks) DownloadURL(_ context.Context, key, _, _ string, _ time.Duration) (string, error) {
	return "https://files.example/" + key, nil
}

func newOrdersFixture(t *testing.T) *ordersFixture {
	t.Helper()
	yes, no := true, false
	cs := []claims.Claim{
		ordersFixtureClaim(1, workflow.Decision, "mgr-1", "D-100", "SO-77", &yes),
		ordersFixtureClaim(2, workflow.Diagnostics, "mgr-1", "D-100", "", nil),
		ordersFixtureClaim(3, workflow.Implementation, "mgr-1", "D-100", "", &no),
		ordersFixtureClaim(4, workflow.Closed, "mgr-1", "D-100", "", &yes),
		ordersFixtureClaim(5, workflow.WaitingForCustomer, "mgr-2", "D-200", "so-77", &no),
		ordersFixtureClaim(6, workflow.Decision, "mgr-1", "D-100", "", &yes),
	}
	cs[4].PreviousStage = workflow.Implementation
	cs[5].Orders = []string{"RW-RC-2026-000006-1", "AD-RC-2026-000006-1"}
	f := &ordersFixture{
		claims:    &ordersFakeClaims{claims: map[string]claims.Claim{}},
		orders:    &ordersFakeStore{orders: map[string]orders.Order{}},
		published: &ordersFakePublisher{},
	}
	for _, c := range cs {
		f.claims.claims[c.ID] = c
	}
	f.orders.orders["SO-77"] = orders.Order{
		Number: "SO-77", Kind: orders.Source, Customer: orders.Customer{Name: "Ivan Petrov", Email: "ivan@example.com"},
		DealerID: "D-100", Items: []orders.Item{{SKU: "KX-200-W", Quantity: 2, Price: 349900}}, Currency: "RUB",
		Status: "shipped", SalesManager: "sales-1", ERPVersion: 4, CreatedBy: "integrations:erp", CreatedAt: ordersNow, UpdatedAt: ordersNow,
	}
	f.orders.orders["RW-RC-2026-000001-1"] = orders.Order{
		Number: "RW-RC-2026-000001-1", Kind: orders.Rework, Customer: orders.Customer{Name: "Ivan Petrov"}, DealerID: "D-100",
		Items: []orders.Item{{SKU: "LID-1", Quantity: 1}}, Status: orders.StatusCreated, SourceClaim: "RC-2026-000001",
		CreatedBy: "managers:mgr-1", CreatedAt: ordersNow, UpdatedAt: ordersNow,
	}
	work, err := casework.New(casework.Config{Store: f.claims, Publisher: f.published, Catalog: ordersCatalog{}, Now: func() time.Time { return ordersNow }})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := registry.New(registry.Config{Store: f.claims, Links: ordersLinks{}, CursorKey: []byte("cursor-key-for-tests-0123456789ab")})
	if err != nil {
		t.Fatal(err)
	}
	f.api = &httpapi.OrdersAPI{Work: work, Orders: f.orders, Claims: f.claims, Registry: reg}
	f.router = apigw.NewRouter(slog.New(slog.DiscardHandler))
	f.api.Register(f.router)
	return f
}

// The callers.
var (
	asERP              = map[string]string{"sub": "erp-1", "cognito:groups": "[integrations]"}
	asSupervisor       = map[string]string{"sub": "sup-1", "cognito:groups": "[supervisors]"}
	asManager1         = map[string]string{"sub": "mgr-1", "cognito:groups": "[managers]"}
	asManager2         = map[string]string{"sub": "mgr-2", "cognito:groups": "[managers]"}
	asDealer100        = map[string]string{"sub": "dlr-1", "cognito:groups": "[dealers]", "custom:dealer_id": "D-100"}
	asDealer200        = map[string]string{"sub": "dlr-2", "cognito:groups": "[dealers]", "custom:dealer_id": "D-200"}
	asAdmin            = map[string]string{"sub": "adm-1", "cognito:groups": "[admins]"}
	asNobody           map[string]string
	ordersJSONHeaders  = map[string]string{"content-type": "application/json"}
	ordersPlainHeaders = map[string]string{"content-type": "text/plain"}
)

// call sends one API Gateway event through the router.
func (f *ordersFixture) call(t *testing.T, routeKey string, params map[string]string, who map[string]string, body any, headers ...map[string]string) lambdaevents.APIGatewayV2HTTPResponse {
	t.Helper()
	method, path, _ := strings.Cut(routeKey, " ")
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	ev := lambdaevents.APIGatewayV2HTTPRequest{RouteKey: routeKey, RawPath: path, PathParameters: params, Headers: ordersJSONHeaders}
	if len(headers) > 0 {
		ev.Headers = headers[0]
	}
	switch b := body.(type) {
	case nil:
	case string:
		ev.Body = b
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		ev.Body = string(raw)
	}
	ev.RequestContext.RequestID = "req-1"
	ev.RequestContext.HTTP.Method = method
	ev.RequestContext.TimeEpoch = ordersNow.UnixMilli()
	if who != nil {
		ev.RequestContext.Authorizer = &lambdaevents.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &lambdaevents.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: who},
		}
	}
	res, err := f.router.Serve(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func decodeOrdersBody[T any](t *testing.T, res lambdaevents.APIGatewayV2HTTPResponse) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(res.Body), &v); err != nil {
		t.Fatalf("decode %d %s: %v", res.StatusCode, res.Body, err)
	}
	return v
}

// ordersError returns an error response's code and field names.
func ordersError(t *testing.T, res lambdaevents.APIGatewayV2HTTPResponse) (apperr.Code, []string) {
	t.Helper()
	b := decodeOrdersBody[apigw.ErrorBody](t, res)
	var fields []string
	for _, f := range b.Error.Fields {
		fields = append(fields, f.Field)
	}
	return b.Error.Code, fields
}

func erpOrderBody(version int64, status string) map[string]any {
	return map[string]any{
		"customer":     map[string]any{"name": "Ivan Petrov", "email": " Ivan@Example.com", "phone": "8 916 123-45-67"},
		"dealerId":     "D-100",
		"items":        []map[string]any{{"sku": "KX-200-W", "quantity": 2, "price": 349900}},
		"currency":     "rub",
		"status":       status,
		"salesManager": "sales-1",
		"erpVersion":   version,
	}
}

const upsertRoute = "PUT /v1/erp/orders/{number}"

func TestERPUpsertOrder(t *testing.T) {
	f := newOrdersFixture(t)
	num := map[string]string{"number": "SO-100"}
	steps := []struct {
		name        string
		who         map[string]string
		params      map[string]string
		body        any
		headers     map[string]string
		wantStatus  int
		wantFields  []string
		wantChanged bool
		wantOrder   string // the stored status afterwards
	}{
		{"not signed in", asNobody, num, erpOrderBody(1, "new"), ordersJSONHeaders, 401, nil, false, ""},
		{"a manager", asManager1, num, erpOrderBody(1, "new"), ordersJSONHeaders, 403, nil, false, ""},
		{"a supervisor", asSupervisor, num, erpOrderBody(1, "new"), ordersJSONHeaders, 403, nil, false, ""},
		{"a dealer", asDealer100, num, erpOrderBody(1, "new"), ordersJSONHeaders, 403, nil, false, ""},
		{"not JSON", asERP, num, "status=new", ordersPlainHeaders, 415, nil, false, ""},
		{"an unknown field", asERP, num, `{"status":"new","erpVersion":1,"colour":"red"}`, ordersJSONHeaders, 400, []string{"colour"}, false, ""},
		{"invalid fields", asERP, map[string]string{"number": "SO 100"}, map[string]any{
			"customer": map[string]any{"email": "nope"}, "items": []map[string]any{{"sku": "A", "quantity": 0}}, "status": "", "erpVersion": 0,
		}, ordersJSONHeaders, 400, []string{"number", "customer.email", "items[0].quantity", "status", "erpVersion"}, false, ""},
		{"a new order", asERP, num, erpOrderBody(2, "confirmed"), ordersJSONHeaders, 200, nil, true, "confirmed"},
		{"a replay", asERP, num, erpOrderBody(2, "confirmed"), ordersJSONHeaders, 200, nil, false, "confirmed"},
		{"an older version", asERP, num, erpOrderBody(1, "draft"), ordersJSONHeaders, 200, nil, false, "confirmed"},
		{"a newer version", asERP, num, erpOrderBody(3, "shipped"), ordersJSONHeaders, 200, nil, true, "shipped"},
		{"a rework order takes the status only", asERP, map[string]string{"number": "RW-RC-2026-000001-1"}, erpOrderBody(1, "in production"), ordersJSONHeaders, 200, nil, true, "in production"},
	}
	for _, s := range steps {
		res := f.call(t, upsertRoute, s.params, s.who, s.body, s.headers)
		if res.StatusCode != s.wantStatus {
			t.Fatalf("%s: status %d, want %d: %s", s.name, res.StatusCode, s.wantStatus, res.Body)
		}
		if s.wantStatus != 200 {
			if _, fields := ordersError(t, res); !cmp.Equal(fields, s.wantFields) {
				t.Errorf("%s: fields %v, want %v", s.name, fields, s.wantFields)
			}
			continue
		}
		got := decodeOrdersBody[httpapi.ERPResult](t, res)
		if got.Changed != s.wantChanged || got.Order == nil || got.Order.Status != s.wantOrder {
			t.Errorf("%s: changed %v, order %+v; want changed %v, status %q", s.name, got.Changed, got.Order, s.wantChanged, s.wantOrder)
		}
	}

	want := orders.Order{
		Number: "SO-100", Kind: orders.Source,
		Customer: orders.Customer{Name: "Ivan Petrov", Email: "ivan@example.com", Phone: "+79161234567"},
		DealerID: "D-100", Items: []orders.Item{{SKU: "KX-200-W", Quantity: 2, Price: 349900}}, Currency: "RUB",
		Status: "shipped", SalesManager: "sales-1", ERPVersion: 3, CreatedBy: "integrations:erp-1", CreatedAt: ordersNow, UpdatedAt: ordersNow,
	}
	if diff := cmp.Diff(want, f.orders.orders["SO-100"]); diff != "" {
		t.Errorf("stored order mismatch (-want +got):\n%s", diff)
	}
	rw := f.orders.orders["RW-RC-2026-000001-1"]
	if rw.Kind != orders.Rework || rw.SourceClaim != "RC-2026-000001" || rw.Customer.Email != "" {
		t.Errorf("the ERP changed more than a rework order's status and items: %+v", rw)
	}
}

const statusRoute = "POST /v1/erp/orders/{number}/status"

func TestERPOrderStatus(t *testing.T) {
	f := newOrdersFixture(t)
	rw := map[string]string{"number": "RW-RC-2026-000001-1"}
	steps := []struct {
		name        string
		who         map[string]string
		params      map[string]string
		body        any
		wantStatus  int
		wantFields  []string
		wantChanged bool
		wantOrder   string
	}{
		{"not signed in", asNobody, rw, map[string]any{"status": "accepted", "erpVersion": 1}, 401, nil, false, ""},
		{"a manager", asManager1, rw, map[string]any{"status": "accepted", "erpVersion": 1}, 403, nil, false, ""},
		{"an unknown order", asERP, map[string]string{"number": "SO-404"}, map[string]any{"status": "accepted", "erpVersion": 1}, 404, nil, false, ""},
		{"not an order number", asERP, map[string]string{"number": "SO 404"}, map[string]any{"status": "accepted", "erpVersion": 1}, 404, nil, false, ""},
		{"invalid", asERP, rw, map[string]any{"status": strings.Repeat("s", 65), "erpVersion": -1}, 400, []string{"status", "erpVersion"}, false, ""},
		{"a wrong type", asERP, rw, `{"status":"accepted","erpVersion":"one"}`, 400, []string{"erpVersion"}, false, ""},
		{"accepted", asERP, rw, map[string]any{"status": " accepted ", "erpVersion": 1}, 200, nil, true, "accepted"},
		{"a replay", asERP, rw, map[string]any{"status": "accepted", "erpVersion": 1}, 200, nil, false, "accepted"},
		{"in production", asERP, rw, map[string]any{"status": "in production", "erpVersion": 3}, 200, nil, true, "in production"},
		{"a late older report", asERP, rw, map[string]any{"status": "accepted", "erpVersion": 2}, 200, nil, false, "in production"},
		{"a source order", asERP, map[string]string{"number": "SO-77"}, map[string]any{"status": "delivered", "erpVersion": 5}, 200, nil, true, "delivered"},
	}
	for _, s := range steps {
		res := f.call(t, statusRoute, s.params, s.who, s.body)
		if res.StatusCode != s.wantStatus {
			t.Fatalf("%s: status %d, want %d: %s", s.name, res.StatusCode, s.wantStatus, res.Body)
		}
		if s.wantStatus != 200 {
			if _, fields := ordersError(t, res); !cmp.Equal(fields, s.wantFields) {
				t.Errorf("%s: fields %v, want %v", s.name, fields, s.wantFields)
			}
			continue
		}
		got := decodeOrdersBody[httpapi.ERPResult](t, res)
		if got.Changed != s.wantChanged || got.Order.Status != s.wantOrder {
			t.Errorf("%s: changed %v, status %q; want %v, %q", s.name, got.Changed, got.Order.Status, s.wantChanged, s.wantOrder)
		}
	}
}

const createRoute = "POST /v1/claims/{id}/orders"

func TestCreateOrderFromClaim(t *testing.T) {
	tests := []struct {
		name       string
		who        map[string]string
		claim      int
		body       any
		headers    map[string]string
		applyErr   error
		wantStatus int
		wantCode   apperr.Code
		wantFields []string
		wantNumber string
		wantItems  []orders.Item
	}{
		{name: "a supervisor, rework in a warranty case", who: asSupervisor, claim: 1,
			body:       map[string]any{"version": 3, "kind": "rework", "note": "a new lid"},
			wantStatus: 201, wantNumber: "RW-RC-2026-000001-1", wantItems: []orders.Item{{SKU: "KX-200-W", Name: "Kettle", Quantity: 2, Unit: "pcs"}}},
		{name: "the claim's manager, additional with items", who: asManager1, claim: 3,
			body:       map[string]any{"version": 3, "kind": "additional", "items": []map[string]any{{"sku": "LID-1", "quantity": 1, "price": 1500}}},
			wantStatus: 201, wantNumber: "AD-RC-2026-000003-1", wantItems: []orders.Item{{SKU: "LID-1", Quantity: 1, Price: 1500}}},
		{name: "numbered after the claim's orders", who: asManager1, claim: 6,
			body: map[string]any{"version": 3, "kind": "rework"}, wantStatus: 201, wantNumber: "RW-RC-2026-000006-2"},
		{name: "the version in If-Match", who: asManager1, claim: 6,
			body: map[string]any{"kind": "additional"}, headers: map[string]string{"content-type": "application/json", "if-match": `"3"`},
			wantStatus: 201, wantNumber: "AD-RC-2026-000006-2"},
		{name: "paused after implementation", who: asManager2, claim: 5,
			body: map[string]any{"version": 3, "kind": "additional"}, wantStatus: 201, wantNumber: "AD-RC-2026-000005-1"},
		{name: "not signed in", who: asNobody, claim: 1, body: map[string]any{"version": 3, "kind": "rework"}, wantStatus: 401, wantCode: apperr.Unauthorized},
		{name: "the claim's dealer", who: asDealer100, claim: 1, body: map[string]any{"version": 3, "kind": "rework"}, wantStatus: 403, wantCode: apperr.Forbidden},
		{name: "an integration", who: asERP, claim: 1, body: map[string]any{"version": 3, "kind": "rework"}, wantStatus: 403, wantCode: apperr.Forbidden},
		{name: "an admin", who: asAdmin, claim: 1, body: map[string]any{"version": 3, "kind": "rework"}, wantStatus: 403, wantCode: apperr.Forbidden},
		{name: "another manager", who: asManager2, claim: 1, body: map[string]any{"version": 3, "kind": "rework"}, wantStatus: 404, wantCode: apperr.NotFound},
		{name: "an unknown claim", who: asSupervisor, claim: 99, body: map[string]any{"version": 3, "kind": "rework"}, wantStatus: 404, wantCode: apperr.NotFound},
		{name: "no decision", who: asManager1, claim: 2, body: map[string]any{"version": 3, "kind": "additional"}, wantStatus: 409, wantCode: apperr.Conflict},
		{name: "rework without a warranty case", who: asManager1, claim: 3, body: map[string]any{"version": 3, "kind": "rework"}, wantStatus: 409, wantCode: apperr.Conflict},
		{name: "a closed claim", who: asSupervisor, claim: 4, body: map[string]any{"version": 3, "kind": "rework"}, wantStatus: 409, wantCode: apperr.Conflict},
		{name: "a stale version", who: asManager1, claim: 1, body: map[string]any{"version": 2, "kind": "rework"}, wantStatus: 409, wantCode: apperr.Conflict},
		{name: "a concurrent change wins in the store", who: asManager1, claim: 1, body: map[string]any{"version": 3, "kind": "rework"},
			applyErr: apperr.Errorf(apperr.Conflict, "claim changed concurrently"), wantStatus: 409, wantCode: apperr.Conflict},
		{name: "no version", who: asManager1, claim: 1, body: map[string]any{"kind": "rework"}, wantStatus: 400, wantCode: apperr.Invalid, wantFields: []string{"version"}},
		{name: "a bad kind", who: asManager1, claim: 1, body: map[string]any{"version": 3, "kind": "refund"}, wantStatus: 400, wantCode: apperr.Invalid, wantFields: []string{"kind"}},
		{name: "bad items", who: asManager1, claim: 1, body: map[string]any{"version": 3, "kind": "rework", "items": []map[string]any{{"sku": "", "quantity": 1}, {"sku": "B", "quantity": -2}}},
			wantStatus: 400, wantCode: apperr.Invalid, wantFields: []string{"items[0].sku", "items[1].quantity"}},
		{name: "an unknown field", who: asManager1, claim: 1, body: `{"version":3,"kind":"rework","sourceClaim":"RC-2026-000009"}`,
			wantStatus: 400, wantCode: apperr.Invalid, wantFields: []string{"sourceClaim"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newOrdersFixture(t)
			f.claims.applyErr = tt.applyErr
			id := claims.Number(2026, int64(tt.claim))
			before := f.claims.claims[id]
			headers := ordersJSONHeaders
			if tt.headers != nil {
				headers = tt.headers
			}
			res := f.call(t, createRoute, map[string]string{"id": id}, tt.who, tt.body, headers)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.wantStatus, res.Body)
			}
			if tt.wantStatus != 201 {
				code, fields := ordersError(t, res)
				if code != tt.wantCode || !cmp.Equal(fields, tt.wantFields) {
					t.Errorf("error %s %v, want %s %v", code, fields, tt.wantCode, tt.wantFields)
				}
				if len(f.claims.changes) != 0 || len(f.published.events) != 0 {
					t.Errorf("a refused request changed the claim or published events")
				}
				if tt.name == "a stale version" {
					if d := decodeOrdersBody[apigw.ErrorBody](t, res).Error.Details; d["currentVersion"] != float64(3) {
						t.Errorf("conflict details %v, want the current version", d)
					}
				}
				return
			}
			got := decodeOrdersBody[httpapi.CreatedOrder](t, res)
			if got.Order.Number != tt.wantNumber || got.Order.SourceClaim != id || got.Order.Status != orders.StatusCreated {
				t.Errorf("order %+v, want %s from %s", got.Order, tt.wantNumber, id)
			}
			if tt.wantItems != nil && !cmp.Equal(got.Order.Items, tt.wantItems) {
				t.Errorf("items mismatch (-want +got):\n%s", cmp.Diff(tt.wantItems, got.Order.Items))
			}
			if got.Order.Customer.Email != before.Claimant.Email || got.Order.DealerID != before.DealerID {
				t.Errorf("order customer %+v, dealer %s; want the claim's", got.Order.Customer, got.Order.DealerID)
			}
			wantOrders := append(slices.Clone(before.Orders), tt.wantNumber)
			if !cmp.Equal(got.Claim.Orders, wantOrders) || got.Claim.Version != before.Version+1 {
				t.Errorf("claim orders %v v%d, want %v v%d", got.Claim.Orders, got.Claim.Version, wantOrders, before.Version+1)
			}
			if res.Headers["location"] != "/v1/orders/"+tt.wantNumber || res.Headers["etag"] != `"4"` {
				t.Errorf("headers %v", res.Headers)
			}
			// One change: the claim, its history entry, the order and the outbox event.
			if len(f.claims.changes) != 1 {
				t.Fatalf("%d changes stored, want 1", len(f.claims.changes))
			}
			ch := f.claims.changes[0]
			if diff := cmp.Diff([]orders.Order{*got.Order}, ch.Orders); diff != "" {
				t.Errorf("order written with the change mismatch (-want +got):\n%s", diff)
			}
			if ch.Event.Type != "order.created" || ch.Event.After["number"] != tt.wantNumber || ch.Event.After["kind"] != string(got.Order.Kind) {
				t.Errorf("history entry %s %v", ch.Event.Type, ch.Event.After)
			}
			if len(ch.Outbox) != 1 || ch.Outbox[0].Type != events.OrderCreated || ch.Outbox[0].ClaimID != id {
				t.Fatalf("outbox %+v, want one %s event", ch.Outbox, events.OrderCreated)
			}
			var data events.Order
			if err := json.Unmarshal(ch.Outbox[0].Data, &data); err != nil {
				t.Fatal(err)
			}
			c := got.Order.Customer
			wantData := events.Order{
				Number: tt.wantNumber, Kind: string(got.Order.Kind), Claim: id, SourceOrder: before.Order.Reference,
				WarrantyCase: before.Decision.WarrantyCase, DealerID: before.DealerID,
				Customer: events.OrderCustomer{Name: c.Name, Email: c.Email, Phone: c.Phone, Company: c.Company, TaxID: c.TaxID},
				Items:    []events.OrderItem{}, Note: got.Order.Note, CreatedBy: got.Order.CreatedBy,
			}
			for _, it := range got.Order.Items {
				wantData.Items = append(wantData.Items, events.OrderItem{SKU: it.SKU, Name: it.Name, Quantity: it.Quantity, Unit: it.Unit, Price: it.Price})
			}
			if diff := cmp.Diff(wantData, data); diff != "" {
				t.Errorf("outbox data mismatch (-want +got):\n%s", diff)
			}
			if len(f.published.events) != 1 {
				t.Errorf("%d events published after the commit, want 1", len(f.published.events))
			}
		})
	}
}

const getRoute = "GET /v1/orders/{number}"

func orderClaimIDs(cs []httpapi.ClaimRef) []string {
	ids := []string{}
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestGetOrder(t *testing.T) {
	tests := []struct {
		name            string
		who             map[string]string
		number          string
		pageSize        int
		wantStatus      int
		wantClaims      []string
		wantSource      string
		wantSalesHidden bool
	}{
		{name: "a supervisor sees every claim against it", who: asSupervisor, number: "SO-77", wantStatus: 200, wantClaims: []string{"RC-2026-000001", "RC-2026-000005"}},
		{name: "across pages", who: asSupervisor, number: "SO-77", pageSize: 1, wantStatus: 200, wantClaims: []string{"RC-2026-000001", "RC-2026-000005"}},
		{name: "an integration", who: asERP, number: "SO-77", wantStatus: 200, wantClaims: []string{"RC-2026-000001", "RC-2026-000005"}},
		{name: "a manager sees the order and their own claims", who: asManager2, number: "SO-77", wantStatus: 200, wantClaims: []string{"RC-2026-000005"}},
		{name: "the order's dealer", who: asDealer100, number: "SO-77", wantStatus: 200, wantClaims: []string{"RC-2026-000001"}, wantSalesHidden: true},
		{name: "another dealer", who: asDealer200, number: "SO-77", wantStatus: 404},
		{name: "not signed in", who: asNobody, number: "SO-77", wantStatus: 401},
		{name: "an unknown order", who: asSupervisor, number: "SO-404", wantStatus: 404},
		{name: "not an order number", who: asSupervisor, number: "SO 77", wantStatus: 404},
		{name: "a rework order with its source claim", who: asManager1, number: "RW-RC-2026-000001-1", wantStatus: 200, wantClaims: []string{}, wantSource: "RC-2026-000001"},
		{name: "a source claim the caller may not see", who: asManager2, number: "RW-RC-2026-000001-1", wantStatus: 200, wantClaims: []string{}},
		{name: "the rework order's dealer", who: asDealer100, number: "RW-RC-2026-000001-1", wantStatus: 200, wantClaims: []string{}, wantSource: "RC-2026-000001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newOrdersFixture(t)
			f.claims.pageSize = tt.pageSize
			res := f.call(t, getRoute, map[string]string{"number": tt.number}, tt.who, nil)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.wantStatus, res.Body)
			}
			if tt.wantStatus != 200 {
				return
			}
			v := decodeOrdersBody[httpapi.OrderView](t, res)
			if v.Order.Number != tt.number {
				t.Errorf("order %s, want %s", v.Order.Number, tt.number)
			}
			if diff := cmp.Diff(tt.wantClaims, orderClaimIDs(v.Claims)); diff != "" {
				t.Errorf("claims against the order mismatch (-want +got):\n%s", diff)
			}
			source := ""
			if v.SourceClaim != nil {
				source = v.SourceClaim.ID
			}
			if source != tt.wantSource {
				t.Errorf("source claim %q, want %q", source, tt.wantSource)
			}
			if hidden := v.Order.SalesManager == "" && f.orders.orders[tt.number].SalesManager != ""; hidden != tt.wantSalesHidden {
				t.Errorf("sales manager %q shown to the caller, hidden want %v", v.Order.SalesManager, tt.wantSalesHidden)
			}
		})
	}
}

func TestClaimOrders(t *testing.T) {
	f := newOrdersFixture(t)
	// The claim gets an order; its detail view lists it with the source order.
	res := f.call(t, createRoute, map[string]string{"id": "RC-2026-000001"}, asManager1, map[string]any{"version": 3, "kind": "additional"})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", res.StatusCode, res.Body)
	}
	created := decodeOrdersBody[httpapi.CreatedOrder](t, res)
	f.orders.orders[created.Order.Number] = *created.Order
	cl := f.claims.claims["RC-2026-000001"]
	cl.Orders = append(cl.Orders, "RW-RC-2026-000001-1") // the fixture's rework order

	tests := []struct {
		name       string
		who        map[string]string
		wantSource bool
		wantSales  string
	}{
		{"the manager", asManager1, true, "sales-1"},
		{"the claim's dealer", asDealer100, true, ""},
	}
	for _, tt := range tests {
		p := auth.FromClaims(tt.who)
		got, err := f.api.ClaimOrders(context.Background(), p, &cl)
		if err != nil {
			t.Fatal(err)
		}
		if (got.SourceOrder != nil) != tt.wantSource || (got.SourceOrder != nil && got.SourceOrder.SalesManager != tt.wantSales) {
			t.Errorf("%s: source order %+v", tt.name, got.SourceOrder)
		}
		var numbers []string
		for _, o := range got.Orders {
			numbers = append(numbers, o.Number)
		}
		if want := []string{"AD-RC-2026-000001-1", "RW-RC-2026-000001-1"}; !cmp.Equal(numbers, want) {
			t.Errorf("%s: orders %v, want %v", tt.name, numbers, want)
		}
	}
	// A claim whose reference is not mirrored from the ERP has no source order.
	other := f.claims.claims["RC-2026-000002"]
	got, err := f.api.ClaimOrders(context.Background(), auth.FromClaims(asManager1), &other)
	if err != nil || got.SourceOrder != nil || len(got.Orders) != 0 {
		t.Errorf("claim without orders: %+v, %v", got, err)
	}
}
