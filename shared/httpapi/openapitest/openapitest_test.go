package openapitest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	// The self-test drives the real handlers through Router.Serve, the
	// Lambda entry point, so it builds the gateway's event like the local
	// gateway does.
	"github.com/aws/aws-lambda-go/events"

	"github.com/claimsdesk/backend/infra/seed"
	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/documents"
	"github.com/claimsdesk/backend/shared/httpapi"
	"github.com/claimsdesk/backend/shared/httpapi/openapitest"
	"github.com/claimsdesk/backend/shared/qrcode"
	"github.com/claimsdesk/backend/shared/qrcode/qrimage"
)

// recorder is a testing.TB that keeps the failures instead of failing.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// expect checks what a recorder caught: nothing when want is "", else one
// failure that mentions want.
func expect(t *testing.T, name string, r *recorder, want string) {
	t.Helper()
	switch {
	case want == "" && len(r.failures) > 0:
		t.Errorf("%s: want no failure, got:\n%s", name, strings.Join(r.failures, "\n"))
	case want != "" && len(r.failures) != 1:
		t.Errorf("%s: want one failure mentioning %q, got %d: %q", name, want, len(r.failures), r.failures)
	case want != "" && !strings.Contains(r.failures[0], want):
		t.Errorf("%s: the failure does not mention %q:\n%s", name, want, r.failures[0])
	}
}

func jsonHeader() http.Header { return http.Header{"content-type": {"application/json"}} }

func TestResponse(t *testing.T) {
	v := openapitest.New(t)
	tests := []struct {
		name   string
		method string
		path   string
		status int
		header http.Header
		body   string
		want   string // "" = valid; else a part of the failure message
	}{
		{name: "healthy", method: "GET", path: "/health", status: 200, header: jsonHeader(),
			body: `{"status":"ok","checks":{"table":"ok"}}`},
		{name: "full URL, any host, query", method: "GET", path: "http://127.0.0.1:4321/health?verbose=1", status: 200,
			header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, body: `{"status":"ok","checks":{"table":"ok"}}`},
		{name: "table down", method: "GET", path: "/health", status: 503, header: jsonHeader(),
			body: `{"status":"unavailable","checks":{"table":"failing"}}`},
		{name: "gateway timeout", method: "GET", path: "/health", status: 503, header: jsonHeader(),
			body: `{"message":"Service Unavailable"}`},
		{name: "unknown status value", method: "GET", path: "/health", status: 200, header: jsonHeader(),
			body: `{"status":"fine","checks":{"table":"ok"}}`, want: "at /status"},
		{name: "missing property", method: "GET", path: "/health", status: 200, header: jsonHeader(),
			body: `{"status":"ok"}`, want: `"checks"`},
		{name: "wrong content type", method: "GET", path: "/health", status: 200,
			header: http.Header{"Content-Type": {"text/html"}}, body: `<p>ok</p>`, want: "text/html"},
		{name: "undocumented status", method: "GET", path: "/health", status: 418, header: jsonHeader(),
			body: `{}`, want: "status is not supported"},
		{name: "unknown route", method: "GET", path: "/nowhere", status: 200, header: jsonHeader(),
			body: `{}`, want: "no such operation in the spec: GET /nowhere"},
		{name: "the gateway's 404 for an unknown route", method: "GET", path: "/v1/claims/a/b", status: 404, header: jsonHeader(),
			body: `{"message":"Not Found"}`},
		{name: "another 404 for an unknown route", method: "GET", path: "/nowhere", status: 404, header: jsonHeader(),
			body: `{"error":{"code":"not_found","message":"no"},"requestId":"r1"}`, want: `the gateway's {"message":"Not Found"}`},
		{name: "escaped slash stays in its segment", method: "GET", path: "/q/%3Cscript%3Ealert%281%29%3C%2Fscript%3E", status: 404,
			header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}, body: `<!doctype html><title>Not found</title>`},
		{name: "required header missing", method: "POST", path: "/v1/qr-codes", status: 201, header: jsonHeader(),
			body: `{"batchId":"B0123456789ABCDEF","codes":[],"labelsUrl":"/v1/qr-batches/B0123456789ABCDEF/labels"}`, want: `"location" missing`},
		{name: "gateway 401", method: "GET", path: "/v1/me", status: 401, header: jsonHeader(),
			body: `{"message":"Unauthorized"}`},
		{name: "handler 401", method: "GET", path: "/v1/me", status: 401, header: jsonHeader(),
			body: `{"error":{"code":"unauthorized","message":"sign-in required"},"requestId":"r1"}`},
		{name: "error code of another status", method: "GET", path: "/v1/claims/RC-2026-000001", status: 404, header: jsonHeader(),
			body: `{"error":{"code":"forbidden","message":"no"},"requestId":"r1"}`, want: "oneOf"},
		{name: "HTML page", method: "GET", path: "/t/AAAAAAAAAAAAAAAAAAAAAAAA", status: 404,
			header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}, body: `<!doctype html><title>Not found</title>`},
	}
	for _, tc := range tests {
		r := &recorder{TB: t}
		v.Response(r, tc.method, tc.path, tc.status, tc.header, []byte(tc.body))
		expect(t, tc.name, r, tc.want)
	}
}

func TestRequest(t *testing.T) {
	v := openapitest.New(t)
	claim := `{"claimant":{"name":"Ivan Petrov","phone":"+79161234567"},"product":{"model":"AB-100"},` +
		`"categoryId":"defect","typeId":"defect_appearance","essence":"The paint peels off the door.","desiredResult":"repair",` +
		`"attachments":[{"zone":"defect_photos","uploadId":"0123456789abcdefghjkmnpq"}]}`
	tests := []struct {
		name   string
		method string
		path   string
		header http.Header
		body   string
		want   string
	}{
		{name: "claim", method: "POST", path: "/v1/claims",
			header: http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {"order-42:attempt.1"}}, body: claim},
		{name: "unknown field", method: "POST", path: "/v1/claims", header: jsonHeader(),
			body: strings.Replace(claim, `"essence"`, `"colour":"red","essence"`, 1), want: "colour"},
		{name: "missing field", method: "POST", path: "/v1/claims", header: jsonHeader(),
			body: strings.Replace(claim, `"desiredResult":"repair",`, ``, 1), want: "desiredResult"},
		{name: "bad idempotency key", method: "POST", path: "/v1/claims",
			header: http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {"has spaces"}}, body: claim, want: `header parameter "Idempotency-Key"`},
		{name: "list", method: "GET", path: "/v1/claims?limit=10&from=2026-01-01&to=2026-02-01T00:00:00Z&stage=new"},
		{name: "limit too high", method: "GET", path: "/v1/claims?limit=500", want: `query parameter "limit"`},
		{name: "public upload of an accepted type", method: "POST", path: "/q/0123456789ABCDEFGHJK/uploads", header: jsonHeader(),
			body: `{"formToken":"abcdefghijklmnopqrstuvwx","typeId":"defect_appearance","zone":"defect_photos","fileName":"a.jpg","contentType":"image/jpg","size":1000}`},
		{name: "public upload of a GIF", method: "POST", path: "/q/0123456789ABCDEFGHJK/uploads", header: jsonHeader(),
			body: `{"formToken":"abcdefghijklmnopqrstuvwx","typeId":"defect_appearance","zone":"defect_photos","contentType":"image/gif","size":1000}`, want: "contentType"},
		{name: "QR form", method: "POST", path: "/q/0123456789ABCDEFGHJK",
			header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			body:   "formToken=abcdefghijklmnopqrstuvwx&name=Ivan&phone=89161234567&typeId=defect_appearance&essence=Paint+peels+off&desiredResult=repair&attachment=defect_photos%3A0123456789abcdefghjkmnpq&attachment=plate%3A0123456789abcdefghjkmnpr&js=1&website="},
	}
	for _, tc := range tests {
		r := &recorder{TB: t}
		v.Request(r, tc.method, tc.path, tc.header, []byte(tc.body))
		expect(t, tc.name, r, tc.want)
	}
}

// --- the real handlers

// exchange is one request to a router and its response.
type exchange struct {
	routeKey string // "GET /v1/qr-codes/{code}"
	path     string // the request's path and query
	roles    []string
	// signedIn without roles: a user in no group.
	signedIn    bool
	contentType string
	body        string
}

// pathParams matches path against the route key's template.
func pathParams(routeKey, path string) map[string]string {
	_, tmpl, _ := strings.Cut(routeKey, " ")
	params := map[string]string{}
	ts, ps := strings.Split(tmpl, "/"), strings.Split(path, "/")
	for i := range min(len(ts), len(ps)) {
		if strings.HasPrefix(ts[i], "{") {
			params[strings.Trim(ts[i], "{}")] = ps[i]
		}
	}
	return params
}

// serve sends x through the router as the gateway would and returns the
// response as an HTTP client sees it.
func serve(t *testing.T, r *apigw.Router, x exchange) (int, http.Header, []byte) {
	t.Helper()
	method, _, _ := strings.Cut(x.routeKey, " ")
	path, query, _ := strings.Cut(x.path, "?")
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: x.routeKey, RawPath: path, RawQueryString: query,
		Headers: map[string]string{}, PathParameters: pathParams(x.routeKey, path), Body: x.body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "req-1", DomainName: "api.claims.test",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, SourceIP: "192.0.2.1"},
		},
	}
	if x.contentType != "" {
		ev.Headers["content-type"] = x.contentType
	}
	if x.roles != nil || x.signedIn {
		claims := map[string]string{"sub": "user-1", "cognito:username": "user-1"}
		if len(x.roles) > 0 {
			claims["cognito:groups"] = "[" + strings.Join(x.roles, " ") + "]"
		}
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		}
	}
	res, err := r.Serve(context.Background(), ev)
	if err != nil {
		t.Fatalf("%s: %v", x.routeKey, err)
	}
	header := http.Header{}
	for k, v := range res.Headers {
		header.Set(k, v)
	}
	body := []byte(res.Body)
	if res.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(res.Body); err != nil {
			t.Fatalf("%s: body: %v", x.routeKey, err)
		}
	}
	return res.StatusCode, header, body
}

type pinger struct{ err error }

func (p pinger) Ping(context.Context) error { return p.err }

// catalogStore keeps the catalog in memory.
type catalogStore struct {
	mu  sync.Mutex
	cat catalog.Catalog
}

func (s *catalogStore) Catalog(context.Context) (*catalog.Catalog, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cat
	return &c, nil
}

func (s *catalogStore) PutCategory(_ context.Context, c catalog.Category) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cat.Categories = append(s.cat.Categories, c)
	return nil
}

func (s *catalogStore) PutType(_ context.Context, t catalog.Type) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cat.Types = append(s.cat.Types, t)
	return nil
}

func (s *catalogStore) PutRootCause(_ context.Context, r catalog.RootCause) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cat.RootCauses = append(s.cat.RootCauses, r)
	return nil
}

func (s *catalogStore) PutModel(_ context.Context, m catalog.Model) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cat.Models = append(s.cat.Models, m)
	return nil
}

// qrStore keeps QR records in memory.
type qrStore struct {
	mu      sync.Mutex
	records []qrcode.Record
}

func (s *qrStore) PutQRCodes(_ context.Context, rs []qrcode.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = append(s.records, rs...)
	return nil
}

func (s *qrStore) QRCode(_ context.Context, id string) (*qrcode.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.records {
		if r.ID == id {
			return &r, nil
		}
	}
	return nil, apperr.Errorf(apperr.NotFound, "QR code not found")
}

func (s *qrStore) RevokeQRCodes(_ context.Context, codes []qrcode.Record, rev qrcode.Revocation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range codes {
		for i := range s.records {
			if r := &s.records[i]; r.ID == c.ID && !r.Revoked {
				r.Revoked, r.RevokedAt, r.RevokedBy, r.Reason = true, rev.At, rev.By, rev.Reason
			}
		}
	}
	return nil
}

func (s *qrStore) QRBatch(_ context.Context, batchID string) ([]qrcode.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []qrcode.Record
	for _, r := range s.records {
		if r.BatchID == batchID {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, apperr.Errorf(apperr.NotFound, "QR batch not found")
	}
	return out, nil
}

// TestRealResponses runs the handlers that need no AWS service and checks
// every response, success or error, against the spec.
func TestRealResponses(t *testing.T) {
	v := openapitest.New(t)
	seedCat, err := seed.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	signer, err := qrcode.NewSigner(bytes.Repeat([]byte("k"), qrcode.MinKeyLength))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	cats := &catalogStore{cat: *seedCat}
	qr := &qrStore{}

	healthy, failing := apigw.NewRouter(logger), apigw.NewRouter(logger)
	httpapi.RegisterHealth(healthy, pinger{})
	httpapi.RegisterHealth(failing, pinger{err: fmt.Errorf("table gone")})
	public := apigw.NewRouter(logger)
	(&httpapi.PublicSite{Signer: signer, Catalog: cats, QR: qr, Sample: documents.Sample, Logger: logger}).Register(public)
	claimsAPI := apigw.NewRouter(logger)
	(&httpapi.ClaimsAPI{Catalog: cats}).Register(claimsAPI)
	admin := apigw.NewRouter(logger)
	(&httpapi.AdminAPI{Catalog: cats, QR: qr, Signer: signer, Images: qrimage.Images{}}).Register(admin)

	// check sends x, validates the request when it should be well formed
	// and the response always, and returns the response.
	check := func(r *apigw.Router, x exchange, wantStatus int, wellFormed bool) (http.Header, []byte) {
		t.Helper()
		method, _, _ := strings.Cut(x.routeKey, " ")
		if wellFormed {
			h := http.Header{}
			if x.contentType != "" {
				h.Set("Content-Type", x.contentType)
			}
			v.Request(t, method, x.path, h, []byte(x.body))
		}
		status, header, body := serve(t, r, x)
		if status != wantStatus {
			t.Errorf("%s %s: status %d, want %d; body: %.300s", method, x.path, status, wantStatus, body)
		}
		v.Response(t, method, x.path, status, header, body)
		return header, body
	}
	adminUser, dealer := []string{"admins"}, []string{"dealers"}
	js := "application/json"

	check(healthy, exchange{routeKey: "GET /health", path: "/health"}, 200, true)
	check(failing, exchange{routeKey: "GET /health", path: "/health"}, 503, true)
	check(healthy, exchange{routeKey: "GET /health", path: "/health?a=%zz"}, 400, false)

	check(claimsAPI, exchange{routeKey: "GET /v1/me", path: "/v1/me", roles: []string{"managers", "supervisors"}}, 200, true)
	check(claimsAPI, exchange{routeKey: "GET /v1/me", path: "/v1/me", signedIn: true}, 200, true)
	check(claimsAPI, exchange{routeKey: "GET /v1/me", path: "/v1/me"}, 401, true)
	check(claimsAPI, exchange{routeKey: "GET /v1/catalog", path: "/v1/catalog", roles: dealer}, 200, true)
	check(claimsAPI, exchange{routeKey: "POST /v1/claims", path: "/v1/claims", roles: adminUser, contentType: js, body: `{}`}, 403, false)
	check(claimsAPI, exchange{routeKey: "POST /v1/claims", path: "/v1/claims", roles: dealer, contentType: "text/plain", body: `{}`}, 415, false)
	check(claimsAPI, exchange{routeKey: "POST /v1/claims", path: "/v1/claims", roles: dealer, contentType: js, body: `{"colour":"red"}`}, 400, false)
	check(claimsAPI, exchange{routeKey: "POST /v1/claims", path: "/v1/claims", roles: dealer, contentType: js,
		body: `{"essence":"` + strings.Repeat("x", httpapi.MaxClaimBody) + `"}`}, 413, false)
	check(claimsAPI, exchange{routeKey: "POST /v1/uploads", path: "/v1/uploads", roles: dealer, contentType: js, body: `[1]`}, 400, false)
	check(claimsAPI, exchange{routeKey: "GET /v1/claims", path: "/v1/claims?limit=0", roles: dealer}, 400, false)

	check(public, exchange{routeKey: "GET /samples/{name}", path: "/samples/torg-2.pdf?lang=en"}, 200, true)
	check(public, exchange{routeKey: "GET /samples/{name}", path: "/samples/nothing.pdf"}, 404, false)
	check(public, exchange{routeKey: "GET /q/{code}", path: "/q/0123456789ABCDEFGHJK"}, 404, true)
	check(public, exchange{routeKey: "GET /q/{code}", path: "/q/short"}, 404, false)
	check(public, exchange{routeKey: "POST /q/{code}/uploads", path: "/q/0123456789ABCDEFGHJK/uploads", contentType: js,
		body: `{"formToken":"abcdefghijklmnopqrstuvwx","typeId":"defect_appearance","zone":"defect_photos","contentType":"image/jpeg","size":10}`}, 404, true)
	check(public, exchange{routeKey: "GET /t/{token}", path: "/t/short"}, 404, false)
	check(public, exchange{routeKey: "GET /t/{token}", path: "/t/short?lang=%zz"}, 400, false)

	check(admin, exchange{routeKey: "GET /v1/admin/catalog", path: "/v1/admin/catalog", roles: adminUser}, 200, true)
	check(admin, exchange{routeKey: "GET /v1/admin/catalog", path: "/v1/admin/catalog", roles: dealer}, 403, true)
	check(admin, exchange{routeKey: "GET /v1/admin/catalog", path: "/v1/admin/catalog"}, 401, true)
	check(admin, exchange{routeKey: "PUT /v1/admin/catalog/categories/{id}", path: "/v1/admin/catalog/categories/warranty", roles: adminUser,
		contentType: js, body: `{"name":{"ru":"Гарантия","en":"Warranty"},"order":9,"active":true}`}, 200, true)
	check(admin, exchange{routeKey: "PUT /v1/admin/catalog/categories/{id}", path: "/v1/admin/catalog/categories/warranty", roles: adminUser,
		contentType: js, body: `{"id":"other","name":{"ru":"Гарантия"}}`}, 400, true)
	check(admin, exchange{routeKey: "PUT /v1/admin/catalog/categories/{id}", path: "/v1/admin/catalog/categories/warranty", roles: adminUser,
		contentType: "text/plain", body: `{}`}, 415, false)
	typ, err := json.Marshal(seedCat.Types[0])
	if err != nil {
		t.Fatal(err)
	}
	check(admin, exchange{routeKey: "PUT /v1/admin/catalog/types/{id}", path: "/v1/admin/catalog/types/" + seedCat.Types[0].ID, roles: adminUser,
		contentType: js, body: string(typ)}, 200, true)
	check(admin, exchange{routeKey: "PUT /v1/admin/catalog/types/{id}", path: "/v1/admin/catalog/types/bare", roles: adminUser,
		contentType: js, body: `{"categoryId":"` + seedCat.Types[0].CategoryID + `","name":{"ru":"Тип"},"defaultPriority":"normal"}`}, 200, true)

	_, body := check(admin, exchange{routeKey: "POST /v1/qr-codes", path: "/v1/qr-codes", roles: adminUser, contentType: js,
		body: `{"kind":"serial","model":"AB-100","productName":"Шкаф","series":"S24","serials":["SN-1","SN-2"]}`}, 201, true)
	var batch httpapi.IssueResponse
	if err := json.Unmarshal(body, &batch); err != nil || len(batch.Codes) != 2 {
		t.Fatalf("issue response %s: %v", body, err)
	}
	code := batch.Codes[0].Code
	check(admin, exchange{routeKey: "POST /v1/qr-codes", path: "/v1/qr-codes", roles: adminUser, contentType: js, body: `{"kind":"everything","model":"AB-100"}`}, 400, false)
	check(admin, exchange{routeKey: "GET /v1/qr-codes/{code}", path: "/v1/qr-codes/" + code, roles: adminUser}, 200, true)
	check(admin, exchange{routeKey: "GET /v1/qr-codes/{code}", path: "/v1/qr-codes/" + strings.ToLower(code), roles: adminUser}, 200, true)
	check(admin, exchange{routeKey: "GET /v1/qr-codes/{code}", path: "/v1/qr-codes/0123456789ABCDEFGHJK", roles: adminUser}, 404, true)
	check(admin, exchange{routeKey: "GET /v1/qr-codes/{code}/image", path: "/v1/qr-codes/" + code + "/image", roles: adminUser}, 200, true)
	check(admin, exchange{routeKey: "GET /v1/qr-codes/{code}/image", path: "/v1/qr-codes/" + code + "/image?format=svg", roles: adminUser}, 200, true)
	check(admin, exchange{routeKey: "GET /v1/qr-codes/{code}/image", path: "/v1/qr-codes/" + code + "/image?size=128", roles: adminUser}, 200, true)
	check(admin, exchange{routeKey: "GET /v1/qr-codes/{code}/image", path: "/v1/qr-codes/" + code + "/image?size=5", roles: adminUser}, 400, false)
	check(admin, exchange{routeKey: "GET /v1/qr-codes/{code}/image", path: "/v1/qr-codes/" + code + "/image?format=gif", roles: adminUser}, 400, false)
	check(admin, exchange{routeKey: "GET /v1/qr-batches/{batchId}", path: "/v1/qr-batches/" + batch.BatchID, roles: adminUser}, 200, true)
	check(admin, exchange{routeKey: "GET /v1/qr-batches/{batchId}", path: "/v1/qr-batches/B0000000000000000", roles: adminUser}, 404, true)
	check(admin, exchange{routeKey: "GET /v1/qr-batches/{batchId}/labels", path: "/v1/qr-batches/" + batch.BatchID + "/labels", roles: adminUser}, 200, true)

	// The QR form of an issued code, through the public router.
	check(public, exchange{routeKey: "GET /q/{code}", path: "/q/" + code + "?lang=en"}, 200, true)
	check(public, exchange{routeKey: "POST /q/{code}", path: "/q/" + code, contentType: "text/plain", body: "x"}, 415, false)
	check(public, exchange{routeKey: "POST /q/{code}", path: "/q/" + code, contentType: "application/x-www-form-urlencoded",
		body: url.Values{"formToken": {"abcdefghijklmnopqrstuvwx"}, "website": {"http://spam.example"}}.Encode()}, 400, false)
}
