package e2e_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/claimsdesk/backend/infra/local/stack"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

// axeVersion is the axe-core release the accessibility check injects.
const axeVersion = "4.10.2"

// axeScript returns axe-core's axe.min.js, installed from npm into the
// user's cache directory on first use; "" (and a log line saying why) when
// it cannot be had: no npm, or no network to the registry. CI has both, so
// there AXE_TESTS=required makes that a failure.
func axeScript(t *testing.T) string {
	t.Helper()
	skip := func(why string, args ...any) string {
		msg := fmt.Sprintf("accessibility check skipped: "+why, args...)
		if os.Getenv("AXE_TESTS") == "required" {
			t.Fatal(msg)
		}
		t.Log(msg)
		return ""
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "claimsdesk-axe-core-"+axeVersion)
	file := filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
	if b, err := os.ReadFile(file); err == nil {
		return string(b)
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return skip("npm is not installed (axe-core %s comes from npm)", axeVersion)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return skip("no cache directory: %v", err)
	}
	cmd := exec.Command(npm, "install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save", "--silent",
		"--fetch-retries=1", "--fetch-timeout=30000", "axe-core@"+axeVersion)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return skip("npm: %v", err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		err = fmt.Errorf("npm install took over 2 minutes")
	}
	if err != nil {
		return skip("npm install axe-core@%s: %v\n%s", axeVersion, err, out.String())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return skip("npm installed no %s: %v", file, err)
	}
	return string(b)
}

// axeViolation is one rule axe-core found broken.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// checkAccessibility runs axe-core on the page as it is (WCAG 2.1 A and AA
// rules) and fails the test on a serious or critical violation; minor and
// moderate ones are logged.
func checkAccessibility(t *testing.T, b *browserSession, axe, page string) {
	t.Helper()
	if axe == "" {
		return
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](axe+"\n;true")); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	// The check can fail: an input without a label, added for a moment, is
	// a critical violation.
	probe, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
		`(function () { var i = document.createElement('input'); i.id = 'axe-probe'; document.body.appendChild(i);
return axe.run({include: [['#axe-probe']]}, {runOnly: {type: 'rule', values: ['label']}}).then(function (r) { i.remove(); return r.violations.map(function (v) { return v.id + ':' + v.impact; }).join(','); }); })()`,
		chromedp.EvalAwaitPromise))
	if err != nil || probe != "label:critical" {
		t.Fatalf("axe-core on an unlabelled input found %q (%v), want label:critical", probe, err)
	}
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
		`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}}).then(function (r) { return JSON.stringify(r.violations); })`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on the %s page: %v", page, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatalf("axe's answer: %v", err)
	}
	for _, v := range vs {
		where := ""
		for _, n := range v.Nodes {
			where += fmt.Sprintf("\n    %v %s", n.Target, n.HTML)
		}
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("axe on the %s page: %s (%s): %s%s", page, v.ID, v.Impact, v.Help, where)
		} else {
			t.Logf("axe on the %s page, %s: %s (%s)", page, v.Impact, v.ID, v.Help)
		}
	}
	t.Logf("axe-core %s on the %s page: %d violations, none serious or critical unless reported above", axeVersion, page, len(vs))
}

// screenshots writes the browser's steps to .local/screenshots/cabinet for
// people to look at.
type screenshots struct {
	dir string
	n   int
}

func newScreenshots(t *testing.T) *screenshots {
	dir := filepath.Join(st.ModuleRoot(t), ".local", "screenshots", "cabinet")
	// A run's steps only: an earlier run's, numbered otherwise, would mix in.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &screenshots{dir: dir}
}

func (s *screenshots) take(t *testing.T, b *browserSession, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	s.n++
	if err := os.WriteFile(filepath.Join(s.dir, fmt.Sprintf("%02d-%s.png", s.n, name)), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// signInOnCabinet signs a dealer typed into the local hosted sign-in page
// in from the cabinet's page, and waits for the claims list.
func signInOnCabinet(t *testing.T, b *browserSession, username, dealerID string) {
	t.Helper()
	b.do(t, "go to the hosted sign-in",
		chromedp.WaitVisible(chromedp.ID("signin")),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("username")))
	b.do(t, "sign in as "+username,
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.Click(chromedp.CSS(`input[name=group][value=dealers]`)),
		chromedp.SendKeys(chromedp.CSS(`[id="custom:dealer_id"]`), dealerID),
		chromedp.Submit(chromedp.ID("username")))
	waitAcrossLoads(t, b, "the claims list of "+username, `window.cabinet && window.cabinet.signedIn() && !!document.getElementById('results') && !!document.querySelector('#results p, #results ul')`)
}

// waitAcrossLoads waits for a JavaScript condition across page loads (a
// sign-in's redirects, a reload): a poll the navigation cut short is tried
// again until the deadline.
func waitAcrossLoads(t *testing.T, b *browserSession, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var err error
	for time.Now().Before(deadline) {
		if _, err = chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(5*time.Second))); err == nil {
			return
		}
		if b.ctx.Err() != nil {
			break
		}
	}
	t.Fatalf("waiting for %s (%s): %v", what, cond, err)
}

// goTo changes the page's location hash, as a tap on a link does.
func goTo(t *testing.T, b *browserSession, what, hash string) {
	t.Helper()
	eval[bool](t, b, what, fmt.Sprintf(`(function () { location.hash = %s; return true; })()`, js(hash)))
}

// expiredToken is an ID token of the user that the API has stopped taking.
func expiredToken(t *testing.T, username, dealerID string) string {
	t.Helper()
	tok, err := local.Token(stack.TokenRequest{Role: "dealers", User: username, Claims: map[string]string{"custom:dealer_id": dealerID}, TTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	st.Eventually(t, 10*time.Second, "the one-second token to expire", func() bool {
		status, _ := whoAmI(t, tok)
		return status == http.StatusUnauthorized
	})
	return tok
}

// TestCabinetOnAPhone is a dealer's day in the cabinet on a phone: signing
// in through the hosted sign-in, filing a claim from an order the ERP sent
// (two of its items, three photos), finding it in the list, a token
// expiring mid-session, talking to the manager, the TORG-2 act and its
// PDF, the decision, the rating; then another dealer signs in and sees
// none of it. Each step's screenshot goes to .local/screenshots/cabinet;
// axe-core checks the list, the filing and the claim pages.
func TestCabinetOnAPhone(t *testing.T) {
	chromium := chromiumPath(t)
	const dealerID, otherDealerID, orderNo = "DLR-CAB-1", "DLR-CAB-2", "ORD-CAB-1"
	const username, otherUsername = "cab-dealer-1", "cab-dealer-2"
	const serial = "SN-CAB-0001"
	erp := newUser(t, "integrations", "erp-cabinet", "")
	if r := erp.do(t, "PUT", "/v1/erp/orders/"+orderNo, map[string]any{
		"customer": map[string]any{"name": "Ольга Кузнецова", "company": "ООО «Тепло Дом»", "email": "olga@teplodom.example", "phone": "+7 495 000-11-22"},
		"dealerId": dealerID, "currency": "RUB", "status": "delivered", "erpVersion": 1,
		"items": []map[string]any{
			{"sku": "TH-2000", "name": "Тепловентилятор TH-2000", "quantity": 10, "unit": "шт", "price": 450000},
			{"sku": "TH-FLT", "name": "Фильтр для TH-2000", "quantity": 20, "unit": "шт", "price": 35000},
			{"sku": "TH-BRK", "name": "Кронштейн настенный", "quantity": 10, "unit": "шт", "price": 99000},
		},
	}); r.Status != 200 {
		t.Fatalf("ERP order = %d %s", r.Status, r.Body)
	}
	dir := t.TempDir()
	var photos []string
	for i, z := range []string{"product", "plate", "documents"} {
		p, _ := writePhoto(t, dir, z+".jpg", color.RGBA{R: uint8(70 * (i + 1)), G: 120, B: 60})
		photos = append(photos, p)
	}
	axe := axeScript(t)
	shots := newScreenshots(t)
	cabinetURL := local.APIURL + "/cabinet"

	// The page and its files: small, and under a strict policy.
	r := st.Do(t, "GET", cabinetURL, "", nil)
	csp := r.Header.Get("Content-Security-Policy")
	if r.Status != 200 || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, local.SignIn.URL[:strings.Index(local.SignIn.URL, "/_cognito")]) {
		t.Fatalf("GET /cabinet = %d, CSP %q", r.Status, csp)
	}
	size := len(r.Body)
	for _, f := range []string{"app.js", "app.css"} {
		a := st.Do(t, "GET", cabinetURL+"/"+f, "", nil)
		if a.Status != 200 {
			t.Fatalf("GET /cabinet/%s = %d", f, a.Status)
		}
		size += len(a.Body)
	}
	t.Logf("the cabinet's page, script and stylesheet: %d bytes", size)
	if size > 150<<10 {
		t.Errorf("the cabinet is %d bytes, over 150 KB", size)
	}
	if r := st.Do(t, "GET", cabinetURL+"/other.js", "", nil); r.Status != 404 {
		t.Errorf("GET /cabinet/other.js = %d, want 404", r.Status)
	}

	b := startBrowser(t, chromium, 4*time.Minute)
	b.do(t, "open the cabinet on a phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(cabinetURL),
		chromedp.WaitVisible(chromedp.ID("signin")))
	shots.take(t, b, "signin")

	// 1. Sign in through the hosted sign-in; the page holds the tokens in
	// the tab only.
	signInOnCabinet(t, b, username, dealerID)
	if stored := eval[bool](t, b, "tokens in session storage", `!!JSON.parse(sessionStorage.getItem('cab.tokens')).refresh && localStorage.length === 0`); !stored {
		t.Error("the tokens are not in session storage only")
	}
	shots.take(t, b, "list-empty")
	// Opened by the machine's address over plain http (a phone on the local
	// stack), the page has no WebCrypto: its own SHA-256 makes the PKCE
	// challenge, and must agree with the standard one.
	for _, in := range []string{"", "abc", strings.Repeat("a", 55), strings.Repeat("b", 56), strings.Repeat("PKCE-verifier-", 20), "проверка"} {
		want := fmt.Sprintf("%x", sha256.Sum256([]byte(in)))
		if got := eval[string](t, b, "the page's SHA-256", fmt.Sprintf(`window.cabinet.sha256js(%s)`, js(in))); got != want {
			t.Errorf("the page's SHA-256 of %q = %s, want %s", in, got, want)
		}
	}

	// 2. File a claim from the ERP's order: two of its items, three photos.
	b.do(t, "open the filing form", chromedp.Click(chromedp.ID("nav-new")), chromedp.WaitVisible(chromedp.ID("n-order")))
	b.waitFor(t, "the dealer's orders", fmt.Sprintf(`!!document.querySelector('#n-order-pick option[value=%s]')`, js(orderNo)))
	eval[string](t, b, "choose the order", chooseOption("n-order-pick", orderNo))
	b.waitFor(t, "the order's items", `!!document.getElementById('n-item-2')`)
	if got := eval[string](t, b, "the customer from the order", `document.getElementById('n-claimant-name').value`); got != "Ольга Кузнецова" {
		t.Errorf("the customer's name from the order = %q", got)
	}
	b.do(t, "tick two items",
		chromedp.Click(chromedp.ID("n-item-0")), chromedp.Click(chromedp.ID("n-item-1")),
		chromedp.SetValue(chromedp.ID("n-qty-1"), "4"))
	eval[string](t, b, "choose the category", chooseOption("n-categoryId", "quantity"))
	// Before filing, the type's published public article ("before you
	// file: try this"); not the staff-only one.
	kbAdmin := newUser(t, "admins", "admin-cabinet", "")
	const helpTitle, staffHelpTitle = "Пересорт: сверьте артикул на коробке", "Пересорт: внутренняя проверка склада"
	writeArticle(t, kbAdmin, "POST", "/v1/kb/articles", map[string]any{"title": helpTitle, "language": "ru", "audience": "public",
		"status": "published", "body": "Сверьте **артикул** на коробке с накладной.", "types": []string{"wrong_item"}}, 201)
	writeArticle(t, kbAdmin, "POST", "/v1/kb/articles", map[string]any{"title": staffHelpTitle, "language": "ru", "audience": "staff",
		"status": "published", "body": "Только для склада.", "types": []string{"wrong_item"}}, 201)
	eval[string](t, b, "choose the type", chooseOption("n-typeId", "wrong_item"))
	b.do(t, "the type's photo zones", chromedp.WaitVisible(chromedp.ID("z-documents")))
	b.waitFor(t, "the type's self-help article", fmt.Sprintf(`document.getElementById('n-form').textContent.indexOf(%s) >= 0`, js(helpTitle)))
	if page := eval[string](t, b, "the filing page's text", `document.getElementById('n-form').textContent`); strings.Contains(page, staffHelpTitle) || !strings.Contains(page, "Прежде чем подать") {
		t.Errorf("the filing page's self-help shows the staff-only article or no heading: %q", page)
	}
	for i, z := range []string{"product", "plate", "documents"} {
		b.do(t, "attach a photo to "+z, chromedp.SetUploadFiles(chromedp.ID("z-"+z), []string{photos[i]}))
	}
	b.waitFor(t, "three uploads to finish", `(function () { var s = document.querySelectorAll('#n-zones .upstate'); return s.length === 3 && Array.prototype.every.call(s, function (e) { return e.textContent === 'Загружен'; }); })()`)
	b.do(t, "fill the rest",
		chromedp.SendKeys(chromedp.ID("n-product-serial"), serial),
		chromedp.SendKeys(chromedp.ID("n-essence"), "Вместо фильтров в коробках кронштейны; тепловентиляторы без шильдика."))
	eval[string](t, b, "desired result", chooseOption("n-desiredResult", "replacement"))
	shots.take(t, b, "filing")
	checkAccessibility(t, b, axe, "filing")
	b.do(t, "send the claim", chromedp.Click(chromedp.ID("n-submit")))
	b.waitFor(t, "the claim's page", `/^#\/claims\/RC-/.test(location.hash) && !!document.getElementById('c-stage') && document.getElementById('c-history').textContent.indexOf('Рекламация подана') >= 0`)
	id := strings.TrimSuffix(strings.TrimPrefix(eval[string](t, b, "the claim number", `location.hash`), "#/claims/"), "?filed")
	if !claimNumberRe.MatchString(id) {
		t.Fatalf("the claim page is %q", id)
	}
	// The claim's PDF shows up on the page once the notifier has made it.
	b.waitFor(t, "the claim's PDF", `!!document.querySelector('#c-docs a[data-kind="claim"]')`)
	shots.take(t, b, "filed")
	var filed struct {
		Claim struct {
			DealerID string `json:"dealerId"`
			Channel  string `json:"channel"`
			Assignee string `json:"assignee"`
			Product  struct {
				Model  string `json:"model"`
				Serial string `json:"serial"`
			} `json:"product"`
			Order struct {
				Reference string `json:"reference"`
				Items     []struct {
					SKU      string  `json:"sku"`
					Quantity float64 `json:"quantity"`
				} `json:"items"`
			} `json:"order"`
		} `json:"claim"`
		Attachments []struct {
			Zone string `json:"zone"`
		} `json:"attachments"`
	}
	dealer := newUser(t, "dealers", username, dealerID)
	dealer.do(t, "GET", "/v1/claims/"+id, nil).JSON(t, &filed)
	c := filed.Claim
	if c.DealerID != dealerID || c.Channel != "dealer_form" || c.Product.Model != "TH-2000" || c.Product.Serial != serial || c.Order.Reference != orderNo ||
		len(c.Order.Items) != 2 || c.Order.Items[0].SKU != "TH-2000" || c.Order.Items[0].Quantity != 10 || c.Order.Items[1].SKU != "TH-FLT" || c.Order.Items[1].Quantity != 4 ||
		len(filed.Attachments) != 3 {
		t.Fatalf("the claim filed from the cabinet: %+v", filed)
	}

	// The orders the filing offered: the dealer's own only.
	var listed struct {
		Orders []struct {
			Number       string `json:"number"`
			SalesManager string `json:"salesManager"`
		} `json:"orders"`
	}
	if r := dealer.do(t, "GET", "/v1/orders", nil); r.Status != 200 {
		t.Errorf("the dealer's orders = %d %s", r.Status, r.Body)
	} else if r.JSON(t, &listed); len(listed.Orders) != 1 || listed.Orders[0].Number != orderNo {
		t.Errorf("the dealer's orders: %+v", listed)
	}
	other := newUser(t, "dealers", otherUsername, otherDealerID)
	if r := other.do(t, "GET", "/v1/orders", nil); r.Status != 200 || strings.Contains(string(r.Body), orderNo) {
		t.Errorf("another dealer's orders = %d %s", r.Status, r.Body)
	}
	if r := other.do(t, "GET", "/v1/orders?dealerId="+dealerID, nil); r.Status != 403 {
		t.Errorf("another dealer asking for %s's orders = %d, want 403", dealerID, r.Status)
	}
	if r := newUser(t, "supervisors", "supervisor-cabinet", "").do(t, "GET", "/v1/orders", nil); r.Status != 400 || !slices.Contains(errorFields(t, r), "dealerId") {
		t.Errorf("a supervisor listing orders without a dealer = %d %s, want 400 naming dealerId", r.Status, r.Body)
	}

	// 3. It is in the list, with the year's figures.
	b.do(t, "back to the list", chromedp.Click(chromedp.ID("nav-claims")))
	b.waitFor(t, "the claim in the list", fmt.Sprintf(`!!document.querySelector('#claims a[href="#/claims/%s"]')`, id))
	// The figures come from the aggregates, which count the claim a moment
	// after it is filed.
	st.Eventually(t, deliveryWait, "the claim among the year's figures", func() bool {
		goTo(t, b, "the filing page", "#/new")
		goTo(t, b, "the list again", "#/")
		_, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](`!!document.querySelector('.figures dd') && document.querySelector('.figures dd').textContent === '1'`, chromedp.WithPollingTimeout(3*time.Second)))
		return err == nil
	})
	shots.take(t, b, "list")
	checkAccessibility(t, b, axe, "list")
	b.do(t, "filter by another serial", chromedp.SetValue(chromedp.ID("f-serial"), "SN-NOT-THERE"), chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)))
	b.waitFor(t, "an empty result", `!!document.querySelector('#results .empty')`)
	b.do(t, "filter by the serial", chromedp.SetValue(chromedp.ID("f-serial"), serial), chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)))
	b.waitFor(t, "the claim found by serial", fmt.Sprintf(`!!document.querySelector('#claims a[href="#/claims/%s"]')`, id))
	eval[bool](t, b, "clear the serial", `(function () { document.getElementById('f-serial').value = ''; return true; })()`)
	b.do(t, "filter by another order", chromedp.SetValue(chromedp.ID("f-order"), "ORD-OTHER"),
		chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)))
	b.waitFor(t, "an empty result", `!!document.querySelector('#results .empty')`)
	b.do(t, "filter by the order", chromedp.SetValue(chromedp.ID("f-order"), orderNo), chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)))
	b.waitFor(t, "the claim found by order", fmt.Sprintf(`!!document.querySelector('#claims a[href="#/claims/%s"]')`, id))

	// Filing again for the same serial number warns of the open claim.
	goTo(t, b, "a new claim", "#/new")
	b.waitFor(t, "the filing form", `!!document.getElementById('n-product-serial')`)
	eval[bool](t, b, "the same serial", fmt.Sprintf(`(function () { var f = document.getElementById('n-product-serial'); f.value = %s; f.dispatchEvent(new Event('change', { bubbles: true })); return true; })()`, js(serial)))
	b.waitFor(t, "the duplicate warning", fmt.Sprintf(`!!document.querySelector('#n-dup a[href="#/claims/%s"]')`, id))
	shots.take(t, b, "duplicate-warning")

	// 4. The ID token expires mid-session: the page refreshes it and goes on.
	old := expiredToken(t, username, dealerID)
	eval[bool](t, b, "an expired ID token in the tab", fmt.Sprintf(`(function () { var k = JSON.parse(sessionStorage.getItem('cab.tokens')); k.id = %s; k.exp = Date.now() + 3600000; sessionStorage.setItem('cab.tokens', JSON.stringify(k)); location.hash = '#/claims/%s'; location.reload(); return true; })()`, js(old), id))
	waitAcrossLoads(t, b, "the claim page after the refresh", `window.cabinet && window.cabinet.signedIn() && !!document.getElementById('c-stage')`)
	current := eval[string](t, b, "the ID token now", `JSON.parse(sessionStorage.getItem('cab.tokens')).id`)
	if current == old || current == "" {
		t.Fatal("the page kept the expired ID token")
	}
	// A token with seconds left is refreshed before it runs out.
	eval[bool](t, b, "an ID token about to expire", `(function () { var k = JSON.parse(sessionStorage.getItem('cab.tokens')); k.exp = Date.now() + 5000; sessionStorage.setItem('cab.tokens', JSON.stringify(k)); location.reload(); return true; })()`)
	waitAcrossLoads(t, b, "a fresh token before the old one expired", fmt.Sprintf(`window.cabinet && window.cabinet.expiresAt() > Date.now() + 3000000 && JSON.parse(sessionStorage.getItem('cab.tokens')).id !== %s`, js(current)))
	b.waitFor(t, "the claim page with the fresh token", `window.cabinet.signedIn() && !!document.getElementById('c-stage')`)

	// 5. The conversation: the dealer writes, the manager answers through
	// the API, the dealer sees it and a notification.
	b.do(t, "write to the manager with a photo", chromedp.SendKeys(chromedp.ID("chat-body"), "Когда заберёте лишние кронштейны?"),
		chromedp.SetUploadFiles(chromedp.ID("chat-files"), []string{photos[0]}))
	b.waitFor(t, "the photo uploaded", `(function () { var s = document.querySelectorAll('#chat-form .upstate'); return s.length === 1 && s[0].textContent === 'Загружен'; })()`)
	b.do(t, "send the message", chromedp.Click(chromedp.ID("chat-send")))
	b.waitFor(t, "the dealer's message with its photo", `!!document.getElementById('chat-list') && document.getElementById('chat-list').textContent.indexOf('лишние кронштейны') >= 0 && document.querySelectorAll('#chat-list .files a').length === 1`)
	mgr := newUser(t, "managers", c.Assignee, "")
	if r := mgr.do(t, "POST", "/v1/claims/"+id+"/messages", map[string]any{"body": "Заберём в четверг вместе с заменой фильтров."}); r.Status != 201 {
		t.Fatalf("the manager's answer = %d %s", r.Status, r.Body)
	}
	b.do(t, "refresh the claim", chromedp.Click(chromedp.ID("c-refresh")))
	b.waitFor(t, "the manager's answer", `!!document.getElementById('chat-list') && document.getElementById('chat-list').textContent.indexOf('в четверг') >= 0`)
	shots.take(t, b, "chat")

	// The claims department asks for something; the dealer sees what and
	// answers in the chat, which puts the claim back to work.
	cl := readClaim(t, mgr, id)
	move(t, mgr, &cl, "information_check", "", 200)
	move(t, mgr, &cl, "waiting_for_customer", "Пришлите фото упаковочного листа.", 200)
	b.do(t, "refresh the claim", chromedp.Click(chromedp.ID("c-refresh")))
	b.waitFor(t, "what is asked", `!!document.getElementById('c-asked') && document.getElementById('c-asked').textContent.indexOf('упаковочного листа') >= 0`)
	shots.take(t, b, "asked")
	b.do(t, "answer", chromedp.SendKeys(chromedp.ID("chat-body"), "Фото упаковочного листа во вложении."),
		chromedp.SetUploadFiles(chromedp.ID("chat-files"), []string{photos[2]}))
	b.waitFor(t, "the photo uploaded", `(function () { var s = document.querySelectorAll('#chat-form .upstate'); return s.length === 1 && s[0].textContent === 'Загружен'; })()`)
	b.do(t, "send the answer", chromedp.Click(chromedp.ID("chat-send")))
	b.waitFor(t, "the claim back at work", `(function () { var s = document.getElementById('c-stage'); return !!s && !document.getElementById('c-asked') && s.textContent === 'Проверка информации'; })()`)
	if cl = readClaim(t, mgr, id); cl.Stage != "information_check" {
		t.Errorf("after the dealer's answer the claim is at %s, want information_check", cl.Stage)
	}
	goTo(t, b, "open the notifications", "#/notes")
	st.Eventually(t, deliveryWait, "the note of the manager's message", func() bool {
		b.do(t, "reload the notifications", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("main h1")))
		_, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](fmt.Sprintf(`!!document.querySelector('#notes a[href="#/claims/%s"]')`, id), chromedp.WithPollingTimeout(3*time.Second)))
		return err == nil
	})
	shots.take(t, b, "notifications")

	// 6. The TORG-2 act, filled in the dialog from the order; its PDF.
	goTo(t, b, "back to the claim", "#/claims/"+id)
	b.do(t, "the claim page", chromedp.WaitVisible(chromedp.ID("torg-open")))
	checkAccessibility(t, b, axe, "claim")
	b.do(t, "open the TORG-2 dialog", chromedp.Click(chromedp.ID("torg-open")), chromedp.WaitVisible(chromedp.ID("torg-actNumber")))
	eval[string](t, b, "a shortage of filters", chooseOption("torg-kind-1", "shortage"))
	b.do(t, "fill the act",
		chromedp.SendKeys(chromedp.ID("torg-actNumber"), "К-17"),
		chromedp.SendKeys(chromedp.ID("torg-place"), "Склад дилера, Москва"),
		chromedp.SendKeys(chromedp.ID("torg-tNumber"), "4512"),
		chromedp.SendKeys(chromedp.ID("torg-pos0"), "Кладовщик"),
		chromedp.SendKeys(chromedp.ID("torg-name0"), "Иванов И. И."),
		chromedp.SetValue(chromedp.ID("torg-actual-1"), "16"))
	shots.take(t, b, "torg2")
	b.do(t, "make the act", chromedp.Click(chromedp.ID("torg-submit")))
	b.waitFor(t, "the act's link", `!!document.getElementById('torg-pdf')`)
	pdfURL := eval[string](t, b, "the act's link", `document.getElementById('torg-pdf').href`)
	res, err := http.Get(pdfURL)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("the act's PDF = %d, %d bytes", res.StatusCode, len(pdf))
	}
	if text := pdfText(t, pdf); text != "" {
		for _, want := range []string{id, "ТОРГ-2", "TH-FLT", "Фильтр для TH-2000", "Иванов И. И."} {
			if !strings.Contains(text, want) {
				t.Errorf("the act lacks %q", want)
			}
		}
	}
	shots.take(t, b, "torg2-made")
	b.do(t, "close the dialog", chromedp.Click(chromedp.ID("torg-close")))
	b.waitFor(t, "the act among the documents", `!!document.querySelector('#c-docs a[data-kind="torg-2"]') && !document.getElementById('torg')`)
	b.do(t, "attach the signed scan", chromedp.SetUploadFiles(chromedp.ID("torg-scan"), []string{photos[2]}))
	b.waitFor(t, "the scan attached", `document.getElementById('c-docs').textContent.indexOf('Скан прикреплён') >= 0`)
	var withScan struct {
		Attachments []struct {
			Zone string `json:"zone"`
		} `json:"attachments"`
	}
	dealer.do(t, "GET", "/v1/claims/"+id, nil).JSON(t, &withScan)
	if len(withScan.Attachments) != 4 || withScan.Attachments[3].Zone != "documents" {
		t.Errorf("the claim's files after the scan: %+v", withScan.Attachments)
	}

	// 7. The decision, then the claim is closed and the dealer rates it.
	cl = readClaim(t, mgr, id)
	finishTasks(t, mgr, &cl)
	move(t, mgr, &cl, "diagnostics", "", 200)
	finishTasks(t, mgr, &cl)
	move(t, mgr, &cl, "decision", "", 200)
	cl = step(t, mgr, "PUT", "/v1/claims/"+id+"/decision", map[string]any{
		"version": cl.Version, "warrantyCase": true, "faultParty": "company", "rootCause": "service_failure", "resolution": "replace",
		"cost": map[string]any{"amount": 140000, "currency": "RUB"}, "instructions": "Привезём 4 фильтра и заберём кронштейны в четверг.",
	}, 200)
	move(t, mgr, &cl, "implementation", "", 200)
	// The filters are sent again: a rework order, which the ERP ships.
	r = mgr.do(t, "POST", "/v1/claims/"+id+"/orders", map[string]any{"kind": "rework", "version": cl.Version,
		"items": []map[string]any{{"sku": "TH-FLT", "name": "Фильтр для TH-2000", "quantity": 4, "unit": "шт"}}})
	if r.Status != 201 {
		t.Fatalf("the rework order = %d %s", r.Status, r.Body)
	}
	var rework struct {
		Order struct {
			Number string `json:"number"`
		} `json:"order"`
	}
	r.JSON(t, &rework)
	if r := erp.do(t, "POST", "/v1/erp/orders/"+rework.Order.Number+"/status", map[string]any{"status": "отгружен", "erpVersion": 2}); r.Status != 200 {
		t.Fatalf("the rework order's status = %d %s", r.Status, r.Body)
	}
	cl = readClaim(t, mgr, id)
	b.do(t, "refresh the claim", chromedp.Click(chromedp.ID("c-refresh")))
	b.waitFor(t, "the decision", `!!document.getElementById('c-decision') && document.getElementById('c-decision').textContent.indexOf('заберём кронштейны') >= 0`)
	b.waitFor(t, "the rework order on the claim", fmt.Sprintf(`document.querySelector('main').textContent.indexOf(%s) >= 0`, js(rework.Order.Number+" · переделка · отгружен")))
	shots.take(t, b, "decision")
	finishTasks(t, mgr, &cl)
	move(t, mgr, &cl, "quality_control", "", 200)
	finishTasks(t, mgr, &cl)
	move(t, newUser(t, "supervisors", "supervisor-cabinet", ""), &cl, "closed", "", 200)
	b.do(t, "refresh the claim", chromedp.Click(chromedp.ID("c-refresh")))
	b.waitFor(t, "the rating form", `!!document.getElementById('rating-form')`)
	b.do(t, "rate it", chromedp.Click(chromedp.ID("score-5")), chromedp.SendKeys(chromedp.ID("rating-comment"), "Быстро и по делу."), chromedp.Click(chromedp.ID("rating-send")))
	b.waitFor(t, "the rating shown", `!!document.getElementById('rating-done')`)
	shots.take(t, b, "rated")
	var rated struct {
		Claim struct {
			Satisfaction struct {
				Score   int    `json:"score"`
				Comment string `json:"comment"`
			} `json:"satisfaction"`
		} `json:"claim"`
	}
	dealer.do(t, "GET", "/v1/claims/"+id, nil).JSON(t, &rated)
	if rated.Claim.Satisfaction.Score != 5 || rated.Claim.Satisfaction.Comment != "Быстро и по делу." {
		t.Errorf("the claim's rating: %+v", rated.Claim.Satisfaction)
	}

	// 8. The order page lists the claim.
	goTo(t, b, "open the order", "#/orders/"+orderNo)
	b.waitFor(t, "the claim on the order", fmt.Sprintf(`!!document.querySelector('#o-claims a[href="#/claims/%s"]')`, id))
	b.waitFor(t, "the rework order and its status on the order", fmt.Sprintf(`document.getElementById('o-claims').textContent.indexOf(%s) >= 0`, js(rework.Order.Number+" · переделка · отгружен")))
	shots.take(t, b, "order")

	// 9. Sign out through the hosted sign-out; another dealer signs in and
	// sees nothing of the first one's.
	b.do(t, "sign out", chromedp.Click(chromedp.ID("signout")))
	waitAcrossLoads(t, b, "the signed-out page", `!!document.getElementById('signin')`)
	if left := eval[string](t, b, "the tab after signing out", `sessionStorage.getItem('cab.tokens') || ''`); left != "" {
		t.Errorf("tokens left after signing out: %s", left)
	}
	signInOnCabinet(t, b, otherUsername, otherDealerID)
	b.waitFor(t, "an empty list", `!!document.querySelector('#results .empty')`)
	if body := eval[string](t, b, "the other dealer's list", `document.body.textContent`); strings.Contains(body, id) {
		t.Errorf("the other dealer's list shows %s", id)
	}
	shots.take(t, b, "other-dealer-list")
	goTo(t, b, "open the first dealer's claim", "#/claims/"+id)
	b.waitFor(t, "not found", `!!document.querySelector('main .alert') && document.querySelector('main .alert').textContent === 'Рекламация не найдена.'`)
	goTo(t, b, "open the first dealer's order", "#/orders/"+orderNo)
	b.waitFor(t, "not found", `!!document.querySelector('main .alert') && document.querySelector('main .alert').textContent === 'Заказ не найден.'`)
	goTo(t, b, "open the notifications", "#/notes")
	b.waitFor(t, "no notifications", `document.querySelector('main').textContent.indexOf('Уведомлений нет.') >= 0`)
	shots.take(t, b, "other-dealer-nothing")

	// 10. English, and a refresh token the sign-in refuses: the page asks
	// to sign in again.
	b.do(t, "switch to English", chromedp.Click(chromedp.ID("lang")))
	b.waitFor(t, "English", `document.documentElement.lang === 'en' && document.getElementById('nav-claims').textContent === 'Claims'`)
	eval[bool](t, b, "a refused refresh token", `(function () { var k = JSON.parse(sessionStorage.getItem('cab.tokens')); k.refresh = 'revoked'; k.exp = Date.now() - 1000; sessionStorage.setItem('cab.tokens', JSON.stringify(k)); location.reload(); return true; })()`)
	waitAcrossLoads(t, b, "the sign-in again", `!!document.getElementById('signin') && document.querySelector('main .alert') && document.querySelector('main .alert').textContent.indexOf('sign in again') >= 0`)
	shots.take(t, b, "session-ended")
}
