package e2e_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/claimsdesk/backend/infra/local/awsemu/ses"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

// qualityMail is the quality engineers' address of the test profile
// (QualityEmail in infra/local-stack.yaml).
const qualityMail = "quality@claimsdesk.example"

type alertView struct {
	ID      string `json:"id"`
	Series  string `json:"series"`
	Model   string `json:"model"`
	TypeID  string `json:"typeId"`
	Status  string `json:"status"`
	Claims  []string
	Finding struct {
		Observed int     `json:"observed"`
		Expected float64 `json:"expected"`
	} `json:"finding"`
	Announcements int    `json:"announcements"`
	Note          string `json:"note"`
}

// surgeMails returns the quality engineers' mail about a series.
func surgeMails(series string) []ses.Mail {
	mails, _ := ses.ReadOutbox(local.OutboxDir)
	var out []ses.Mail
	for _, m := range mails {
		if slices.Contains(m.To, qualityMail) && strings.Contains(m.Subject, "серия "+series+",") {
			out = append(out, m)
		}
	}
	return out
}

// surgeNotes returns the supervisors' notes of surges of a series.
func surgeNotes(t *testing.T, sup *user, series string) []noteView {
	t.Helper()
	r := sup.do(t, "GET", "/v1/notifications?limit=100", nil)
	if r.Status != 200 {
		t.Fatalf("notifications = %d %s", r.Status, r.Body)
	}
	var page struct {
		Notes []noteView `json:"notes"`
	}
	r.JSON(t, &page)
	var out []noteView
	for _, n := range page.Notes {
		if n.EventType == "quality.surge_detected" && strings.Contains(n.TitleEn, "series "+series+",") {
			out = append(out, n)
		}
	}
	return out
}

func alertsOf(t *testing.T, sup *user, query, series string) []alertView {
	t.Helper()
	r := sup.do(t, "GET", "/v1/quality/alerts"+query, nil)
	if r.Status != 200 {
		t.Fatalf("alerts = %d %s", r.Status, r.Body)
	}
	var list struct {
		Alerts []alertView `json:"alerts"`
	}
	r.JSON(t, &list)
	var out []alertView
	for _, a := range list.Alerts {
		if a.Series == series {
			out = append(out, a)
		}
	}
	return out
}

// TestTenOverheatingClaimsRaiseOneAlert: the issue's scenario on the local
// stack. Ten "overheating" claims on one series within a day raise one
// alert: one mail to the quality engineers, one note in the supervisors'
// inbox, one webhook to the company's system subscribed to the type; ten
// more raise nothing more. The alert names the claims; staff see it in
// each claim's detail, the dealer does not; supervisors acknowledge, mute
// and close it (bad input named); the ERP's shipments with negative units
// get 400.
func TestTenOverheatingClaimsRaiseOneAlert(t *testing.T) {
	run := time.Now().UnixNano() % 1e9
	series, model := fmt.Sprintf("SRG-%d", run), fmt.Sprintf("SURGE-%d", run)
	dealer := newUser(t, "dealers", "dealer-surge", "DLR-SURGE")
	sup := newUser(t, "supervisors", "supervisor-surge", "")
	erp := newUser(t, "integrations", "erp-surge", "")
	hook := newHookReceiver(t, nil)
	registerHook(t, hook, "quality-crm", "", "quality.surge_detected")

	// Bad shipments are named; good ones are stored once per version.
	r := erp.do(t, "PUT", "/v1/erp/shipments/"+series, map[string]any{"model": model, "erpVersion": 1,
		"shipments": []map[string]any{{"date": "2026-01-10", "units": 100}, {"date": "2026-01-11", "units": -5}, {"month": "2026-02", "units": 2e9}}})
	if r.Status != 400 || !slices.Equal(errorFields(t, r), []string{"shipments[1].units", "shipments[2].units"}) {
		t.Fatalf("negative and absurd units = %d %s, want 400 naming both", r.Status, r.Body)
	}
	if r := dealer.do(t, "PUT", "/v1/erp/shipments/"+series, map[string]any{"model": model, "erpVersion": 1, "shipments": []any{}}); r.Status != 403 {
		t.Errorf("a dealer's shipments = %d, want 403", r.Status)
	}
	// Shipments of another series of the model: stored, replayed without change.
	other := series + "-B"
	body := map[string]any{"model": model, "erpVersion": 2, "shipments": []map[string]any{{"month": "2026-01", "units": 5000}}}
	var res struct {
		Shipments struct{ TotalUnits int64 } `json:"shipments"`
		Changed   bool                       `json:"changed"`
	}
	if r := erp.do(t, "PUT", "/v1/erp/shipments/"+other, body); r.Status != 200 {
		t.Fatalf("shipments = %d %s", r.Status, r.Body)
	} else if r.JSON(t, &res); !res.Changed || res.Shipments.TotalUnits != 5000 {
		t.Errorf("shipments stored %+v", res)
	}
	if r := erp.do(t, "PUT", "/v1/erp/shipments/"+other, body); r.Status != 200 {
		t.Fatalf("shipments again = %d %s", r.Status, r.Body)
	} else if r.JSON(t, &res); res.Changed {
		t.Error("a replay changed the shipments")
	}

	// Customers file through the QR code printed in the series' manuals;
	// the form without JavaScript takes the claim and asks for the photos
	// afterwards.
	code := issueCodes(t, map[string]any{"kind": "series", "model": model, "productName": "Тепловентилятор", "series": series}).Codes[0].Code
	file := func(i int) string {
		_, token := openForm(t, code)
		v := formValues(token)
		v.Set("typeId", "overheating")
		v.Set("serial", fmt.Sprintf("SN-%d-%d", run, i))
		v.Set("purchaseDate", "2026-10-01")
		v.Set("essence", "Корпус нагревается до запаха гари через 10 минут работы.")
		v.Set("desiredResult", "replacement")
		r := postForm(t, code, v)
		number := numberRe.Find(r.Body)
		if r.Status != 200 || number == nil {
			t.Fatalf("claim %d = %d (no number)", i, r.Status)
		}
		return string(number)
	}
	// A dealer files one with its photos.
	fileAsDealer := func(i int) string {
		var refs []any
		for _, zone := range []string{"product", "plate", "defect"} {
			id, status := upload(t, dealer, "/v1/uploads", map[string]any{"typeId": "overheating", "zone": zone, "fileName": "photo.jpg",
				"contentType": "image/jpeg", "size": len(jpeg)}, jpeg, "image/jpeg")
			if status != 204 {
				t.Fatalf("upload = %d", status)
			}
			refs = append(refs, map[string]any{"zone": zone, "uploadId": id})
		}
		b := claimBody(func(b map[string]any) {
			b["categoryId"], b["typeId"] = "defect", "overheating"
			b["product"] = map[string]any{"model": model, "series": series, "serial": fmt.Sprintf("SN-%d-%d", run, i), "purchaseDate": "2026-10-01"}
			b["essence"] = "Корпус нагревается до запаха гари через 10 минут работы."
			b["desiredResult"] = "replacement"
			b["attachments"] = refs
		})
		r, c := createClaim(t, dealer, b)
		if r.Status != 201 {
			t.Fatalf("dealer's claim %d = %d %s", i, r.Status, r.Body)
		}
		return c.Claim.ID
	}
	var ids []string
	for i := range 10 {
		ids = append(ids, file(i))
	}
	st.Eventually(t, deliveryWait, "the surge's mail", func() bool { return len(surgeMails(series)) > 0 })
	st.Eventually(t, deliveryWait, "the surge's note", func() bool { return len(surgeNotes(t, sup, series)) > 0 })
	st.Eventually(t, deliveryWait, "the surge's webhook", func() bool {
		hook.mu.Lock()
		defer hook.mu.Unlock()
		for _, c := range hook.calls {
			if c.event == "quality.surge_detected" && slices.Contains(ids, c.claim) {
				return true
			}
		}
		return false
	})

	// Ten more: counted, nothing raised.
	for i := 10; i < 19; i++ {
		ids = append(ids, file(i))
	}
	ids = append(ids, fileAsDealer(19))
	queueDrained(t, "AnalyticsQueue")
	queueDrained(t, "NotificationsQueue")

	mails := surgeMails(series)
	if len(mails) != 1 {
		t.Fatalf("%d surge mails, want 1", len(mails))
	}
	m := mails[0]
	// The type as the seeded catalog names it, not its ID.
	if !strings.Contains(m.Text, "изделие "+model) || !strings.Contains(m.Text, "10 рекламаций за 1 дн.") || !strings.Contains(m.Text, ids[0]) ||
		!strings.Contains(m.Subject, "Перегрев") || !strings.Contains(m.Text, "вид рекламации «Перегрев»") {
		t.Errorf("surge mail:\n%s\n%s", m.Subject, m.Text)
	}
	if n := surgeNotes(t, sup, series); len(n) != 1 {
		t.Errorf("%d surge notes, want 1", len(n))
	}
	hook.mu.Lock()
	var calls []hookCall
	for _, c := range hook.calls {
		if c.event == "quality.surge_detected" && slices.Contains(ids, c.claim) {
			calls = append(calls, c)
		}
	}
	hook.mu.Unlock()
	if len(calls) != 1 || !calls[0].signed {
		t.Errorf("surge webhooks %+v, want one signed", calls)
	}

	alerts := alertsOf(t, sup, "", series)
	if len(alerts) != 1 {
		t.Fatalf("%d open alerts of the series, want 1", len(alerts))
	}
	a := alerts[0]
	if a.Status != "open" || a.TypeID != "overheating" || a.Model != model || a.Finding.Observed != 10 || a.Announcements != 1 ||
		len(a.Claims) != 10 || m.Headers["X-Claimsdesk-Alert"] != a.ID {
		t.Errorf("alert %+v (mail's alert %q)", a, m.Headers["X-Claimsdesk-Alert"])
	}
	for _, id := range a.Claims {
		if !slices.Contains(ids[:10], id) {
			t.Errorf("alert names claim %s, which is not one of the first ten", id)
		}
	}

	// The products report shows staff the open surge, not a dealer.
	day := time.Now().In(moscowZone(t)).Format("2006-01-02")
	var products struct {
		Alerts []struct {
			ID, Series, TypeID, Status string
			Observed                   int
		} `json:"alerts"`
	}
	sup.do(t, "GET", "/v1/reports/products?from="+day+"&to="+day+"&groupBy=series&thenBy=type", nil).JSON(t, &products)
	found := false
	for _, al := range products.Alerts {
		found = found || (al.ID == a.ID && al.Series == series && al.TypeID == "overheating" && al.Status == "open" && al.Observed == 10)
	}
	if !found {
		t.Errorf("the products report's alerts %+v lack %s", products.Alerts, a.ID)
	}
	if r := newUser(t, "dealers", "dealer-products", "DLR-PRODUCTS").do(t, "GET", "/v1/reports/products?from="+day+"&to="+day, nil); r.Status != 200 ||
		strings.Contains(string(r.Body), `"alerts"`) {
		t.Errorf("a dealer's products report = %d %s, want no alerts", r.Status, r.Body)
	}

	// Each claim of the series links to the alert for staff, not for its dealer.
	var detail struct {
		QualityAlert *struct{ ID, Status string } `json:"qualityAlert"`
	}
	sup.do(t, "GET", "/v1/claims/"+ids[19], nil).JSON(t, &detail)
	if detail.QualityAlert == nil || detail.QualityAlert.ID != a.ID || detail.QualityAlert.Status != "open" {
		t.Errorf("staff claim detail links to %+v, want alert %s", detail.QualityAlert, a.ID)
	}
	r = dealer.do(t, "GET", "/v1/claims/"+ids[19], nil)
	if r.Status != 200 || strings.Contains(string(r.Body), "qualityAlert") || strings.Contains(string(r.Body), a.ID) {
		t.Errorf("the dealer's claim detail (%d) shows the alert: %s", r.Status, r.Body)
	}
	if r := dealer.do(t, "GET", "/v1/quality/alerts", nil); r.Status != 403 {
		t.Errorf("a dealer's alert list = %d, want 403", r.Status)
	}

	// The lifecycle through the API.
	if r := sup.do(t, "POST", "/v1/quality/alerts/"+a.ID+"/acknowledge", nil); r.Status != 200 {
		t.Fatalf("acknowledge = %d %s", r.Status, r.Body)
	}
	if r := sup.do(t, "POST", "/v1/quality/alerts/"+a.ID+"/mute", map[string]any{"days": 0}); r.Status != 400 || !slices.Equal(errorFields(t, r), []string{"days"}) {
		t.Errorf("mute 0 days = %d %s, want 400 naming days", r.Status, r.Body)
	}
	if r := sup.do(t, "POST", "/v1/quality/alerts/"+a.ID+"/mute", map[string]any{"days": 7}); r.Status != 200 {
		t.Fatalf("mute = %d %s", r.Status, r.Body)
	}
	if got := alertsOf(t, sup, "?status=muted", series); len(got) != 1 || got[0].ID != a.ID {
		t.Errorf("muted alerts %+v", got)
	}
	if r := sup.do(t, "POST", "/v1/quality/alerts/"+a.ID+"/close", map[string]any{"note": " "}); r.Status != 400 || !slices.Equal(errorFields(t, r), []string{"note"}) {
		t.Errorf("close without a note = %d %s, want 400 naming note", r.Status, r.Body)
	}
	r = sup.do(t, "POST", "/v1/quality/alerts/"+a.ID+"/close", map[string]any{"note": "Термодатчик партии бракован; партия отозвана."})
	var closed alertView
	if r.Status != 200 {
		t.Fatalf("close = %d %s", r.Status, r.Body)
	}
	if r.JSON(t, &closed); closed.Status != "closed" || closed.Note == "" {
		t.Errorf("closed alert %+v", closed)
	}
	if r := sup.do(t, "POST", "/v1/quality/alerts/"+a.ID+"/acknowledge", nil); r.Status != 409 {
		t.Errorf("acknowledge a closed alert = %d, want 409", r.Status)
	}
	if got := alertsOf(t, sup, "", series); len(got) != 0 {
		t.Errorf("closed alert still listed as open: %+v", got)
	}
	if r := sup.do(t, "GET", "/v1/quality/alerts?status=gone", nil); r.Status != 400 || !slices.Equal(errorFields(t, r), []string{"status"}) {
		t.Errorf("unknown status = %d %s", r.Status, r.Body)
	}
	if r := sup.do(t, "GET", "/v1/quality/alerts/QA-0000000000000000000000000000", nil); r.Status != 404 {
		t.Errorf("unknown alert = %d, want 404", r.Status)
	}
}

func moscowZone(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
