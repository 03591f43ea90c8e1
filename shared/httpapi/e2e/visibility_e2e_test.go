package e2e_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/claimsdesk/backend/infra/local/awsemu/ses"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/httpapi"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/webhook"
)

// Values only the claims department may see. The claim of the visibility
// test carries each of them; no answer a dealer, a dealer's own system or
// the claimant gets may contain any.
const (
	visCulpritEmployee = "Сентинелов-Виновник"
	visCulpritDept     = "SENTINEL-Отдел-Сборки"
	visRootCause       = "assembly_error" // the root causes are not the claimant's (catalog.ForClaimants)
	visDecider         = "sup-vis-decider"
	visTaskTitle       = "SENTINEL проверить партию"
	visTaskOwner       = "sentinel-task-owner"
	visTaskNote        = "SENTINEL заметка к плану"
	visDoneNote        = "SENTINEL отметка о выполнении"
	visMoveNote        = "SENTINEL внутренняя заметка"
	visReassignReason  = "SENTINEL причина передачи"
	visRevisionReason  = "SENTINEL причина пересмотра"
	visReworkReason    = "SENTINEL причина доработки"
	visOrderNote       = "SENTINEL заметка к заказу"
	visSalesManager    = "SENTINEL-личный-менеджер"
	visManagerEmail    = "vis-private-manager@claimsdesk.example"
	visFlagNote        = "SENTINEL почему флаг снят"
	visKBStaffTitle    = "SENTINEL статья только для персонала"
	visKBDraftTitle    = "SENTINEL черновик статьи"
	// The flags' reasons, in both languages.
	visFlagSerialRu  = "уже есть открытая рекламация"
	visFlagSerialEn  = "already has an open claim"
	visFlagRepeatRu  = "с той же сутью"
	visFlagRepeatEn  = "with the same essence"
	visFlagKindFirst = "open_serial_duplicate"
)

// internalNames are JSON names of internal fields: none may appear in a
// JSON answer to the claimant's side, whatever its value.
var internalNames = []string{"culpritEmployee", "culpritDepartment", "rootCause", "decidedBy", "incidentAnalysisRequired",
	"tasks", "openTasks", "dueAt", "historyHash", "head", "hash", "prevHash", "qrCode", "policy", "warned", "breached",
	"level", "nextCheck", "firstResponseDue", "resolutionDue", "pausedAt", "stageLeftSeconds", "salesManager",
	"substituteChain", "assignment", "note", "flags", "dismissNote", "solvedWith"}

// leakCheck finds internal values and names in answers.
type leakCheck struct {
	values []string
}

// scan returns what of the internals body shows: sentinel values anywhere
// in the raw body, and internal field names in a JSON body.
func (l *leakCheck) scan(body []byte, isJSON bool) []string {
	var out []string
	for _, v := range l.values {
		if v != "" && strings.Contains(string(body), v) {
			out = append(out, fmt.Sprintf("value %q", v))
		}
	}
	if isJSON {
		var doc any
		if err := json.Unmarshal(body, &doc); err == nil {
			walkNames(doc, func(name string) {
				if slices.Contains(internalNames, name) {
					out = append(out, fmt.Sprintf("field %q", name))
				}
			})
		}
	}
	return out
}

func walkNames(v any, f func(string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			f(k)
			walkNames(x, f)
		}
	case []any:
		for _, x := range v {
			walkNames(x, f)
		}
	}
}

// payloadReceiver is a system behind a webhook target that keeps every
// payload it is sent.
type payloadReceiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies map[string][]byte // by delivery ID
}

func newPayloadReceiver(t *testing.T) *payloadReceiver {
	t.Helper()
	p := &payloadReceiver{bodies: map[string][]byte{}}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.bodies[r.Header.Get(webhook.HeaderDelivery)] = body
		p.mu.Unlock()
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// about returns the payloads about a claim, and how many of each event
// type (a stage change counted as "claim.stage_changed>to").
func (p *payloadReceiver) about(claim string) ([][]byte, map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out [][]byte
	counts := map[string]int{}
	for _, b := range p.bodies {
		var d webhook.Payload
		if json.Unmarshal(b, &d) != nil || d.Event.ClaimID != claim {
			continue
		}
		out = append(out, b)
		counts[d.Event.Type]++
		if d.Event.Type == "claim.stage_changed" {
			var sc struct {
				To string `json:"to"`
			}
			_ = json.Unmarshal(d.Event.Data, &sc)
			counts[d.Event.Type+">"+sc.To]++
		}
	}
	return out, counts
}

// target registers a webhook target for every event (for a dealer when
// dealer is set) and deactivates it when the test ends.
func (p *payloadReceiver) target(t *testing.T, id, dealer string) {
	t.Helper()
	admin := newUser(t, "admins", "admin-vis", "")
	body := map[string]any{"url": p.srv.URL + "/claims", "events": []string{"*"}, "description": "visibility test"}
	if dealer != "" {
		body["dealerId"] = dealer
	}
	if r := admin.do(t, "PUT", "/v1/admin/webhooks/"+id, body); r.Status != 201 && r.Status != 200 {
		t.Fatalf("register webhook %s = %d %s", id, r.Status, r.Body)
	}
	t.Cleanup(func() {
		body["active"] = false
		admin.do(t, "PUT", "/v1/admin/webhooks/"+id, body)
	})
}

// specGETRoutes lists the GET operations of openapi.yaml with whether each
// needs a signed-in caller.
func specGETRoutes(t *testing.T) map[string]bool {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		if item.Get == nil {
			continue
		}
		sec := doc.Security
		if item.Get.Security != nil {
			sec = *item.Get.Security
		}
		signedIn := false
		for _, req := range sec {
			if _, ok := req["cognitoJwt"]; ok {
				signedIn = true
			}
		}
		out["GET "+path] = signedIn
	}
	return out
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// TestDealerSeesNoInternals walks every GET route of the API (from
// openapi.yaml, so that a new route cannot be forgotten) as a dealer and as
// the dealer's own system, on a claim that carries every internal value a
// claim can have: a decision with culprit, root cause, cost and a revision
// by a supervisor, stage tasks and an investigation plan with notes,
// internal transition notes and reasons, a reassignment, a rework order
// with a note, a source order with the customer's personal manager, an SLA,
// and messages. The routes in the table answer the dealer and must not
// show any internal value (searched in the raw body) or field name; every
// other GET route must refuse the dealer. The answers to the dealer's own
// changes (a message, the withdrawal), the tracking page, the claimant's
// mails and the payloads the dealer's own webhook target receives are
// searched too; the staff view and the company's own target do carry the
// values (the search can fail).
func TestDealerSeesNoInternals(t *testing.T) {
	dealer := newUser(t, "dealers", "dealer-vis", "DLR-VIS")
	dealerSystem := newUser(t, "integrations", "dealer-vis-system", "DLR-VIS")
	sup := newUser(t, "supervisors", visDecider, "")
	erp := newUser(t, "integrations", "erp-vis", "")
	admin := newUser(t, "admins", "admin-vis", "")
	mgr := newUser(t, "managers", "mgr-vis", "")

	manager := map[string]any{"name": "Ирина Видимова", "email": visManagerEmail, "categories": []string{"service"}, "active": true}
	if r := sup.do(t, "PUT", "/v1/managers/mgr-vis", manager); r.Status != 200 && r.Status != 201 {
		t.Fatalf("add manager = %d %s", r.Status, r.Body)
	}
	t.Cleanup(func() {
		manager["active"] = false
		sup.do(t, "PUT", "/v1/managers/mgr-vis", manager)
	})
	dealerHook, companyHook := newPayloadReceiver(t), newPayloadReceiver(t)
	dealerHook.target(t, "vis-dealer-system", "DLR-VIS")
	companyHook.target(t, "vis-company-crm", "")

	claimant := fmt.Sprintf("vis-claimant-%d@example.com", time.Now().UnixNano())
	// The claim is flagged: the claims department took an earlier claim on
	// its serial, with its essence, from the same phone (another email, so
	// that the claimant's mails are of this claim only). The earlier
	// claim's number is the flags' link: the dealer never sees it.
	phone := fmt.Sprintf("+7903%07d", time.Now().UnixNano()%10000000)
	essence := "Обогреватель перегревается и отключается через десять минут."
	r, earlier := createClaim(t, sup, claimBody(func(b map[string]any) {
		b["claimant"] = map[string]any{"name": "Вера Клиентова", "email": "earlier-" + claimant, "phone": phone}
		b["product"] = map[string]any{"model": "TH-2000", "serial": "SN-VIS-1", "series": "2026-11"}
		b["essence"] = essence
		b["desiredResult"] = "repair"
	}))
	if r.Status != 201 {
		t.Fatalf("earlier intake = %d %s", r.Status, r.Body)
	}
	r, created := createClaim(t, dealer, claimBody(func(b map[string]any) {
		b["channel"] = "dealer_form"
		b["claimant"] = map[string]any{"name": "Вера Клиентова", "email": claimant, "phone": phone}
		b["product"] = map[string]any{"model": "TH-2000", "serial": "SN-VIS-1", "series": "2026-11"}
		b["order"] = map[string]any{"reference": "ORD-VIS-1", "items": []map[string]any{{"sku": "TH-2000", "quantity": 1}}}
		b["essence"] = essence
		b["desiredResult"] = "repair"
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	id := created.Claim.ID
	claimPath := "/v1/claims/" + id
	token := strings.TrimPrefix(mustURL(t, created.TrackingURL).Path, "/t/")
	leak := &leakCheck{values: []string{visCulpritEmployee, visCulpritDept, visRootCause, visDecider, visTaskTitle, visTaskOwner,
		visTaskNote, visDoneNote, visMoveNote, visReassignReason, visRevisionReason, visReworkReason, visOrderNote, visSalesManager,
		visManagerEmail, keys.TrackingHash(token), visFlagNote, visFlagSerialRu, visFlagSerialEn, visFlagRepeatRu, visFlagRepeatEn,
		visFlagKindFirst, earlier.Claim.ID}}
	if l := leak.scan(r.Body, true); len(l) > 0 {
		t.Errorf("the dealer's intake answer shows %v", l)
	}
	if r := dealer.do(t, "GET", "/v1/claims?flag=any", nil); r.Status != 403 || !strings.Contains(string(r.Body), `"flag"`) {
		t.Errorf("a dealer's ?flag=any = %d %s, want 403 naming flag", r.Status, r.Body)
	}

	// The claims department works the claim; a supervisor looks into the
	// repeat and dismisses its flag.
	c := readClaim(t, sup, id)
	c = step(t, sup, "POST", claimPath+"/flags/repeat_essence/dismissal", map[string]any{"version": c.Version, "note": visFlagNote}, 200)
	if c.Assignee == "mgr-vis" { // the round robin's turn: take it away first
		c = step(t, sup, "POST", claimPath+"/assignment", map[string]any{"version": c.Version, "assignee": "manager-1", "reason": "перераспределение"}, 200)
	}
	c = step(t, sup, "POST", claimPath+"/assignment", map[string]any{"version": c.Version, "assignee": "mgr-vis", "reason": visReassignReason}, 200)
	c = step(t, mgr, "POST", claimPath+"/transitions", map[string]any{"version": c.Version, "to": "information_check", "note": visMoveNote}, 200)
	done := func() {
		for _, tk := range c.Tasks {
			if tk.Required && tk.DoneAt == "" && strings.HasPrefix(tk.ID, c.Stage+".") {
				c = step(t, mgr, "POST", claimPath+"/tasks/"+tk.ID+"/complete", map[string]any{"version": c.Version, "note": visDoneNote}, 200)
			}
		}
	}
	done()
	c = step(t, mgr, "POST", claimPath+"/tasks", map[string]any{"version": c.Version, "title": visTaskTitle, "owner": visTaskOwner,
		"note": visTaskNote, "due": time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)}, 201)
	c = step(t, mgr, "POST", claimPath+"/transitions", map[string]any{"version": c.Version, "to": "diagnostics", "note": visMoveNote}, 200)
	move(t, mgr, &c, "waiting_for_customer", "Пришлите фото шильдика", 200)
	if r := dealer.do(t, "POST", claimPath+"/messages", map[string]any{"body": "Фото шильдика: серийный номер SN-VIS-1."}); r.Status != 201 {
		t.Fatalf("dealer's answer = %d %s", r.Status, r.Body)
	}
	if r := mgr.do(t, "POST", claimPath+"/messages", map[string]any{"body": "Спасибо, проверяем изделие."}); r.Status != 201 {
		t.Fatalf("manager's message = %d %s", r.Status, r.Body)
	}
	c = readClaim(t, mgr, id)
	done()
	move(t, mgr, &c, "decision", "", 200)
	// The knowledge base: a published public article (the dealer reads
	// it), a staff-only one (the decision was solved with it) and a public
	// draft, neither of which the dealer may see.
	article := func(title, audience, status string) string {
		r := sup.do(t, "POST", "/v1/kb/articles", map[string]any{"title": title, "language": "ru", "audience": audience, "status": status,
			"body": "Проверьте крепление вентилятора.", "types": []string{"noise"}, "models": []string{"TH-2000"}})
		if r.Status != 201 {
			t.Fatalf("article %q = %d %s", title, r.Status, r.Body)
		}
		var a struct {
			ID string `json:"id"`
		}
		r.JSON(t, &a)
		return a.ID
	}
	publicArticle := article("Шум: проверьте крепление вентилятора", "public", "published")
	staffArticle := article(visKBStaffTitle, "staff", "published")
	article(visKBDraftTitle, "public", "draft")
	leak.values = append(leak.values, visKBStaffTitle, visKBDraftTitle, staffArticle)
	decision := map[string]any{
		"version": c.Version, "warrantyCase": true, "faultParty": "company", "culpritDepartment": visCulpritDept,
		"culpritEmployee": visCulpritEmployee, "rootCause": "service_failure", "resolution": "repair",
		"cost": map[string]any{"amount": 450000, "currency": "RUB"}, "instructions": "Мастер заберёт изделие и отремонтирует его за наш счёт.",
		"solvedWith": staffArticle,
	}
	c = step(t, sup, "PUT", claimPath+"/decision", decision, 200)
	decision["version"], decision["rootCause"], decision["reason"] = c.Version, visRootCause, visRevisionReason
	c = step(t, sup, "PUT", claimPath+"/decision", decision, 200)
	r = mgr.do(t, "POST", claimPath+"/orders", map[string]any{"version": c.Version, "kind": "rework", "note": visOrderNote})
	if r.Status != 201 {
		t.Fatalf("rework order = %d %s", r.Status, r.Body)
	}
	var made struct {
		Order struct {
			Number string `json:"number"`
		} `json:"order"`
	}
	r.JSON(t, &made)
	c = readClaim(t, mgr, id)
	move(t, mgr, &c, "implementation", "", 200)
	move(t, sup, &c, "returned_for_rework", visReworkReason, 200)
	move(t, mgr, &c, "$previous", "", 200)
	c = step(t, mgr, "PATCH", claimPath, map[string]any{"version": c.Version, "priority": "high"}, 200)
	if r := erp.do(t, "PUT", "/v1/erp/orders/ORD-VIS-1", map[string]any{
		"customer": map[string]any{"name": "Вера Клиентова", "email": claimant}, "dealerId": "DLR-VIS", "salesManager": visSalesManager,
		"items": []map[string]any{{"sku": "TH-2000", "quantity": 1, "price": 1500000}}, "currency": "RUB", "status": "delivered", "erpVersion": 1,
	}); r.Status != 200 {
		t.Fatalf("ERP source order = %d %s", r.Status, r.Body)
	}
	var issued struct {
		BatchID string `json:"batchId"`
		Codes   []struct {
			Code string `json:"code"`
		} `json:"codes"`
	}
	if r := admin.do(t, "POST", "/v1/qr-codes", map[string]any{"kind": "serial", "model": "TH-2000", "productName": "Обогреватель",
		"series": "2026-11", "serials": []string{"SN-VIS-QR"}}); r.Status != 201 {
		t.Fatalf("issue a QR code = %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &issued)
	}

	// The staff view carries every internal value: the search can fail.
	staffBody := sup.do(t, "GET", claimPath, nil).Body
	staffHistory := sup.do(t, "GET", claimPath+"/history", nil).Body
	for _, v := range []string{visCulpritEmployee, visCulpritDept, visRootCause, visDecider, visTaskTitle, visTaskOwner, visTaskNote, visDoneNote,
		visFlagNote, visFlagSerialRu, visFlagSerialEn, visFlagRepeatRu, visFlagRepeatEn, visFlagKindFirst, earlier.Claim.ID} {
		if !strings.Contains(string(staffBody), v) {
			t.Errorf("the staff view lacks %q: the claim is not set up as the test needs", v)
		}
	}
	for _, v := range []string{visMoveNote, visReassignReason, visRevisionReason, visReworkReason, visFlagNote} {
		if !strings.Contains(string(staffHistory), v) {
			t.Errorf("the staff history lacks %q", v)
		}
	}
	var staff struct {
		Claim struct {
			HistoryHash string `json:"historyHash"`
		} `json:"claim"`
	}
	if err := json.Unmarshal(staffBody, &staff); err != nil || staff.Claim.HistoryHash == "" {
		t.Fatalf("staff view without a history head: %v", err)
	}
	leak.values = append(leak.values, staff.Claim.HistoryHash)

	// The dealer fills a TORG-2 act; the claim's PDF and its decision
	// letters are made meanwhile.
	r = dealer.do(t, "POST", claimPath+"/documents/torg-2", map[string]any{
		"actNumber": "5", "actDate": time.Now().Format("2006-01-02"), "place": "Склад дилера",
		"acceptanceStarted": time.Now().Add(-2 * time.Hour).Format(time.RFC3339), "acceptanceEnded": time.Now().Add(-time.Hour).Format(time.RFC3339),
		"commission": []map[string]any{{"position": "Кладовщик", "name": "Иванов И. И."}},
		"lines":      []map[string]any{{"sku": "TH-2000", "actualQuantity": 1, "defectQuantity": 1, "discrepancy": "defect", "description": "Перегрев"}},
	})
	if r.Status != 201 {
		t.Fatalf("TORG-2 = %d %s", r.Status, r.Body)
	}
	var act docView
	r.JSON(t, &act)
	st.Eventually(t, deliveryWait, "the claim's documents", func() bool {
		return slices.Equal(kinds(documentsOf(t, dealer, id)), []string{"claim", "decision-letter", "decision-letter", "torg-2"})
	})

	// The dealer's background export of their list: its file shows none
	// of the internals either (the job's JSON is walked below).
	exported := exportDone(t, dealer, startExportJob(t, dealer, "format=csv"))
	if l := leak.scan(downloadExport(t, exported), false); len(l) > 0 {
		t.Errorf("the dealer's background export shows %v", l)
	}

	// Every GET route: the table says how the claimant's side reads it; any
	// other route must refuse a dealer.
	params := map[string]string{
		"{id}": id, "{number}": made.Order.Number, "{token}": token, "{code}": issued.Codes[0].Code, "{batchId}": issued.BatchID,
		"{name}": "torg-2.pdf", "{documentId}": act.ID, "{version}": "1",
	}
	table := map[string][]string{
		"GET /v1/me":                                      {"/v1/me"},
		"GET /v1/catalog":                                 {"/v1/catalog"},
		"GET /v1/claims":                                  {"/v1/claims", "/v1/claims?stage=implementation", "/v1/claims?serial=SN-VIS-1", "/v1/claims?dealerId=DLR-VIS", "/v1/claims?limit=1", "/v1/claims?customerId=" + created.Claim.CustomerID},
		"GET /v1/claims/{id}":                             {claimPath},
		"GET /v1/exports/claims":                          {"/v1/exports/claims", "/v1/exports/claims?format=xlsx"},
		"GET /v1/exports":                                 {"/v1/exports"},
		"GET /v1/exports/{id}":                            {"/v1/exports/" + exported.ID},
		"GET /v1/claims/{id}/history":                     {claimPath + "/history"},
		"GET /v1/claims/{id}/messages":                    {claimPath + "/messages"},
		"GET /v1/claims/{id}/transitions":                 {claimPath + "/transitions"},
		"GET /v1/claims/{id}/documents":                   {claimPath + "/documents"},
		"GET /v1/claims/{id}/documents/torg-2":            {claimPath + "/documents/torg-2"},
		"GET /v1/claims/{id}/documents/{documentId}/file": {claimPath + "/documents/" + act.ID + "/file"},
		"GET /v1/orders/{number}":                         {"/v1/orders/ORD-VIS-1", "/v1/orders/" + made.Order.Number},
		// The dealer's orders as the ERP sent them (the cabinet's filing).
		"GET /v1/orders": {"/v1/orders", "/v1/orders?dealerId=DLR-VIS&limit=1"},
		// The dealer cabinet's page and files hold no claim.
		"GET /cabinet":         {"/cabinet", "/cabinet?lang=en"},
		"GET /cabinet/{asset}": {"/cabinet/app.js", "/cabinet/app.css"},
		// The dealer's inbox: what the claims department asks of them.
		"GET /v1/notifications": {"/v1/notifications", "/v1/notifications?unread=true"},
		// Public pages: the tracking page is the claimant's view of the
		// claim; the others show no claim.
		"GET /t/{token}":          {"/t/" + token, "/t/" + token + "?lang=en"},
		"GET /t/{token}/uploaded": {"/t/" + token + "/uploaded?key=x"},
		// Without a score: the rating link refuses (it records nothing).
		"GET /t/{token}/rating": {"/t/" + token + "/rating"},
		"GET /q/{code}":         {"/q/" + issued.Codes[0].Code},
		// The claim form's self-help: the published public articles only.
		"GET /q/{code}/articles": {"/q/" + issued.Codes[0].Code + "/articles?typeId=noise", "/q/" + issued.Codes[0].Code + "/articles?typeId=noise&lang=en"},
		"GET /samples/{name}":    {"/samples/torg-2.pdf"},
		"GET /health":            {"/health"},
		// A dealer's report subscriptions (their own figures only; none
		// here); the unsubscribe page shows no claim.
		"GET /v1/report-subscriptions": {"/v1/report-subscriptions"},
		// The knowledge base: the published public articles only, whatever
		// the query asks for.
		"GET /v1/kb/articles":      {"/v1/kb/articles", "/v1/kb/articles?limit=100"},
		"GET /v1/kb/articles/{id}": {"/v1/kb/articles/" + publicArticle},
		"GET /v1/kb/search": {"/v1/kb/search", "/v1/kb/search?q=SENTINEL", "/v1/kb/search?type=noise&status=draft",
			"/v1/kb/search?type=noise&audience=staff&model=TH-2000", "/v1/kb/search?q=статья&status=published&audience=staff"},
		"GET /unsubscribe/{token}":  {"/unsubscribe/" + token},
		"GET /report-files/{token}": {"/report-files/" + token},
	}
	// A document's file answers with a redirect to its link; the PDFs are
	// read below.
	redirects := map[string]bool{"GET /v1/claims/{id}/documents/{documentId}/file": true}
	// The dealer's own system (an integrations account for DLR-VIS) reads
	// the claims API as the dealer does; it does not take part in the chat,
	// and the dealer user's export job is that user's alone.
	systemRefused := map[string]bool{"GET /v1/claims/{id}/messages": true, "GET /v1/exports/{id}": true}
	walk := func(when string) {
		routes := specGETRoutes(t)
		keys := make([]string, 0, len(routes))
		for k := range routes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, key := range keys {
			signedIn := routes[key]
			paths, inTable := table[key]
			if !inTable {
				path := pathParam.ReplaceAllStringFunc(strings.TrimPrefix(key, "GET "), func(p string) string {
					v, ok := params[p]
					if !ok {
						t.Errorf("%s: no value for %s: add one to the test's params", key, p)
					}
					return url.PathEscape(v)
				})
				for _, u := range []*user{dealer, dealerSystem} {
					if r := u.do(t, "GET", path, nil); r.Status < 400 || !signedIn {
						t.Errorf("%s (%s): %s answers %s with %d: a route that shows a dealer something must be in the visibility table",
							when, key, path, u.id, r.Status)
					}
				}
				continue
			}
			for _, path := range paths {
				users := []*user{dealer, dealerSystem}
				if !signedIn {
					users = []*user{nil}
				}
				for _, u := range users {
					r := u.do(t, "GET", path, nil)
					who := "the public"
					if u != nil {
						who = u.id
					}
					if u == dealerSystem && systemRefused[key] {
						if r.Status != 404 {
							t.Errorf("%s: %s as %s = %d, want 404", when, path, who, r.Status)
						}
						continue
					}
					if redirects[key] && r.Status == http.StatusFound {
						continue
					}
					if r.Status >= 500 || (signedIn && r.Status != 200) {
						t.Errorf("%s: %s as %s = %d %s", when, path, who, r.Status, r.Body)
					}
					isJSON := strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
					if l := leak.scan(r.Body, isJSON); len(l) > 0 {
						t.Errorf("%s: %s as %s shows %v", when, path, who, l)
					}
				}
			}
		}
		for key := range table {
			if _, ok := routes[key]; !ok {
				t.Errorf("the table names %s, which openapi.yaml does not have", key)
			}
		}
	}
	walk("open claim")

	// The documents the dealer sees show none of the internals either.
	for _, d := range documentsOf(t, dealer, id) {
		if text := pdfText(t, download(t, &d)); text != "" {
			if l := leak.scan([]byte(text), false); len(l) > 0 {
				t.Errorf("the dealer's %s shows %v", d.Kind, l)
			}
		} else {
			break
		}
	}

	// What the dealer gets back from its own changes.
	r = dealer.do(t, "POST", claimPath+"/messages", map[string]any{"body": "Когда приедет мастер?"})
	if r.Status != 201 {
		t.Fatalf("dealer's message = %d %s", r.Status, r.Body)
	}
	if l := leak.scan(r.Body, true); len(l) > 0 {
		t.Errorf("the answer to the dealer's message shows %v", l)
	}
	c = readClaim(t, dealer, id)
	r = dealer.do(t, "POST", claimPath+"/transitions", map[string]any{"version": c.Version, "to": "withdrawn"})
	if r.Status != 200 {
		t.Fatalf("dealer's withdrawal = %d %s", r.Status, r.Body)
	}
	if l := leak.scan(r.Body, true); len(l) > 0 {
		t.Errorf("the answer to the dealer's withdrawal shows %v", l)
	}
	walk("withdrawn claim")

	// Webhooks and mails, once the last change (the withdrawal) is
	// delivered: every event's mail goes before its webhooks.
	want := map[string]int{"claim.received": 1, "claim.decision_recorded": 2, "claim.order_created": 1, "claim.message_posted": 3,
		"claim.stage_changed>withdrawn": 1, "claim.stage_changed>returned_for_rework": 1, "claim.stage_changed>waiting_for_customer": 1,
		"claim.stage_changed>implementation": 2}
	var payloads [][]byte
	st.Eventually(t, 60*time.Second, "the dealer's webhook deliveries", func() bool {
		var counts map[string]int
		payloads, counts = dealerHook.about(id)
		for k, n := range want {
			if counts[k] < n {
				return false
			}
		}
		return true
	})
	for _, b := range payloads {
		if l := leak.scan(b, true); len(l) > 0 {
			t.Errorf("a payload to the dealer's own system shows %v: %s", l, b)
		}
	}
	for _, typ := range []string{"claim.assigned", "claim.updated"} {
		if _, counts := dealerHook.about(id); counts[typ] > 0 {
			t.Errorf("the dealer's system got %d internal %s events", counts[typ], typ)
		}
	}
	st.Eventually(t, 60*time.Second, "the company's webhook deliveries", func() bool {
		_, counts := companyHook.about(id)
		return counts["claim.stage_changed>withdrawn"] > 0 && counts["claim.order_created"] > 0 && counts["claim.stage_changed>returned_for_rework"] > 0
	})
	company, _ := companyHook.about(id)
	all := string(joinBodies(company))
	for _, v := range []string{visOrderNote, visReworkReason, visReassignReason} {
		if !strings.Contains(all, v) {
			t.Errorf("the company's own system did not get %q", v)
		}
	}

	mails, err := ses.ReadOutbox(local.OutboxDir)
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, m := range mails {
		if len(m.To) != 1 || m.To[0] != claimant {
			continue
		}
		subjects = append(subjects, m.Subject)
		if l := leak.scan([]byte(m.Subject+"\n"+m.Text+"\n"+m.HTML), false); len(l) > 0 {
			t.Errorf("the claimant's mail %q shows %v", m.Subject, l)
		}
	}
	sort.Strings(subjects)
	// Received, waiting (with what is asked), the manager's message, the
	// decision at implementation (twice: after the rework too), withdrawn.
	if len(subjects) < 5 {
		t.Errorf("the claimant got %d mails, want at least 5: %v", len(subjects), subjects)
	}
}

func joinBodies(bs [][]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
		out = append(out, '\n')
	}
	return out
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestDealerSystemActsAsItsDealer: an integrations account that carries a
// dealer is that dealer's own system: it files claims for its dealer only,
// sees only its dealer's claims, and writes none of the company's records
// (ERP orders and statuses, customers' personal managers), which the
// company's own integration does.
func TestDealerSystemActsAsItsDealer(t *testing.T) {
	system := newUser(t, "integrations", "dealer-sys-scope", "DLR-SYS")
	erp := newUser(t, "integrations", "erp-sys-scope", "")
	other := newUser(t, "dealers", "dealer-sys-other", "DLR-SYS-OTHER")
	r, mine := createClaim(t, system, claimBody(func(b map[string]any) {
		b["essence"] = "Заявка из системы дилера: только для своего дилера."
	}))
	if r.Status != 201 || mine.Claim.DealerID != "DLR-SYS" {
		t.Fatalf("the dealer's system files = %d %s, want 201 for DLR-SYS", r.Status, r.Body)
	}
	if r := system.do(t, "POST", "/v1/claims", claimBody(func(b map[string]any) { b["dealerId"] = "DLR-SYS-OTHER" })); r.Status != 403 {
		t.Errorf("filing for another dealer = %d %s, want 403", r.Status, r.Body)
	}
	_, theirs := createClaim(t, other, claimBody(func(b map[string]any) { b["channel"] = "dealer_form" }))
	if r := system.do(t, "GET", "/v1/claims/"+theirs.Claim.ID, nil); r.Status != 404 {
		t.Errorf("another dealer's claim = %d, want 404", r.Status)
	}
	if r := system.do(t, "GET", "/v1/claims?dealerId=DLR-SYS-OTHER", nil); r.Status != 403 {
		t.Errorf("listing another dealer's claims = %d, want 403", r.Status)
	}
	var page struct {
		Claims []struct {
			ID       string `json:"id"`
			DealerID string `json:"dealerId"`
		} `json:"claims"`
	}
	system.do(t, "GET", "/v1/claims", nil).JSON(t, &page)
	if len(page.Claims) == 0 {
		t.Error("the dealer's system lists none of its claims")
	}
	for _, c := range page.Claims {
		if c.DealerID != "DLR-SYS" {
			t.Errorf("the dealer's system lists %s of dealer %q", c.ID, c.DealerID)
		}
	}
	order := map[string]any{"customer": map[string]any{"name": "Пётр", "email": "petr@example.com"}, "dealerId": "DLR-SYS",
		"salesManager": "sales-1", "items": []map[string]any{{"sku": "TH-2000", "quantity": 1}}, "status": "new", "erpVersion": 1}
	for _, tt := range []struct {
		method, path string
		body         map[string]any
	}{
		{"PUT", "/v1/erp/orders/ORD-SYS-1", order},
		{"POST", "/v1/erp/orders/ORD-SYS-1/status", map[string]any{"status": "shipped", "erpVersion": 2}},
		{"PUT", "/v1/customers/" + mine.Claim.CustomerID + "/personal-manager", map[string]any{"managerId": "sales-1"}},
	} {
		if r := system.do(t, tt.method, tt.path, tt.body); r.Status != 403 {
			t.Errorf("the dealer's system: %s %s = %d %s, want 403", tt.method, tt.path, r.Status, r.Body)
		}
	}
	if r := erp.do(t, "PUT", "/v1/erp/orders/ORD-SYS-1", order); r.Status != 200 {
		t.Errorf("the company's ERP: PUT order = %d %s, want 200", r.Status, r.Body)
	}
}
