package gateway

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/claimsdesk/backend/infra/local/cognito"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden event files in testdata/")

var (
	requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{15}=$`)
	tracePattern     = regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`)
)

// eventRoutes is the route table of the event mapping tests.
var eventRoutes = []Route{
	{Method: "GET", Path: "/v1/orders", Function: "orders"},
	{Method: "POST", Path: "/v1/orders", Function: "orders"},
	{Method: "GET", Path: "/v1/orders/{id}/notes/{note}", Function: "orders"},
	{Method: "ANY", Path: "/v1/orders/{id}", Function: "orders-any"},
	{Method: "POST", Path: "/v1/orders/{id}", Function: "orders-post"},
	{Method: "GET", Path: "/v1/me", Function: "orders", Authorizer: "cognito"},
	{Method: "GET", Path: "/files/{proxy+}", Function: "files"},
	{Path: "$default", Function: "fallback"},
}

// TestEventMapping checks each mapped event field for field against a golden
// file. Only requestId and the generated trace ID vary between runs; they
// are checked against their formats and replaced by placeholders.
func TestEventMapping(t *testing.T) {
	idToken := token(t, cognito.TokenRequest{
		Subject: "7d8ca528-4931-4254-9273-ea5ee853f271", Username: "alice", Email: "alice@example.com",
		Attributes: map[string]string{"custom:tenant_id": "T-1001"}, Groups: []string{"editors"},
		Extra: map[string]any{"jti": "jti-1", "origin_jti": "ojti-1", "event_id": "ev-1"},
	})
	png := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0x0d, 0xff, 0xfe}
	tests := []struct {
		name       string
		req        request
		wantFunc   string
		wantGolden string
	}{
		{"get without query", request{target: "/v1/orders", headers: [][2]string{{"User-Agent", "curl/8.5.0"}, {"Accept", "*/*"}}}, "orders", "get-no-query"},
		{"repeated headers", request{target: "/v1/orders", headers: [][2]string{{"Accept", "application/json"}, {"Accept", "text/plain"}, {"X-Tenant-Tag", "a"}, {"x-tenant-tag", "b"}, {"Connection", "keep-alive"}}}, "orders", "repeated-headers"},
		{"cookies", request{target: "/v1/orders", headers: [][2]string{{"Cookie", "session=abc; theme=dark"}, {"Cookie", "lang=de"}}}, "orders", "cookies"},
		{"repeated query keys", request{target: "/v1/orders?status=open&status=closed&q=a%20b+c&flag&empty=", headers: nil}, "orders", "repeated-query"},
		{"json body as text", request{method: "POST", target: "/v1/orders", headers: [][2]string{{"Content-Type", "application/json; charset=utf-8"}}, body: []byte(`{"vin":"WVWZZZ1JZXW000001","note":"é"}`)}, "orders", "json-body"},
		{"form body as base64", request{method: "POST", target: "/v1/orders", headers: [][2]string{{"Content-Type", "application/x-www-form-urlencoded"}}, body: []byte("a=1&b=two")}, "orders", "form-body"},
		{"missing content type as base64", request{method: "POST", target: "/v1/orders", body: []byte(`{"vin":"x"}`)}, "orders", "no-content-type"},
		{"binary body", request{method: "POST", target: "/v1/orders", headers: [][2]string{{"Content-Type", "image/png"}}, body: png}, "orders", "binary-body"},
		{"greedy path", request{target: "/files/tenants/T-1/photo%201.jpg"}, "files", "greedy-path"},
		{"path parameters decoded", request{target: "/v1/orders/ORD%2F42/notes/n%C3%A9"}, "orders", "path-params"},
		{"specific method beats ANY", request{method: "POST", target: "/v1/orders/ORD-1"}, "orders-post", "specific-method"},
		{"ANY when no specific method", request{method: "DELETE", target: "/v1/orders/ORD-1"}, "orders-any", "any-method"},
		{"HEAD does not match GET", request{method: "HEAD", target: "/v1/orders"}, "fallback", "head-default"},
		{"default route", request{target: "/nowhere?x=1"}, "fallback", "default-route"},
		{"forwarded for appended", request{target: "/v1/orders", headers: [][2]string{{"X-Forwarded-For", "203.0.113.7"}, {"X-Amzn-Trace-Id", "Root=1-65f0a1b2-0123456789abcdef01234567"}}}, "orders", "forwarded"},
		{"jwt claims", request{target: "/v1/me", headers: [][2]string{{"Authorization", "Bearer " + idToken}}}, "orders", "jwt-claims"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{}
			g := newTestGateway(t, inv, func(c *Config) { c.Routes = eventRoutes })
			w := serve(g, tt.req.build())
			if w.Code != 200 {
				t.Fatalf("status %d, body %s", w.Code, w.Body)
			}
			if diff := cmp.Diff(tt.wantFunc, inv.calls[0].function); diff != "" {
				t.Errorf("function mismatch (-want +got):\n%s", diff)
			}
			raw := inv.calls[0].payload
			checkDecodesStrictly(t, raw)
			got := normalizeEvent(t, inv.lastEvent(t), w.Header().Get("Apigw-Requestid"))

			golden := filepath.Join("testdata", "event-"+tt.wantGolden+".json")
			if *update {
				var b bytes.Buffer
				enc := json.NewEncoder(&b)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				if err := enc.Encode(got); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := readJSON(t, golden)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("event mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// normalizeEvent checks the per-request values against their formats and
// replaces them with placeholders.
func normalizeEvent(t *testing.T, ev map[string]any, responseID string) map[string]any {
	t.Helper()
	rc := ev["requestContext"].(map[string]any)
	id, _ := rc["requestId"].(string)
	if !requestIDPattern.MatchString(id) {
		t.Errorf("requestId %q does not look like API Gateway's", id)
	}
	if id != responseID {
		t.Errorf("requestId %q differs from the apigw-requestid header %q", id, responseID)
	}
	rc["requestId"] = "<requestId>"
	headers := ev["headers"].(map[string]any)
	trace, _ := headers["x-amzn-trace-id"].(string)
	if !tracePattern.MatchString(trace) {
		t.Errorf("x-amzn-trace-id %q has the wrong format", trace)
	}
	if trace != "Root=1-65f0a1b2-0123456789abcdef01234567" {
		headers["x-amzn-trace-id"] = "<traceId>"
	}
	// Test tokens are signed with a key generated per run.
	if auth, ok := headers["authorization"].(string); ok {
		headers["authorization"] = regexp.MustCompile(`[\w-]+\.[\w-]+\.[\w-]+`).ReplaceAllString(auth, "<token>")
	}
	return ev
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v (run with -update to create it)", path, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return m
}

// checkDecodesStrictly decodes the event into aws-lambda-go's type,
// refusing unknown fields, as a function built with it would receive it.
func checkDecodesStrictly(t *testing.T, raw []byte) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var ev events.APIGatewayV2HTTPRequest
	if err := dec.Decode(&ev); err != nil {
		t.Errorf("event does not decode into events.APIGatewayV2HTTPRequest: %v\n%s", err, raw)
	}
}

// TestEventShapeMatchesDocumentation compares the structure (the object
// keys, recursively) of an event with the payload format 2.0 example from
// the AWS documentation. Keys of data maps (headers, claims, parameters) are
// not compared. stageVariables and requestContext.authentication are
// left out: the local stack has no stage variables and no mutual TLS.
func TestEventShapeMatchesDocumentation(t *testing.T) {
	doc := readJSON(t, filepath.Join("testdata", "aws-http-api-payload-v2.json"))
	delete(doc, "stageVariables")
	delete(doc["requestContext"].(map[string]any), "authentication")

	inv := &fakeInvoker{}
	g := newTestGateway(t, inv, func(c *Config) {
		c.Routes = []Route{{Method: "POST", Path: "/my/{parameter1}", Function: "f", Authorizer: "cognito"}}
	})
	tok := token(t, cognito.TokenRequest{Use: "access", Scopes: []string{"scope1", "scope2"}})
	serve(g, request{
		method: "POST",
		target: "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
		headers: [][2]string{
			{"Authorization", tok}, {"Cookie", "cookie1; cookie2"}, {"Header1", "value1"},
			{"Header2", "value1"}, {"Header2", "value2"}, {"Content-Type", "text/plain"},
		},
		body: []byte("Hello from Lambda"),
	}.build())
	got := inv.lastEvent(t)

	dataMaps := []string{"headers", "queryStringParameters", "pathParameters", "claims"}
	if diff := cmp.Diff(shape(doc, dataMaps), shape(got, dataMaps)); diff != "" {
		t.Errorf("event shape mismatch (-want +got):\n%s", diff)
	}
	// The values that the documented example pins down.
	for _, c := range []struct{ path, want string }{
		{"version", "2.0"},
		{"rawQueryString", "parameter1=value1&parameter1=value2&parameter2=value"},
		{"requestContext.stage", "$default"},
		{"requestContext.http.protocol", "HTTP/1.1"},
		{"headers.header2", "value1,value2"},
		{"queryStringParameters.parameter1", "value1,value2"},
	} {
		if diff := cmp.Diff(c.want, lookup(got, c.path)); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", c.path, diff)
		}
	}
	if diff := cmp.Diff([]any{"cookie1", "cookie2"}, got["cookies"]); diff != "" {
		t.Errorf("cookies mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"scope1", "scope2"}, lookup(got, "requestContext.authorizer.jwt.scopes")); diff != "" {
		t.Errorf("scopes mismatch (-want +got):\n%s", diff)
	}
}

// shape returns the sorted key paths of v, not descending into dataMaps.
func shape(v any, dataMaps []string) []string {
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k, child := range m {
			p := strings.TrimPrefix(prefix+"."+k, ".")
			out = append(out, p)
			if !slices.Contains(dataMaps, k) {
				walk(p, child)
			}
		}
	}
	walk("", v)
	slices.Sort(out)
	return out
}

func lookup(v any, path string) any {
	for part := range strings.SplitSeq(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}
