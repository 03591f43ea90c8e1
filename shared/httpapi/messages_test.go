package httpapi_test

import (
	"context"
	"encoding/json"
	"html"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/chat"
	"github.com/claimsdesk/backend/shared/chat/chattest"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/httpapi"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/workflow"
)

// The callers of the conversation API, as the authorizer passes them.
var (
	msgDealer     = map[string]string{"sub": "d-1", "cognito:username": "dealer-one", "cognito:groups": "[dealers]", "custom:dealer_id": "D-1"}
	msgOtherDeal  = map[string]string{"sub": "d-2", "cognito:groups": "[dealers]", "custom:dealer_id": "D-2"}
	msgManager    = map[string]string{"sub": "m-1", "cognito:username": "olga@factory.example", "name": "Ольга Смирнова", "cognito:groups": "[managers]"}
	msgOtherMgr   = map[string]string{"sub": "m-2", "cognito:groups": "[managers]"}
	msgSupervisor = map[string]string{"sub": "s-1", "cognito:groups": "[supervisors]"}
	msgAdmin      = map[string]string{"sub": "a-1", "cognito:groups": "[admins]"}
	msgIntegrator = map[string]string{"sub": "i-1", "cognito:groups": "[integrations]"}
)

// msgLinks makes fake download links and remembers the keys asked for.
type msgLinks struct {
	mu   sync.Mutex
	keys []string
}

func (l *msgLinks) DownloadURL(_ context.Context, key, fileName, _ string, _ time.Duration) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.keys = append(l.keys, key)
	return "https://files.example/" + key + "?name=" + url.QueryEscape(fileName), nil
}

// msgTracking finds claims by tracking hash, and lists nothing (the
// registry's list is not used by these routes).
type msgTracking struct {
	*chattest.Store
	hashes map[string]string
}

func (m *msgTracking) ClaimIDByTracking(_ context.Context, hash string) (string, error) {
	if id, ok := m.hashes[hash]; ok {
		return id, nil
	}
	return "", apperr.Errorf(apperr.NotFound, "no such tracking link")
}

func (m *msgTracking) ListClaims(context.Context, registry.ListSpec) (*registry.ListPage, error) {
	return &registry.ListPage{}, nil
}

func (m *msgTracking) Worklist(context.Context, string, int, string) (*registry.ListPage, error) {
	return &registry.ListPage{}, nil
}

// msgFixture is the conversation API and the public site over the chat
// fakes, behind the real router.
type msgFixture struct {
	env    *chattest.Env
	links  *msgLinks
	keys   *keys.Keys
	track  *msgTracking
	api    *apigw.Router
	public *apigw.Router
}

func newMsgFixture(t *testing.T) *msgFixture {
	t.Helper()
	k, err := keys.Derive(strings.Repeat("chat-test-secret-", 3))
	if err != nil {
		t.Fatal(err)
	}
	env := chattest.NewEnv()
	f := &msgFixture{env: env, links: &msgLinks{}, keys: k, track: &msgTracking{Store: env.Store, hashes: map[string]string{}}}
	logger := slog.New(slog.DiscardHandler)
	f.api = apigw.NewRouter(logger)
	(&httpapi.MessagesAPI{Chat: env.Chat, Intake: env.Intake, Links: f.links}).Register(f.api)
	reg, err := registry.New(registry.Config{Store: f.track, Links: f.links, CursorKey: k.Cursor})
	if err != nil {
		t.Fatal(err)
	}
	f.public = apigw.NewRouter(logger)
	(&httpapi.PublicSite{
		Intake: env.Intake, Registry: reg, Tracking: f.track,
		Catalog: chattest.Catalog{C: chattest.TestCatalog()}, Keys: k, Files: env.Files, Chat: env.Chat,
		UploadOrigin: "https://uploads.example", Logger: logger,
	}).Register(f.public)
	return f
}

// claim stores claim n at stage and returns its number and tracking token.
func (f *msgFixture) claim(n int64, stage claims.Stage, mut ...func(*claims.Claim)) (string, string) {
	c := chattest.Claim(n, stage)
	if stage == workflow.WaitingForCustomer {
		c.PreviousStage = workflow.Diagnostics
	}
	for _, m := range mut {
		m(&c)
	}
	f.env.Store.Put(c)
	token := f.keys.TrackingToken(c.ID)
	f.track.hashes[keys.TrackingHash(token)] = c.ID
	return c.ID, token
}

// msgServe sends a request through a router; body is JSON-encoded unless it
// is a string (sent with contentType).
func msgServe(t *testing.T, r *apigw.Router, routeKey string, params, who map[string]string, contentType string, body any, query ...string) lambdaevents.APIGatewayV2HTTPResponse {
	t.Helper()
	method, path, _ := strings.Cut(routeKey, " ")
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	ev := lambdaevents.APIGatewayV2HTTPRequest{RouteKey: routeKey, RawPath: path, PathParameters: params,
		Headers: map[string]string{"content-type": contentType, "host": "claims.example.com"}}
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
	ev.RawQueryString = strings.Join(query, "&")
	ev.RequestContext.RequestID = "req-1"
	ev.RequestContext.HTTP.Method = method
	ev.RequestContext.DomainName = "claims.example.com"
	if who != nil {
		ev.RequestContext.Authorizer = &lambdaevents.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &lambdaevents.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: who},
		}
	}
	res, err := r.Serve(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (f *msgFixture) apiCall(t *testing.T, routeKey, id string, who map[string]string, body any) lambdaevents.APIGatewayV2HTTPResponse {
	t.Helper()
	return msgServe(t, f.api, routeKey, map[string]string{"id": id}, who, "application/json", body)
}

func msgDecode[T any](t *testing.T, res lambdaevents.APIGatewayV2HTTPResponse) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(res.Body), &v); err != nil {
		t.Fatalf("decode %d %s: %v", res.StatusCode, res.Body, err)
	}
	return v
}

// msgErrorFields returns the status, code and sorted field names of an error.
func msgErrorFields(t *testing.T, res lambdaevents.APIGatewayV2HTTPResponse) (int, apperr.Code, []string) {
	t.Helper()
	b := msgDecode[apigw.ErrorBody](t, res)
	var out []string
	for _, f := range b.Error.Fields {
		out = append(out, f.Field)
	}
	sort.Strings(out)
	return res.StatusCode, b.Error.Code, out
}

func TestMessagesAPIWhoTakesPart(t *testing.T) {
	tests := []struct {
		name   string
		who    map[string]string
		status int // of GET; POST answers 201 for 200
		role   string
	}{
		{"the claim's dealer", msgDealer, 200, "dealer"},
		{"the claim's manager", msgManager, 200, "manager"},
		{"a supervisor", msgSupervisor, 200, "supervisor"},
		{"another dealer", msgOtherDeal, 404, ""},
		{"another manager", msgOtherMgr, 404, ""},
		{"an admin", msgAdmin, 404, ""},
		{"an integration", msgIntegrator, 404, ""},
		{"nobody", nil, 401, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newMsgFixture(t)
			id, _ := f.claim(1, workflow.Diagnostics)
			get := f.apiCall(t, "GET /v1/claims/{id}/messages", id, tc.who, nil)
			post := f.apiCall(t, "POST /v1/claims/{id}/messages", id, tc.who, map[string]any{"body": "Есть новости?"})
			up := f.apiCall(t, "POST /v1/claims/{id}/messages/uploads", id, tc.who, map[string]any{"fileName": "a.jpg", "contentType": "image/jpeg", "size": 1000})
			if tc.status != 200 {
				for name, res := range map[string]lambdaevents.APIGatewayV2HTTPResponse{"GET": get, "POST": post, "upload": up} {
					if res.StatusCode != tc.status {
						t.Errorf("%s: %d %s, want %d", name, res.StatusCode, res.Body, tc.status)
					}
				}
				if n := len(f.env.Store.Messages(id)); n != 0 {
					t.Errorf("%d messages stored for a refused caller", n)
				}
				return
			}
			if get.StatusCode != 200 || post.StatusCode != 201 || up.StatusCode != 201 {
				t.Fatalf("GET %d, POST %d %s, upload %d %s", get.StatusCode, post.StatusCode, post.Body, up.StatusCode, up.Body)
			}
			if got := msgDecode[httpapi.MessagePosted](t, post).Message.AuthorRole; got != tc.role {
				t.Errorf("author role %q, want %q", got, tc.role)
			}
		})
	}
}

func TestMessagesAPIPostAndList(t *testing.T) {
	f := newMsgFixture(t)
	id, _ := f.claim(1, workflow.Diagnostics)
	f.env.Store.AddMessage(id, claims.Message{ID: "m0", Author: "claimant", AuthorRole: "claimant", AuthorName: "Анна", Body: "Корпус греется", At: chattest.Now.Add(-time.Hour)})

	res := f.apiCall(t, "POST /v1/claims/{id}/messages", id, msgManager, map[string]any{"body": " Пришлите фото шильдика\r\n ", "version": 1})
	if res.StatusCode != 201 {
		t.Fatalf("POST: %d %s", res.StatusCode, res.Body)
	}
	posted := msgDecode[httpapi.MessagePosted](t, res)
	if posted.Version != 2 || posted.Stage != "diagnostics" || posted.Message.Body != "Пришлите фото шильдика" ||
		posted.Message.Author != "managers:m-1" || posted.Message.AuthorName != "Ольга Смирнова" || posted.Message.ID == "" {
		t.Errorf("posted %+v", posted)
	}
	if !strings.Contains(res.Body, `"attachments":[]`) {
		t.Errorf("a message without files should list none: %s", res.Body)
	}

	res = f.apiCall(t, "GET /v1/claims/{id}/messages", id, msgDealer, nil)
	if res.StatusCode != 200 {
		t.Fatalf("GET: %d %s", res.StatusCode, res.Body)
	}
	list := msgDecode[httpapi.MessagesResponse](t, res)
	var got []string
	for _, m := range list.Messages {
		got = append(got, m.AuthorRole+": "+m.Body)
	}
	if diff := cmp.Diff([]string{"claimant: Корпус греется", "manager: Пришлите фото шильдика"}, got); diff != "" {
		t.Errorf("conversation mismatch (-want +got):\n%s", diff)
	}
	if list.ClaimID != id || list.Version != 2 || list.Stage != "diagnostics" {
		t.Errorf("claim %s v%d %s", list.ClaimID, list.Version, list.Stage)
	}

	// The notifier gets one event per message.
	if n := len(f.env.Publisher.Events); n != 1 || f.env.Publisher.Events[0].Type != events.MessagePosted {
		t.Errorf("published %v", f.env.Publisher.Events)
	}
}

func TestMessagesAPIRefusesBadMessages(t *testing.T) {
	f := newMsgFixture(t)
	id, _ := f.claim(1, workflow.Diagnostics)
	scope := chat.UserScope(id, "d-1")
	f.env.Files.Put(scope, chattest.UploadID(1), "image/jpeg", "ok.jpg", chattest.JPEG, 0)
	f.env.Files.Put(scope, chattest.UploadID(2), "image/jpeg", "report.pdf", chattest.PDF, 0)
	f.env.Files.Put(chat.TrackScope(id), chattest.UploadID(3), "image/jpeg", "customer.jpg", chattest.JPEG, 0)
	att := func(zone string, n int) map[string]any {
		return map[string]any{"zone": zone, "uploadId": chattest.UploadID(n)}
	}
	tests := []struct {
		name   string
		body   any
		status int
		code   apperr.Code
		fields []string
	}{
		{"empty", map[string]any{"body": "  "}, 400, apperr.Invalid, []string{"body"}},
		{"too long", map[string]any{"body": strings.Repeat("ы", chat.MaxBody+1)}, 400, apperr.Invalid, []string{"body"}},
		{"unknown field", map[string]any{"body": "x", "authorRole": "manager"}, 400, apperr.Invalid, []string{"authorRole"}},
		{"not JSON", "body=x", 400, apperr.Invalid, []string{"body"}},
		{"too many files", map[string]any{"body": "x", "attachments": []any{att("", 1), att("", 1), att("", 1), att("", 1), att("", 1), att("", 1)}}, 400, apperr.Invalid, []string{"attachments"}},
		{"unknown zone", map[string]any{"body": "x", "attachments": []any{att("roof", 1)}}, 400, apperr.Invalid, []string{"attachments[0].zone"}},
		{"no such upload", map[string]any{"body": "x", "attachments": []any{att("product", 9)}}, 400, apperr.Invalid, []string{"attachments[0].uploadId"}},
		{"someone else's upload", map[string]any{"body": "x", "attachments": []any{att("product", 3)}}, 400, apperr.Invalid, []string{"attachments[0].uploadId"}},
		{"content unlike its type", map[string]any{"body": "x", "attachments": []any{att("", 2)}}, 400, apperr.Invalid, []string{"attachments[0]"}},
		{"stale version", map[string]any{"body": "x", "version": 7}, 409, apperr.Conflict, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, code, fields := msgErrorFields(t, f.apiCall(t, "POST /v1/claims/{id}/messages", id, msgDealer, tc.body))
			if status != tc.status || code != tc.code {
				t.Errorf("%d %s, want %d %s", status, code, tc.status, tc.code)
			}
			if diff := cmp.Diff(tc.fields, fields); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if n := len(f.env.Store.Messages(id)); n != 0 {
		t.Errorf("%d refused messages stored", n)
	}
}

func TestMessagesAPIAttachments(t *testing.T) {
	f := newMsgFixture(t)
	id, _ := f.claim(1, workflow.Diagnostics)

	// A photo and a PDF: the zone follows the file's type.
	type ticket struct {
		UploadID string            `json:"uploadId"`
		Zone     string            `json:"zone"`
		Fields   map[string]string `json:"fields"`
		MaxBytes int64             `json:"maxBytes"`
	}
	var refs []map[string]string
	for _, up := range []struct{ name, ct, zone string }{{"фото.jpg", "image/jpeg", "product"}, {"акт.pdf", "application/pdf", "documents"}} {
		res := f.apiCall(t, "POST /v1/claims/{id}/messages/uploads", id, msgDealer, map[string]any{"fileName": up.name, "contentType": up.ct, "size": 2048})
		if res.StatusCode != 201 {
			t.Fatalf("upload %s: %d %s", up.name, res.StatusCode, res.Body)
		}
		tk := msgDecode[ticket](t, res)
		if tk.Zone != up.zone || tk.Fields["key"] != intake.UploadKey(chat.UserScope(id, "d-1"), tk.UploadID) {
			t.Errorf("%s: zone %s, key %s", up.name, tk.Zone, tk.Fields["key"])
		}
		content := chattest.JPEG
		if up.ct == "application/pdf" {
			content = chattest.PDF
		}
		f.env.Files.Put(chat.UserScope(id, "d-1"), tk.UploadID, up.ct, up.name, content, 0)
		refs = append(refs, map[string]string{"zone": tk.Zone, "uploadId": tk.UploadID})
	}
	res := f.apiCall(t, "POST /v1/claims/{id}/messages", id, msgDealer, map[string]any{"body": "Фото и акт", "attachments": refs})
	if res.StatusCode != 201 {
		t.Fatalf("POST: %d %s", res.StatusCode, res.Body)
	}
	var names []string
	for _, a := range msgDecode[httpapi.MessagePosted](t, res).Message.Attachments {
		names = append(names, a.FileName+" "+a.Zone+" "+a.ContentType)
		if !strings.HasPrefix(a.URL, "https://files.example/uploads/") || a.ExpiresAt.IsZero() {
			t.Errorf("%s: link %q until %v", a.FileName, a.URL, a.ExpiresAt)
		}
	}
	if diff := cmp.Diff([]string{"фото.jpg product image/jpeg", "акт.pdf documents application/pdf"}, names); diff != "" {
		t.Errorf("attachments mismatch (-want +got):\n%s", diff)
	}
	if strings.Contains(res.Body, `"key"`) {
		t.Errorf("storage keys reach the client: %s", res.Body)
	}

	// The manager reads them, with links to where the dealer put them.
	f.links.keys = nil
	list := msgDecode[httpapi.MessagesResponse](t, f.apiCall(t, "GET /v1/claims/{id}/messages", id, msgManager, nil))
	if len(list.Messages) != 1 || len(list.Messages[0].Attachments) != 2 || list.Messages[0].Attachments[1].URL == "" {
		t.Fatalf("listed %+v", list.Messages)
	}
	want := []string{intake.UploadKey(chat.UserScope(id, "d-1"), refs[0]["uploadId"]), intake.UploadKey(chat.UserScope(id, "d-1"), refs[1]["uploadId"])}
	if diff := cmp.Diff(want, f.links.keys); diff != "" {
		t.Errorf("linked keys mismatch (-want +got):\n%s", diff)
	}
}

func TestMessagesAPIUploadRefusals(t *testing.T) {
	f := newMsgFixture(t)
	open, _ := f.claim(1, workflow.Diagnostics)
	closed, _ := f.claim(2, workflow.Closed)
	noFiles, _ := f.claim(3, workflow.New, func(c *claims.Claim) { c.TypeID = "staff_conduct" })
	tests := []struct {
		name   string
		id     string
		body   map[string]any
		status int
		fields []string
	}{
		{"zip", open, map[string]any{"fileName": "a.zip", "contentType": "application/zip", "size": 10}, 415, []string{"contentType"}},
		{"unknown zone", open, map[string]any{"zone": "roof", "fileName": "a.jpg", "contentType": "image/jpeg", "size": 10}, 400, []string{"zone"}},
		{"too large", open, map[string]any{"fileName": "a.jpg", "contentType": "image/jpeg", "size": 2 << 20}, 413, []string{"size"}},
		{"empty", open, map[string]any{"fileName": "a.jpg", "contentType": "image/jpeg", "size": 0}, 400, []string{"size"}},
		{"finished claim", closed, map[string]any{"fileName": "a.jpg", "contentType": "image/jpeg", "size": 10}, 409, nil},
		{"type without files", noFiles, map[string]any{"fileName": "a.jpg", "contentType": "image/jpeg", "size": 10}, 400, []string{"zone"}},
	}
	for _, tc := range tests {
		status, _, fields := msgErrorFields(t, f.apiCall(t, "POST /v1/claims/{id}/messages/uploads", tc.id, msgSupervisor, tc.body))
		if status != tc.status || !cmp.Equal(tc.fields, fields) {
			t.Errorf("%s: %d %v, want %d %v", tc.name, status, fields, tc.status, tc.fields)
		}
	}
	if n := len(f.env.Files.Presigned); n != 0 {
		t.Errorf("%d uploads presigned for refused requests", n)
	}
}

func TestMessagesAPIFinishedAndWaitingClaims(t *testing.T) {
	f := newMsgFixture(t)
	closed, _ := f.claim(1, workflow.Closed)
	f.env.Store.AddMessage(closed, claims.Message{ID: "m0", AuthorRole: "manager", Body: "Решение принято", At: chattest.Now.Add(-time.Hour)})
	if status, code, _ := msgErrorFields(t, f.apiCall(t, "POST /v1/claims/{id}/messages", closed, msgManager, map[string]any{"body": "Ещё"})); status != 409 || code != apperr.Conflict {
		t.Errorf("finished claim: %d %s", status, code)
	}
	if l := msgDecode[httpapi.MessagesResponse](t, f.apiCall(t, "GET /v1/claims/{id}/messages", closed, msgManager, nil)); len(l.Messages) != 1 {
		t.Errorf("a finished claim's conversation is not readable: %+v", l)
	}

	waiting, _ := f.claim(2, workflow.WaitingForCustomer)
	res := f.apiCall(t, "POST /v1/claims/{id}/messages", waiting, msgManager, map[string]any{"body": "Ждём фото"})
	if p := msgDecode[httpapi.MessagePosted](t, res); res.StatusCode != 201 || p.Stage != "waiting_for_customer" {
		t.Errorf("the manager's reminder: %d, stage %s", res.StatusCode, p.Stage)
	}
	res = f.apiCall(t, "POST /v1/claims/{id}/messages", waiting, msgDealer, map[string]any{"body": "Фото отправили почтой"})
	if p := msgDecode[httpapi.MessagePosted](t, res); res.StatusCode != 201 || p.Stage != "diagnostics" || p.Version != 4 {
		t.Errorf("the dealer's answer: %d, stage %s v%d", res.StatusCode, p.Stage, p.Version)
	}
}

// --- The customer's side: the tracking page. ---

func (f *msgFixture) trackingForm(t *testing.T, token string, values url.Values) lambdaevents.APIGatewayV2HTTPResponse {
	t.Helper()
	return msgServe(t, f.public, "POST /t/{token}/messages", map[string]string{"token": token}, nil, "application/x-www-form-urlencoded", values.Encode())
}

func TestTrackingMessagePosted(t *testing.T) {
	f := newMsgFixture(t)
	id, token := f.claim(1, workflow.WaitingForCustomer)
	f.env.Store.AddMessage(id, claims.Message{ID: "m0", Author: "managers:m-1", AuthorRole: "manager", AuthorName: "Ольга", Body: "Пришлите фото шильдика", At: chattest.Now.Add(-time.Hour)})
	f.env.Files.Put(chat.TrackScope(id), chattest.UploadID(1), "", "шильдик.jpg", chattest.JPEG, 0)

	res := f.trackingForm(t, token, url.Values{"body": {"Вот фото, серийный SN-77"}, "lang": {"ru"}, "attachment": {"product:" + chattest.UploadID(1)}})
	if res.StatusCode != 303 || res.Headers["location"] != "/t/"+token+"?notice=sent#chat" {
		t.Fatalf("%d to %q: %s", res.StatusCode, res.Headers["location"], res.Body)
	}
	msgs := f.env.Store.Messages(id)
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[1]
	if m.AuthorRole != "claimant" || m.Author != "claimant" || m.AuthorName != "Анна Смирнова" || m.Body != "Вот фото, серийный SN-77" ||
		len(m.Attachments) != 1 || m.Attachments[0].FileName != "шильдик.jpg" {
		t.Errorf("stored %+v", m)
	}
	// The customer answered: the claim goes back to work.
	if c, _ := f.env.Store.GetClaim(context.Background(), id); c.Stage != workflow.Diagnostics {
		t.Errorf("stage %s after the customer's answer", c.Stage)
	}

	// Back on the page: the notice, both messages, a form.
	res = msgServe(t, f.public, "GET /t/{token}", map[string]string{"token": token}, nil, "", nil, "notice=sent")
	page := res.Body
	for _, s := range []string{"Сообщение отправлено", "Пришлите фото шильдика", "Вот фото, серийный SN-77", "шильдик.jpg", "Менеджер по рекламациям", `id="reply"`,
		`action="/t/` + token + `/messages"`, `data-upload-url="/t/` + token + `/messages/uploads"`} {
		if !strings.Contains(html.UnescapeString(page), s) {
			t.Errorf("tracking page lacks %s", s)
		}
	}
}

func TestTrackingMessageRefused(t *testing.T) {
	f := newMsgFixture(t)
	id, token := f.claim(1, workflow.Diagnostics)
	f.env.Files.Put(chat.TrackScope(id), chattest.UploadID(1), "image/jpeg", "ok.jpg", chattest.JPEG, 0)

	typed := `<script>alert("x")</script>`
	res := f.trackingForm(t, token, url.Values{"body": {strings.Repeat("а", chat.MaxBody) + typed}, "lang": {"en"},
		"attachment": {"product:" + chattest.UploadID(1), "product:" + chattest.UploadID(2)}})
	if res.StatusCode != 400 || !strings.HasPrefix(res.Headers["content-type"], "text/html") {
		t.Fatalf("%d %s", res.StatusCode, res.Headers["content-type"])
	}
	page := res.Body
	if strings.Contains(page, typed) || !strings.Contains(page, html.EscapeString(typed)+"</textarea>") {
		t.Error("the typed text is not kept, escaped, in the reply field")
	}
	for _, s := range []string{"Too long: at most 4000 characters", "File not found: upload it again", `<html lang="en">`} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	// The good file is offered again, the lost one is not.
	if !strings.Contains(page, `value="product:`+chattest.UploadID(1)+`"`) || strings.Contains(page, chattest.UploadID(2)) {
		t.Error("kept attachments wrong")
	}
	if n := len(f.env.Store.Messages(id)); n != 0 {
		t.Errorf("%d messages stored", n)
	}

	res = f.trackingForm(t, token, url.Values{"body": {"  "}})
	if res.StatusCode != 400 || !strings.Contains(res.Body, "Заполните это поле") {
		t.Errorf("empty message: %d", res.StatusCode)
	}
}

func TestTrackingMessageOnAFinishedClaim(t *testing.T) {
	f := newMsgFixture(t)
	id, token := f.claim(1, workflow.Closed)
	f.env.Store.AddMessage(id, claims.Message{ID: "m0", AuthorRole: "manager", Body: "Рекламация удовлетворена", At: chattest.Now.Add(-time.Hour)})
	page := msgServe(t, f.public, "GET /t/{token}", map[string]string{"token": token}, nil, "", nil).Body
	if !strings.Contains(page, "Рекламация удовлетворена") || strings.Contains(page, `id="reply"`) || !strings.Contains(page, "переписка доступна только для чтения") {
		t.Error("a finished claim's page should show the conversation read-only")
	}
	res := f.trackingForm(t, token, url.Values{"body": {"А можно ещё вопрос?"}})
	if res.StatusCode != 409 || !strings.Contains(res.Body, "новые сообщения не принимаются") || strings.Contains(res.Body, `id="reply"`) {
		t.Errorf("%d: no read-only answer", res.StatusCode)
	}
}

func TestTrackingMessageUploads(t *testing.T) {
	f := newMsgFixture(t)
	id, token := f.claim(1, workflow.Diagnostics)
	res := msgServe(t, f.public, "POST /t/{token}/messages/uploads", map[string]string{"token": token}, nil, "application/json",
		map[string]any{"fileName": "IMG_1.heic", "contentType": "image/heic", "size": 4096})
	if res.StatusCode != 201 {
		t.Fatalf("%d %s", res.StatusCode, res.Body)
	}
	tk := msgDecode[httpapi.MessageUploadTicket](t, res)
	if tk.Zone != "product" || tk.Fields["key"] != intake.UploadKey(chat.TrackScope(id), tk.UploadID) {
		t.Errorf("zone %s, key %s", tk.Zone, tk.Fields["key"])
	}
	// Errors of the JSON route stay JSON, for the script.
	res = msgServe(t, f.public, "POST /t/{token}/messages/uploads", map[string]string{"token": token}, nil, "application/json",
		map[string]any{"fileName": "x.exe", "contentType": "application/x-msdownload", "size": 10})
	if status, code, fields := msgErrorFields(t, res); status != 415 || code != apperr.UnsupportedMedia || !cmp.Equal([]string{"contentType"}, fields) {
		t.Errorf("exe: %d %s %v", status, code, fields)
	}
	forged := strings.Repeat("A", 24)
	res = msgServe(t, f.public, "POST /t/{token}/messages/uploads", map[string]string{"token": forged}, nil, "application/json",
		map[string]any{"fileName": "a.jpg", "contentType": "image/jpeg", "size": 10})
	if status, code, _ := msgErrorFields(t, res); status != 404 || code != apperr.NotFound {
		t.Errorf("forged token: %d %s", status, code)
	}
	res = f.trackingForm(t, forged, url.Values{"body": {"hi"}})
	if res.StatusCode != 404 || !strings.HasPrefix(res.Headers["content-type"], "text/html") {
		t.Errorf("forged token on the form: %d %s", res.StatusCode, res.Headers["content-type"])
	}
	if n := len(f.env.Files.Presigned); n != 1 {
		t.Errorf("%d uploads presigned, want 1", n)
	}
}
