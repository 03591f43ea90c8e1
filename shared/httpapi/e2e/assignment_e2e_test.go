package e2e_test

import (
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rrCategories are categories of the assignment test's own, so that other
// tests' claims do not move its round-robin turns.
var rrCategories = []string{"rr-alpha", "rr-beta"}

// rrManagers are the five managers who handle them.
var rrManagers = []string{"rr-m1", "rr-m2", "rr-m3", "rr-m4", "rr-m5"}

// setUpAssignmentCatalog adds the test's categories (each with a type that
// needs no photos) and its managers through the API.
func setUpAssignmentCatalog(t *testing.T, admin, sup *user) {
	t.Helper()
	for _, cat := range rrCategories {
		if r := admin.do(t, "PUT", "/v1/admin/catalog/categories/"+cat, map[string]any{"name": map[string]any{"ru": "Распределение " + cat}, "active": true}); r.Status != 200 {
			t.Fatalf("add category %s = %d %s", cat, r.Status, r.Body)
		}
		if r := admin.do(t, "PUT", "/v1/admin/catalog/types/"+cat+"-any", map[string]any{
			"categoryId": cat, "name": map[string]any{"ru": "Любая проблема"}, "defaultPriority": "normal", "active": true,
		}); r.Status != 200 {
			t.Fatalf("add type = %d %s", r.Status, r.Body)
		}
	}
	for _, id := range rrManagers {
		putManager(t, sup, id, "", true)
	}
	// The matrix: each stands in for the one before.
	for i, id := range rrManagers {
		putManager(t, sup, id, rrManagers[(i+1)%len(rrManagers)], true)
	}
}

func putManager(t testing.TB, sup *user, id, substitute string, active bool) {
	t.Helper()
	r := sup.do(t, "PUT", "/v1/managers/"+id, map[string]any{
		"name": "Менеджер " + id, "email": id + "@claimsdesk.example", "categories": rrCategories,
		"active": active, "substitute": substitute,
	})
	if r.Status != 200 && r.Status != 201 {
		t.Fatalf("put manager %s = %d %s", id, r.Status, r.Body)
	}
}

// absentToday records a vacation around today (in the company's zone).
func absentToday(t testing.TB, sup *user, id string) {
	t.Helper()
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(msk)
	r := sup.do(t, "PUT", "/v1/managers/"+id+"/absences", map[string]any{"absences": []map[string]any{{
		"from": now.AddDate(0, 0, -1).Format("2006-01-02"), "to": now.AddDate(0, 0, 1).Format("2006-01-02"), "kind": "vacation",
	}}})
	if r.Status != 200 {
		t.Fatalf("absence of %s = %d %s", id, r.Status, r.Body)
	}
}

func rrClaim(category, email string, n int) map[string]any {
	return claimBody(func(b map[string]any) {
		b["categoryId"], b["typeId"] = category, category+"-any"
		b["claimant"] = map[string]any{"name": "Клиент Распределения", "email": email}
		b["essence"] = fmt.Sprintf("Рекламация для проверки распределения номер %d.", n)
	})
}

// createdEvent returns the first history entry's values of a claim.
func createdEvent(t testing.TB, sup *user, id string) map[string]any {
	t.Helper()
	var h struct {
		Events []struct {
			After map[string]any `json:"after"`
		} `json:"events"`
	}
	sup.do(t, "GET", "/v1/claims/"+id+"/history", nil).JSON(t, &h)
	if len(h.Events) == 0 {
		t.Fatalf("claim %s has no history", id)
	}
	return h.Events[0].After
}

// TestAutomaticAssignment files 300 claims from 8 parallel clients in two
// categories handled by five managers and checks that each category is
// spread evenly (max-min ≤ 1); then follows an absent manager's substitute
// chain, a chain that loops, and the personal-manager rule.
func TestAutomaticAssignment(t *testing.T) {
	admin := newUser(t, "admins", "admin-rr", "")
	sup := newUser(t, "supervisors", "supervisor-rr", "")
	erp := newUser(t, "integrations", "erp-rr", "")
	setUpAssignmentCatalog(t, admin, sup)
	t.Cleanup(func() {
		for _, id := range rrManagers {
			sup.do(t, "PUT", "/v1/managers/"+id+"/absences", map[string]any{"absences": []any{}})
			putManager(t, sup, id, "", false)
		}
		for _, cat := range rrCategories {
			admin.do(t, "PUT", "/v1/admin/catalog/categories/"+cat, map[string]any{"name": map[string]any{"ru": "Распределение " + cat}, "active": false})
		}
	})

	const total = 300
	var next atomic.Int64
	var mu sync.Mutex
	count := map[string]map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				n := int(next.Add(1))
				if n > total {
					return
				}
				cat := rrCategories[n%2]
				r, c := createClaim(t, erp, rrClaim(cat, fmt.Sprintf("rr%d@example.com", n), n))
				if r.Status != 201 {
					t.Errorf("claim %d = %d %s", n, r.Status, r.Body)
					return
				}
				mu.Lock()
				if count[cat] == nil {
					count[cat] = map[string]int{}
				}
				count[cat][c.Claim.Assignee]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, cat := range rrCategories {
		lo, hi := total, 0
		for _, m := range rrManagers {
			lo, hi = min(lo, count[cat][m]), max(hi, count[cat][m])
		}
		if hi-lo > 1 || len(count[cat]) != len(rrManagers) {
			t.Errorf("category %s spread %v: max-min %d, want ≤ 1 over exactly the five managers", cat, count[cat], hi-lo)
		}
		// The registry agrees with what intake answered.
		for _, m := range rrManagers {
			if got := listCount(t, sup, "categoryId="+cat+"&assignee="+m); got != count[cat][m] {
				t.Errorf("registry lists %d claims of %s for %s, intake answered %d", got, cat, m, count[cat][m])
			}
		}
	}
	t.Logf("300 claims: %v", count)

	// rr-alpha took 150 turns; turn 151 lands on rr-m2 (pool index 1).
	// rr-m2 is away, their substitute rr-m3 too, whose substitute rr-m4
	// takes the claim.
	absentToday(t, sup, "rr-m2")
	absentToday(t, sup, "rr-m3")
	var view struct {
		AvailableToday bool   `json:"availableToday"`
		StandIn        string `json:"standIn"`
	}
	sup.do(t, "GET", "/v1/managers/rr-m2", nil).JSON(t, &view)
	if view.AvailableToday || view.StandIn != "rr-m4" {
		t.Errorf("rr-m2 today: %+v, want away with rr-m4 standing in", view)
	}
	_, c := createClaim(t, erp, rrClaim("rr-alpha", "chain@example.com", 1001))
	if c.Claim.Assignee != "rr-m4" {
		t.Fatalf("claim on an absent manager's turn went to %q, want rr-m4 (rr-m2 -> rr-m3 -> rr-m4)", c.Claim.Assignee)
	}
	ev := createdEvent(t, sup, c.Claim.ID)
	if fmt.Sprint(ev["substituteChain"]) != "[rr-m2 rr-m3 rr-m4]" {
		t.Errorf("history of the substitution = %v", ev)
	}
	// Turn 152: rr-m3 is away; make the matrix loop rr-m3 -> rr-m2 -> rr-m3:
	// the turn passes to the next in the pool, rr-m4.
	putManager(t, sup, "rr-m3", "rr-m2", true)
	putManager(t, sup, "rr-m2", "rr-m3", true)
	_, c = createClaim(t, erp, rrClaim("rr-alpha", "loop@example.com", 1002))
	if c.Claim.Assignee != "rr-m4" {
		t.Errorf("claim on a looping chain went to %q, want rr-m4 (the next in turn)", c.Claim.Assignee)
	}

	// The personal-manager rule: the customer's sales manager in the ERP
	// (named by email, in any case) never gets their claims.
	_, first := createClaim(t, erp, rrClaim("rr-beta", "vip@example.com", 2000))
	order := map[string]any{
		"customer":     map[string]any{"name": "VIP", "email": "vip@example.com"},
		"items":        []map[string]any{{"sku": "TH-2000", "quantity": 1}},
		"status":       "shipped",
		"salesManager": "RR-M5@ClaimsDesk.example",
		"erpVersion":   1,
	}
	if r := erp.do(t, "PUT", "/v1/erp/orders/SO-RR-1", order); r.Status != 200 {
		t.Fatalf("ERP order = %d %s", r.Status, r.Body)
	}
	for i := range 10 {
		_, c := createClaim(t, erp, rrClaim("rr-beta", "vip@example.com", 2001+i))
		if c.Claim.Assignee == "rr-m5" || c.Claim.Assignee == "" {
			t.Fatalf("claim %d of the customer went to %q", i, c.Claim.Assignee)
		}
		if c.Claim.CustomerID != first.Claim.CustomerID {
			t.Fatalf("customer %s, want %s", c.Claim.CustomerID, first.Claim.CustomerID)
		}
	}
	// Set through the API by ID, it holds the same way.
	if r := sup.do(t, "PUT", "/v1/customers/"+first.Claim.CustomerID+"/personal-manager", map[string]any{"managerId": "rr-m1"}); r.Status != 200 {
		t.Fatalf("set personal manager = %d %s", r.Status, r.Body)
	}
	for i := range 10 {
		_, c := createClaim(t, erp, rrClaim("rr-beta", "vip@example.com", 2100+i))
		if c.Claim.Assignee == "rr-m1" || c.Claim.Assignee == "" {
			t.Fatalf("claim %d went to %q, the personal manager", i, c.Claim.Assignee)
		}
	}
	if r := newUser(t, "managers", "rr-m1", "").do(t, "PUT", "/v1/customers/"+first.Claim.CustomerID+"/personal-manager", map[string]any{"managerId": ""}); r.Status != 403 {
		t.Errorf("a manager changing personal managers = %d, want 403", r.Status)
	}
}

// listCount counts the claims a supervisor lists with a query.
func listCount(t testing.TB, sup *user, query string) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		path := "/v1/claims?limit=100&" + query
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		r := sup.do(t, "GET", path, nil)
		if r.Status != 200 {
			t.Fatalf("list %s = %d %s", query, r.Status, r.Body)
		}
		var page struct {
			Claims []struct{ ID string } `json:"claims"`
			Next   string                `json:"next"`
		}
		r.JSON(t, &page)
		n += len(page.Claims)
		if page.Next == "" {
			return n
		}
		cursor = page.Next
	}
}
