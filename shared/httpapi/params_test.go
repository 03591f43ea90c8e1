package httpapi_test

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
)

// specQueryParams returns an operation's query parameters by name.
func specQueryParams(doc *openapi3.T, routeKey string) map[string]*openapi3.Parameter {
	method, path, _ := strings.Cut(routeKey, " ")
	item := doc.Paths.Find(path)
	out := map[string]*openapi3.Parameter{}
	if item == nil {
		return out
	}
	op := item.GetOperation(method)
	if op == nil {
		return out
	}
	for _, ps := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, ref := range ps {
			if p := ref.Value; p != nil && p.In == openapi3.ParameterInQuery {
				out[p.Name] = p
			}
		}
	}
	return out
}

// TestQueryParamsMatchOpenAPI checks that every route declares to its router
// exactly the query parameters openapi.yaml documents, with the same
// requiredness, type, allowed values, pattern and maximum length: what the
// router enforces is what the document promises.
func TestQueryParamsMatchOpenAPI(t *testing.T) {
	doc := loadSpec(t)
	routes := 0
	for fn, r := range functionRouters() {
		for _, key := range r.RouteKeys() {
			routes++
			spec := specQueryParams(doc, key)
			declared := map[string]apigw.Param{}
			for _, p := range r.Params(key) {
				if !p.Prefix() {
					declared[p.Name] = p
				}
			}
			for name := range spec {
				if _, ok := declared[name]; !ok {
					t.Errorf("%s %s: openapi.yaml documents ?%s, the router does not accept it", fn, key, name)
				}
			}
			for name, p := range declared {
				sp, ok := spec[name]
				if !ok {
					t.Errorf("%s %s: the router accepts ?%s, openapi.yaml does not document it", fn, key, name)
					continue
				}
				compareParam(t, key, p, sp)
			}
		}
	}
	if routes < 40 {
		t.Fatalf("only %d routes checked", routes)
	}
}

func compareParam(t *testing.T, key string, p apigw.Param, sp *openapi3.Parameter) {
	t.Helper()
	where := key + " ?" + p.Name
	if p.Required != sp.Required {
		t.Errorf("%s: required %v in the router, %v in openapi.yaml", where, p.Required, sp.Required)
	}
	if sp.Schema == nil || sp.Schema.Value == nil {
		t.Errorf("%s: no schema in openapi.yaml", where)
		return
	}
	s := sp.Schema.Value
	switch {
	case p.IsInt:
		if !s.Type.Is("integer") || s.Min == nil || s.Max == nil || int(*s.Min) != p.Min || int(*s.Max) != p.Max {
			t.Errorf("%s: an integer %d..%d in the router; openapi.yaml says %v %v..%v", where, p.Min, p.Max, s.Type, s.Min, s.Max)
		}
		return
	case p.Enum != nil:
		var enum []string
		for _, v := range s.Enum {
			enum = append(enum, toString(v))
		}
		if diff := cmp.Diff(slices.Sorted(slices.Values(p.Enum)), slices.Sorted(slices.Values(enum))); diff != "" {
			t.Errorf("%s: allowed values differ (-router +openapi.yaml):\n%s", where, diff)
		}
		return
	case p.IsTime:
		if sp.Schema.Ref != "#/components/schemas/DateOrTime" {
			t.Errorf("%s: a date or time in the router; openapi.yaml's schema is %q", where, sp.Schema.Ref)
		}
		return
	}
	if !s.Type.Is("string") {
		t.Errorf("%s: a string in the router, %v in openapi.yaml", where, s.Type)
	}
	if p.Pattern != "" && s.Pattern != p.Pattern {
		t.Errorf("%s: pattern %q in the router, %q in openapi.yaml", where, p.Pattern, s.Pattern)
	}
	if p.Pattern == "" && (s.MaxLength == nil || int(*s.MaxLength) != p.MaxLen) {
		t.Errorf("%s: at most %d characters in the router; openapi.yaml's maxLength is %v", where, p.MaxLen, s.MaxLength)
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// badValue returns a value p refuses.
func badValue(p apigw.Param) string {
	switch {
	case p.IsInt:
		return strconv.Itoa(p.Max + 1)
	case p.Enum != nil:
		return "not-one-of-them"
	case p.IsTime:
		return "yesterday"
	case p.Pattern != "":
		return "<script>alert(1)</script>"
	}
	return strings.Repeat("x", p.MaxLen+1)
}

// TestEveryRouteRefusesBadQueries sends every route an unknown parameter, a
// parameter given twice, each declared parameter with a value it must refuse,
// and an oversized query string: each is a 400 naming the parameter (an HTML
// page naming it on the public pages), and the handler never runs (the
// routers here have no dependencies: a handler that ran would panic).
func TestEveryRouteRefusesBadQueries(t *testing.T) {
	for fn, r := range functionRouters() {
		for _, key := range r.RouteKeys() {
			method, path, _ := strings.Cut(key, " ")
			cases := map[string]string{
				"unknown":  "decision=replace",
				"too long": "x=" + strings.Repeat("a", apigw.MaxQuery),
			}
			want := map[string]string{"unknown": "decision", "too long": "query"}
			for _, p := range r.Params(key) {
				if p.Prefix() {
					continue
				}
				cases["bad "+p.Name] = url.Values{p.Name: {badValue(p)}}.Encode()
				want["bad "+p.Name] = p.Name
				if !p.Required {
					cases["twice "+p.Name] = p.Name + "=a&" + p.Name + "=b"
					want["twice "+p.Name] = p.Name
				}
			}
			for name, q := range cases {
				ev := events.APIGatewayV2HTTPRequest{RouteKey: key, RawPath: path, RawQueryString: q}
				ev.RequestContext.HTTP.Method = method
				ev.RequestContext.RequestID = "req-1"
				ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
					JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": "u1", "cognito:groups": "[supervisors admins]"}},
				}
				res, err := r.Serve(context.Background(), ev)
				if err != nil {
					t.Fatalf("%s %s %s: %v", fn, key, name, err)
				}
				if res.StatusCode != 400 {
					t.Errorf("%s ?%.60s: status %d, want 400", key, q, res.StatusCode)
					continue
				}
				if strings.HasPrefix(res.Headers["content-type"], "text/html") {
					if !strings.Contains(res.Body, want[name]) {
						t.Errorf("%s ?%.60s: the error page does not name %q", key, q, want[name])
					}
					continue
				}
				var body apigw.ErrorBody
				if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
					t.Errorf("%s ?%.60s: body %q", key, q, res.Body)
					continue
				}
				if !slices.ContainsFunc(body.Error.Fields, func(f apperr.FieldError) bool { return f.Field == want[name] }) {
					t.Errorf("%s ?%.60s: fields %+v do not name %q", key, q, body.Error.Fields, want[name])
				}
			}
		}
	}
}
