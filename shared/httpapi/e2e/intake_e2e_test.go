package e2e_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/cleantext"
	"github.com/claimsdesk/backend/shared/webform"
)

// numberOf is the sequence number of a claim number (RC-2026-000123 -> 123).
func numberOf(t testing.TB, id string) int {
	t.Helper()
	i := strings.LastIndexByte(id, '-')
	n, err := strconv.Atoi(id[i+1:])
	if i < 0 || err != nil {
		t.Fatalf("not a claim number: %q", id)
	}
	return n
}

// fileClaim files a claim through the API, trying again while the gateway
// throttles (429) or another attempt with the key is under way (409).
func fileClaim(t testing.TB, u *user, body any, headers ...string) claimOut {
	t.Helper()
	var r *st.Response
	var c claimOut
	st.Eventually(t, time.Minute, "the claim filed", func() bool {
		r, c = createClaim(t, u, body, headers...)
		return r.Status != http.StatusTooManyRequests && r.Status != http.StatusConflict
	})
	if r.Status != 201 && r.Status != 200 {
		t.Fatalf("intake = %d %s", r.Status, r.Body)
	}
	return c
}

// TestRefusedPublicPostsTakeNoNumber posts 100 refused claim forms (over
// the QR code's hourly limit, honeypot filled, invalid) between two dealer
// claims: the second gets the number right after the first.
func TestRefusedPublicPostsTakeNoNumber(t *testing.T) {
	dealer := newUser(t, "dealers", "dealer-numbers", "DLR-NUM")
	code := issueCodes(t, map[string]any{"kind": "serial", "model": "TH-2000", "serials": []string{"SN-NUMBERS"}}).Codes[0].Code
	// A serial number's code takes 5 claims an hour.
	for i := range 5 {
		v := formValues(fmt.Sprintf("accepted%016d", i))
		v.Set("email", fmt.Sprintf("accepted%d@example.com", i))
		if r := postForm(t, code, v); r.Status != 200 {
			t.Fatalf("claim %d through the code = %d", i, r.Status)
		}
	}
	first := fileClaim(t, dealer, claimBody())
	before := claimCount(t)
	statuses := map[string]int{}
	for i := range 100 {
		v := formValues(fmt.Sprintf("refused%017d", i))
		v.Set("email", fmt.Sprintf("refused%d@example.com", i))
		kind := []string{"rate limit", "honeypot", "invalid"}[i%3]
		want := http.StatusTooManyRequests
		switch kind {
		case "honeypot":
			v.Set("website", "http://spam.example")
			want = http.StatusBadRequest
		case "invalid":
			v.Set("essence", "коротко")
			want = http.StatusBadRequest
		}
		r := postForm(t, code, v)
		if r.Status != want || numberRe.Match(r.Body) {
			t.Fatalf("%s post %d = %d (number shown: %v), want %d", kind, i, r.Status, numberRe.Match(r.Body), want)
		}
		if kind == "rate limit" {
			if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 3600 {
				t.Errorf("429 page Retry-After = %q, want the seconds until the next hour", r.Header.Get("Retry-After"))
			}
		}
		statuses[kind]++
	}
	second := fileClaim(t, dealer, claimBody())
	if got, want := numberOf(t, second.Claim.ID), numberOf(t, first.Claim.ID)+1; got != want {
		t.Errorf("after %v refused posts the next claim is %s, want number %d (no number taken by a refusal)", statuses, second.Claim.ID, want)
	}
	if after := claimCount(t); after != before+1 {
		t.Errorf("claims %d -> %d, want only the dealer's second", before, after)
	}
}

// TestUploadIsBoundToItsDeclaredSize: S3 accepts exactly the size declared
// when the upload was presigned, and refuses more with EntityTooLarge.
func TestUploadIsBoundToItsDeclaredSize(t *testing.T) {
	dealer := newUser(t, "dealers", "dealer-sizes", "DLR-SIZES")
	ticket := func(size int) (id string, post func(content []byte) (int, string)) {
		r := dealer.do(t, "POST", "/v1/uploads", map[string]any{"typeId": "cosmetic", "zone": "product", "fileName": "lid.jpg", "contentType": "image/jpeg", "size": size})
		if r.Status != 201 {
			t.Fatalf("presign = %d %s", r.Status, r.Body)
		}
		var tk struct {
			UploadID string            `json:"uploadId"`
			URL      string            `json:"url"`
			Fields   map[string]string `json:"fields"`
			MaxBytes int               `json:"maxBytes"`
		}
		r.JSON(t, &tk)
		if tk.MaxBytes != size {
			t.Errorf("ticket maxBytes = %d, want the declared %d", tk.MaxBytes, size)
		}
		return tk.UploadID, func(content []byte) (int, string) {
			var body bytes.Buffer
			w := multipart.NewWriter(&body)
			keys := make([]string, 0, len(tk.Fields))
			for k := range tk.Fields {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				_ = w.WriteField(k, tk.Fields[k])
			}
			fw, _ := w.CreateFormFile("file", "lid.jpg")
			_, _ = fw.Write(content)
			_ = w.Close()
			res, err := http.Post(tk.URL, w.FormDataContentType(), &body)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
	}
	declared := len(jpeg) - 100
	bigID, post := ticket(declared)
	if status, body := post(jpeg); status != 400 || !strings.Contains(body, "<Code>EntityTooLarge</Code>") ||
		!strings.Contains(body, fmt.Sprintf("<MaxSizeAllowed>%d</MaxSizeAllowed>", declared)) {
		t.Errorf("a file 100 bytes over its declared size = %d %s, want 400 EntityTooLarge", status, body)
	}
	smallID, post := ticket(len(jpeg) + 1)
	if status, body := post(jpeg); status != 400 || !strings.Contains(body, "<Code>EntityTooSmall</Code>") {
		t.Errorf("a file short of its declared size = %d %s, want 400 EntityTooSmall", status, body)
	}
	okID, post := ticket(len(jpeg))
	if status, body := post(jpeg); status != 204 {
		t.Fatalf("a file of its declared size = %d %s, want 204", status, body)
	}
	// Nothing was stored for the refused uploads.
	defect, post := ticket(len(jpeg))
	if status, _ := post(jpeg); status != 204 {
		t.Fatalf("defect photo upload = %d", status)
	}
	body := claimBody(func(b map[string]any) {
		b["categoryId"], b["typeId"] = "defect", "cosmetic"
		b["attachments"] = []any{
			map[string]any{"zone": "product", "uploadId": bigID}, map[string]any{"zone": "product", "uploadId": smallID},
			map[string]any{"zone": "defect", "uploadId": defect},
		}
	})
	r, _ := createClaim(t, dealer, body)
	if fields := errorFields(t, r); r.Status != 400 || !contains(fields, "attachments[0].uploadId") || !contains(fields, "attachments[1].uploadId") {
		t.Errorf("claim with refused uploads = %d %s, want 400 naming both", r.Status, r.Body)
	}
	body["attachments"] = []any{map[string]any{"zone": "product", "uploadId": okID}, map[string]any{"zone": "defect", "uploadId": defect}}
	if r, _ := createClaim(t, dealer, body); r.Status != 201 {
		t.Errorf("claim with the accepted uploads = %d %s", r.Status, r.Body)
	}
}

type qrView struct {
	Code      string `json:"code"`
	Revoked   bool   `json:"revoked"`
	RevokedAt string `json:"revokedAt"`
	RevokedBy string `json:"revokedBy"`
	Reason    string `json:"reason"`
	Serial    string `json:"serial"`
}

// TestQRCodeRevocation: an administrator withdraws a code, then its batch;
// the form says so (410, ru and en), refuses submissions and uploads, and
// the label sheet leaves withdrawn codes out.
func TestQRCodeRevocation(t *testing.T) {
	admin := newUser(t, "admins", "admin-revoke", "")
	codes := issueCodes(t, map[string]any{"kind": "serial", "model": "TH-4000", "serials": []string{"SN-REV-1", "SN-REV-2", "SN-REV-3"}})
	gone, kept := codes.Codes[0].Code, codes.Codes[1].Code
	_, token := openForm(t, gone)

	if r := newUser(t, "managers", "manager-1", "").do(t, "POST", "/v1/qr-codes/"+gone+"/revocation", map[string]any{"reason": "Партия отозвана"}); r.Status != 403 {
		t.Errorf("a manager revoking = %d, want 403", r.Status)
	}
	if r := admin.do(t, "POST", "/v1/qr-codes/"+gone+"/revocation", map[string]any{"reason": " "}); r.Status != 400 || !contains(errorFields(t, r), "reason") {
		t.Errorf("revocation without a reason = %d %s, want 400 naming reason", r.Status, r.Body)
	}
	if r := admin.do(t, "POST", "/v1/qr-codes/ABCDEFGHJKMNPQRSTVWX/revocation", map[string]any{"reason": "Нет такого"}); r.Status != 404 {
		t.Errorf("revoking a forged code = %d, want 404", r.Status)
	}
	r := admin.do(t, "POST", "/v1/qr-codes/"+gone+"/revocation", map[string]any{"reason": "Этикетка напечатана с ошибкой"})
	if r.Status != 200 {
		t.Fatalf("revoke = %d %s", r.Status, r.Body)
	}
	var first qrView
	r.JSON(t, &first)
	if !first.Revoked || first.RevokedAt == "" || first.RevokedBy != "admin-revoke" || first.Reason != "Этикетка напечатана с ошибкой" {
		t.Errorf("revoked code = %+v", first)
	}
	// Again: nothing changes.
	var again qrView
	admin.do(t, "POST", "/v1/qr-codes/"+gone+"/revocation", map[string]any{"reason": "Другая причина"}).JSON(t, &again)
	if again != first {
		t.Errorf("revoking again changed the record: %+v, want %+v", again, first)
	}
	var got qrView
	admin.do(t, "GET", "/v1/qr-codes/"+gone, nil).JSON(t, &got)
	if got != first {
		t.Errorf("GET the revoked code = %+v, want %+v", got, first)
	}

	// The form says the code was withdrawn, in the visitor's language.
	for _, tc := range []struct{ lang, header string }{{"ru", ""}, {"en", "en-GB,en;q=0.9"}} {
		var headers []string
		if tc.header != "" {
			headers = []string{"Accept-Language", tc.header}
		}
		page := st.Do(t, "GET", local.APIURL+"/q/"+gone, "", nil, headers...)
		if page.Status != http.StatusGone || !bytes.Contains(page.Body, []byte(webform.Message(tc.lang, "error.withdrawn.title"))) ||
			bytes.Contains(page.Body, []byte(`name="formToken"`)) {
			t.Errorf("%s: form of a withdrawn code = %d, want 410 saying it was withdrawn", tc.lang, page.Status)
		}
	}
	before := claimCount(t)
	if r := postForm(t, gone, formValues(token)); r.Status != http.StatusGone || numberRe.Match(r.Body) {
		t.Errorf("submitting through a withdrawn code = %d, want 410", r.Status)
	}
	if after := claimCount(t); after != before {
		t.Errorf("a submission through a withdrawn code was stored (%d -> %d claims)", before, after)
	}
	up := st.Do(t, "POST", local.APIURL+"/q/"+gone+"/uploads", "", map[string]any{
		"formToken": token, "typeId": "cosmetic", "zone": "product", "fileName": "a.jpg", "contentType": "image/jpeg", "size": 1000,
	})
	if code, _ := errCode(t, up); up.Status != http.StatusGone || code != "gone" || !bytes.Contains(up.Body, []byte(gone)) || !contains(errorFields(t, up), "code") {
		t.Errorf("upload through a withdrawn code = %d %s, want 410 naming the code", up.Status, up.Body)
	}
	// Its neighbours still work; the label sheet leaves the withdrawn one out.
	if page, _ := openForm(t, kept); page.Status != 200 {
		t.Errorf("another code of the batch = %d", page.Status)
	}
	labels := admin.do(t, "GET", "/v1/qr-batches/"+codes.BatchID+"/labels", nil)
	if labels.Status != 200 {
		t.Fatalf("labels = %d %s", labels.Status, labels.Body)
	}
	if text := pdfText(t, labels.Body); text != "" && (strings.Contains(text, "SN-REV-1") || !strings.Contains(text, "SN-REV-2") || !strings.Contains(text, "SN-REV-3")) {
		t.Errorf("label sheet text = %q, want SN-REV-2 and SN-REV-3 only", text)
	}

	// The whole batch: every code withdrawn, the first keeps its reason.
	r = admin.do(t, "POST", "/v1/qr-batches/"+codes.BatchID+"/revocation", map[string]any{"reason": "Вся партия этикеток отозвана"})
	if r.Status != 200 {
		t.Fatalf("revoke batch = %d %s", r.Status, r.Body)
	}
	var batch struct {
		Codes []qrView `json:"codes"`
	}
	r.JSON(t, &batch)
	reasons := map[string]string{}
	for _, c := range batch.Codes {
		if !c.Revoked {
			t.Errorf("code %s not revoked with its batch", c.Serial)
		}
		reasons[c.Serial] = c.Reason
	}
	want := map[string]string{"SN-REV-1": "Этикетка напечатана с ошибкой", "SN-REV-2": "Вся партия этикеток отозвана", "SN-REV-3": "Вся партия этикеток отозвана"}
	if fmt.Sprint(reasons) != fmt.Sprint(want) {
		t.Errorf("reasons = %v, want %v", reasons, want)
	}
	if page := st.Do(t, "GET", local.APIURL+"/q/"+kept+"?lang=en", "", nil); page.Status != http.StatusGone ||
		!bytes.Contains(page.Body, []byte(webform.Message("en", "error.withdrawn.message"))) {
		t.Errorf("form of a code of a withdrawn batch = %d", page.Status)
	}
	if r := admin.do(t, "GET", "/v1/qr-batches/"+codes.BatchID+"/labels", nil); r.Status != http.StatusGone {
		t.Errorf("labels of a withdrawn batch = %d, want 410", r.Status)
	}
	// Forged codes are still unknown, not withdrawn.
	if page := st.Do(t, "GET", local.APIURL+"/q/ABCDEFGHJKMNPQRSTVWX", "", nil); page.Status != 404 {
		t.Errorf("forged code = %d, want 404", page.Status)
	}
}

// pdfText extracts a PDF's text with poppler's pdftotext ("" when it is not
// installed, unless PDF_TESTS=required).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("PDF_TESTS") == "required" {
			t.Fatal("PDF_TESTS=required but pdftotext is not installed")
		}
		t.Log("pdftotext not installed: label text not checked")
		return ""
	}
	file := t.TempDir() + "/labels.pdf"
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// bidi laces s with every kind of bidirectional control.
func bidi(s string) string {
	r := []rune(s)
	return "\u202E\u2066" + string(r[:len(r)/2]) + "\u200F\u061C\u202A" + string(r[len(r)/2:]) + "\u2069\u202C\u200E\u2067\u2068\u202B\u202D"
}

// noBidi fails the test when s holds a bidirectional control.
func noBidi(t *testing.T, what string, s []byte) {
	t.Helper()
	for _, r := range string(s) {
		if cleantext.Bidi(r) {
			t.Errorf("%s holds %U", what, r)
			return
		}
	}
	// JSON may escape them.
	for _, esc := range []string{`\u202e`, `\u202a`, `\u2066`, `\u2069`, `\u200f`, `\u061c`} {
		if bytes.Contains(bytes.ToLower(s), []byte(esc)) {
			t.Errorf("%s holds %s", what, esc)
			return
		}
	}
}

// TestBidiControlsAreDroppedFromEveryText sends text laced with
// bidirectional controls through every kind of input and reads it back
// clean: claims (API and QR form), transitions, messages (API and tracking
// page), plan tasks, decisions, catalog texts, managers, webhooks, QR codes.
func TestBidiControlsAreDroppedFromEveryText(t *testing.T) {
	sup := newUser(t, "supervisors", "supervisor-bidi", "")
	admin := newUser(t, "admins", "admin-bidi", "")
	// check wants status (0: any 2xx), no bidirectional control in the
	// answer and each of wants in it.
	check := func(what string, r *st.Response, wantStatus int, wants ...string) {
		t.Helper()
		if r.Status != wantStatus && (wantStatus != 0 || r.Status/100 != 2) {
			t.Fatalf("%s = %d %s, want %d", what, r.Status, r.Body, wantStatus)
		}
		noBidi(t, what, r.Body)
		for _, w := range wants {
			if !bytes.Contains(r.Body, []byte(w)) {
				t.Errorf("%s lacks %q: %s", what, w, r.Body)
			}
		}
	}

	// A claim through the API.
	c := fileClaim(t, sup, claimBody(func(b map[string]any) {
		b["claimant"] = map[string]any{"name": bidi("Иван Петров"), "email": "bidi@example.com", "company": bidi("ООО Тепло")}
		b["product"] = map[string]any{"model": "TH-2000", "name": bidi("Тепловентилятор")}
		b["order"] = map[string]any{"reference": "ORD-BIDI", "items": []map[string]any{{"sku": "TH-2000", "name": bidi("Обогреватель"), "quantity": 1, "unit": bidi("шт")}}}
		b["essence"] = bidi("Счёт invoice.exe пришёл вместо акта")
		b["desiredFix"] = bidi("Прислать правильный акт")
	}))
	id := c.Claim.ID
	check("the claim", sup.do(t, "GET", "/v1/claims/"+id, nil), 200,
		"Иван Петров", "ООО Тепло", "Тепловентилятор", "Обогреватель", "Счёт invoice.exe пришёл вместо акта", "Прислать правильный акт")

	// Casework as the claim's manager.
	mgr := newUser(t, "managers", c.Claim.Assignee, "")
	w := readClaim(t, mgr, id)
	move(t, mgr, &w, "information_check", "", 200)
	move(t, mgr, &w, "waiting_for_customer", bidi("Пришлите фото шильдика"), 200)
	check("the history", mgr.do(t, "GET", "/v1/claims/"+id+"/history", nil), 200, "Пришлите фото шильдика")
	check("a manager's message", mgr.do(t, "POST", "/v1/claims/"+id+"/messages", map[string]any{"body": bidi("Ждём фото шильдика")}), 201, "Ждём фото шильдика")
	if res := postReply(t, c.TrackingURL, bidi("Фото пришлю вечером")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("customer's reply = %d", res.StatusCode)
	}
	check("the conversation", mgr.do(t, "GET", "/v1/claims/"+id+"/messages", nil), 200, "Ждём фото шильдика", "Фото пришлю вечером")
	w = readClaim(t, mgr, id)
	due := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	check("a plan task", mgr.do(t, "POST", "/v1/claims/"+id+"/tasks", map[string]any{"version": w.Version, "title": bidi("Запросить акт"), "owner": bidi("сервис"), "due": due, "note": bidi("Срочно")}), 201,
		"Запросить акт", "Срочно")
	w = readClaim(t, mgr, id)
	finishTasks(t, mgr, &w)
	move(t, mgr, &w, "diagnostics", "", 200)
	finishTasks(t, mgr, &w)
	move(t, mgr, &w, "decision", "", 200)
	check("a decision", mgr.do(t, "PUT", "/v1/claims/"+id+"/decision", map[string]any{
		"version": w.Version, "warrantyCase": true, "faultParty": "company", "culpritDepartment": bidi("Сервисная служба"),
		"rootCause": "service_failure", "resolution": "repair", "instructions": bidi("Мастер приедет в понедельник"),
	}), 200, "Сервисная служба", "Мастер приедет в понедельник")

	// A claim through the QR form.
	code := issueCodes(t, map[string]any{"kind": "model", "model": "HV-BIDI", "productName": bidi("Обогреватель"), "note": bidi("Партия для теста")}).Codes[0].Code
	check("a QR code", admin.do(t, "GET", "/v1/qr-codes/"+code, nil), 200, `"productName":"Обогреватель"`, `"note":"Партия для теста"`)
	v := formValues("bidi-form-token-00000001")
	v.Set("name", bidi("Мария Ковалёва"))
	v.Set("essence", bidi("Курьер не дождался и уехал"))
	page := postForm(t, code, v)
	number := numberRe.Find(page.Body)
	if page.Status != 200 || number == nil {
		t.Fatalf("QR form = %d", page.Status)
	}
	check("a QR claim", sup.do(t, "GET", "/v1/claims/"+string(number), nil), 200, "Мария Ковалёва", "Курьер не дождался и уехал")
	check("a revocation", admin.do(t, "POST", "/v1/qr-codes/"+code+"/revocation", map[string]any{"reason": bidi("Опечатка в модели")}), 200, "Опечатка в модели")

	// Reference data.
	check("a catalog category", admin.do(t, "PUT", "/v1/admin/catalog/categories/bidi-test", map[string]any{
		"name": map[string]any{"ru": bidi("Проверка текста"), "en": bidi("Text check")}, "description": map[string]any{"ru": bidi("Не для клиентов")}, "active": false,
	}), 200, "Проверка текста", "Text check", "Не для клиентов")
	check("a manager", sup.do(t, "PUT", "/v1/managers/bidi-manager", map[string]any{
		"name": bidi("Пётр Иванов"), "email": "bidi-manager@claimsdesk.example", "categories": []string{"service"}, "active": false,
	}), 0, "Пётр Иванов")
	check("a webhook target", admin.do(t, "PUT", "/v1/admin/webhooks/bidi-hook", map[string]any{
		"url": "https://crm.example/hook", "events": []string{"claim.received"}, "active": false, "description": bidi("CRM отдела продаж"),
	}), 0, "CRM отдела продаж")
}

// demoManagers are the display names of the demo roster
// (infra/seed/managers.json).
var demoManagers = map[string]string{
	"manager-1": "Ирина Соколова", "manager-2": "Алексей Кузнецов", "manager-3": "Марина Волкова",
	"manager-4": "Дмитрий Орлов", "manager-5": "Елена Морозова",
}

// TestTrackingPageShowsWhatTheClaimantMaySee follows a claim on its
// tracking page: times in the company's zone (Moscow) with its name, the
// manager's display name (never a user ID), the question while the claim
// waits for the customer, and the decision once final, without the culprit
// or the root cause; in Russian and English.
func TestTrackingPageShowsWhatTheClaimantMaySee(t *testing.T) {
	sup := newUser(t, "supervisors", "supervisor-tracking", "")
	c := fileClaim(t, sup, claimBody(func(b map[string]any) {
		b["essence"] = "Монтажник ушёл, не закончив работу, и не отвечает."
	}))
	id, manager := c.Claim.ID, c.Claim.Assignee
	name := demoManagers[manager]
	if !serviceManagers[manager] || name == "" {
		t.Fatalf("assignee %q is not a demo manager of the service category", manager)
	}
	page := func(query string) string {
		t.Helper()
		r := st.Do(t, "GET", c.TrackingURL+query, "", nil)
		if r.Status != 200 {
			t.Fatalf("tracking page = %d", r.Status)
		}
		return string(r.Body)
	}
	must := func(what, html string, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(html, w) {
				t.Errorf("%s lacks %q", what, w)
			}
		}
	}
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	html := page("")
	must("the new claim's page", html, "Ваш менеджер", name, "(Москва, UTC&#43;3)")
	var created struct {
		Claim struct {
			CreatedAt time.Time `json:"createdAt"`
		} `json:"claim"`
	}
	sup.do(t, "GET", "/v1/claims/"+id, nil).JSON(t, &created)
	must("the new claim's page", html, created.Claim.CreatedAt.In(msk).Format("02.01.2006, 15:04"), `datetime="`+strings.ReplaceAll(created.Claim.CreatedAt.In(msk).Format(time.RFC3339), "+", "&#43;"))
	if strings.Contains(html, manager) {
		t.Errorf("the page shows the manager's user ID %s", manager)
	}

	mgr := newUser(t, "managers", manager, "")
	w := readClaim(t, mgr, id)
	move(t, mgr, &w, "information_check", "", 200)
	move(t, mgr, &w, "waiting_for_customer", "Пришлите, пожалуйста, фото акта выполненных работ.", 200)
	if r := mgr.do(t, "POST", "/v1/claims/"+id+"/messages", map[string]any{"body": "Без акта мы не можем продолжить."}); r.Status != 201 {
		t.Fatalf("manager's message = %d %s", r.Status, r.Body)
	}
	html = page("")
	must("the waiting claim's page", html, "Что нам нужно от вас", "Пришлите, пожалуйста, фото акта выполненных работ.", "Без акта мы не можем продолжить.", name)
	if strings.Contains(html, manager) {
		t.Errorf("the conversation shows the manager's user ID %s", manager)
	}
	must("the English page", page("?lang=en"), "What we need from you", "Пришлите, пожалуйста, фото акта выполненных работ.", "Your manager", "(Moscow, UTC&#43;3)")
	if res := postReply(t, c.TrackingURL, "Акт прикладываю позже, монтажник обещал прислать."); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("customer's reply = %d", res.StatusCode)
	}
	if html = page(""); strings.Contains(html, "Что нам нужно от вас") {
		t.Error("the question is still shown after the customer answered")
	}

	w = readClaim(t, mgr, id)
	finishTasks(t, mgr, &w)
	move(t, mgr, &w, "diagnostics", "", 200)
	finishTasks(t, mgr, &w)
	move(t, mgr, &w, "decision", "", 200)
	w = step(t, mgr, "PUT", "/v1/claims/"+id+"/decision", map[string]any{
		"version": w.Version, "warrantyCase": true, "faultParty": "company", "culpritDepartment": "Бригада монтажников №7",
		"culpritEmployee": "Сидоров", "rootCause": "service_failure", "resolution": "replace",
		"instructions": "Курьер привезёт новый обогреватель и заберёт старый.",
	}, 200)
	if html = page(""); strings.Contains(html, "Курьер привезёт") {
		t.Error("the decision is shown before it is final (still in the decision stage)")
	}
	move(t, mgr, &w, "implementation", "", 200)
	html = page("")
	must("the decided claim's page", html, "Решение по рекламации", "<dd>Замена товара</dd>", "<dt>Гарантийный случай</dt><dd>да</dd>",
		"Курьер привезёт новый обогреватель и заберёт старый.")
	must("the decided claim's English page", page("?lang=en"), "<dd>Replacement</dd>", "<dt>Warranty case</dt><dd>yes</dd>")
	var catalog struct {
		RootCauses []struct {
			ID   string            `json:"id"`
			Name map[string]string `json:"name"`
		} `json:"rootCauses"`
	}
	newUser(t, "admins", "admin-tracking", "").do(t, "GET", "/v1/admin/catalog", nil).JSON(t, &catalog)
	internal := []string{"Бригада монтажников", "Сидоров", "service_failure", manager}
	for _, rc := range catalog.RootCauses {
		if rc.ID == "service_failure" {
			internal = append(internal, rc.Name["ru"], rc.Name["en"])
		}
	}
	for _, en := range []string{"", "?lang=en"} {
		html := page(en)
		for _, s := range internal {
			if s != "" && strings.Contains(html, s) {
				t.Errorf("the tracking page%s shows the internal %q", en, s)
			}
		}
	}
}
