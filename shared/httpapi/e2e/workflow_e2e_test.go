package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/sla"
)

// wclaim is the part of a claim the workflow tests read.
type wclaim struct {
	ID            string `json:"id"`
	Stage         string `json:"stage"`
	PreviousStage string `json:"previousStage"`
	Assignee      string `json:"assignee"`
	Version       int    `json:"version"`
	HistoryHash   string `json:"historyHash"`
	DueAt         string `json:"dueAt"`
	Tasks         []struct {
		ID       string `json:"id"`
		Required bool   `json:"required"`
		Owner    string `json:"owner"`
		DoneAt   string `json:"doneAt"`
	} `json:"tasks"`
	Decision *struct {
		WarrantyCase             bool   `json:"warrantyCase"`
		RootCause                string `json:"rootCause"`
		CulpritDepartment        string `json:"culpritDepartment"`
		Resolution               string `json:"resolution"`
		IncidentAnalysisRequired bool   `json:"incidentAnalysisRequired"`
		Revision                 int    `json:"revision"`
	} `json:"decision"`
	Orders []string `json:"orders"`
	SLA    *struct {
		Level    int      `json:"level"`
		Breached []string `json:"breached"`
	} `json:"sla"`
}

// errCode returns an error body's code and details.
func errCode(t testing.TB, r *st.Response) (string, map[string]any) {
	t.Helper()
	var b struct {
		Error struct {
			Code    string         `json:"code"`
			Details map[string]any `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &b); err != nil {
		t.Fatalf("not an error body (%d): %s", r.Status, r.Body)
	}
	return b.Error.Code, b.Error.Details
}

// readClaim opens a claim as u.
func readClaim(t testing.TB, u *user, id string) wclaim {
	t.Helper()
	r := u.do(t, "GET", "/v1/claims/"+id, nil)
	if r.Status != 200 {
		t.Fatalf("GET claim %s as %s = %d %s", id, u.id, r.Status, r.Body)
	}
	var v struct {
		Claim wclaim `json:"claim"`
	}
	r.JSON(t, &v)
	return v.Claim
}

// step is one change through the API: it must answer want, and a 2xx
// answer returns the changed claim.
func step(t testing.TB, u *user, method, path string, body map[string]any, want int) wclaim {
	t.Helper()
	r := u.do(t, method, path, body)
	if r.Status != want {
		t.Fatalf("%s %s as %s = %d %s, want %d", method, path, u.id, r.Status, r.Body, want)
	}
	var c wclaim
	if want < 300 {
		r.JSON(t, &c)
		if r.Header.Get("ETag") != fmt.Sprintf("%q", fmt.Sprint(c.Version)) {
			t.Errorf("%s %s: ETag %q for version %d", method, path, r.Header.Get("ETag"), c.Version)
		}
	}
	return c
}

func move(t testing.TB, u *user, c *wclaim, to, reason string, want int) {
	t.Helper()
	body := map[string]any{"to": to, "version": c.Version}
	if reason != "" {
		body["reason"] = reason
	}
	got := step(t, u, "POST", "/v1/claims/"+c.ID+"/transitions", body, want)
	if want == 200 {
		*c = got
	}
}

// stageEntries counts the stage changes in a claim's history.
func stageEntries(t testing.TB, u *user, id string) int {
	t.Helper()
	var hist struct {
		Events []struct {
			Type string `json:"type"`
		} `json:"events"`
	}
	u.do(t, "GET", "/v1/claims/"+id+"/history", nil).JSON(t, &hist)
	n := 0
	for _, e := range hist.Events {
		if e.Type == "stage.changed" {
			n++
		}
	}
	return n
}

// finishTasks completes the open required tasks of the claim's stage.
func finishTasks(t testing.TB, u *user, c *wclaim) {
	t.Helper()
	for _, tk := range c.Tasks {
		if tk.Required && tk.DoneAt == "" && strings.HasPrefix(tk.ID, c.Stage+".") {
			*c = step(t, u, "POST", "/v1/claims/"+c.ID+"/tasks/"+tk.ID+"/complete", map[string]any{"version": c.Version, "note": "сделано"}, 200)
		}
	}
}

// serviceManagers handle the service category in the demo roster.
var serviceManagers = map[string]bool{"manager-1": true, "manager-3": true, "manager-5": true}

// otherManager returns a demo manager who is not id.
func otherManager(id string) string {
	if id == "manager-2" {
		return "manager-4"
	}
	return "manager-2"
}

// postReply sends the customer's reply from the tracking page (no redirects
// followed, as a browser's form post answered with 303).
func postReply(t testing.TB, trackingURL, text string) *http.Response {
	t.Helper()
	u, err := url.Parse(trackingURL)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(local.APIURL+u.Path+"/messages", url.Values{"body": {text}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// TestClaimLifecycle takes a dealer's claim from intake to closed through
// every stage, with a pause for the customer, a decision revised by a
// supervisor, a rework order, incident analysis and a send-back, checking at
// each step what the manager, another manager, the supervisor, the dealer,
// another dealer and the customer may and may not do.
func TestClaimLifecycle(t *testing.T) {
	dealer := newUser(t, "dealers", "dealer-wf", "DLR-WF")
	otherDealer := newUser(t, "dealers", "dealer-wf2", "DLR-WF2")
	sup := newUser(t, "supervisors", "supervisor-wf", "")
	r, created := createClaim(t, dealer, claimBody(func(b map[string]any) {
		b["channel"] = "dealer_form"
		b["order"] = map[string]any{"reference": "ORD-WF-1", "items": []map[string]any{{"sku": "TH-2000", "name": "Обогреватель", "quantity": 2, "unit": "шт"}}}
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	id := created.Claim.ID
	if !serviceManagers[created.Claim.Assignee] {
		t.Fatalf("assignee %q does not handle the service category", created.Claim.Assignee)
	}
	mgr := newUser(t, "managers", created.Claim.Assignee, "")
	other := newUser(t, "managers", otherManager(created.Claim.Assignee), "")
	c := readClaim(t, mgr, id)
	if c.Stage != "new" || c.Version != 1 || c.DueAt == "" {
		t.Fatalf("new claim: %+v", c)
	}
	claimPath := "/v1/claims/" + id

	// Who may see and move a new claim.
	for _, tt := range []struct {
		name string
		u    *user
		want int
	}{
		{"another manager", other, 404},
		{"another dealer", otherDealer, 404},
		{"the claim's dealer", dealer, 403},
	} {
		body := map[string]any{"to": "information_check", "version": c.Version}
		if r := tt.u.do(t, "POST", claimPath+"/transitions", body); r.Status != tt.want {
			t.Errorf("%s moving the claim = %d %s, want %d", tt.name, r.Status, r.Body, tt.want)
		}
	}
	var allowed struct {
		Allowed []string `json:"allowed"`
	}
	mgr.do(t, "GET", claimPath+"/transitions", nil).JSON(t, &allowed)
	if !contains(allowed.Allowed, "information_check") || contains(allowed.Allowed, "closed") {
		t.Errorf("manager may move to %v", allowed.Allowed)
	}
	dealer.do(t, "GET", claimPath+"/transitions", nil).JSON(t, &allowed)
	if len(allowed.Allowed) != 1 || allowed.Allowed[0] != "withdrawn" {
		t.Errorf("dealer may move to %v, want only withdrawn", allowed.Allowed)
	}
	if r := mgr.do(t, "POST", claimPath+"/transitions", map[string]any{"to": "information_check"}); r.Status != 400 || !contains(errorFields(t, r), "version") {
		t.Errorf("a change without a version = %d %s, want 400 naming version", r.Status, r.Body)
	}

	move(t, mgr, &c, "information_check", "", 200)
	// A stale version loses, with the current one in the answer.
	stale := map[string]any{"to": "diagnostics", "version": c.Version - 1}
	if r := mgr.do(t, "POST", claimPath+"/transitions", stale); r.Status != 409 {
		t.Errorf("stale version = %d %s, want 409", r.Status, r.Body)
	} else if _, d := errCode(t, r); d["currentVersion"] != float64(c.Version) {
		t.Errorf("409 details %v, want currentVersion %d", d, c.Version)
	}
	// Required tasks keep the claim in its stage.
	if r := mgr.do(t, "POST", claimPath+"/transitions", map[string]any{"to": "diagnostics", "version": c.Version}); r.Status != 409 {
		t.Errorf("leaving with open tasks = %d %s, want 409", r.Status, r.Body)
	} else if _, d := errCode(t, r); d["openTasks"] == nil {
		t.Errorf("409 details %v do not list the open tasks", d)
	}
	if r := other.do(t, "POST", claimPath+"/tasks/information_check.check-completeness/complete", map[string]any{"version": c.Version}); r.Status != 404 {
		t.Errorf("another manager completing a task = %d, want 404", r.Status)
	}
	finishTasks(t, mgr, &c)
	move(t, mgr, &c, "diagnostics", "", 200)

	// The manager asks the customer for more; the customer's reply through
	// the tracking link resumes the claim.
	move(t, mgr, &c, "waiting_for_customer", "", 400)
	move(t, mgr, &c, "waiting_for_customer", "Пришлите фото шильдика", 200)
	if c.DueAt != "" || c.PreviousStage != "diagnostics" {
		t.Errorf("paused claim: due %q previous %q", c.DueAt, c.PreviousStage)
	}
	if res := postReply(t, created.TrackingURL, "Фото шильдика прикладываю позже, серийный номер SN-77."); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("customer's reply = %d, want 303", res.StatusCode)
	}
	c = readClaim(t, mgr, id)
	if c.Stage != "diagnostics" {
		t.Fatalf("after the customer's reply the claim is %s, want diagnostics", c.Stage)
	}

	// A plan task and the stage task, then the decision.
	due := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	c = step(t, mgr, "POST", claimPath+"/tasks", map[string]any{"version": c.Version, "title": "Запросить акт у монтажной бригады", "owner": "service-dept", "due": due}, 201)
	if r := dealer.do(t, "POST", claimPath+"/tasks", map[string]any{"version": c.Version, "title": "Попытка дилера", "owner": "x", "due": due}); r.Status != 403 {
		t.Errorf("dealer adding to the plan = %d, want 403", r.Status)
	}
	finishTasks(t, mgr, &c)
	move(t, mgr, &c, "decision", "", 200)
	move(t, mgr, &c, "implementation", "", 409) // no decision yet
	decision := map[string]any{
		"warrantyCase": true, "faultParty": "company", "culpritDepartment": "Сервисная служба",
		"rootCause": "service_failure", "resolution": "repair", "cost": map[string]any{"amount": 450000, "currency": "RUB"},
		"instructions": "Мастер приедет и завершит монтаж за наш счёт.",
	}
	with := func(m map[string]any, kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	if r := dealer.do(t, "PUT", claimPath+"/decision", with(decision, "version", c.Version)); r.Status != 403 {
		t.Errorf("dealer deciding = %d, want 403", r.Status)
	}
	if r := mgr.do(t, "PUT", claimPath+"/decision", with(decision, "version", c.Version, "rootCause", "bad-luck", "faultParty", "nobody")); r.Status != 400 ||
		!contains(errorFields(t, r), "rootCause") || !contains(errorFields(t, r), "faultParty") {
		t.Errorf("bad decision = %d %s, want 400 naming rootCause and faultParty", r.Status, r.Body)
	}
	c = step(t, mgr, "PUT", claimPath+"/decision", with(decision, "version", c.Version), 200)
	if c.Decision == nil || c.Decision.IncidentAnalysisRequired {
		t.Fatalf("decision = %+v", c.Decision)
	}
	// A recorded decision changes only by a supervisor, with a reason.
	if r := mgr.do(t, "PUT", claimPath+"/decision", with(decision, "version", c.Version, "resolution", "replace")); r.Status != 403 {
		t.Errorf("manager changing the decision = %d, want 403", r.Status)
	}
	if r := sup.do(t, "PUT", claimPath+"/decision", with(decision, "version", c.Version, "rootCause", "assembly_error")); r.Status != 400 || !contains(errorFields(t, r), "reason") {
		t.Errorf("supervisor changing without a reason = %d %s, want 400 naming reason", r.Status, r.Body)
	}
	c = step(t, sup, "PUT", claimPath+"/decision", with(decision, "version", c.Version, "rootCause", "assembly_error",
		"reason", "Экспертиза показала ошибку сборки на заводе"), 200)
	if !c.Decision.IncidentAnalysisRequired || c.Decision.Revision != 1 {
		t.Fatalf("revised decision = %+v, want a manufacturing cause (incident analysis) at revision 1", c.Decision)
	}

	// A rework order from the claim: the company pays, the ERP sees it.
	if r := dealer.do(t, "POST", claimPath+"/orders", map[string]any{"version": c.Version, "kind": "rework"}); r.Status != 403 {
		t.Errorf("dealer creating an order = %d, want 403", r.Status)
	}
	r = mgr.do(t, "POST", claimPath+"/orders", map[string]any{"version": c.Version, "kind": "rework", "note": "Переборка узла"})
	if r.Status != 201 {
		t.Fatalf("rework order = %d %s", r.Status, r.Body)
	}
	var made struct {
		Order struct {
			Number      string `json:"number"`
			SourceClaim string `json:"sourceClaim"`
		} `json:"order"`
		Claim wclaim `json:"claim"`
	}
	r.JSON(t, &made)
	c = made.Claim
	if made.Order.SourceClaim != id || !contains(c.Orders, made.Order.Number) {
		t.Fatalf("order %+v, claim orders %v", made.Order, c.Orders)
	}
	var view struct {
		SourceClaim *struct {
			ID string `json:"id"`
		} `json:"sourceClaim"`
	}
	mgr.do(t, "GET", "/v1/orders/"+made.Order.Number, nil).JSON(t, &view)
	if view.SourceClaim == nil || view.SourceClaim.ID != id {
		t.Errorf("order view source claim = %+v, want %s", view.SourceClaim, id)
	}
	erp := newUser(t, "integrations", "erp-wf", "")
	if r := erp.do(t, "POST", "/v1/erp/orders/"+made.Order.Number+"/status", map[string]any{"status": "in_production", "erpVersion": 1}); r.Status != 200 {
		t.Errorf("ERP status report = %d %s", r.Status, r.Body)
	}
	// The ERP mirrors the source order: the claim shows it, and the order
	// lists the claim against it.
	if r := erp.do(t, "PUT", "/v1/erp/orders/ORD-WF-1", map[string]any{
		"customer": map[string]any{"name": "Анна Смирнова", "email": "anna@example.com"}, "dealerId": "DLR-WF",
		"items": []map[string]any{{"sku": "TH-2000", "quantity": 2}}, "status": "delivered", "erpVersion": 3,
	}); r.Status != 200 {
		t.Fatalf("ERP source order = %d %s", r.Status, r.Body)
	}
	var detail struct {
		SourceOrder *struct {
			Number string `json:"number"`
		} `json:"sourceOrder"`
		Orders []struct {
			Number string `json:"number"`
			Status string `json:"status"`
		} `json:"orders"`
	}
	mgr.do(t, "GET", claimPath, nil).JSON(t, &detail)
	if detail.SourceOrder == nil || detail.SourceOrder.Number != "ORD-WF-1" || len(detail.Orders) != 1 ||
		detail.Orders[0].Number != made.Order.Number || detail.Orders[0].Status != "in_production" {
		t.Errorf("claim detail orders: source %+v, created %+v", detail.SourceOrder, detail.Orders)
	}
	var source struct {
		Claims []struct {
			ID string `json:"id"`
		} `json:"claims"`
	}
	dealer.do(t, "GET", "/v1/orders/ORD-WF-1", nil).JSON(t, &source)
	if len(source.Claims) != 1 || source.Claims[0].ID != id {
		t.Errorf("source order's claims = %+v, want %s", source.Claims, id)
	}
	if r := otherDealer.do(t, "GET", "/v1/orders/ORD-WF-1", nil); r.Status != 404 {
		t.Errorf("another dealer's order = %d, want 404", r.Status)
	}

	move(t, mgr, &c, "implementation", "", 200)
	finishTasks(t, mgr, &c)
	move(t, mgr, &c, "quality_control", "", 409) // a manufacturing defect needs incident analysis
	move(t, mgr, &c, "incident_analysis", "", 200)
	finishTasks(t, mgr, &c)
	move(t, mgr, &c, "quality_control", "", 200)

	// The supervisor sends it back; the manager returns it to review.
	move(t, mgr, &c, "returned_for_rework", "переделать", 403)
	move(t, sup, &c, "returned_for_rework", "Клиент не подтвердил результат", 200)
	move(t, mgr, &c, "$previous", "", 200)
	if c.Stage != "quality_control" {
		t.Fatalf("after rework the claim is %s", c.Stage)
	}
	finishTasks(t, mgr, &c)
	move(t, mgr, &c, "closed", "", 403)
	move(t, sup, &c, "closed", "", 200)
	move(t, sup, &c, "withdrawn", "", 409)
	if c.DueAt != "" {
		t.Errorf("closed claim still due %s", c.DueAt)
	}

	// The audit trail: complete for staff, verified, redacted for the dealer.
	var hist struct {
		Version int `json:"version"`
		Events  []struct {
			Seq   int            `json:"seq"`
			Type  string         `json:"type"`
			After map[string]any `json:"after"`
		} `json:"events"`
	}
	// The claim's documents (its PDF, the decision letter) are made after
	// the changes that call for them, each with a history entry that
	// leaves the version alone: wait until every event is handled.
	drained(t, local)
	sup.do(t, "GET", claimPath+"/history", nil).JSON(t, &hist)
	documents := 0
	for _, e := range hist.Events {
		if e.Type == "document.generated" {
			documents++
		}
	}
	if len(hist.Events)-documents != c.Version || hist.Version != c.Version || documents != 3 {
		t.Fatalf("history has %d entries (%d of documents), claim version %d", len(hist.Events), documents, c.Version)
	}
	types := map[string]int{}
	for i, e := range hist.Events {
		if e.Seq != i+1 {
			t.Fatalf("entry %d has seq %d", i, e.Seq)
		}
		types[e.Type]++
	}
	for _, want := range []string{"claim.created", "stage.changed", "task.completed", "plan.task_added", "decision.recorded", "decision.revised", "order.created", "message.posted"} {
		if types[want] == 0 {
			t.Errorf("history lacks %s: %v", want, types)
		}
	}
	var v struct {
		Valid   bool `json:"valid"`
		Entries int  `json:"entries"`
	}
	mgr.do(t, "GET", claimPath+"/history/verify", nil).JSON(t, &v)
	if !v.Valid || v.Entries != len(hist.Events) {
		t.Errorf("verify = %+v", v)
	}
	if r := dealer.do(t, "GET", claimPath+"/history/verify", nil); r.Status != 403 {
		t.Errorf("dealer verifying = %d, want 403", r.Status)
	}
	dc := readClaim(t, dealer, id)
	if len(dc.Tasks) != 0 || dc.Decision == nil || dc.Decision.RootCause != "" || dc.Decision.CulpritDepartment != "" {
		t.Errorf("dealer's view shows internal fields: tasks %d, decision %+v", len(dc.Tasks), dc.Decision)
	}
	var dealerHist struct {
		Events []struct {
			Type  string         `json:"type"`
			After map[string]any `json:"after"`
		} `json:"events"`
	}
	dealer.do(t, "GET", claimPath+"/history", nil).JSON(t, &dealerHist)
	if len(dealerHist.Events) == 0 {
		t.Error("the dealer sees no history")
	}
	for _, e := range dealerHist.Events {
		// What the customer was asked is theirs; other reasons stay inside.
		asked := e.After["stage"] == "waiting_for_customer"
		if e.Type == "task.completed" || e.Type == "plan.task_added" || (e.After["reason"] != nil && !asked) || e.After["rootCause"] != nil {
			t.Errorf("dealer's history shows %s %v", e.Type, e.After)
		}
	}
	if r := otherDealer.do(t, "GET", claimPath+"/history", nil); r.Status != 404 {
		t.Errorf("another dealer reading the history = %d, want 404", r.Status)
	}
}

// TestWorklistRanksByUrgency checks the worklist: the manager's open claims
// in the order of the ranking rule (sla.CompareUrgency: breached and
// escalated first, then due time, then priority), finished ones gone, a
// claim the SLA check finds breached moved to the front; managers see only
// their own.
func TestWorklistRanksByUrgency(t *testing.T) {
	sup := newUser(t, "supervisors", "supervisor-wl", "")
	// A manager of its own for this run, so that other tests' claims, and
	// those of an earlier run on the same stack (-count), stay out.
	manager := fmt.Sprintf("manager-wl-%d", time.Now().UnixNano()%1_000_000_000)
	mgr := newUser(t, "managers", manager, "")
	r := sup.do(t, "PUT", "/v1/managers/"+manager, map[string]any{
		"name": "Менеджер Ворклиста", "email": manager + "@claimsdesk.example", "categories": []string{"service"}, "active": true,
	})
	if r.Status != 200 && r.Status != 201 {
		t.Fatalf("add manager = %d %s", r.Status, r.Body)
	}
	defer sup.do(t, "PUT", "/v1/managers/"+manager, map[string]any{
		"name": "Менеджер Ворклиста", "email": manager + "@claimsdesk.example", "categories": []string{"service"}, "active": false,
	})
	var ids []string
	prio := map[string]string{}
	for i, p := range []string{"low", "critical", "normal", "high"} {
		r, c := createClaim(t, sup, claimBody(func(b map[string]any) {
			b["priority"] = p
			b["essence"] = fmt.Sprintf("Срочность %s: проверка очереди менеджера номер %d.", p, i)
		}))
		if r.Status != 201 {
			t.Fatalf("intake = %d %s", r.Status, r.Body)
		}
		if c.Claim.Assignee != manager {
			// Another service manager's turn: give it to ours.
			cl := readClaim(t, sup, c.Claim.ID)
			step(t, sup, "POST", "/v1/claims/"+cl.ID+"/assignment", map[string]any{"version": cl.Version, "assignee": manager, "reason": "тест очереди"}, 200)
		}
		ids = append(ids, c.Claim.ID)
		prio[c.Claim.ID] = p
	}
	var wl struct {
		Assignee string `json:"assignee"`
		Items    []struct {
			Claim     claims.Claim `json:"claim"`
			OpenTasks []any        `json:"openTasks"`
		} `json:"items"`
	}
	// ranked returns the worklist's claim IDs and whether they are in the
	// rule's order.
	ranked := func() ([]string, bool) {
		mgr.do(t, "GET", "/v1/worklist", nil).JSON(t, &wl)
		var ids []string
		var cs []*claims.Claim
		for i := range wl.Items {
			ids = append(ids, wl.Items[i].Claim.ID)
			cs = append(cs, &wl.Items[i].Claim)
		}
		return ids, slices.IsSortedFunc(cs, sla.CompareUrgency)
	}
	all, ok := ranked()
	var order []string
	for _, id := range all {
		order = append(order, prio[id])
	}
	// Filed together, the critical claim is due in an hour, the high one in
	// two, the others in four (the SLA policies by priority).
	if len(order) != 4 || order[0] != "critical" || order[1] != "high" || !ok {
		t.Errorf("worklist order by priority = %v (ranked by the rule: %v), want critical, high, then normal and low by due time", order, ok)
	}
	// Paging.
	var page1, page2 struct {
		Items []struct {
			Claim wclaim `json:"claim"`
		} `json:"items"`
		Next string `json:"next"`
	}
	mgr.do(t, "GET", "/v1/worklist?limit=3", nil).JSON(t, &page1)
	if len(page1.Items) != 3 || page1.Next == "" {
		t.Fatalf("first page: %d items, next %q", len(page1.Items), page1.Next)
	}
	mgr.do(t, "GET", "/v1/worklist?limit=3&cursor="+url.QueryEscape(page1.Next), nil).JSON(t, &page2)
	if len(page2.Items) != 1 || page2.Items[0].Claim.ID != all[3] {
		t.Errorf("second page = %+v, want %s", page2.Items, all[3])
	}
	if r := mgr.do(t, "GET", "/v1/worklist?assignee=manager-1", nil); r.Status != 403 {
		t.Errorf("manager reading another's worklist = %d, want 403", r.Status)
	}
	if r := sup.do(t, "GET", "/v1/worklist?assignee="+manager, nil); r.Status != 200 {
		t.Errorf("supervisor reading a worklist = %d", r.Status)
	}
	if r := newUser(t, "dealers", "d-wl", "DLR-WL").do(t, "GET", "/v1/worklist", nil); r.Status != 403 {
		t.Errorf("dealer worklist = %d, want 403", r.Status)
	}
	if r := mgr.do(t, "GET", "/v1/worklist?cursor="+url.QueryEscape(page1.Next[:len(page1.Next)-2]+"xx"), nil); r.Status != 400 {
		t.Errorf("forged cursor = %d, want 400", r.Status)
	}
	// A withdrawn claim leaves the worklist.
	cl := readClaim(t, sup, ids[1])
	move(t, sup, &cl, "withdrawn", "", 200)
	mgr.do(t, "GET", "/v1/worklist", nil).JSON(t, &wl)
	for _, it := range wl.Items {
		if it.Claim.ID == ids[1] {
			t.Errorf("withdrawn claim %s still on the worklist", ids[1])
		}
	}
	if len(wl.Items) != 3 {
		t.Fatalf("worklist has %d claims after a withdrawal, want 3", len(wl.Items))
	}

	// The last claim's first response falls due (as if an hour had passed:
	// its due time and next check are moved back in the table); the SLA
	// check records the breach, and the claim moves to the front.
	last := wl.Items[2].Claim.ID
	past := time.Now().Add(-time.Hour).UTC()
	ctx := context.Background()
	_, err := local.Clients.DynamoDB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String("claims-Table"),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "CLAIM#" + last}, "SK": &types.AttributeValueMemberS{Value: "#META"},
		},
		UpdateExpression: aws.String("SET sla.firstResponseDue = :p, sla.nextCheck = :p, GSI5PK = :pk, GSI5SK = :sk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":p":  &types.AttributeValueMemberS{Value: past.Format(time.RFC3339Nano)},
			":pk": &types.AttributeValueMemberS{Value: "SLA#DUE"},
			":sk": &types.AttributeValueMemberS{Value: past.Format("2006-01-02T15:04:05.000000Z07:00") + "#" + last},
		},
	})
	if err != nil {
		t.Fatalf("move the first response of %s back: %v", last, err)
	}
	res, err := local.Invoke(ctx, "SlaFunction", []byte(`{"job":"check"}`))
	if err != nil || res.FunctionError != "" {
		t.Fatalf("SLA check: %v %s", err, res.Payload)
	}
	after, ok := ranked()
	if len(after) != 3 || after[0] != last || !ok {
		t.Errorf("worklist after %s breached = %v (ranked by the rule: %v), want it first", last, after, ok)
	}
	if got := readClaim(t, sup, last); got.SLA == nil || got.SLA.Level < 1 {
		t.Errorf("breached claim's SLA = %+v, want escalation level 1", got.SLA)
	}
}

// newDecisionClaim files a claim and brings it to the decision stage as its
// manager.
func newDecisionClaim(t testing.TB, sup *user) (wclaim, *user) {
	t.Helper()
	r, created := createClaim(t, sup, claimBody(func(b map[string]any) {
		b["essence"] = "Гонка решений: два менеджера принимают решение одновременно."
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	mgr := newUser(t, "managers", created.Claim.Assignee, "")
	c := readClaim(t, mgr, created.Claim.ID)
	for _, to := range []string{"information_check", "diagnostics", "decision"} {
		finishTasks(t, mgr, &c)
		move(t, mgr, &c, to, "", 200)
	}
	return c, mgr
}

// TestConcurrentDecisionsOneWins: the claim's manager and a supervisor
// record a decision on the same version at once: exactly one wins, the
// other gets 409 with the current version, and nothing is half-written.
func TestConcurrentDecisionsOneWins(t *testing.T) {
	sup := newUser(t, "supervisors", "supervisor-race", "")
	for round := range 5 {
		c, mgr := newDecisionClaim(t, sup)
		body := func(res string) map[string]any {
			return map[string]any{
				"version": c.Version, "faultParty": "customer", "rootCause": "misuse", "resolution": res,
				"instructions": "Решение по рекламации, раунд " + fmt.Sprint(round),
			}
		}
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		bodies := make([]*st.Response, 2)
		for i, u := range []*user{mgr, sup} {
			wg.Go(func() {
				bodies[i] = u.do(t, "PUT", "/v1/claims/"+c.ID+"/decision", body([]string{"reject", "repair"}[i]))
				statuses[i] = bodies[i].Status
			})
		}
		wg.Wait()
		won := -1
		for i, s := range statuses {
			switch s {
			case 200:
				if won >= 0 {
					t.Fatalf("round %d: both decisions won", round)
				}
				won = i
			case 409:
				if _, d := errCode(t, bodies[i]); d["currentVersion"] == nil {
					t.Errorf("round %d: 409 without the current version: %s", round, bodies[i].Body)
				}
			default:
				t.Fatalf("round %d: decision %d = %d %s", round, i, s, bodies[i].Body)
			}
		}
		if won < 0 {
			t.Fatalf("round %d: no decision won: %v", round, statuses)
		}
		got := readClaim(t, sup, c.ID)
		if got.Version != c.Version+1 || got.Decision == nil || got.Decision.Resolution != []string{"reject", "repair"}[won] {
			t.Errorf("round %d: stored version %d decision %+v, want the winner's at version %d", round, got.Version, got.Decision, c.Version+1)
		}
	}
}

// TestParallelTransitionsKeepTheChain: 50 callers race to move one claim,
// each retrying after a 409 until its transition lands; the history stays
// one gapless chain that verifies, with one stage entry per transition.
func TestParallelTransitionsKeepTheChain(t *testing.T) {
	sup := newUser(t, "supervisors", "supervisor-par", "")
	c, mgr := newDecisionClaim(t, sup)
	start := c.Version
	sheetsMade(t, c.ID) // its history entries are in before the race
	stagesBefore := stageEntries(t, sup, c.ID)
	const n = 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, conflicts := 0, 0
	versions := map[int]bool{}
	for i := range n {
		wg.Go(func() {
			// Each caller reads the claim and pauses or resumes it, reading
			// again after losing a race, until its transition lands.
			u := []*user{mgr, sup}[i%2]
			for attempt := 0; attempt < 200; attempt++ {
				cur := readClaim(t, u, c.ID)
				body := map[string]any{"version": cur.Version, "to": "waiting_for_customer", "reason": fmt.Sprintf("вопрос %d", i)}
				if cur.Stage == "waiting_for_customer" {
					body = map[string]any{"version": cur.Version, "to": "$previous"}
				}
				r := u.do(t, "POST", "/v1/claims/"+c.ID+"/transitions", body)
				mu.Lock()
				switch r.Status {
				case 200:
					wins++
					var got wclaim
					r.JSON(t, &got)
					if versions[got.Version] {
						t.Errorf("two transitions produced version %d", got.Version)
					}
					versions[got.Version] = true
					mu.Unlock()
					return
				case 409:
					conflicts++
					mu.Unlock()
				default:
					mu.Unlock()
					t.Errorf("transition %d = %d %s", i, r.Status, r.Body)
					return
				}
			}
			t.Errorf("transition %d never landed", i)
		})
	}
	wg.Wait()
	if wins != n {
		t.Fatalf("%d of %d transitions landed (%d conflicts on the way)", wins, n, conflicts)
	}
	final := readClaim(t, sup, c.ID)
	if final.Version != start+wins {
		t.Errorf("version %d after %d wins from %d", final.Version, wins, start)
	}
	var hist struct {
		Events []struct {
			Seq  int    `json:"seq"`
			Type string `json:"type"`
		} `json:"events"`
	}
	sup.do(t, "GET", "/v1/claims/"+c.ID+"/history", nil).JSON(t, &hist)
	for i, e := range hist.Events {
		if e.Seq != i+1 {
			t.Fatalf("history entry %d has seq %d", i, e.Seq)
		}
	}
	if stageChanges := stageEntries(t, sup, c.ID) - stagesBefore; stageChanges != wins {
		t.Errorf("%d stage entries after the race, %d transitions won", stageChanges, wins)
	}
	var v struct {
		Valid    bool   `json:"valid"`
		Entries  int    `json:"entries"`
		BrokenAt int    `json:"brokenAt"`
		Reason   string `json:"reason"`
	}
	sup.do(t, "GET", "/v1/claims/"+c.ID+"/history/verify", nil).JSON(t, &v)
	if !v.Valid || v.Entries != len(hist.Events) {
		t.Fatalf("verify after the race = %+v", v)
	}
	t.Logf("50 parallel transitions: all landed, after %d conflicts (409) on the way", conflicts)

	// Editing a stored entry by hand is detected.
	ctx := context.Background()
	key := map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "CLAIM#" + c.ID},
		"SK": &types.AttributeValueMemberS{Value: "EVENT#000003"},
	}
	table := aws.String("claims-Table")
	got, err := local.Clients.DynamoDB.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: key})
	if err != nil || got.Item == nil {
		t.Fatalf("read entry 3: %v", err)
	}
	doc := got.Item["doc"].(*types.AttributeValueMemberS).Value
	forged := strings.Replace(doc, `"actor":"`, `"actor":"x`, 1)
	if forged == doc {
		t.Fatalf("entry 3 has no actor: %s", doc)
	}
	_, err = local.Clients.DynamoDB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: table, Key: key, UpdateExpression: aws.String("SET doc = :d"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": &types.AttributeValueMemberS{Value: forged}},
	})
	if err != nil {
		t.Fatal(err)
	}
	sup.do(t, "GET", "/v1/claims/"+c.ID+"/history/verify", nil).JSON(t, &v)
	if v.Valid || v.BrokenAt != 3 {
		t.Errorf("verify after editing entry 3 = %+v, want invalid at 3", v)
	}
	// Removing the last entry is detected too (the claim keeps the head).
	last := map[string]types.AttributeValue{
		"PK": key["PK"], "SK": &types.AttributeValueMemberS{Value: fmt.Sprintf("EVENT#%06d", len(hist.Events))},
	}
	if _, err := local.Clients.DynamoDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: map[string]types.AttributeValue{
		"PK": key["PK"], "SK": key["SK"], "entity": &types.AttributeValueMemberS{Value: "event"}, "seq": &types.AttributeValueMemberN{Value: "3"},
		"doc": &types.AttributeValueMemberS{Value: doc},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := local.Clients.DynamoDB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table, Key: last}); err != nil {
		t.Fatal(err)
	}
	sup.do(t, "GET", "/v1/claims/"+c.ID+"/history/verify", nil).JSON(t, &v)
	if v.Valid || v.BrokenAt != len(hist.Events)-1 {
		t.Errorf("verify after removing the last entry = %+v, want invalid at %d", v, len(hist.Events)-1)
	}
}

// TestTrackingMessagesAreRateLimited: whoever holds a tracking link may post
// 30 messages an hour to its claim; the 31st gets the "too many" page and
// is not stored.
func TestTrackingMessagesAreRateLimited(t *testing.T) {
	erp := newUser(t, "integrations", "erp-chat-limit", "")
	r, c := createClaim(t, erp, claimBody(func(b map[string]any) {
		b["essence"] = "Проверка ограничения числа сообщений по ссылке."
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	for i := 1; i <= 31; i++ {
		res := postReply(t, c.TrackingURL, fmt.Sprintf("Сообщение номер %d", i))
		want := http.StatusSeeOther
		if i == 31 {
			want = http.StatusTooManyRequests
		}
		if res.StatusCode != want {
			t.Fatalf("message %d = %d, want %d", i, res.StatusCode, want)
		}
	}
	var msgs struct {
		Messages []json.RawMessage `json:"messages"`
	}
	newUser(t, "supervisors", "supervisor-chat-limit", "").do(t, "GET", "/v1/claims/"+c.Claim.ID+"/messages", nil).JSON(t, &msgs)
	if len(msgs.Messages) != 30 {
		t.Errorf("%d messages stored, want 30", len(msgs.Messages))
	}
}
