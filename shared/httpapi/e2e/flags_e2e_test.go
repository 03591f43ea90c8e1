package e2e_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// flagView is a claim's flags as staff read them.
type flagView struct {
	Kind        string            `json:"kind"`
	Reason      map[string]string `json:"reason"`
	Related     []string          `json:"related"`
	FlaggedAt   string            `json:"flaggedAt"`
	DismissedAt string            `json:"dismissedAt"`
	DismissedBy string            `json:"dismissedBy"`
	DismissNote string            `json:"dismissNote"`
}

type flaggedClaim struct {
	ID       string     `json:"id"`
	Assignee string     `json:"assignee"`
	Version  int        `json:"version"`
	Flags    []flagView `json:"flags"`
}

func flagsOf(t *testing.T, u *user, id string) flaggedClaim {
	t.Helper()
	r := u.do(t, "GET", "/v1/claims/"+id, nil)
	if r.Status != 200 {
		t.Fatalf("GET %s as %s = %d %s", id, u.id, r.Status, r.Body)
	}
	var v struct {
		Claim flaggedClaim `json:"claim"`
	}
	r.JSON(t, &v)
	return v.Claim
}

// listed returns the IDs a registry query lists (one page).
func listed(t *testing.T, u *user, query string) []string {
	t.Helper()
	r := u.do(t, "GET", "/v1/claims?"+query, nil)
	if r.Status != 200 {
		t.Fatalf("GET /v1/claims?%s = %d %s", query, r.Status, r.Body)
	}
	var page struct {
		Claims []flaggedClaim `json:"claims"`
	}
	r.JSON(t, &page)
	var ids []string
	for _, c := range page.Claims {
		ids = append(ids, c.ID)
	}
	return ids
}

// onWorklist returns the claim as the worklist of its manager shows it, or
// nil when it is not there (every page read).
func onWorklist(t *testing.T, u *user, assignee, id string) *flaggedClaim {
	t.Helper()
	cursor := ""
	for range 100 {
		path := "/v1/worklist?limit=100&assignee=" + url.QueryEscape(assignee)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		r := u.do(t, "GET", path, nil)
		if r.Status != 200 {
			t.Fatalf("GET %s = %d %s", path, r.Status, r.Body)
		}
		var w struct {
			Items []struct {
				Claim flaggedClaim `json:"claim"`
			} `json:"items"`
			Next string `json:"next"`
		}
		r.JSON(t, &w)
		for _, it := range w.Items {
			if it.Claim.ID == id {
				return &it.Claim
			}
		}
		if cursor = w.Next; cursor == "" {
			return nil
		}
	}
	return nil
}

// TestFlagsAtIntake: a second claim on a serial with an open claim is taken
// and flagged with a link to the first; staff find it under ?flag= and on
// the manager's worklist; the dealer who filed both sees no flag; a
// dismissal with a note takes it off the flag list and keeps the flag. A
// claim filed after its type's warranty is flagged too.
func TestFlagsAtIntake(t *testing.T) {
	run := time.Now().UnixNano()
	dealerID := fmt.Sprintf("DLR-FLAG-%d", run%1000000)
	dealer := newUser(t, "dealers", "dealer-flags", dealerID)
	sup := newUser(t, "supervisors", "supervisor-flags", "")
	serial := fmt.Sprintf("SN-FLAG-%d", run)
	file := func(email, essence string) claimOut {
		t.Helper()
		return fileClaim(t, dealer, claimBody(func(b map[string]any) {
			b["channel"] = "dealer_form"
			b["claimant"] = map[string]any{"name": "Олег Повторов", "email": email}
			b["product"] = map[string]any{"model": "TH-2000", "serial": serial}
			b["essence"] = essence
		}))
	}
	first := file(fmt.Sprintf("flags-a-%d@example.com", run), "Мастер не пришёл в назначенный день.")
	second := file(fmt.Sprintf("flags-b-%d@example.com", run), "Мастер нагрубил по телефону.")

	// The staff view: one flag, its reason, the link to the first claim.
	got := flagsOf(t, sup, second.Claim.ID)
	if len(got.Flags) != 1 {
		t.Fatalf("flags of the second claim = %+v, want one", got.Flags)
	}
	f := got.Flags[0]
	if f.Kind != "open_serial_duplicate" || len(f.Related) != 1 || f.Related[0] != first.Claim.ID || f.DismissedAt != "" ||
		!strings.Contains(f.Reason["ru"], first.Claim.ID) || !strings.Contains(f.Reason["en"], serial) {
		t.Errorf("flag = %+v, want open_serial_duplicate linking %s", f, first.Claim.ID)
	}
	if got := flagsOf(t, sup, first.Claim.ID).Flags; len(got) != 0 {
		t.Errorf("the first claim on the serial has flags %+v", got)
	}

	// The registry lists it by the flag (the flag's index, the dealer a
	// filter) and by any flag; not by another kind.
	byDealer := "&dealerId=" + url.QueryEscape(dealerID)
	if ids := listed(t, sup, "flag=open_serial_duplicate"+byDealer); len(ids) != 1 || ids[0] != second.Claim.ID {
		t.Errorf("?flag=open_serial_duplicate lists %v, want [%s]", ids, second.Claim.ID)
	}
	if ids := listed(t, sup, "flag=any"+byDealer); len(ids) != 1 || ids[0] != second.Claim.ID {
		t.Errorf("?flag=any lists %v, want [%s]", ids, second.Claim.ID)
	}
	if ids := listed(t, sup, "flag=after_warranty"+byDealer); len(ids) != 0 {
		t.Errorf("?flag=after_warranty lists %v, want none", ids)
	}
	// Its manager sees it under ?flag= in their own list, and on the worklist.
	mgr := newUser(t, "managers", second.Claim.Assignee, "")
	if ids := listed(t, mgr, "flag=open_serial_duplicate&serial="+url.QueryEscape(serial)); len(ids) != 1 || ids[0] != second.Claim.ID {
		t.Errorf("the manager's ?flag= lists %v, want [%s]", ids, second.Claim.ID)
	}
	w := onWorklist(t, sup, second.Claim.Assignee, second.Claim.ID)
	if w == nil {
		t.Fatalf("%s is not on %s's worklist", second.Claim.ID, second.Claim.Assignee)
	}
	if len(w.Flags) != 1 || w.Flags[0].Kind != "open_serial_duplicate" || w.Flags[0].Related[0] != first.Claim.ID {
		t.Errorf("the worklist item's flags = %+v", w.Flags)
	}

	// The dealer who filed both sees neither the flag nor the link.
	for _, path := range []string{"/v1/claims/" + second.Claim.ID, "/v1/claims?serial=" + url.QueryEscape(serial)} {
		r := dealer.do(t, "GET", path, nil)
		if r.Status != 200 {
			t.Fatalf("dealer's GET %s = %d", path, r.Status)
		}
		for _, v := range []string{`"flags"`, "open_serial_duplicate", "already has an open claim", "уже есть открытая"} {
			if strings.Contains(string(r.Body), v) {
				t.Errorf("dealer's %s shows %s", path, v)
			}
		}
	}
	if r := dealer.do(t, "GET", "/v1/claims?flag=any", nil); r.Status != 403 || !contains(errorFields(t, r), "flag") {
		t.Errorf("dealer's ?flag=any = %d %s, want 403 naming flag", r.Status, r.Body)
	}
	if r := dealer.do(t, "POST", "/v1/claims/"+second.Claim.ID+"/flags/open_serial_duplicate/dismissal",
		map[string]any{"version": got.Version, "note": "не дубль"}); r.Status != 403 {
		t.Errorf("dealer's dismissal = %d %s, want 403", r.Status, r.Body)
	}

	// Bad input names what is wrong.
	path := "/v1/claims/" + second.Claim.ID + "/flags/"
	for _, tc := range []struct {
		path  string
		body  map[string]any
		field string
	}{
		{path + "bogus/dismissal", map[string]any{"version": got.Version, "note": "x"}, "kind"},
		{path + "open_serial_duplicate/dismissal", map[string]any{"version": got.Version, "note": "  "}, "note"},
		{path + "open_serial_duplicate/dismissal", map[string]any{"note": "без версии"}, "version"},
	} {
		if r := sup.do(t, "POST", tc.path, tc.body); r.Status != 400 || !contains(errorFields(t, r), tc.field) {
			t.Errorf("POST %s %v = %d %s, want 400 naming %s", tc.path, tc.body, r.Status, r.Body, tc.field)
		}
	}
	if r := sup.do(t, "GET", "/v1/claims?flag=bogus", nil); r.Status != 400 || !contains(errorFields(t, r), "flag") {
		t.Errorf("?flag=bogus = %d %s, want 400 naming flag", r.Status, r.Body)
	}
	if r := sup.do(t, "POST", path+"after_warranty/dismissal", map[string]any{"version": got.Version, "note": "нет такого"}); r.Status != 404 {
		t.Errorf("dismissing a flag the claim does not have = %d %s, want 404", r.Status, r.Body)
	}

	// A supervisor looks and dismisses it: kept on the claim, off the list.
	r := sup.do(t, "POST", path+"open_serial_duplicate/dismissal", map[string]any{"version": got.Version, "note": "Первая подана по ошибке"})
	if r.Status != 200 {
		t.Fatalf("dismissal = %d %s", r.Status, r.Body)
	}
	after := flagsOf(t, sup, second.Claim.ID)
	if len(after.Flags) != 1 || after.Flags[0].DismissedAt == "" || after.Flags[0].DismissNote != "Первая подана по ошибке" ||
		after.Flags[0].DismissedBy != "supervisors:supervisor-flags" {
		t.Errorf("flags after the dismissal = %+v", after.Flags)
	}
	if ids := listed(t, sup, "flag=open_serial_duplicate"+byDealer); len(ids) != 0 {
		t.Errorf("?flag=open_serial_duplicate after the dismissal lists %v, want none", ids)
	}
	if ids := listed(t, sup, "flag=any"+byDealer); len(ids) != 0 {
		t.Errorf("?flag=any after the dismissal lists %v, want none", ids)
	}
	h := sup.do(t, "GET", "/v1/claims/"+second.Claim.ID+"/history", nil)
	if !strings.Contains(string(h.Body), `"flag.dismissed"`) || !strings.Contains(string(h.Body), "Первая подана по ошибке") {
		t.Errorf("the staff history lacks the dismissal: %s", h.Body)
	}
	if dh := dealer.do(t, "GET", "/v1/claims/"+second.Claim.ID+"/history", nil); strings.Contains(string(dh.Body), "flag.dismissed") {
		t.Errorf("the dealer's history shows the dismissal")
	}

	// Filed two years after the purchase, a cosmetic claim (12 months'
	// warranty in the seed catalog) is flagged, and taken.
	photo := func(zone string) string {
		id, status := upload(t, dealer, "/v1/uploads", map[string]any{"typeId": "cosmetic", "zone": zone, "fileName": "p.jpg",
			"contentType": "image/jpeg", "size": len(jpeg)}, jpeg, "image/jpeg")
		if status != 204 && status != 201 && status != 200 {
			t.Fatalf("upload = %d", status)
		}
		return id
	}
	purchase := time.Now().AddDate(-2, 0, 0).Format("2006-01-02")
	late := fileClaim(t, dealer, claimBody(func(b map[string]any) {
		b["channel"] = "dealer_form"
		b["claimant"] = map[string]any{"name": "Олег Повторов", "email": fmt.Sprintf("flags-c-%d@example.com", run)}
		b["product"] = map[string]any{"model": "TH-2000", "purchaseDate": purchase}
		b["categoryId"], b["typeId"] = "defect", "cosmetic"
		b["essence"] = "Краска облезла на боковой панели."
		b["attachments"] = []map[string]any{{"zone": "product", "uploadId": photo("product")}, {"zone": "defect", "uploadId": photo("defect")}}
	}))
	lf := flagsOf(t, sup, late.Claim.ID).Flags
	if len(lf) != 1 || lf[0].Kind != "after_warranty" || !strings.Contains(lf[0].Reason["en"], "purchased "+purchase+", 12-month warranty") {
		t.Errorf("flags of the late claim = %+v, want after_warranty", lf)
	}
	if ids := listed(t, sup, "flag=after_warranty"+byDealer); len(ids) != 1 || ids[0] != late.Claim.ID {
		t.Errorf("?flag=after_warranty lists %v, want [%s]", ids, late.Claim.ID)
	}
}

// TestWarrantyMonthsInTheCatalog: the seed catalog gives the types their
// warranty; an administrator's type with an impossible one is refused,
// naming it.
func TestWarrantyMonthsInTheCatalog(t *testing.T) {
	sup := newUser(t, "supervisors", "supervisor-warranty", "")
	admin := newUser(t, "admins", "admin-warranty", "")
	r := sup.do(t, "GET", "/v1/catalog", nil)
	var cat struct {
		Types []struct {
			ID             string `json:"id"`
			WarrantyMonths int    `json:"warrantyMonths"`
		} `json:"types"`
	}
	r.JSON(t, &cat)
	months := map[string]int{}
	for _, ty := range cat.Types {
		months[ty.ID] = ty.WarrantyMonths
	}
	for id, want := range map[string]int{"overheating": 24, "cosmetic": 12, "shortage": 0} {
		if months[id] != want {
			t.Errorf("%s's warranty = %d months, want %d", id, months[id], want)
		}
	}
	for _, bad := range []int{-1, 241} {
		r := admin.do(t, "PUT", "/v1/admin/catalog/types/warranty-bad", map[string]any{
			"categoryId": "defect", "name": map[string]any{"ru": "Гарантия"}, "defaultPriority": "normal", "warrantyMonths": bad,
		})
		if r.Status != 400 || !contains(errorFields(t, r), "warrantyMonths") {
			t.Errorf("warrantyMonths %d = %d %s, want 400 naming warrantyMonths", bad, r.Status, r.Body)
		}
	}
}
