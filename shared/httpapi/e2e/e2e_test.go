// Package e2e_test holds the end-to-end tests of the API functions: they
// share one local stack of the project per test binary (the real gateway
// with its JWT authorizer, the functions' bootstraps, DynamoDB, S3, SQS and
// SES), drive it through HTTP as its users do, and check every exchange
// against openapi.yaml. Under -short they are skipped: the unit tests of
// package httpapi run without a stack.
//
// Layer: testing.
package e2e_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimsdesk/backend/infra/local/stack"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/httpapi/openapitest"
)

// The end-to-end tests share one local stack of the project: the real
// gateway, functions, DynamoDB, S3, SQS and SES.
var local *stack.Stack

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("end-to-end tests skipped under -short (they boot a local stack)")
		os.Exit(0)
	}
	os.Exit(st.Main(m, func(s *stack.Stack) { local = s }))
}

// user is a signed-in caller of the API.
type user struct {
	role, id, dealer string
	token            string
}

func newUser(t testing.TB, role, id, dealer string) *user {
	t.Helper()
	tok, err := local.Token(stack.TokenRequest{Role: role, User: id, Claims: map[string]string{"custom:dealer_id": dealer}, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return &user{role: role, id: id, dealer: dealer, token: tok}
}

// spec checks every API exchange of the tests against openapi.yaml.
var (
	spec     *openapitest.Validator
	specOnce sync.Once
)

func (u *user) do(t testing.TB, method, path string, body any, headers ...string) *st.Response {
	t.Helper()
	tok := ""
	if u != nil {
		tok = u.token
	}
	r := st.Do(t, method, local.APIURL+path, tok, body, headers...)
	specOnce.Do(func() { spec = openapitest.New(t) })
	spec.Response(t, method, path, r.Status, r.Header, r.Body)
	return r
}

// errorFields returns the field names of an API error body.
func errorFields(t testing.TB, r *st.Response) []string {
	t.Helper()
	var b apigw.ErrorBody
	if err := json.Unmarshal(r.Body, &b); err != nil {
		t.Fatalf("not an error body (%d): %s", r.Status, r.Body)
	}
	var out []string
	for _, f := range b.Error.Fields {
		out = append(out, f.Field)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, want string) bool {
	for _, v := range list {
		if v == want {
			return true
		}
	}
	return false
}

// claimBody is a valid claim for the staff_conduct type (no photos required).
func claimBody(mut ...func(map[string]any)) map[string]any {
	b := map[string]any{
		"claimant":   map[string]any{"name": "Анна Смирнова", "email": "anna@example.com", "phone": "+7 903 111-22-33"},
		"product":    map[string]any{"model": "TH-2000", "serial": "SN-77", "series": "2026-11"},
		"order":      map[string]any{"reference": "ORD-1001"},
		"categoryId": "service", "typeId": "staff_conduct",
		"essence":       "Монтажник нагрубил и ушёл, не закончив работу.",
		"desiredResult": "other",
	}
	for _, m := range mut {
		m(b)
	}
	return b
}

type claimOut struct {
	Claim struct {
		ID           string   `json:"id"`
		Stage        string   `json:"stage"`
		DealerID     string   `json:"dealerId"`
		Channel      string   `json:"channel"`
		Assignee     string   `json:"assignee"`
		Essence      string   `json:"essence"`
		CustomerID   string   `json:"customerId"`
		MissingZones []string `json:"missingZones"`
		Claimant     struct {
			Email string `json:"email"`
			Phone string `json:"phone"`
		} `json:"claimant"`
	} `json:"claim"`
	TrackingURL string `json:"trackingUrl"`
}

func createClaim(t testing.TB, u *user, body any, headers ...string) (*st.Response, claimOut) {
	t.Helper()
	r := u.do(t, "POST", "/v1/claims", body, headers...)
	var out claimOut
	if r.Status == 201 || r.Status == 200 {
		r.JSON(t, &out)
	}
	return r, out
}

// claimCount is the number of claims a supervisor sees in the registry.
func claimCount(t testing.TB) int {
	t.Helper()
	return listCount(t, newUser(t, "supervisors", "supervisor-count", ""), "")
}

func TestIntakeRefusesBadInput(t *testing.T) {
	erp := newUser(t, "integrations", "erp-bad-input", "")
	before := claimCount(t)
	tests := []struct {
		name       string
		body       any
		headers    []string
		wantStatus int
		wantFields []string
	}{
		{"malformed JSON", `{"claimant": {"name": "x"`, []string{"Content-Type", "application/json"}, 400, []string{"body"}},
		{"not JSON at all", "claimant=x", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, nil},
		{"wrong type", claimBody(func(b map[string]any) { b["claimant"] = "Анна" }), nil, 400, []string{"claimant"}},
		{"number as string", claimBody(func(b map[string]any) {
			b["order"] = map[string]any{"reference": "O-1", "items": []any{map[string]any{"sku": "A", "quantity": "two"}}}
		}), nil, 400, []string{"order.items.quantity"}},
		{"unknown field", claimBody(func(b map[string]any) { b["isAdmin"] = true }), nil, 400, []string{"isAdmin"}},
		{"missing required fields", map[string]any{"categoryId": "service", "typeId": "staff_conduct"}, nil, 400,
			[]string{"claimant.email", "claimant.name", "desiredResult", "essence", "product.model"}},
		{"unknown category", claimBody(func(b map[string]any) { b["categoryId"] = "magic" }), nil, 400, []string{"categoryId"}},
		{"type of another category", claimBody(func(b map[string]any) { b["typeId"] = "overheating" }), nil, 400, []string{"typeId"}},
		{"missing photos", claimBody(func(b map[string]any) {
			b["categoryId"], b["typeId"] = "defect", "cosmetic"
		}), nil, 400, []string{"attachments.defect", "attachments.product"}},
		{"required by type", claimBody(func(b map[string]any) {
			b["categoryId"], b["typeId"] = "quantity", "shortage"
			b["attachments"] = []any{}
		}), nil, 400, []string{"attachments.documents", "order.items"}},
		{"bad contacts", claimBody(func(b map[string]any) {
			b["claimant"] = map[string]any{"name": "A B", "email": "not-an-email", "phone": "call me"}
		}), nil, 400, []string{"claimant.email", "claimant.phone"}},
		{"future purchase date", claimBody(func(b map[string]any) {
			b["product"] = map[string]any{"model": "TH-2000", "purchaseDate": "2099-01-01"}
		}), nil, 400, []string{"product.purchaseDate"}},
		{"priority from a non-staff caller", claimBody(func(b map[string]any) { b["priority"] = "critical" }), nil, 400, []string{"priority"}},
		{"bad idempotency key", claimBody(), []string{"Idempotency-Key", "has spaces in it"}, 400, []string{"Idempotency-Key"}},
		{"oversize body", claimBody(func(b map[string]any) { b["essence"] = strings.Repeat("я", 300_000) }), nil, 413, nil},
		{"attachment from nowhere", claimBody(func(b map[string]any) {
			b["attachments"] = []any{map[string]any{"zone": "documents", "uploadId": "0123456789abcdefghjkmnpq"}}
		}), nil, 400, []string{"attachments[0].uploadId"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := erp.do(t, "POST", "/v1/claims", tt.body, tt.headers...)
			if r.Status != tt.wantStatus {
				t.Fatalf("status = %d (%s), want %d", r.Status, r.Body, tt.wantStatus)
			}
			fields := errorFields(t, r)
			for _, f := range tt.wantFields {
				if !contains(fields, f) {
					t.Errorf("error fields %v lack %s", fields, f)
				}
			}
		})
	}
	// The gateway refuses anything over 10 MB before the function runs.
	huge := erp.do(t, "POST", "/v1/claims", strings.Repeat("x", 11<<20), "Content-Type", "application/json")
	if huge.Status != 413 || !strings.Contains(string(huge.Body), "Request Entity Too Large") {
		t.Errorf("11 MB body = %d %s", huge.Status, huge.Body)
	}
	if after := claimCount(t); after != before {
		t.Errorf("refused requests wrote claims: %d before, %d after", before, after)
	}
}

func TestScriptInTextIsStoredVerbatimAndEscaped(t *testing.T) {
	dealer := newUser(t, "dealers", "dealer-xss", "DLR-XSS")
	payload := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	r, out := createClaim(t, dealer, claimBody(func(b map[string]any) {
		b["essence"] = "Проблема: " + payload
		b["claimant"] = map[string]any{"name": `Иван "><svg onload=alert(1)>`, "email": "xss@example.com"}
	}))
	if r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	if out.Claim.Essence != "Проблема: "+payload {
		t.Errorf("essence stored as %q, want the text as typed", out.Claim.Essence)
	}
	if bytes.Contains(r.Body, []byte("<script>")) {
		t.Errorf("JSON response carries raw markup: %s", r.Body)
	}
	page := st.Do(t, "GET", out.TrackingURL, "", nil)
	if page.Status != 200 {
		t.Fatalf("tracking page = %d", page.Status)
	}
	for _, raw := range []string{"<script>alert", "<img src=x", "<svg onload"} {
		if bytes.Contains(page.Body, []byte(raw)) {
			t.Errorf("tracking page shows %q unescaped", raw)
		}
	}
}

func TestDealersSeeOnlyTheirOwnClaims(t *testing.T) {
	a := newUser(t, "dealers", "dealer-a", "DLR-A")
	b := newUser(t, "dealers", "dealer-b", "DLR-B")
	r, claim := createClaim(t, a, claimBody(func(m map[string]any) { m["channel"] = "dealer_form" }))
	if r.Status != 201 || claim.Claim.DealerID != "DLR-A" || claim.Claim.Channel != "dealer_form" {
		t.Fatalf("create as dealer A = %d %s", r.Status, r.Body)
	}
	id := claim.Claim.ID
	tests := []struct {
		name   string
		u      *user
		method string
		path   string
		body   any
		want   int
	}{
		{"owner opens it", a, "GET", "/v1/claims/" + id, nil, 200},
		{"other dealer gets not found", b, "GET", "/v1/claims/" + id, nil, 404},
		{"other dealer cannot upload to it", b, "POST", "/v1/claims/" + id + "/attachments", map[string]any{"zone": "documents", "fileName": "a.pdf", "contentType": "application/pdf", "size": 10}, 404},
		{"other dealer cannot file for it", b, "POST", "/v1/claims", claimBody(func(m map[string]any) { m["dealerId"] = "DLR-A" }), 403},
		{"other dealer cannot list it", b, "GET", "/v1/claims?dealerId=DLR-A", nil, 403},
		{"unassigned manager gets not found", newUser(t, "managers", "manager-x", ""), "GET", "/v1/claims/" + id, nil, 404},
		{"supervisor opens it", newUser(t, "supervisors", "sup-1", ""), "GET", "/v1/claims/" + id, nil, 200},
		{"admin cannot file claims", newUser(t, "admins", "adm", ""), "POST", "/v1/claims", claimBody(), 403},
		{"no token", nil, "GET", "/v1/claims/" + id, nil, 401},
		{"not a claim number", a, "GET", "/v1/claims/../../etc", nil, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.u.do(t, tt.method, tt.path, tt.body)
			if r.Status != tt.want {
				t.Errorf("%s %s = %d (%s), want %d", tt.method, tt.path, r.Status, r.Body, tt.want)
			}
		})
	}
	var page struct {
		Claims []struct {
			ID       string `json:"id"`
			DealerID string `json:"dealerId"`
		} `json:"claims"`
	}
	b.do(t, "GET", "/v1/claims", nil).JSON(t, &page)
	for _, c := range page.Claims {
		if c.DealerID != "DLR-B" {
			t.Errorf("dealer B's list has %s of dealer %s", c.ID, c.DealerID)
		}
	}
}

func TestIdempotencyKey(t *testing.T) {
	erp := newUser(t, "integrations", "erp-idem", "")
	body := claimBody(func(m map[string]any) {
		m["essence"] = "Повторная отправка из ERP, ключ идемпотентности."
	})
	first, c1 := createClaim(t, erp, body, "Idempotency-Key", "erp-order-77")
	if first.Status != 201 {
		t.Fatalf("first = %d %s", first.Status, first.Body)
	}
	again, c2 := createClaim(t, erp, body, "Idempotency-Key", "erp-order-77")
	if again.Status != 200 || c2.Claim.ID != c1.Claim.ID || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay = %d id %s (want 200, %s, Idempotent-Replayed)", again.Status, c2.Claim.ID, c1.Claim.ID)
	}
	other := claimBody(func(m map[string]any) {
		m["essence"] = "Другой текст с тем же ключом идемпотентности."
	})
	conflict, _ := createClaim(t, erp, other, "Idempotency-Key", "erp-order-77")
	if conflict.Status != 422 || !contains(errorFields(t, conflict), "Idempotency-Key") {
		t.Errorf("same key, other body = %d %s, want 422 naming Idempotency-Key", conflict.Status, conflict.Body)
	}
	// Keys belong to their caller: another system may use the same key.
	other2 := newUser(t, "integrations", "erp-other", "")
	r, c3 := createClaim(t, other2, body, "Idempotency-Key", "erp-order-77")
	if r.Status != 201 || c3.Claim.ID == c1.Claim.ID {
		t.Errorf("another caller's key = %d %s", r.Status, c3.Claim.ID)
	}
}

func TestPhoneClaimIsAssignedLikeAnyOther(t *testing.T) {
	m := newUser(t, "managers", "manager-phone", "")
	r, c := createClaim(t, m, claimBody(func(b map[string]any) {
		b["claimant"] = map[string]any{"name": "Пётр Иванов", "phone": "8 (916) 555-44-33"}
		b["priority"] = "high"
	}))
	if r.Status != 201 || c.Claim.Channel != "phone" || c.Claim.Claimant.Phone != "+79165554433" {
		t.Fatalf("phone intake = %d %s", r.Status, r.Body)
	}
	// The service category's managers in the demo roster.
	if a := c.Claim.Assignee; a != "manager-1" && a != "manager-3" && a != "manager-5" {
		t.Fatalf("assignee = %q, want a manager who handles the service category", a)
	}
	assignee := newUser(t, "managers", c.Claim.Assignee, "")
	if got := assignee.do(t, "GET", "/v1/claims/"+c.Claim.ID, nil); got.Status != 200 {
		t.Errorf("the assigned manager cannot open the claim: %d", got.Status)
	}
	// The manager who took the call is not its manager: they see nothing.
	if got := m.do(t, "GET", "/v1/claims/"+c.Claim.ID, nil); got.Status != 404 {
		t.Errorf("the registering manager opens another's claim: %d, want 404", got.Status)
	}
	if r := m.do(t, "GET", "/v1/claims?assignee=someone-else", nil); r.Status != 403 {
		t.Errorf("a manager listing another's claims = %d, want 403", r.Status)
	}
}

// upload presigns a file through the API and posts it to S3 like a browser.
func upload(t testing.TB, u *user, path string, req map[string]any, content []byte, contentType string) (string, int) {
	t.Helper()
	r := u.do(t, "POST", path, req)
	if r.Status != 201 {
		t.Fatalf("presign %s = %d %s", path, r.Status, r.Body)
	}
	var ticket struct {
		UploadID string            `json:"uploadId"`
		URL      string            `json:"url"`
		Fields   map[string]string `json:"fields"`
	}
	r.JSON(t, &ticket)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	keys := make([]string, 0, len(ticket.Fields))
	for k := range ticket.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		_ = w.WriteField(k, ticket.Fields[k])
	}
	if contentType != ticket.Fields["Content-Type"] {
		_ = w.WriteField("x-ignore-note", "the browser sends its own type below")
	}
	fw, _ := w.CreateFormFile("file", "file")
	_, _ = fw.Write(content)
	_ = w.Close()
	res, err := http.Post(ticket.URL, w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return ticket.UploadID, res.StatusCode
}

var jpeg = append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0}, bytes.Repeat([]byte{0x42}, 4096)...)

func TestUploadsAreCheckedTwice(t *testing.T) {
	dealer := newUser(t, "dealers", "dealer-files", "DLR-FILES")
	ticket := func(zone, ct string, size int) map[string]any {
		return map[string]any{"typeId": "cosmetic", "zone": zone, "fileName": "photo.jpg", "contentType": ct, "size": size}
	}
	if r := dealer.do(t, "POST", "/v1/uploads", ticket("product", "application/x-msdownload", 100)); r.Status != 415 {
		t.Errorf("forbidden media type = %d %s, want 415", r.Status, r.Body)
	}
	if r := dealer.do(t, "POST", "/v1/uploads", ticket("product", "image/jpeg", 500<<20)); r.Status != 413 {
		t.Errorf("oversize file = %d %s, want 413", r.Status, r.Body)
	}
	if r := dealer.do(t, "POST", "/v1/uploads", ticket("nowhere", "image/jpeg", 100)); r.Status != 400 || !contains(errorFields(t, r), "zone") {
		t.Errorf("unknown zone = %d %s", r.Status, r.Body)
	}
	productID, status := upload(t, dealer, "/v1/uploads", ticket("product", "image/jpeg", len(jpeg)), jpeg, "image/jpeg")
	if status != 204 {
		t.Fatalf("S3 upload = %d", status)
	}
	// An executable declared as a JPEG passes S3's policy (the declared type
	// matches) but not the content check on submit.
	exe := append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{0}, 1000)...)
	fakeID, status := upload(t, dealer, "/v1/uploads", ticket("defect", "image/jpeg", len(exe)), exe, "image/jpeg")
	if status != 204 {
		t.Fatalf("S3 upload of the fake = %d", status)
	}
	body := claimBody(func(b map[string]any) {
		b["categoryId"], b["typeId"] = "defect", "cosmetic"
		b["attachments"] = []any{map[string]any{"zone": "product", "uploadId": productID}, map[string]any{"zone": "defect", "uploadId": fakeID}}
	})
	r, _ := createClaim(t, dealer, body)
	if r.Status != 400 || !contains(errorFields(t, r), "attachments[1]") {
		t.Fatalf("claim with a disguised executable = %d %s", r.Status, r.Body)
	}
	defectID, _ := upload(t, dealer, "/v1/uploads", ticket("defect", "image/jpeg", len(jpeg)), jpeg, "image/jpeg")
	body["attachments"] = []any{map[string]any{"zone": "product", "uploadId": productID}, map[string]any{"zone": "defect", "uploadId": defectID}}
	r, c := createClaim(t, dealer, body)
	if r.Status != 201 {
		t.Fatalf("claim with photos = %d %s", r.Status, r.Body)
	}
	// Another dealer cannot use these uploads: they live under dealer-files' scope.
	other := newUser(t, "dealers", "dealer-thief", "DLR-T")
	if r, _ := createClaim(t, other, body); r.Status != 400 || !contains(errorFields(t, r), "attachments[0].uploadId") {
		t.Errorf("reusing another dealer's uploads = %d %s", r.Status, r.Body)
	}
	var view struct {
		Attachments []struct {
			Zone        string `json:"zone"`
			URL         string `json:"url"`
			ContentType string `json:"contentType"`
			Size        int    `json:"size"`
		} `json:"attachments"`
		History []struct {
			Type string `json:"type"`
		} `json:"history"`
	}
	dealer.do(t, "GET", "/v1/claims/"+c.Claim.ID, nil).JSON(t, &view)
	if len(view.Attachments) != 2 || len(view.History) != 1 || view.History[0].Type != "claim.created" {
		t.Fatalf("claim view = %+v", view)
	}
	res, err := http.Get(view.Attachments[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(got, jpeg) {
		t.Errorf("download link = %d, %d bytes", res.StatusCode, len(got))
	}
	// Adding a file later: presign against the claim, upload, register.
	docID, _ := upload(t, dealer, "/v1/claims/"+c.Claim.ID+"/attachments", map[string]any{"zone": "product", "fileName": "more.jpg", "contentType": "image/jpeg", "size": len(jpeg)}, jpeg, "image/jpeg")
	if r := dealer.do(t, "PUT", "/v1/claims/"+c.Claim.ID+"/attachments/"+docID, map[string]any{"zone": "product"}); r.Status != 200 {
		t.Fatalf("register a later file = %d %s", r.Status, r.Body)
	}
	dealer.do(t, "GET", "/v1/claims/"+c.Claim.ID, nil).JSON(t, &view)
	if len(view.Attachments) != 3 || len(view.History) != 2 || view.History[1].Type != "attachment.added" {
		t.Errorf("after adding a file: %d attachments, history %+v", len(view.Attachments), view.History)
	}
}

// TestConcurrentSubmissionsWithOneKeyMakeOneClaim sends one request 200
// times at once with one Idempotency-Key: one claim, one number taken (the
// claims before and after it get the numbers around it).
func TestConcurrentSubmissionsWithOneKeyMakeOneClaim(t *testing.T) {
	erp := newUser(t, "integrations", "erp-storm", "")
	body := claimBody(func(b map[string]any) {
		b["essence"] = "Двести одинаковых запросов с одним ключом."
	})
	before := fileClaim(t, erp, claimBody(), "Idempotency-Key", "storm-before")
	const n = 200
	ids := make(chan string, n)
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attempt := 0; ; attempt++ {
				r, c := createClaim(t, erp, body, "Idempotency-Key", "storm-1")
				// 409: another attempt with the key is still at work.
				if (r.Status == 429 || r.Status == 409) && attempt < 20 {
					time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
					continue
				}
				statuses <- r.Status
				ids <- c.Claim.ID
				return
			}
		}()
	}
	wg.Wait()
	close(ids)
	close(statuses)
	distinct := map[string]bool{}
	for id := range ids {
		distinct[id] = true
	}
	created := 0
	for s := range statuses {
		switch s {
		case 201:
			created++
		case 200:
		default:
			t.Errorf("a submission answered %d", s)
		}
	}
	if len(distinct) != 1 || created != 1 {
		t.Fatalf("%d distinct claims, %d answered 201; want exactly one claim", len(distinct), created)
	}
	after := fileClaim(t, erp, claimBody(), "Idempotency-Key", "storm-after")
	for id := range distinct {
		if n := numberOf(t, id); n != numberOf(t, before.Claim.ID)+1 || numberOf(t, after.Claim.ID) != n+1 {
			t.Errorf("claims %s, %s (the storm's), %s: want consecutive numbers (the storm took one)", before.Claim.ID, id, after.Claim.ID)
		}
	}
}

// TestThousandConcurrentClaimsGetDistinctNumbers files 1000 distinct claims
// in parallel: they get 1000 consecutive numbers.
func TestThousandConcurrentClaimsGetDistinctNumbers(t *testing.T) {
	if testing.Short() {
		t.Skip("1000 claims")
	}
	erp := newUser(t, "integrations", "erp-thousand", "")
	const n = 1000
	ids := make(chan string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			body := claimBody(func(b map[string]any) {
				b["essence"] = fmt.Sprintf("Одновременная рекламация номер %d из тысячи.", i)
				b["claimant"] = map[string]any{"name": "Клиент", "email": fmt.Sprintf("c%d@example.com", i)}
			})
			for attempt := 0; ; attempt++ {
				r, c := createClaim(t, erp, body, "Idempotency-Key", fmt.Sprintf("thousand-%d", i))
				if r.Status == 429 && attempt < 30 {
					time.Sleep(time.Duration(20*(attempt+1)) * time.Millisecond)
					continue
				}
				if r.Status != 201 {
					t.Errorf("claim %d = %d %s", i, r.Status, r.Body)
					return
				}
				ids <- c.Claim.ID
				return
			}
		}()
	}
	wg.Wait()
	close(ids)
	distinct := map[string]bool{}
	for id := range ids {
		if distinct[id] {
			t.Errorf("number %s given twice", id)
		}
		distinct[id] = true
	}
	if len(distinct) != n {
		t.Errorf("%d distinct claims, want %d", len(distinct), n)
	}
	numbers := make([]int, 0, n)
	for id := range distinct {
		numbers = append(numbers, numberOf(t, id))
	}
	sort.Ints(numbers)
	for i, got := range numbers {
		if want := numbers[0] + i; got != want {
			t.Fatalf("numbers %d..%d have a gap: %d follows %d", numbers[0], numbers[len(numbers)-1], got, numbers[i-1])
		}
	}
}

func decodeForFuzz(body []byte, v any) error { return apigw.DecodeJSON(body, v) }
