package httpapi_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/httpapi"
	"github.com/claimsdesk/backend/shared/orders"
)

// fakeDealerOrders pages a fixed list per dealer, two at a time.
type fakeDealerOrders struct {
	byDealer map[string][]orders.Order
	asked    []string
}

func (f *fakeDealerOrders) DealerOrders(_ context.Context, dealerID string, limit int, start string) ([]orders.Order, string, error) {
	f.asked = append(f.asked, dealerID+"@"+start)
	list := f.byDealer[strings.ToUpper(dealerID)]
	i := 0
	if start != "" {
		for i < len(list) && list[i].Number != start {
			i++
		}
		if i == len(list) {
			return nil, "", apperr.InvalidField("cursor", "not a cursor of this list")
		}
	}
	end := min(i+min(limit, 2), len(list))
	next := ""
	if end < len(list) {
		next = list[end].Number
	}
	return list[i:end], next, nil
}

func listOrders(t *testing.T, r *apigw.Router, who map[string]string, query string) (int, httpapi.OrderPage, string) {
	t.Helper()
	ev := lambdaevents.APIGatewayV2HTTPRequest{RouteKey: "GET /v1/orders", RawPath: "/v1/orders", RawQueryString: query}
	ev.RequestContext.RequestID = "req-1"
	ev.RequestContext.HTTP.Method = "GET"
	if who != nil {
		ev.RequestContext.Authorizer = &lambdaevents.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &lambdaevents.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: who},
		}
	}
	res, err := r.Serve(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var page httpapi.OrderPage
	if res.StatusCode == 200 {
		if err := json.Unmarshal([]byte(res.Body), &page); err != nil {
			t.Fatal(err)
		}
	}
	return res.StatusCode, page, res.Body
}

// TestListDealerOrders: a dealer lists their own orders (never another's,
// never the sales manager), page by page; staff name the dealer; other
// roles and other dealers' cursors are refused.
func TestListDealerOrders(t *testing.T) {
	order := func(n, dealer string) orders.Order {
		return orders.Order{Number: n, Kind: orders.Source, DealerID: dealer, SalesManager: "sales-7", Status: "delivered", Customer: orders.Customer{Name: "Ivan"}}
	}
	fake := &fakeDealerOrders{byDealer: map[string][]orders.Order{
		"D-100": {order("SO-3", "D-100"), order("SO-2", "D-100"), order("SO-1", "D-100")},
		"D-200": {order("SO-9", "D-200")},
	}}
	r := apigw.NewRouter(slog.New(slog.DiscardHandler))
	(&httpapi.OrdersAPI{DealerOrders: fake}).Register(r)
	numbers := func(p httpapi.OrderPage) []string {
		var out []string
		for _, o := range p.Orders {
			out = append(out, o.Number)
			if o.SalesManager != "" {
				t.Errorf("order %s shows its sales manager to a dealer", o.Number)
			}
		}
		return out
	}

	status, first, body := listOrders(t, r, asDealer100, "")
	if status != 200 || first.Next == "" {
		t.Fatalf("first page = %d %s", status, body)
	}
	if diff := cmp.Diff([]string{"SO-3", "SO-2"}, numbers(first)); diff != "" {
		t.Errorf("first page mismatch (-want +got):\n%s", diff)
	}
	status, second, body := listOrders(t, r, asDealer100, "dealerId=D-100&cursor="+first.Next)
	if status != 200 || second.Next != "" {
		t.Fatalf("second page = %d %s", status, body)
	}
	if diff := cmp.Diff([]string{"SO-1"}, numbers(second)); diff != "" {
		t.Errorf("second page mismatch (-want +got):\n%s", diff)
	}
	// Another dealer's cursor continues nothing of this dealer's.
	if status, _, body := listOrders(t, r, asDealer200, "cursor="+first.Next); status != 400 || !strings.Contains(body, `"cursor"`) {
		t.Errorf("another dealer's cursor = %d %s, want 400 naming cursor", status, body)
	}
	if status, page, _ := listOrders(t, r, asDealer200, ""); status != 200 || !cmp.Equal(numbers(page), []string{"SO-9"}) {
		t.Errorf("dealer D-200 lists %d %v", status, numbers(page))
	}
	for _, tc := range []struct {
		name  string
		who   map[string]string
		query string
		want  int
		field string
	}{
		{"a dealer asking for another's", asDealer100, "dealerId=D-200", 403, ""},
		{"a dealer without a dealership", map[string]string{"sub": "d-0", "cognito:groups": "[dealers]"}, "", 403, ""},
		{"a supervisor without dealerId", asSupervisor, "", 400, "dealerId"},
		{"a bad limit", asDealer100, "limit=0", 400, "limit"},
		{"a cursor of another shape", asDealer100, "cursor=a.b", 400, "cursor"},
		{"an unknown parameter", asDealer100, "stage=new", 400, "stage"},
		{"signed out", asNobody, "", 401, ""},
	} {
		status, _, body := listOrders(t, r, tc.who, tc.query)
		if status != tc.want || (tc.field != "" && !strings.Contains(body, `"field":"`+tc.field+`"`)) {
			t.Errorf("%s: %d %s, want %d naming %q", tc.name, status, body, tc.want, tc.field)
		}
	}
	for _, who := range []map[string]string{asSupervisor, asManager1, asAdmin, asERP} {
		if status, page, body := listOrders(t, r, who, "dealerId=d-200"); status != 200 || len(page.Orders) != 1 || page.Orders[0].SalesManager != "sales-7" {
			t.Errorf("%s lists D-200 = %d %s", who["sub"], status, body)
		}
	}
}
