package e2e_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/claimsdesk/backend/infra/local/awsemu/ses"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

type docView struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"`
	Title       string   `json:"title"`
	Language    string   `json:"language"`
	FileName    string   `json:"fileName"`
	ContentType string   `json:"contentType"`
	Size        int64    `json:"size"`
	Pages       int      `json:"pages"`
	Version     int      `json:"version"`
	VisibleTo   []string `json:"visibleTo"`
	URL         string   `json:"url"`
}

// documentsOf lists the claim's documents as u sees them.
func documentsOf(t testing.TB, u *user, id string) []docView {
	t.Helper()
	r := u.do(t, "GET", "/v1/claims/"+id+"/documents", nil)
	if r.Status != 200 {
		t.Fatalf("documents of %s as %s = %d %s", id, u.id, r.Status, r.Body)
	}
	var out struct {
		Documents []docView `json:"documents"`
	}
	r.JSON(t, &out)
	return out.Documents
}

// sheetsMade waits for the claim's PDF (both copies), which the notifier
// makes after intake: a test that counts a claim's history entries or
// compares its history head waits for it first.
func sheetsMade(t testing.TB, id string) {
	t.Helper()
	staff := newUser(t, "supervisors", "supervisor-sheets", "")
	st.Eventually(t, deliveryWait, "the PDF of claim "+id, func() bool { return len(documentsOf(t, staff, id)) >= 2 })
}

func kinds(ds []docView) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Kind)
	}
	slices.Sort(out)
	return out
}

func docOf(ds []docView, kind string) *docView {
	for _, d := range ds {
		if d.Kind == kind {
			return &d
		}
	}
	return nil
}

// mailsWithAttachments returns the mail to address about claim that carries
// files.
func mailsWithAttachments(address, claim string) []ses.Mail {
	mails, _ := ses.ReadOutbox(local.OutboxDir)
	var out []ses.Mail
	for _, m := range mails {
		if len(m.To) == 1 && m.To[0] == address && strings.Contains(m.Subject, claim) && len(m.Attachments) > 0 {
			out = append(out, m)
		}
	}
	return out
}

// download fetches a document through its presigned link.
func download(t testing.TB, d *docView) []byte {
	t.Helper()
	res, err := http.Get(d.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("download %s = %d, %v", d.FileName, res.StatusCode, err)
	}
	if !strings.HasPrefix(string(b), "%PDF-") || int64(len(b)) != d.Size || res.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download %s: %d bytes (%s), want the %d-byte PDF", d.FileName, len(b), res.Header.Get("Content-Type"), d.Size)
	}
	return b
}

// TestDocumentsOfADealersClaim follows a dealer's claim about an order of
// three lines: its PDF is generated after intake (the dealer sees the
// claimant's copy, staff the internal one too), the dealer fills the
// TORG-2 act (every bad field named, no act without a source order), and
// the decision letter rides with the claimant's mail when the claim
// reaches implementation. Each generation is a history entry; no version
// goes stale for it.
func TestDocumentsOfADealersClaim(t *testing.T) {
	const dealerID, order, customer = "DLR-DOCS", "ORD-DOCS-1", "docs-claimant@example.com"
	erp := newUser(t, "integrations", "erp-docs", "")
	dealer := newUser(t, "dealers", "dealer-docs", dealerID)
	sup := newUser(t, "supervisors", "supervisor-docs", "")
	if r := erp.do(t, "PUT", "/v1/erp/orders/"+order, map[string]any{
		"customer": map[string]any{"name": "Пётр Сидоров", "company": "ООО «Мебель Плюс»", "taxId": "7712345678", "email": customer},
		"dealerId": dealerID, "currency": "RUB", "status": "delivered", "erpVersion": 1,
		"items": []map[string]any{
			{"sku": "H-100", "name": "Петля накладная", "quantity": 10, "unit": "шт", "price": 12050},
			{"sku": "R-450", "name": "Направляющая 450 мм", "quantity": 4, "unit": "компл", "price": 99999},
			{"sku": "K-PVC", "name": "Кромка ПВХ", "quantity": 12.5, "unit": "м", "price": 1533},
		},
	}); r.Status != 200 {
		t.Fatalf("ERP source order = %d %s", r.Status, r.Body)
	}
	// The company's details every document carries: seeded, and checked
	// when replaced.
	admin := newUser(t, "admins", "admin-docs", "")
	if r := admin.do(t, "GET", "/v1/admin/company", nil); r.Status != 200 || !strings.Contains(string(r.Body), "ООО «Фурнитура Демо»") {
		t.Errorf("company details = %d %s", r.Status, r.Body)
	}
	if r := admin.do(t, "PUT", "/v1/admin/company", map[string]any{"name": "X", "legalName": "ООО «Икс»", "address": "Москва", "taxId": "12345", "kpp": "abc"}); r.Status != 400 ||
		!slices.Equal(errorFields(t, r), []string{"kpp", "taxId"}) {
		t.Errorf("bad company details = %d %s, want 400 naming kpp and taxId", r.Status, r.Body)
	}
	if r := dealer.do(t, "GET", "/v1/admin/company", nil); r.Status != 403 {
		t.Errorf("a dealer reads the company details admin route = %d, want 403", r.Status)
	}
	filed := time.Now()
	r, created := createClaim(t, dealer, claimBody(func(b map[string]any) {
		b["channel"] = "dealer_form"
		b["claimant"] = map[string]any{"name": "Пётр Сидоров", "email": customer, "company": "ООО «Мебель Плюс»"}
		b["order"] = map[string]any{"reference": order, "items": []map[string]any{
			{"sku": "H-100", "name": "Петля накладная", "quantity": 10, "unit": "шт"},
			{"sku": "R-450", "name": "Направляющая 450 мм", "quantity": 4, "unit": "компл"},
			{"sku": "K-PVC", "name": "Кромка ПВХ", "quantity": 12.5, "unit": "м"},
		}}
	}))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	id := created.Claim.ID
	var docs []docView
	st.Eventually(t, deliveryWait, "the claim's PDF", func() bool {
		docs = documentsOf(t, sup, id)
		return len(docs) == 2
	})
	t.Logf("the claim's PDF was listed %s after intake", time.Since(filed).Round(time.Millisecond))
	if got := kinds(docs); !slices.Equal(got, []string{"claim", "claim-internal"}) {
		t.Fatalf("staff see %v", got)
	}
	sheet := docOf(docs, "claim")
	if sheet.Version != 1 || sheet.FileName != id+"-claim-v1.pdf" || !slices.Equal(sheet.VisibleTo, []string{"staff", "dealer", "claimant"}) || sheet.Pages < 1 {
		t.Errorf("claim PDF %+v", sheet)
	}
	if internal := docOf(docs, "claim-internal"); !slices.Equal(internal.VisibleTo, []string{"staff"}) {
		t.Errorf("internal copy visible to %v", internal.VisibleTo)
	}
	if text := pdfText(t, download(t, sheet)); text != "" {
		for _, want := range []string{id, "Петля накладная", "H-100", "R-450", "K-PVC", "Пётр Сидоров", "ООО «Мебель Плюс»", order} {
			if !strings.Contains(text, want) {
				t.Errorf("the claim PDF lacks %q:\n%s", want, text)
			}
		}
	}
	// The dealer sees the claimant's copy only, in the list, the claim and
	// its history; another dealer sees nothing.
	if got := kinds(documentsOf(t, dealer, id)); !slices.Equal(got, []string{"claim"}) {
		t.Errorf("the dealer sees %v, want the claimant's copy only", got)
	}
	if body := string(dealer.do(t, "GET", "/v1/claims/"+id, nil).Body); !strings.Contains(body, `"kind":"claim"`) || strings.Contains(body, "claim-internal") {
		t.Errorf("the dealer's claim view: documents wrong:\n%s", body)
	}
	if body := string(dealer.do(t, "GET", "/v1/claims/"+id+"/history", nil).Body); !strings.Contains(body, "document.generated") || strings.Contains(body, "claim-internal") {
		t.Errorf("the dealer's history: document entries wrong:\n%s", body)
	}
	if r := dealer.do(t, "GET", "/v1/claims/"+id+"/documents/"+sheet.ID+"/file", nil); r.Status != 302 || !strings.Contains(r.Header.Get("Location"), "/documents/"+id+"/") {
		t.Errorf("the dealer's file link = %d (%s), want 302 to the download link", r.Status, r.Header.Get("Location"))
	}
	if r := dealer.do(t, "GET", "/v1/claims/"+id+"/documents/"+docOf(docs, "claim-internal").ID+"/file", nil); r.Status != 404 {
		t.Errorf("the internal copy's file for the dealer = %d, want 404", r.Status)
	}
	if r := newUser(t, "dealers", "dealer-docs-other", "DLR-DOCS-OTHER").do(t, "GET", "/v1/claims/"+id+"/documents", nil); r.Status != 404 {
		t.Errorf("another dealer's documents = %d, want 404", r.Status)
	}

	// TORG-2: one shortage line and one defect line.
	act := map[string]any{
		"actNumber": "17", "actDate": time.Now().Format("2006-01-02"), "place": "Склад дилера, Москва", "department": "Склад №2",
		"acceptanceStarted": time.Now().Add(-3 * time.Hour).Format("2006-01-02T15:04"), "acceptanceEnded": time.Now().Add(-time.Hour).Format("2006-01-02T15:04"),
		"transportDocuments": []map[string]any{{"kind": "ТТН", "number": "4512", "date": time.Now().Format("2006-01-02")}},
		"commission":         []map[string]any{{"position": "Кладовщик", "name": "Иванов И. И."}, {"position": "Водитель", "name": "Петров П. П."}},
		"lines": []map[string]any{
			{"sku": "H-100", "actualQuantity": 8, "discrepancy": "shortage"},
			{"sku": "K-PVC", "actualQuantity": 12.5, "defectQuantity": 2.5, "discrepancy": "defect", "description": "Скол кромки"},
		},
		"conclusion": "Недостача и брак подтверждены комиссией.",
	}
	bad := map[string]any{}
	for k, v := range act {
		bad[k] = v
	}
	bad["actNumber"] = strings.Repeat("7", 40)
	bad["lines"] = []map[string]any{
		{"sku": "NOT-IN-ORDER", "actualQuantity": 1, "discrepancy": "shortage"},
		{"sku": "H-100", "actualQuantity": -2, "discrepancy": "shortage"},
		{"sku": "R-450", "actualQuantity": "четыре", "discrepancy": "shortage"},
		{"sku": "K-PVC", "actualQuantity": 12.5, "discrepancy": "shortage"},
	}
	r = dealer.do(t, "POST", "/v1/claims/"+id+"/documents/torg-2", bad)
	if got, want := errorFields(t, r), []string{"actNumber", "lines[0].sku", "lines[1].actualQuantity", "lines[2].actualQuantity", "lines[3].actualQuantity"}; r.Status != 400 || !slices.Equal(got, want) {
		t.Errorf("bad act = %d, fields %v; want 400 naming %v", r.Status, got, want)
	}
	r = dealer.do(t, "POST", "/v1/claims/"+id+"/documents/torg-2", act)
	if r.Status != 201 {
		t.Fatalf("TORG-2 = %d %s", r.Status, r.Body)
	}
	var torg docView
	r.JSON(t, &torg)
	if torg.Kind != "torg-2" || torg.Version != 1 || !slices.Equal(torg.VisibleTo, []string{"staff", "dealer", "claimant"}) {
		t.Errorf("TORG-2 %+v", torg)
	}
	if text := pdfText(t, download(t, &torg)); text != "" {
		// 10 × 120.50 = 1 205.00 documented, 8 received (964.00), 2 short
		// (241.00); 12.5 × 15.33 = 191.63, 2.5 defective (38.33).
		for _, want := range []string{id, "ТОРГ-2", "Петля накладная", "H-100", "Кромка ПВХ", "K-PVC", "1 205,00", "964,00", "241,00", "191,63", "38,33",
			"Всего по акту", "Иванов И. И."} {
			if !strings.Contains(strings.ReplaceAll(text, "\u00a0", " "), want) {
				t.Errorf("the act lacks %q:\n%s", want, text)
			}
		}
	}
	var values struct {
		Values struct {
			ActNumber string `json:"actNumber"`
			Lines     []struct {
				SKU            string  `json:"sku"`
				DefectQuantity float64 `json:"defectQuantity"`
			} `json:"lines"`
		} `json:"values"`
	}
	if r := dealer.do(t, "GET", "/v1/claims/"+id+"/documents/torg-2", nil); r.Status != 200 {
		t.Errorf("TORG-2 values = %d %s", r.Status, r.Body)
	} else if r.JSON(t, &values); values.Values.ActNumber != "17" || len(values.Values.Lines) != 2 || values.Values.Lines[1].DefectQuantity != 2.5 {
		t.Errorf("TORG-2 values %+v", values)
	}

	// No act for a claim without a source order.
	r, plain := createClaim(t, dealer, claimBody(func(b map[string]any) { b["order"] = map[string]any{} }))
	if r.Status != 201 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	if r := dealer.do(t, "POST", "/v1/claims/"+plain.Claim.ID+"/documents/torg-2", act); r.Status != 409 || !strings.Contains(string(r.Body), "source order") {
		t.Errorf("TORG-2 without a source order = %d %s, want 409 with the reason", r.Status, r.Body)
	}

	// The decision letter: the claim goes to implementation; its mail
	// carries the letter. The documents made meanwhile left every version
	// the manager saw current.
	mgr := newUser(t, "managers", created.Claim.Assignee, "")
	c := readClaim(t, mgr, id)
	move(t, mgr, &c, "information_check", "", 200)
	finishTasks(t, mgr, &c)
	move(t, mgr, &c, "diagnostics", "", 200)
	finishTasks(t, mgr, &c)
	move(t, mgr, &c, "decision", "", 200)
	c = step(t, mgr, "PUT", "/v1/claims/"+id+"/decision", map[string]any{
		"version": c.Version, "warrantyCase": true, "faultParty": "company", "rootCause": "service_failure", "resolution": "refund",
		"cost": map[string]any{"amount": 123450, "currency": "RUB"}, "instructions": "Вернём 1 234,50 ₽ на ваш счёт в течение 10 дней.",
	}, 200)
	move(t, mgr, &c, "implementation", "", 200)
	st.Eventually(t, deliveryWait, "the decision mail with its letter", func() bool { return len(mailsWithAttachments(customer, id)) > 0 })
	drained(t, local)
	letters := mailsWithAttachments(customer, id)
	if len(letters) != 1 || len(letters[0].Attachments) != 1 || letters[0].Attachments[0].Filename != id+"-decision-letter-v1.pdf" ||
		letters[0].Attachments[0].ContentType != "application/pdf" {
		t.Fatalf("decision mails with files: %+v", letters)
	}
	if text := pdfText(t, letters[0].Attachments[0].Data); text != "" {
		for _, want := range []string{id, "Пётр Сидоров", "1 234,50"} {
			if !strings.Contains(strings.ReplaceAll(text, "\u00a0", " "), want) {
				t.Errorf("the letter lacks %q:\n%s", want, text)
			}
		}
	}
	docs = documentsOf(t, dealer, id)
	if got := kinds(docs); !slices.Equal(got, []string{"claim", "decision-letter", "torg-2"}) {
		t.Errorf("the dealer's documents after the decision: %v", got)
	}
	// The claimant's tracking page lists theirs, with working links.
	page := st.Do(t, "GET", created.TrackingURL, "", nil)
	body := string(page.Body)
	if page.Status != 200 || !strings.Contains(body, "Рекламация "+id) || !strings.Contains(body, "Решение по рекламации "+id) ||
		!strings.Contains(body, "Акт ТОРГ-2 № 17") || strings.Contains(body, "внутренний экземпляр") {
		t.Errorf("tracking page %d: documents missing or internal ones shown", page.Status)
	}
	if letter := docOf(docs, "decision-letter"); letter == nil || !strings.Contains(body, `/documents/`+id+`/`) {
		t.Errorf("tracking page: no document link")
	}
	var history struct {
		Events []struct {
			Type  string         `json:"type"`
			After map[string]any `json:"after"`
		} `json:"events"`
	}
	sup.do(t, "GET", "/v1/claims/"+id+"/history", nil).JSON(t, &history)
	var generated []string
	for _, e := range history.Events {
		if e.Type == "document.generated" {
			generated = append(generated, e.After["kind"].(string))
		}
	}
	slices.Sort(generated)
	if !slices.Equal(generated, []string{"claim", "claim-internal", "decision-letter", "torg-2"}) {
		t.Errorf("history of generations: %v", generated)
	}
	if r := sup.do(t, "GET", "/v1/claims/"+id+"/history/verify", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"valid":true`) {
		t.Errorf("verify = %d %s", r.Status, r.Body)
	}
}
