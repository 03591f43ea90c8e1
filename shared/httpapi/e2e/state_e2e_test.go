package e2e_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/chat"
	"github.com/claimsdesk/backend/shared/intake"
)

// moves is the answer of GET /v1/claims/{id}/transitions.
type moves struct {
	Stage          string   `json:"stage"`
	Version        int      `json:"version"`
	Allowed        []string `json:"allowed"`
	ReasonRequired []string `json:"reasonRequired"`
	Blocked        []struct {
		To        string   `json:"to"`
		Code      string   `json:"code"`
		Reason    string   `json:"reason"`
		Unmet     []string `json:"unmet"`
		OpenTasks []string `json:"openTasks"`
	} `json:"blocked"`
}

func movesOf(t *testing.T, u *user, id string) moves {
	t.Helper()
	r := u.do(t, "GET", "/v1/claims/"+id+"/transitions", nil)
	if r.Status != 200 {
		t.Fatalf("transitions of %s as %s = %d %s", id, u.id, r.Status, r.Body)
	}
	var m moves
	r.JSON(t, &m)
	return m
}

// errorMessage returns an error body's code and message.
func errorMessage(t *testing.T, r *st.Response) (string, string) {
	t.Helper()
	var b struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &b); err != nil {
		t.Fatalf("not an error body (%d): %s", r.Status, r.Body)
	}
	return b.Error.Code, b.Error.Message
}

// TestTransitionsListWhatWouldSucceed walks a claim through its stages and,
// at each, checks GET .../transitions against POST .../transitions for the
// manager, a supervisor and the dealer: every blocked move fails with the
// code and message listed; every allowed pause or send-back succeeds (without
// a reason it is refused when listed as needing one) and is undone; the
// forward move and the final close succeed; a dealer sees only the moves
// that are theirs.
func TestTransitionsListWhatWouldSucceed(t *testing.T) {
	dealer := newUser(t, "dealers", "dealer-moves", "DLR-MOVES")
	sup := newUser(t, "supervisors", "supervisor-moves", "")
	r, created := createClaim(t, dealer, claimBody(func(b map[string]any) {
		b["channel"] = "dealer_form"
		b["essence"] = "Проверка списка переходов: что разрешено и почему нет."
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	id := created.Claim.ID
	mgr := newUser(t, "managers", created.Claim.Assignee, "")
	path := "/v1/claims/" + id + "/transitions"
	checked, blockedChecked := 0, 0

	check := func(stage string) {
		for _, u := range []*user{mgr, sup, dealer} {
			m := movesOf(t, u, id)
			if m.Stage != stage {
				t.Fatalf("%s sees stage %s, want %s", u.id, m.Stage, stage)
			}
			for _, b := range m.Blocked {
				if u == dealer && b.Code == "forbidden" {
					t.Errorf("%s: the dealer is shown %s's move to %s", stage, b.Code, b.To)
				}
				r := u.do(t, "POST", path, map[string]any{"to": b.To, "version": m.Version, "reason": "проверка"})
				want := map[string]int{"forbidden": 403, "conflict": 409}[b.Code]
				code, msg := "", ""
				if r.Status >= 400 {
					code, msg = errorMessage(t, r)
				}
				if r.Status != want || code != b.Code || msg != b.Reason {
					t.Errorf("%s: %s's blocked move to %s (%s %q) = %d %s %q", stage, u.id, b.To, b.Code, b.Reason, r.Status, code, msg)
				}
				blockedChecked++
			}
			for _, to := range m.Allowed {
				if to != "waiting_for_customer" && to != "returned_for_rework" {
					continue // forward and final moves: taken below
				}
				version := movesOf(t, u, id).Version // an earlier pause moved it on
				if contains(m.ReasonRequired, to) {
					if r := u.do(t, "POST", path, map[string]any{"to": to, "version": version}); r.Status != 400 || !contains(errorFields(t, r), "reason") {
						t.Errorf("%s: %s's move to %s without a reason = %d %s, want 400 naming reason", stage, u.id, to, r.Status, r.Body)
					}
				}
				c := step(t, u, "POST", path, map[string]any{"to": to, "version": version, "reason": "вопрос к клиенту"}, 200)
				if c.Stage != to {
					t.Fatalf("%s: %s moved to %s, the claim is %s", stage, u.id, to, c.Stage)
				}
				back := movesOf(t, mgr, id)
				if !contains(back.Allowed, stage) {
					t.Fatalf("%s: from %s the manager may not return (allowed %v)", stage, to, back.Allowed)
				}
				step(t, mgr, "POST", path, map[string]any{"to": "$previous", "version": back.Version}, 200)
				checked++
			}
		}
	}
	forward := func(stage, to string, u *user) {
		t.Helper()
		check(stage)
		c := readClaim(t, mgr, id)
		finishTasks(t, mgr, &c)
		m := movesOf(t, u, id)
		if !contains(m.Allowed, to) {
			t.Fatalf("%s: %s may not move to %s now: allowed %v, blocked %+v", stage, u.id, to, m.Allowed, m.Blocked)
		}
		move(t, u, &c, to, "", 200)
		checked++
	}
	forward("new", "information_check", mgr)
	// Required tasks open: the forward move is blocked with them.
	m := movesOf(t, mgr, id)
	open := false
	for _, b := range m.Blocked {
		if b.To == "diagnostics" && b.Code == "conflict" && contains(b.OpenTasks, "information_check.check-completeness") {
			open = true
		}
	}
	if !open {
		t.Errorf("information_check with its check open: blocked %+v, want diagnostics blocked by the open task", m.Blocked)
	}
	forward("information_check", "diagnostics", mgr)
	forward("diagnostics", "decision", mgr)
	// No decision yet: implementation is blocked for that reason.
	m = movesOf(t, mgr, id)
	noDecision := false
	for _, b := range m.Blocked {
		if b.To == "implementation" && b.Code == "conflict" && contains(b.Unmet, "decision") {
			noDecision = true
		}
	}
	if !noDecision {
		t.Errorf("decision stage without a decision: blocked %+v, want implementation blocked by the missing decision", m.Blocked)
	}
	check("decision")
	c := readClaim(t, mgr, id)
	step(t, mgr, "PUT", "/v1/claims/"+id+"/decision", map[string]any{"version": c.Version, "faultParty": "customer", "rootCause": "misuse",
		"resolution": "repair", "instructions": "Ремонт за счёт покупателя по счёту."}, 200)
	forward("decision", "implementation", mgr)
	forward("implementation", "quality_control", mgr)
	forward("quality_control", "closed", sup)
	if m := movesOf(t, sup, id); len(m.Allowed)+len(m.Blocked) != 0 {
		t.Errorf("a closed claim has moves: %+v", m)
	}
	if checked < 10 || blockedChecked < 20 {
		t.Errorf("only %d allowed and %d blocked moves checked", checked, blockedChecked)
	}
}

// TestFinishedClaimRefusesEveryChange: once a claim is withdrawn, every way
// to change it (fields, plan and tasks, decision, assignment, stage,
// orders, files through the API and the tracking page, messages through the
// API and the tracking page) gets 409 naming the stage, and the claim stays
// as it was.
func TestFinishedClaimRefusesEveryChange(t *testing.T) {
	dealer := newUser(t, "dealers", "dealer-final", "DLR-FINAL")
	sup := newUser(t, "supervisors", "supervisor-final", "")
	r, created := createClaim(t, dealer, claimBody(func(b map[string]any) {
		b["channel"] = "dealer_form"
		b["essence"] = "Проверка: отозванная рекламация больше не меняется."
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	id := created.Claim.ID
	mgr := newUser(t, "managers", created.Claim.Assignee, "")
	c := readClaim(t, dealer, id)
	move(t, dealer, &c, "withdrawn", "", 200)
	// The claim's PDF, made after intake, is a history entry of its own:
	// wait for it, so that what follows is all that could change it.
	sheetsMade(t, id)
	before := readClaim(t, sup, id)
	p := "/v1/claims/" + id
	v := before.Version
	for _, tt := range []struct {
		name   string
		u      *user
		method string
		path   string
		body   map[string]any
	}{
		{"edit", mgr, "PATCH", p, map[string]any{"version": v, "priority": "high"}},
		{"plan task", mgr, "POST", p + "/tasks", map[string]any{"version": v, "title": "Проверить", "owner": "m", "due": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}},
		{"task done", mgr, "POST", p + "/tasks/information_check.check-completeness/complete", map[string]any{"version": v}},
		{"decision", sup, "PUT", p + "/decision", map[string]any{"version": v, "faultParty": "customer", "rootCause": "misuse", "resolution": "repair",
			"instructions": "Ремонт за счёт покупателя.", "reason": "пересмотр"}},
		{"assignment", sup, "POST", p + "/assignment", map[string]any{"version": v, "assignee": otherManager(created.Claim.Assignee), "reason": "отпуск"}},
		{"reopen", sup, "POST", p + "/transitions", map[string]any{"version": v, "to": "information_check"}},
		{"stale version", sup, "POST", p + "/transitions", map[string]any{"version": v - 1, "to": "information_check"}},
		{"order", mgr, "POST", p + "/orders", map[string]any{"version": v, "kind": "additional", "items": []map[string]any{{"sku": "X-1", "quantity": 1}}}},
		{"dealer's message", dealer, "POST", p + "/messages", map[string]any{"body": "Передумал, верните рекламацию."}},
		{"manager's message", mgr, "POST", p + "/messages", map[string]any{"body": "Рекламация отозвана."}},
		{"message file", dealer, "POST", p + "/messages/uploads", map[string]any{"fileName": "a.pdf", "contentType": "application/pdf", "size": 100}},
		{"claim file", dealer, "POST", p + "/attachments", map[string]any{"zone": "documents", "fileName": "a.pdf", "contentType": "application/pdf", "size": 100}},
		{"attach", dealer, "PUT", p + "/attachments/0123456789abcdefghjkmnpq", map[string]any{"zone": "documents"}},
	} {
		r := tt.u.do(t, tt.method, tt.path, tt.body)
		if r.Status != 409 {
			t.Errorf("%s: %d %s, want 409", tt.name, r.Status, r.Body)
			continue
		}
		if code, msg := errorMessage(t, r); code != "conflict" || !strings.Contains(msg, "withdrawn") {
			t.Errorf("%s: %s %q, want a conflict naming the stage", tt.name, code, msg)
		}
	}
	// The tracking page: a reply and its files.
	tracking := mustURL(t, created.TrackingURL)
	if res := postReply(t, created.TrackingURL, "Ответ после отзыва"); res.StatusCode != http.StatusConflict {
		t.Errorf("tracking reply = %d, want 409", res.StatusCode)
	}
	r = st.Do(t, "POST", local.APIURL+tracking.Path+"/messages/uploads", "", map[string]any{"fileName": "a.jpg", "contentType": "image/jpeg", "size": 100})
	if r.Status != 409 {
		t.Errorf("tracking upload = %d %s, want 409", r.Status, r.Body)
	}
	token := strings.TrimPrefix(tracking.Path, "/t/")
	key := intake.UploadKey(chat.TrackScope(id), "0123456789abcdefghjkmnpq")
	r = st.Do(t, "GET", local.APIURL+"/t/"+token+"/uploaded?zone=documents&key="+url.QueryEscape(key), "", nil)
	if r.Status != 409 {
		t.Errorf("tracking file registration = %d, want 409", r.Status)
	}
	after := readClaim(t, sup, id)
	if after.Version != before.Version || after.Stage != "withdrawn" || after.HistoryHash != before.HistoryHash {
		t.Errorf("the withdrawn claim changed: version %d -> %d, stage %s", before.Version, after.Version, after.Stage)
	}
}

// TestParallelMessagesAllStored: 30 messages posted at once on one claim,
// by the customer on the tracking page, the dealer and the manager (none
// giving a version), are all stored: 30 messages, 30 history entries, one
// chain that verifies, the version 30 higher.
func TestParallelMessagesAllStored(t *testing.T) {
	dealer := newUser(t, "dealers", "dealer-chat-par", "DLR-CHAT-PAR")
	sup := newUser(t, "supervisors", "supervisor-chat-par", "")
	r, created := createClaim(t, dealer, claimBody(func(b map[string]any) {
		b["channel"] = "dealer_form"
		b["essence"] = "Тридцать сообщений одновременно: все должны сохраниться."
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	id := created.Claim.ID
	mgr := newUser(t, "managers", created.Claim.Assignee, "")
	sheetsMade(t, id) // its history entries are in before the count starts
	start := readClaim(t, sup, id).Version
	const n = 30
	var wg sync.WaitGroup
	statuses := make([]int, n)
	before, _ := local.DynamoDBStats()
	began := time.Now()
	for i := range n {
		wg.Go(func() {
			text := fmt.Sprintf("Сообщение номер %d из %d", i+1, n)
			switch i % 3 {
			case 0:
				statuses[i] = postReply(t, created.TrackingURL, text).StatusCode
			case 1:
				statuses[i] = dealer.do(t, "POST", "/v1/claims/"+id+"/messages", map[string]any{"body": text}).Status
			default:
				statuses[i] = mgr.do(t, "POST", "/v1/claims/"+id+"/messages", map[string]any{"body": text}).Status
			}
		})
	}
	wg.Wait()
	// For the report: how long the burst took and how many transactions
	// lost a race on the way (other tests' background work may add a few).
	elapsed := time.Since(began)
	if after, ok := local.DynamoDBStats(); ok {
		tried := after.Requests["TransactWriteItems"] - before.Requests["TransactWriteItems"]
		committed := after.Transactions - before.Transactions
		t.Logf("%d parallel messages stored in %s: %d transactions tried, %d committed", n, elapsed.Round(time.Millisecond), tried, committed)
	}
	for i, s := range statuses {
		want := http.StatusCreated
		if i%3 == 0 {
			want = http.StatusSeeOther
		}
		if s != want {
			t.Errorf("message %d = %d, want %d", i+1, s, want)
		}
	}
	var msgs struct {
		Version  int `json:"version"`
		Messages []struct {
			Body       string `json:"body"`
			AuthorRole string `json:"authorRole"`
		} `json:"messages"`
	}
	sup.do(t, "GET", "/v1/claims/"+id+"/messages", nil).JSON(t, &msgs)
	bodies := map[string]bool{}
	for _, m := range msgs.Messages {
		bodies[m.Body] = true
	}
	if len(msgs.Messages) != n || len(bodies) != n || msgs.Version != start+n {
		t.Errorf("%d messages (%d distinct) at version %d, want %d at version %d", len(msgs.Messages), len(bodies), msgs.Version, n, start+n)
	}
	var hist struct {
		Events []struct {
			Seq  int    `json:"seq"`
			Type string `json:"type"`
		} `json:"events"`
	}
	sup.do(t, "GET", "/v1/claims/"+id+"/history", nil).JSON(t, &hist)
	posted := 0
	for i, e := range hist.Events {
		if e.Seq != i+1 {
			t.Fatalf("history entry %d has seq %d", i, e.Seq)
		}
		if e.Type == "message.posted" {
			posted++
		}
	}
	if posted != n {
		t.Errorf("%d message entries in the history, want %d", posted, n)
	}
	var v struct {
		Valid   bool `json:"valid"`
		Entries int  `json:"entries"`
	}
	sup.do(t, "GET", "/v1/claims/"+id+"/history/verify", nil).JSON(t, &v)
	if !v.Valid || v.Entries != len(hist.Events) {
		t.Errorf("verify = %+v, want a valid chain of %d", v, len(hist.Events))
	}
}
