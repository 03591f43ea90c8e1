package e2e_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// listIDs pages through the registry as u and returns the claim IDs.
func listIDs(t testing.TB, u *user, query string) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for range 50 {
		path := "/v1/claims?limit=100&" + query
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		r := u.do(t, "GET", path, nil)
		if r.Status != 200 {
			t.Fatalf("list %s as %s = %d %s", query, u.id, r.Status, r.Body)
		}
		var page struct {
			Claims []struct{ ID string } `json:"claims"`
			Next   string                `json:"next"`
		}
		r.JSON(t, &page)
		for _, c := range page.Claims {
			ids = append(ids, c.ID)
		}
		if cursor = page.Next; cursor == "" {
			slices.Sort(ids)
			return ids
		}
	}
	t.Fatalf("list %s does not end", query)
	return nil
}

// TestRegistryFiltersByDecision: a supervisor lists claims by every part of
// the decision (warranty case, resolution, root cause, party at fault,
// culprit department), alone or with other filters; a revised decision
// moves the claim between the lists; a dealer filters their own claims by
// what they may see of the decision and gets 403 for the internal parts.
func TestRegistryFiltersByDecision(t *testing.T) {
	run := time.Now().UnixNano()
	dealerID := fmt.Sprintf("DLR-DEC-%d", run%1000000)
	dealer := newUser(t, "dealers", "dealer-dec", dealerID)
	sup := newUser(t, "supervisors", "supervisor-dec", "")
	serial := fmt.Sprintf("SN-DEC-%d", run)
	dept := fmt.Sprintf("Цех сборки %d", run%100000)
	file := func(n int) (wclaim, *user) {
		r, created := createClaim(t, dealer, claimBody(func(b map[string]any) {
			b["product"] = map[string]any{"model": "TH-2000", "serial": serial}
			b["essence"] = fmt.Sprintf("Рекламация для фильтров по решению, номер %d.", n)
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
	a, mgrA := file(1)
	b, mgrB := file(2)
	c, _ := file(3)
	a = step(t, mgrA, "PUT", "/v1/claims/"+a.ID+"/decision", map[string]any{
		"version": a.Version, "warrantyCase": true, "faultParty": "company", "rootCause": "material_defect",
		"culpritDepartment": dept, "resolution": "repair", "instructions": "Привезите изделие в сервисный центр.",
	}, 200)
	step(t, mgrB, "PUT", "/v1/claims/"+b.ID+"/decision", map[string]any{
		"version": b.Version, "faultParty": "customer", "rootCause": "misuse", "resolution": "reject",
		"instructions": "Изделие эксплуатировалось с нарушением инструкции.",
	}, 200)

	bySerial := "serial=" + url.QueryEscape(serial) + "&"
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{bySerial, []string{a.ID, b.ID, c.ID}},
		{bySerial + "warrantyCase=true", []string{a.ID}},
		{bySerial + "warrantyCase=false", []string{b.ID}},
		{bySerial + "resolution=reject", []string{b.ID}},
		{bySerial + "rootCause=material_defect", []string{a.ID}},
		{bySerial + "faultParty=customer", []string{b.ID}},
		{"culpritDepartment=" + url.QueryEscape(strings.ToUpper(dept)), []string{a.ID}},
		{"dealerId=" + dealerID + "&resolution=repair", []string{a.ID}},
	} {
		if got := listIDs(t, sup, tt.query); !slices.Equal(got, sortedIDs(tt.want)) {
			t.Errorf("supervisor ?%s = %v, want %v", tt.query, got, sortedIDs(tt.want))
		}
	}

	// A supervisor revises A's decision: another culprit department.
	step(t, sup, "PUT", "/v1/claims/"+a.ID+"/decision", map[string]any{
		"version": a.Version, "warrantyCase": true, "faultParty": "company", "rootCause": "assembly_error",
		"culpritDepartment": dept + " (ОТК)", "resolution": "replace", "instructions": "Изделие будет заменено.",
		"reason": "Повторная экспертиза показала ошибку сборки.",
	}, 200)
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"culpritDepartment=" + url.QueryEscape(dept), nil},
		{"culpritDepartment=" + url.QueryEscape(dept+" (ОТК)"), []string{a.ID}},
		{bySerial + "rootCause=material_defect", nil},
		{bySerial + "rootCause=assembly_error", []string{a.ID}},
		{bySerial + "resolution=repair", nil},
		{bySerial + "resolution=replace", []string{a.ID}},
	} {
		if got := listIDs(t, sup, tt.query); !slices.Equal(got, sortedIDs(tt.want)) {
			t.Errorf("after the revision: ?%s = %v, want %v", tt.query, got, sortedIDs(tt.want))
		}
	}

	if got := listIDs(t, dealer, "warrantyCase=true"); !slices.Equal(got, []string{a.ID}) {
		t.Errorf("dealer ?warrantyCase=true = %v, want [%s]", got, a.ID)
	}
	for _, q := range []string{"rootCause=misuse", "culpritDepartment=" + url.QueryEscape(dept)} {
		r := dealer.do(t, "GET", "/v1/claims?"+q, nil)
		name, _, _ := strings.Cut(q, "=")
		if r.Status != 403 || !contains(errorFields(t, r), name) {
			t.Errorf("dealer ?%s = %d %s, want 403 naming %s", q, r.Status, r.Body, name)
		}
	}
}

func sortedIDs(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

// TestQueryStringsAreChecked: through the gateway, an unknown parameter,
// an oversized or malformed value and a repeated parameter are 400 naming
// the parameter, on the API and on the public pages (as a page naming it);
// the marketing tags messengers add to a shared link are tolerated.
func TestQueryStringsAreChecked(t *testing.T) {
	sup := newUser(t, "supervisors", "supervisor-query", "")
	for _, tt := range []struct{ path, field string }{
		{"/v1/claims?decision=replace", "decision"},
		{"/v1/claims?serial=" + strings.Repeat("A", 3000), "serial"},
		{"/v1/claims?stage=archived", "stage"},
		{"/v1/claims?limit=ten", "limit"},
		{"/v1/claims?limit=0", "limit"},
		{"/v1/claims?from=yesterday", "from"},
		{"/v1/claims?warrantyCase=yes", "warrantyCase"},
		{"/v1/claims?stage=new&stage=closed", "stage"},
		{"/v1/claims?dealerId=" + url.QueryEscape("DLR-1' OR 1=1"), "dealerId"},
		{"/v1/claims?cursor=" + strings.Repeat("x", 2000), "cursor"},
		{"/v1/worklist?page=2", "page"},
		{"/v1/notifications?unread=1", "unread"},
		{"/v1/managers?active=true", "active"},
		{"/v1/claims?q=" + strings.Repeat("%F0%9F%92%A5", 1500), "query"},
	} {
		r := sup.do(t, "GET", tt.path, nil)
		if r.Status != 400 || !contains(errorFields(t, r), tt.field) {
			t.Errorf("GET %.80s = %d %.300s, want 400 naming %s", tt.path, r.Status, r.Body, tt.field)
		}
	}
	_, created := createClaim(t, sup, claimBody())
	get := func(url string) (int, string) {
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if status, page := get(created.TrackingURL + "?preview=1"); status != 400 || !strings.Contains(page, "preview") {
		t.Errorf("tracking page with ?preview=1 = %d, want 400 naming the parameter:\n%.500s", status, page)
	}
	if status, page := get(created.TrackingURL + "?utm_source=telegram&fbclid=abc&lang=en"); status != 200 || !strings.Contains(page, created.Claim.ID) {
		t.Errorf("tracking page with marketing tags = %d, want 200 with the claim:\n%.500s", status, page)
	}
}

// TestWebhookTargetsInsideTheNetworkAreRefused: an administrator cannot
// point a webhook at the instance metadata service, loopback or a private
// address; only the hosts the deployment lists as internal (the test
// stack lists 127.0.0.1, where its receivers listen) are accepted.
func TestWebhookTargetsInsideTheNetworkAreRefused(t *testing.T) {
	admin := newUser(t, "admins", "admin-ssrf", "")
	for _, u := range []string{
		"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"http://[fd00:ec2::254]/latest/meta-data/",
		"http://127.0.0.2:9000/hook",
		"http://[::1]:9000/hook",
		"http://localhost:3000/v1/claims",
		"http://10.0.0.1/hook",
		"http://192.168.0.10/hook",
		"http://0.0.0.0:4566/",
	} {
		r := admin.do(t, "PUT", "/v1/admin/webhooks/ssrf-probe", map[string]any{"url": u, "events": []string{"*"}})
		if r.Status != 400 || !contains(errorFields(t, r), "url") {
			t.Errorf("target %s = %d %s, want 400 naming url", u, r.Status, r.Body)
		}
	}
	r := admin.do(t, "GET", "/v1/admin/webhooks/ssrf-probe", nil)
	if r.Status != 404 {
		t.Errorf("a refused target was stored: %d %s", r.Status, r.Body)
	}
	r = admin.do(t, "PUT", "/v1/admin/webhooks/ssrf-listed", map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"*"}, "active": false})
	if r.Status != 201 {
		t.Errorf("a listed internal host = %d %s, want 201", r.Status, r.Body)
	}
}

// TestReferenceDocumentsRefuseWrongTypes: the SLA policies and the working
// calendar are decoded strictly: a wrong type or an unknown field is a 400
// naming it, never a 500, and the stored document is unchanged.
func TestReferenceDocumentsRefuseWrongTypes(t *testing.T) {
	admin := newUser(t, "admins", "admin-docs", "")
	before := admin.do(t, "GET", "/v1/admin/calendar", nil)
	for _, tt := range []struct {
		path  string
		body  any
		field string
	}{
		{"/v1/admin/calendar", map[string]any{"timeZone": 5}, "timeZone"},
		{"/v1/admin/calendar", map[string]any{"workingHours": "09-18"}, "workingHours"},
		{"/v1/admin/calendar", map[string]any{"holidays": []string{"2027-01-01"}}, "holidays"},
		{"/v1/admin/calendar", []int{1, 2}, "body"},
		{"/v1/admin/sla", map[string]any{"policies": "all"}, "policies"},
		{"/v1/admin/sla", map[string]any{"statutoryDays": []int{10}}, "statutoryDays"},
	} {
		r := admin.do(t, "PUT", tt.path, tt.body)
		if r.Status != 400 || !contains(errorFields(t, r), tt.field) {
			t.Errorf("PUT %s %v = %d %s, want 400 naming %s", tt.path, tt.body, r.Status, r.Body, tt.field)
		}
	}
	if after := admin.do(t, "GET", "/v1/admin/calendar", nil); string(after.Body) != string(before.Body) {
		t.Errorf("a refused calendar changed the stored one")
	}
}
