package e2e_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/claimsdesk/backend/infra/local/awsemu/ses"
	"github.com/claimsdesk/backend/infra/local/stack"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/webform"
)

type issued struct {
	BatchID string `json:"batchId"`
	Codes   []struct {
		Code   string `json:"code"`
		URL    string `json:"url"`
		Kind   string `json:"kind"`
		Serial string `json:"serial"`
	} `json:"codes"`
}

func issueCodes(t testing.TB, body map[string]any) issued {
	t.Helper()
	admin := newUser(t, "admins", "admin-e2e", "")
	r := admin.do(t, "POST", "/v1/qr-codes", body)
	if r.Status != 201 {
		t.Fatalf("issue codes = %d %s", r.Status, r.Body)
	}
	var out issued
	r.JSON(t, &out)
	return out
}

var formTokenRe = regexp.MustCompile(`name="formToken" value="([^"]+)"`)

// openForm loads a form and returns its one-time token.
func openForm(t testing.TB, code string, headers ...string) (*st.Response, string) {
	t.Helper()
	r := st.Do(t, "GET", local.APIURL+"/q/"+code, "", nil, headers...)
	m := formTokenRe.FindSubmatch(r.Body)
	if r.Status != 200 || m == nil {
		t.Fatalf("GET /q/%s = %d (no form token)", code, r.Status)
	}
	return r, string(m[1])
}

func postForm(t testing.TB, code string, values url.Values, headers ...string) *st.Response {
	t.Helper()
	return st.Do(t, "POST", local.APIURL+"/q/"+code, "", values.Encode(), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, headers...)...)
}

func formValues(token string) url.Values {
	return url.Values{
		"formToken": {token}, "name": {"Мария Ковалёва"}, "email": {"maria@example.com"}, "phone": {"+79031234567"},
		"typeId": {"staff_conduct"}, "essence": {"Курьер не дождался и уехал с товаром обратно."},
		"desiredResult": {"other"}, "lang": {"ru"}, "website": {""},
	}
}

var numberRe = regexp.MustCompile(`RC-\d{4}-\d{6}`)

func TestQRFormRefusesForgedAndUnknownCodes(t *testing.T) {
	codes := issueCodes(t, map[string]any{"kind": "model", "model": "HV-100", "productName": "Обогреватель"})
	good := codes.Codes[0].Code
	flipped := good[:19] + string("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[(strings.IndexByte("0123456789ABCDEFGHJKMNPQRSTVWXYZ", good[19])+1)%32])
	tests := []struct {
		name, code string
		want       int
	}{
		{"genuine", good, 200},
		{"lower case still genuine", strings.ToLower(good), 200},
		{"tag edited", flipped, 404},
		{"made up", "ABCDEFGHJKMNPQRSTVWX", 404},
		{"too short", "ABC", 404},
		{"script", "<script>alert(1)</script>", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := st.Do(t, "GET", local.APIURL+"/q/"+url.PathEscape(tt.code), "", nil)
			if r.Status != tt.want {
				t.Fatalf("status = %d, want %d", r.Status, tt.want)
			}
			isForm := bytes.Contains(r.Body, []byte(`name="formToken"`))
			if isForm != (tt.want == 200) {
				t.Errorf("form shown = %v for a %d page", isForm, r.Status)
			}
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				t.Errorf("content type %q, want a page", r.Header.Get("Content-Type"))
			}
			if bytes.Contains(r.Body, []byte("<script>alert")) {
				t.Errorf("the code is echoed unescaped")
			}
		})
	}
}

func TestQRFormFilesAClaimWithoutJavaScript(t *testing.T) {
	codes := issueCodes(t, map[string]any{"kind": "serial", "model": "TH-2000", "productName": "Тепловентилятор", "series": "2026-11", "serials": []string{"SN-NOJS-1"}})
	code := codes.Codes[0].Code
	page, token := openForm(t, code)
	if !bytes.Contains(page.Body, []byte("SN-NOJS-1")) || !bytes.Contains(page.Body, []byte("TH-2000")) {
		t.Errorf("the form does not show the product from the code")
	}
	v := formValues(token)
	v.Set("typeId", "overheating")
	v.Set("purchaseDate", "2026-05-01")
	v.Set("essence", `Греется <script>alert("x")</script> через 10 минут.`)
	v.Set("serial", "FORGED-SERIAL")
	r := postForm(t, code, v)
	if r.Status != 200 {
		t.Fatalf("submit = %d", r.Status)
	}
	number := numberRe.Find(r.Body)
	if number == nil {
		t.Fatalf("no claim number on the result page")
	}
	if bytes.Contains(r.Body, []byte("<script>alert")) {
		t.Errorf("result page echoes markup")
	}
	// Without JavaScript the photos are asked for afterwards: the result page
	// offers plain upload forms straight to S3.
	if !bytes.Contains(r.Body, []byte(`enctype="multipart/form-data"`)) {
		t.Errorf("result page has no upload forms for the missing photos")
	}
	sup := newUser(t, "supervisors", "sup-nojs", "")
	var view struct {
		Claim struct {
			Channel      string   `json:"channel"`
			QRCode       string   `json:"qrCode"`
			MissingZones []string `json:"missingZones"`
			Product      struct {
				Serial string `json:"serial"`
				Model  string `json:"model"`
			} `json:"product"`
		} `json:"claim"`
	}
	sup.do(t, "GET", "/v1/claims/"+string(number), nil).JSON(t, &view)
	c := view.Claim
	if c.Channel != "qr" || c.QRCode != code || c.Product.Serial != "SN-NOJS-1" || c.Product.Model != "TH-2000" || len(c.MissingZones) == 0 {
		t.Errorf("stored claim = %+v (the serial must come from the code, not the form)", c)
	}
	// Duplicate submit (a double click, a reload): the same claim.
	again := postForm(t, code, v)
	if again.Status != 200 || string(numberRe.Find(again.Body)) != string(number) {
		t.Errorf("resubmitting the same form = %d %s, want the same claim %s", again.Status, numberRe.Find(again.Body), number)
	}
	// The same token with other content is refused.
	v.Set("essence", "Совсем другой текст рекламации для проверки.")
	if r := postForm(t, code, v); r.Status != 409 {
		t.Errorf("reusing a used form = %d, want 409", r.Status)
	}
	st.Eventually(t, 5e9, "the confirmation mail", func() bool {
		mails, _ := ses.ReadOutbox(local.OutboxDir)
		for _, m := range mails {
			if strings.Contains(m.Subject, string(number)) && len(m.To) == 1 && m.To[0] == "maria@example.com" {
				return strings.Contains(m.Text, "/t/") && !strings.Contains(m.HTML, "<script>alert")
			}
		}
		return false
	})
}

func TestQRFormValidatesAndKeepsInput(t *testing.T) {
	codes := issueCodes(t, map[string]any{"kind": "model", "model": "HV-200"})
	code := codes.Codes[0].Code
	_, token := openForm(t, code)
	v := formValues(token)
	v.Set("email", "not-an-email")
	v.Set("essence", "коротко")
	v.Set("name", `Иван "><img src=x onerror=alert(1)>`)
	r := postForm(t, code, v)
	if r.Status != 400 {
		t.Fatalf("invalid form = %d, want 400", r.Status)
	}
	for _, want := range []string{webform.Message("ru", "err.email"), webform.Messagef("ru", "err.too_short", 10), "not-an-email"} {
		if !bytes.Contains(r.Body, []byte(want)) {
			t.Errorf("re-rendered form lacks %q", want)
		}
	}
	if bytes.Contains(r.Body, []byte("<img src=x")) {
		t.Errorf("the re-rendered form echoes markup unescaped")
	}
	// English by Accept-Language.
	en, _ := openForm(t, code, "Accept-Language", "en-US,en;q=0.9")
	if !bytes.Contains(en.Body, []byte(`lang="en"`)) {
		t.Errorf("Accept-Language en did not give the English form")
	}
	if q := st.Do(t, "GET", local.APIURL+"/q/"+code+"?lang=ru", "", nil, "Accept-Language", "en"); !bytes.Contains(q.Body, []byte(`lang="ru"`)) {
		t.Errorf("?lang=ru did not win over Accept-Language")
	}
}

func TestQRFormAbuseProtection(t *testing.T) {
	codes := issueCodes(t, map[string]any{"kind": "serial", "model": "TH-3000", "serials": []string{"SN-ABUSE"}})
	code := codes.Codes[0].Code
	before := claimCount(t)
	_, token := openForm(t, code)
	bot := formValues(token)
	bot.Set("website", "http://spam.example")
	if r := postForm(t, code, bot); r.Status != 400 || numberRe.Match(r.Body) {
		t.Errorf("honeypot submission = %d", r.Status)
	}
	noToken := formValues("")
	if r := postForm(t, code, noToken); r.Status != 400 {
		t.Errorf("submission without a form token = %d", r.Status)
	}
	if after := claimCount(t); after != before {
		t.Errorf("rejected submissions wrote claims (%d -> %d)", before, after)
	}
	// A serial number's code takes a few claims an hour; then 429.
	got429 := false
	for i := 0; i < 8; i++ {
		_, tok := openForm(t, code)
		v := formValues(tok)
		v.Set("essence", "Рекламация номер "+string(rune('А'+i))+" по одному серийному номеру.")
		v.Set("email", "abuse"+string(rune('a'+i))+"@example.com")
		r := postForm(t, code, v)
		if r.Status == http.StatusTooManyRequests {
			got429 = true
			if numberRe.Match(r.Body) {
				t.Errorf("the 429 page shows a claim number")
			}
			break
		}
		if r.Status != 200 {
			t.Fatalf("submission %d = %d", i, r.Status)
		}
	}
	if !got429 {
		t.Errorf("8 claims in an hour through one serial-number code were all accepted")
	}
}

func TestTrackingLinks(t *testing.T) {
	u := newUser(t, "dealers", "dealer-track", "DLR-TRACK")
	r, c := createClaim(t, u, claimBody())
	if r.Status != 201 {
		t.Fatal(r.Status)
	}
	page := st.Do(t, "GET", c.TrackingURL, "", nil)
	if page.Status != 200 || !bytes.Contains(page.Body, []byte(c.Claim.ID)) {
		t.Errorf("tracking page = %d", page.Status)
	}
	if page.Header.Get("Referrer-Policy") != "no-referrer" || page.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("tracking page headers = %v", page.Header)
	}
	token := c.TrackingURL[strings.LastIndexByte(c.TrackingURL, '/')+1:]
	edited := "A"
	if strings.HasSuffix(token, edited) {
		edited = "B"
	}
	for name, path := range map[string]string{
		"edited token":  "/t/" + token[:len(token)-1] + edited,
		"short token":   "/t/abc",
		"no such claim": "/t/AAAAAAAAAAAAAAAAAAAAAAAA",
	} {
		if r := st.Do(t, "GET", local.APIURL+path, "", nil); r.Status != 404 || bytes.Contains(r.Body, []byte(c.Claim.ID)) {
			t.Errorf("%s = %d", name, r.Status)
		}
	}
}

func TestSampleDocuments(t *testing.T) {
	for _, path := range []string{"/samples/torg-2.pdf", "/samples/carrier-damage-act.pdf?lang=en"} {
		r := st.Do(t, "GET", local.APIURL+path, "", nil)
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.Body, []byte("%PDF-")) {
			t.Errorf("GET %s = %d %s", path, r.Status, r.Header.Get("Content-Type"))
		}
	}
	if r := st.Do(t, "GET", local.APIURL+"/samples/nope.pdf", "", nil); r.Status != 404 {
		t.Errorf("unknown sample = %d", r.Status)
	}
}

func TestQRFormLimitsClaimsPerAddress(t *testing.T) {
	s := st.Start(t, st.WithConfig(func(c *stack.Config) {
		c.NoEventSources = true
		c.EnvVars = map[string]map[string]string{"PublicFunction": {"LIMIT_CLAIMS_PER_ADDRESS_HOUR": "2"}}
	}))
	shared := local
	local = s
	defer func() { local = shared }()
	code := issueCodes(t, map[string]any{"kind": "model", "model": "HV-300"}).Codes[0].Code
	for i := 1; i <= 3; i++ {
		_, tok := openForm(t, code)
		v := formValues(tok)
		v.Set("email", fmt.Sprintf("addr%d@example.com", i))
		r := postForm(t, code, v)
		want := 200
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if r.Status != want {
			t.Fatalf("claim %d from one address = %d, want %d", i, r.Status, want)
		}
	}
}
