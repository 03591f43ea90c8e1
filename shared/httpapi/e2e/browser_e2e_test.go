package e2e_test

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/claimsdesk/backend/infra/local/awsemu/ses"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/webform"
)

var claimNumberRe = regexp.MustCompile(`^RC-\d{4}-\d{6}$`)

var trackingLinkRe = regexp.MustCompile(`https?://[^\s"'<>]+/t/[A-Za-z0-9_-]+`)

// refusedForm is what the form shows after a submit was refused.
type refusedForm struct {
	SamePage  bool   `json:"samePage"` // no page load happened
	TooShort  bool   `json:"tooShort"`
	Essence   string `json:"essence"`
	Name      string `json:"name"`
	Files     int    `json:"files"`     // hidden attachment inputs
	ServerErr string `json:"serverErr"` // the server's error next to the essence
	Sending   bool   `json:"sending"`   // the send button is disabled
}

// TestBrowserFilesAClaimFromAQRCode is the claim a new customer files: the
// QR code printed on the product is scanned, the form opens on a phone, the
// photos go straight to S3, and the customer gets a number and a mail.
func TestBrowserFilesAClaimFromAQRCode(t *testing.T) {
	chromium := chromiumPath(t)
	start := time.Now()

	// 1. The code on the label: its PNG decodes to the form's address.
	codes := issueCodes(t, map[string]any{
		"kind": "serial", "model": "TH-2000", "productName": "Тепловентилятор",
		"series": "2026-11", "serials": []string{"SN-BROWSER-1"},
	})
	code := codes.Codes[0].Code
	admin := newUser(t, "admins", "admin-browser", "")
	img := admin.do(t, "GET", "/v1/qr-codes/"+code+"/image?format=png&size=512", nil)
	if img.Status != 200 || img.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR image = %d %s", img.Status, img.Header.Get("Content-Type"))
	}
	formURL := decodeQR(t, img.Body)
	if want := local.APIURL + "/q/" + code; formURL != want {
		t.Fatalf("the QR code says %q, want %q", formURL, want)
	}

	// The overheating type asks for these photos (infra/seed/catalog.json);
	// the optional video zone stays empty.
	dir := t.TempDir()
	photos := map[string][]byte{}
	paths := map[string]string{}
	zones := []string{"product", "plate", "defect"}
	for i, z := range zones {
		paths[z], photos[z] = writePhoto(t, dir, z+".jpg", color.RGBA{R: uint8(60 * (i + 1)), G: 90, B: 200})
	}

	// The knowledge base has a public article for the type the customer
	// will choose, and one for staff only.
	const helpTitle, staffHelpTitle = "Перегрев: освободите вентиляционные решётки", "Перегрев: проверка термодатчика (только сервис)"
	writeArticle(t, admin, "POST", "/v1/kb/articles", map[string]any{"title": helpTitle, "language": "ru", "audience": "public",
		"status": "published", "body": "Прибор отключается, когда закрыты **вентиляционные решётки**: отодвиньте его от стены на 30 см.",
		"types": []string{"overheating"}}, 201)
	writeArticle(t, admin, "POST", "/v1/kb/articles", map[string]any{"title": staffHelpTitle, "language": "ru", "audience": "staff",
		"status": "published", "body": "Замерьте сопротивление термодатчика.", "types": []string{"overheating"}}, 201)

	// 2. The form on a phone.
	b := startBrowser(t, chromium, 90*time.Second)
	b.do(t, "open the form",
		chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(formURL),
		chromedp.WaitVisible(chromedp.ID("f-name")),
	)
	productText, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("section.product")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(productText, "TH-2000") || !strings.Contains(productText, "SN-BROWSER-1") {
		t.Errorf("the form shows the product as %q, want the model and serial of the code", productText)
	}
	if ro := eval[bool](t, b, "serial field", `document.getElementById('f-serial').readOnly`); !ro {
		t.Errorf("the serial from the code can be edited")
	}

	const email = "browser.user@example.com"
	purchased := time.Now().AddDate(0, -2, 0).Format("2006-01-02")
	b.do(t, "type the contacts",
		chromedp.SendKeys(chromedp.ID("f-name"), "Ольга Петрова"),
		chromedp.SendKeys(chromedp.ID("f-email"), email),
		chromedp.SendKeys(chromedp.ID("f-phone"), "+7 903 555-12-34"),
	)
	if got := eval[string](t, b, "purchase date", setDate("f-purchaseDate", purchased)); got != purchased {
		t.Fatalf("purchase date = %q, want %q", got, purchased)
	}
	// The category select needs the script: it appears once the script runs.
	b.do(t, "category select", chromedp.WaitVisible(chromedp.ID("f-categoryId")))
	if got := eval[string](t, b, "category", chooseOption("f-categoryId", "defect")); got != "Производственный брак" {
		t.Errorf("category label = %q", got)
	}
	if got := eval[string](t, b, "type", chooseOption("f-typeId", "overheating")); got != "Перегрев" {
		t.Errorf("type label = %q", got)
	}

	// Before filing: the type's newest public article, its Markdown as
	// HTML; the staff-only one not.
	b.waitFor(t, "the type's self-help", fmt.Sprintf(`!document.getElementById('self-help').hidden &&
		document.getElementById('self-help').textContent.indexOf(%s) >= 0`, js(helpTitle)))
	if help := eval[string](t, b, "the self-help", `document.getElementById('self-help').innerHTML`); !strings.Contains(help, "<strong>вентиляционные решётки</strong>") || strings.Contains(help, staffHelpTitle) {
		t.Errorf("the form's self-help = %q, want the public article's HTML and not the staff-only one", help)
	}

	// The type's photo zones appear; each required one gets its photo.
	for _, z := range zones {
		b.do(t, "zone "+z, chromedp.WaitVisible(chromedp.ID("z-"+z)))
		b.do(t, "attach a photo to "+z, chromedp.SetUploadFiles(chromedp.ID("fi-"+z), []string{paths[z]}))
	}
	// The script adds one hidden attachment input per file S3 accepted.
	b.waitFor(t, "the uploads",
		`document.querySelectorAll('#attachments input[name="attachment"]').length === 3 &&
		document.querySelectorAll('#zones li.file.done').length === 3`)
	for _, z := range zones {
		thumb := eval[bool](t, b, "thumbnail", fmt.Sprintf(`!!document.querySelector('#z-%s li.file.done img.thumb')`, z))
		if !thumb {
			t.Errorf("zone %s shows no thumbnail of its photo", z)
		}
	}

	// A failure the claimant meets: an essence too short to be one. The
	// desired result is chosen after it, so the focus has left the essence.
	const short = "Греется"
	b.do(t, "type a short essence", chromedp.SendKeys(chromedp.ID("f-essence"), short))
	if got := eval[string](t, b, "desired result", chooseOption("f-desiredResult", "repair")); got != "Ремонт" {
		t.Errorf("desired result label = %q", got)
	}
	if eval[string](t, b, "focus", `document.activeElement.id`) == "f-essence" {
		t.Fatal("the essence still has the focus before the submit")
	}
	eval[bool](t, b, "mark the page", `window.stillTheSamePage = true`)
	b.do(t, "send the short essence", chromedp.Click(chromedp.ID("send")))
	b.waitFor(t, "the essence to get the focus", `document.activeElement && document.activeElement.id === 'f-essence'`)
	state := eval[refusedForm](t, b, "the form after the refused submit", `(function () {
var e = document.getElementById('f-essence'), s = document.getElementById('e-essence');
return { samePage: window.stillTheSamePage === true, tooShort: e.validity.tooShort, essence: e.value,
  name: document.getElementById('f-name').value,
  files: document.querySelectorAll('#attachments input[name="attachment"]').length,
  serverErr: s && !s.hidden ? s.textContent : '', sending: document.getElementById('send').disabled };
})()`)
	if state.SamePage {
		// The browser's own check (minlength) stopped the submit: nothing was
		// sent, the focus is on the field, and the field says why.
		if !state.TooShort || state.Sending {
			t.Errorf("the refused submit: tooShort=%v, button disabled=%v", state.TooShort, state.Sending)
		}
	} else if want := webform.Messagef("ru", "err.too_short", 10); state.ServerErr != want {
		// The server refused it: its page shows the error next to the field.
		t.Errorf("error next to the essence = %q, want %q", state.ServerErr, want)
	}
	if state.Essence != short || state.Name != "Ольга Петрова" || state.Files != 3 {
		t.Errorf("after the refused submit the form keeps essence %q, name %q, %d files; want what was typed", state.Essence, state.Name, state.Files)
	}
	t.Logf("short essence refused by the browser's own validation: %v", state.SamePage)

	// The claimant finishes the sentence and sends.
	const rest = " через десять минут работы и пахнет горелым пластиком."
	b.do(t, "finish the essence and send",
		chromedp.SendKeys(chromedp.ID("f-essence"), rest),
		chromedp.Click(chromedp.ID("send")),
		chromedp.WaitVisible(chromedp.ID("track-url")),
	)
	number, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("p.big")))
	if err != nil {
		t.Fatal(err)
	}
	number = strings.TrimSpace(number)
	if !claimNumberRe.MatchString(number) {
		t.Fatalf("the result page shows %q, want a claim number", number)
	}
	trackURL, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.ID("track-url")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(trackURL, local.APIURL+"/t/") {
		t.Errorf("tracking link %q is not on %s", trackURL, local.APIURL)
	}
	if n := eval[int](t, b, "upload forms", `document.querySelectorAll('form.s3').length`); n != 0 {
		t.Errorf("the result page asks for %d more photos; the form sent them all", n)
	}

	// 3. What the back office sees.
	sup := newUser(t, "supervisors", "sup-browser", "")
	var view struct {
		Claim struct {
			Channel      string   `json:"channel"`
			Assignee     string   `json:"assignee"`
			QRCode       string   `json:"qrCode"`
			TypeID       string   `json:"typeId"`
			Essence      string   `json:"essence"`
			MissingZones []string `json:"missingZones"`
			Claimant     struct {
				Email string `json:"email"`
			} `json:"claimant"`
			Product struct {
				Model, Serial, PurchaseDate string
			} `json:"product"`
		} `json:"claim"`
		Attachments []struct {
			Zone        string `json:"zone"`
			FileName    string `json:"fileName"`
			ContentType string `json:"contentType"`
			URL         string `json:"url"`
		} `json:"attachments"`
	}
	r := sup.do(t, "GET", "/v1/claims/"+number, nil)
	if r.Status != 200 {
		t.Fatalf("GET /v1/claims/%s = %d %s", number, r.Status, r.Body)
	}
	r.JSON(t, &view)
	c := view.Claim
	if c.Channel != "qr" || c.QRCode != code || c.TypeID != "overheating" || c.Product.Serial != "SN-BROWSER-1" ||
		c.Product.Model != "TH-2000" || c.Product.PurchaseDate != purchased || c.Claimant.Email != email ||
		c.Essence != short+rest || len(c.MissingZones) != 0 {
		t.Errorf("stored claim = %+v", c)
	}
	seen := map[string]int{}
	for _, a := range view.Attachments {
		seen[a.Zone]++
		if a.ContentType != "image/jpeg" || a.FileName != a.Zone+".jpg" {
			t.Errorf("attachment %+v, want %s.jpg as image/jpeg", a, a.Zone)
		}
		res, err := http.Get(a.URL)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Equal(got, photos[a.Zone]) {
			t.Errorf("the %s photo in the bucket = %d, %d bytes; want the %d bytes the browser sent", a.Zone, res.StatusCode, len(got), len(photos[a.Zone]))
		}
	}
	for _, z := range zones {
		if seen[z] != 1 {
			t.Errorf("zone %s has %d attachments, want 1 (all: %v)", z, seen[z], seen)
		}
	}
	if len(view.Attachments) != len(zones) {
		t.Errorf("%d attachments, want %d", len(view.Attachments), len(zones))
	}

	// The confirmation mail to the claimant (the assigned manager gets one
	// too), and the link in it.
	var mail ses.Mail
	st.Eventually(t, deliveryWait, "the confirmation mail of "+number, func() bool {
		mails, _ := ses.ReadOutbox(local.OutboxDir)
		for _, m := range mails {
			if strings.Contains(m.Subject, number) && slices.Contains(m.To, email) {
				mail = m
				return true
			}
		}
		return false
	})
	if len(mail.To) != 1 {
		t.Errorf("the confirmation of %s went to %v, want only %s", number, mail.To, email)
	}
	link := trackingLinkRe.FindString(mail.Text)
	if link != trackURL {
		t.Errorf("the mail's tracking link = %q, want the result page's %q", link, trackURL)
	}
	if page := st.Do(t, "GET", link, "", nil); page.Status != 200 || !bytes.Contains(page.Body, []byte(number)) {
		t.Errorf("the mail's tracking link = %d, shows the number: %v", page.Status, bytes.Contains(page.Body, []byte(number)))
	}

	// 4. The tracking page as the claimant's browser shows it: the company's
	// time zone by name, the manager by name.
	b.do(t, "open the tracking page", chromedp.Navigate(trackURL), chromedp.WaitVisible(chromedp.CSS("dl.facts")))
	text := eval[string](t, b, "the tracking page's text", `document.querySelector('main').innerText`)
	for _, want := range []string{number, "(Москва, UTC+3)", "Ваш менеджер", demoManagers[c.Assignee]} {
		if want == "" || !strings.Contains(text, want) {
			t.Errorf("the tracking page does not show %q (assignee %q):\n%s", want, c.Assignee, text)
		}
	}
	t.Logf("claim %s filed through the browser in %s", number, time.Since(start).Round(time.Millisecond))
}
