package gateway

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/claimsdesk/backend/infra/local/cognito"
)

// discardWriter is a minimal ResponseWriter, so the benchmark measures the
// gateway rather than httptest's recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

type staticInvoker struct{ payload []byte }

func (s staticInvoker) Invoke(context.Context, string, []byte) (InvokeResult, error) {
	return InvokeResult{Payload: s.payload}, nil
}

// BenchmarkGatewayOverhead measures what the gateway adds to a request with
// an in-memory function: routing, authorization, event encoding, response
// mapping and the access log (to a discarding handler).
func BenchmarkGatewayOverhead(b *testing.B) {
	inv := staticInvoker{payload: []byte(`{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"id\":\"ORD-1\",\"status\":\"open\"}"}`)}
	g, err := New(Config{
		APIID: "abc123", AccountID: "123456789012",
		Authorizers: map[string]JWTAuthorizer{"cognito": {Issuer: testIssuerURL, Audience: []string{testClientID}, Keys: testIssuer()}},
		Routes: []Route{
			{Method: "GET", Path: "/health", Function: "health"},
			{Method: "GET", Path: "/v1/orders/{id}", Function: "orders", Authorizer: "cognito"},
		},
		Invoker: inv,
		Now:     func() time.Time { return testNow },
	})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := testIssuer().Token(cognito.TokenRequest{Subject: "u-1", Username: "alice", Email: "a@example.com", Groups: []string{"editors"}, Attributes: map[string]string{"custom:tenant_id": "T-1"}}, testNow)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name    string
		target  string
		headers [][2]string
	}{
		{"public", "/health", nil},
		{"jwt", "/v1/orders/ORD-1?expand=notes", [][2]string{{"Authorization", "Bearer " + tok}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			base := request{target: bc.target, headers: append([][2]string{
				{"User-Agent", "Mozilla/5.0"}, {"Accept", "application/json"}, {"Accept-Encoding", "gzip"},
			}, bc.headers...)}.build()
			// One checked request, which also warms the token cache.
			if rec := serve(g, base); rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				g.ServeHTTP(w, base)
			}
		})
	}
}
