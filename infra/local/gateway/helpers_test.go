package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/claimsdesk/backend/infra/local/cognito"
)

// testNow is the pinned clock of most tests.
var testNow = time.Date(2026, 3, 12, 19, 3, 58, 123_000_000, time.UTC)

const (
	testIssuerURL = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_LOCAL"
	testClientID  = "localclient"
	testHost      = "abc123.execute-api.eu-west-1.localhost:3000"
)

// The local issuer is what the local stack plugs in as a KeySource.
var _ KeySource = (*cognito.Issuer)(nil)

// Key generation is slow, so the test issuers are made once.
var (
	testIssuer = sync.OnceValue(func() *cognito.Issuer {
		return cognito.NewIssuer(newKey(), testIssuerURL, testClientID)
	})
	otherKey = sync.OnceValue(newKey)
)

func newKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// fakeInvoker records invokes and answers with respond, or with a small
// structured 200 when respond is nil.
type fakeInvoker struct {
	mu       sync.Mutex
	calls    []fakeCall
	respond  func(ctx context.Context, function string, payload []byte) (InvokeResult, error)
	finished chan struct{} // closed by tests whose invoker must outlive the request
}

type fakeCall struct {
	function string
	payload  []byte
}

func (f *fakeInvoker) Invoke(ctx context.Context, function string, payload []byte) (InvokeResult, error) {
	f.mu.Lock()
	f.calls = append(f.calls, fakeCall{function, bytes.Clone(payload)})
	f.mu.Unlock()
	if f.respond != nil {
		return f.respond(ctx, function, payload)
	}
	return InvokeResult{Payload: []byte(`{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"ok\":true}"}`)}, nil
}

func (f *fakeInvoker) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// lastEvent decodes the payload of the last invoke.
func (f *fakeInvoker) lastEvent(t *testing.T) map[string]any {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		t.Fatal("the function was not invoked")
	}
	var ev map[string]any
	if err := json.Unmarshal(f.calls[len(f.calls)-1].payload, &ev); err != nil {
		t.Fatalf("event is not JSON: %v\n%s", err, f.calls[len(f.calls)-1].payload)
	}
	return ev
}

func respondWith(payload string) func(context.Context, string, []byte) (InvokeResult, error) {
	return func(context.Context, string, []byte) (InvokeResult, error) {
		return InvokeResult{Payload: []byte(payload)}, nil
	}
}

// newTestGateway builds a gateway around a fake invoker with the pinned
// clock and the test issuer's authorizer registered as "cognito".
func newTestGateway(t testing.TB, inv *fakeInvoker, edit func(*Config)) *Gateway {
	t.Helper()
	cfg := Config{
		APIID:     "abc123",
		Region:    "eu-west-1",
		AccountID: "123456789012",
		Authorizers: map[string]JWTAuthorizer{
			"cognito": {
				IdentitySource: "$request.header.Authorization",
				Issuer:         testIssuerURL,
				Audience:       []string{testClientID},
				Keys:           testIssuer(),
			},
		},
		Invoker: inv,
		Now:     func() time.Time { return testNow },
	}
	if edit != nil {
		edit(&cfg)
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

// request describes a test request.
type request struct {
	method  string
	target  string
	headers [][2]string
	body    []byte
}

func (rq request) build() *http.Request {
	var body io.Reader
	if rq.body != nil {
		body = bytes.NewReader(rq.body)
	}
	method := rq.method
	if method == "" {
		method = http.MethodGet
	}
	r := httptest.NewRequest(method, rq.target, body)
	r.Host = testHost
	r.RemoteAddr = "192.0.2.10:51234"
	for _, h := range rq.headers {
		r.Header.Add(h[0], h[1])
	}
	return r
}

func serve(g *Gateway, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	return w
}

// token issues a token from the test issuer at testNow.
func token(t testing.TB, req cognito.TokenRequest) string {
	t.Helper()
	if req.Subject == "" {
		req.Subject = "7d8ca528-4931-4254-9273-ea5ee853f271"
	}
	tok, err := testIssuer().Token(req, testNow)
	if err != nil {
		t.Fatalf("issue token: %v", err)
	}
	return tok
}

// jsonLogger returns a logger writing JSON lines to buf.
func jsonLogger(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, nil))
}
