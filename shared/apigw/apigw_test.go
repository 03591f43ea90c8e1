package apigw

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
)

func TestDecodeJSONNamesTheField(t *testing.T) {
	type item struct {
		Quantity float64 `json:"quantity"`
	}
	type body struct {
		Name  string `json:"name"`
		Items []item `json:"items"`
		Child struct {
			Age int `json:"age"`
		} `json:"child"`
	}
	tests := []struct {
		name, in, field string
	}{
		{"empty", "  ", "body"},
		{"syntax", `{"name":`, "body"},
		{"truncated", `{"name":"a"`, "body"},
		{"type at top", `{"name": 5}`, "name"},
		{"type nested", `{"child": {"age": "old"}}`, "child.age"},
		{"type in list", `{"items": [{"quantity": "two"}]}`, "items.quantity"},
		{"unknown field", `{"nmae": "a"}`, "nmae"},
		{"trailing data", `{"name": "a"} {"name": "b"}`, "body"},
		{"not an object", `[1]`, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b body
			err := DecodeJSON([]byte(tt.in), &b)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
				t.Errorf("DecodeJSON(%s) = %v, want Invalid on %s", tt.in, err, tt.field)
			}
		})
	}
	var b body
	if err := DecodeJSON([]byte(`{"name":"a","items":[{"quantity":2}]}`), &b); err != nil || b.Items[0].Quantity != 2 {
		t.Errorf("valid body: %v %+v", err, b)
	}
}

func TestEveryCodeHasAStatus(t *testing.T) {
	for _, c := range []apperr.Code{apperr.Invalid, apperr.Unprocessable, apperr.NotFound, apperr.Conflict, apperr.Gone, apperr.Forbidden,
		apperr.Unauthorized, apperr.TooLarge, apperr.UnsupportedMedia, apperr.RateLimited, apperr.Internal} {
		if _, ok := statusOf[c]; !ok {
			t.Errorf("code %s has no HTTP status", c)
		}
	}
}

func serve(t *testing.T, h Handler, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, ErrorBody) {
	t.Helper()
	r := NewRouter(slog.New(slog.NewTextHandler(io.Discard, nil)))
	r.Handle("POST /things/{id}", h)
	ev.RouteKey = "POST /things/{id}"
	ev.RequestContext.RequestID = "req-1"
	res, err := r.Serve(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var body ErrorBody
	_ = json.Unmarshal([]byte(res.Body), &body)
	return res, body
}

func TestRouterMapsErrors(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		code   apperr.Code
		msg    string
	}{
		{"invalid", apperr.InvalidField("x", "bad"), 400, apperr.Invalid, "invalid x: bad"},
		{"not found", apperr.Errorf(apperr.NotFound, "claim not found"), 404, apperr.NotFound, "claim not found"},
		{"wrapped conflict", errors.Join(errors.New("ctx"), &apperr.Error{Code: apperr.Conflict, Message: "changed"}), 409, apperr.Conflict, "changed"},
		{"unknown errors do not leak", errors.New("dynamodb: table claims-Table: secret detail"), 500, apperr.Internal, "internal error"},
		{"gone", apperr.Errorf(apperr.Gone, "QR code X was withdrawn"), 410, apperr.Gone, "QR code X was withdrawn"},
		{"retry later", &apperr.Error{Code: apperr.Conflict, Message: "in progress", RetryAfter: 1200 * time.Millisecond}, 409, apperr.Conflict, "in progress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := serve(t, func(context.Context, *Request) (*Response, error) { return nil, tt.err }, events.APIGatewayV2HTTPRequest{})
			if res.StatusCode != tt.status || body.Error.Code != tt.code || body.Error.Message != tt.msg || body.RequestID != "req-1" {
				t.Errorf("got %d %+v", res.StatusCode, body)
			}
			// Retry-After in whole seconds, rounded up; none without a retry time.
			want := ""
			if e, _ := apperr.As(tt.err); e != nil && e.RetryAfter > 0 {
				want = "2"
			}
			if got := res.Headers["retry-after"]; got != want {
				t.Errorf("retry-after = %q, want %q", got, want)
			}
			if strings.Contains(res.Body, "secret detail") {
				t.Errorf("internal error text reached the client: %s", res.Body)
			}
		})
	}
}

func TestNewRequest(t *testing.T) {
	ev := events.APIGatewayV2HTTPRequest{
		RawPath:         "/things/7",
		RawQueryString:  "a=1&a=2&b=x",
		Headers:         map[string]string{"Content-Type": "application/x-www-form-urlencoded", "x-forwarded-proto": "http"},
		Body:            base64.StdEncoding.EncodeToString([]byte("name=%D0%98")),
		IsBase64Encoded: true,
		PathParameters:  map[string]string{"id": "7"},
		Cookies:         []string{"s=1", "lang=en"},
	}
	ev.RequestContext.DomainName = "127.0.0.1:3000"
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": "u1", "cognito:groups": "[managers]"}},
	}
	r, err := NewRequest(ev)
	if err != nil {
		t.Fatal(err)
	}
	form, err := r.Form(1024)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{
		"name": form.Get("name"), "a": r.Query["a"], "id": r.Param("id"), "base": r.BaseURL,
		"cookie": r.Cookie("lang"), "user": r.Principal.UserID, "ct": r.MediaType(),
	}
	want := map[string]any{
		"name": "И", "a": []string{"1", "2"}, "id": "7", "base": "http://127.0.0.1:3000",
		"cookie": "en", "user": "u1", "ct": "application/x-www-form-urlencoded",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request mismatch (-want +got):\n%s", diff)
	}
	if _, err := r.Form(3); !apperr.Is(err, apperr.TooLarge) {
		t.Errorf("oversize form: %v", err)
	}
	if err := r.DecodeJSON(&struct{}{}, 100); !apperr.Is(err, apperr.UnsupportedMedia) {
		t.Errorf("JSON from a form body: %v", err)
	}
}

func TestResponsesCarrySafetyHeaders(t *testing.T) {
	res, _ := serve(t, func(context.Context, *Request) (*Response, error) {
		return HTML(200, "<p>hi</p>", "http://127.0.0.1:4566"), nil
	}, events.APIGatewayV2HTTPRequest{})
	for _, h := range []string{"x-content-type-options", "referrer-policy", "content-security-policy", "x-frame-options"} {
		if res.Headers[h] == "" {
			t.Errorf("HTML response lacks %s", h)
		}
	}
	if csp := res.Headers["content-security-policy"]; !strings.Contains(csp, "form-action 'self' http://127.0.0.1:4566") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP = %s", csp)
	}
	bin, _ := serve(t, func(context.Context, *Request) (*Response, error) {
		return Bytes(200, "image/png", []byte{1, 2, 3}), nil
	}, events.APIGatewayV2HTTPRequest{})
	if !bin.IsBase64Encoded || bin.Body != base64.StdEncoding.EncodeToString([]byte{1, 2, 3}) {
		t.Errorf("binary response = %+v", bin)
	}
}
