package webform

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/contact"
)

// maxPageBytes is the budget for one page on a phone with a bad connection.
const maxPageBytes = 60 << 10

// pageCase is one page in one language.
type pageCase struct {
	name    string
	lang    string
	scripts int // <script> elements expected
	render  renderFunc
	// want are texts the page must show in its language.
	want []string
}

func pageCases(t *testing.T) []pageCase {
	var out []pageCase
	for _, lang := range []string{LangRU, LangEN} {
		out = append(out,
			pageCase{"form", lang, 3, func(b *bytes.Buffer) error { return RenderForm(b, sampleForm(t, lang)) },
				[]string{Message(lang, "form.title"), Message(lang, "form.submit"), Message(lang, "photos.nojs"), "HX-200"}},
			pageCase{"result", lang, 2, func(b *bytes.Buffer) error { return RenderResult(b, sampleResult(lang)) },
				[]string{"RC-2026-000123", "https://claims.example.com/t/9fK2xLq7Rt", "ivan@example.ru", Message(lang, "result.save"), StageLabel(lang, "new")}},
			pageCase{"tracking", lang, 2, func(b *bytes.Buffer) error { return RenderTracking(b, sampleTracking(lang)) },
				[]string{"RC-2026-000123", StageLabel(lang, "diagnostics"), stageInfo(lang, "diagnostics"), Message(lang, "notice.file_received"), "SN12345678",
					Message(lang, "chat.title"), Message(lang, "chat.send"), "Пришлите, пожалуйста, фото шильдика."}},
			pageCase{"error", lang, 1, func(b *bytes.Buffer) error { return RenderError(b, sampleError(lang)) },
				[]string{Message(lang, "error.not_found.title"), Message(lang, "error.dealer"), "tel:88005553535"}},
		)
	}
	return out
}

func TestRenderPages(t *testing.T) {
	for _, tc := range pageCases(t) {
		t.Run(tc.name+"/"+tc.lang, func(t *testing.T) {
			html := mustRender(t, tc.render)
			if !strings.HasPrefix(html, "<!doctype html>\n<html lang=\""+tc.lang+"\">") {
				t.Errorf("page does not start with the doctype and <html lang=%q>:\n%.200s", tc.lang, html)
			}
			if len(html) > maxPageBytes {
				t.Errorf("page is %d bytes, budget %d", len(html), maxPageBytes)
			}
			for _, w := range tc.want {
				if !strings.Contains(html, escapeText(w)) {
					t.Errorf("page does not show %q", w)
				}
			}
			tags := parseTags(html)
			var scripts int
			for _, tg := range tags {
				if tg.Name == "script" {
					scripts++
				}
				if tg.Name == "link" || tg.Name == "img" || tg.Name == "iframe" || tg.has("src") {
					t.Errorf("page loads an external resource: <%s %v>", tg.Name, tg.Attrs)
				}
				for a := range tg.Attrs {
					if strings.HasPrefix(a, "on") {
						t.Errorf("inline event handler %s= on <%s>", a, tg.Name)
					}
				}
			}
			if scripts != tc.scripts {
				t.Errorf("%d <script> elements, want %d", scripts, tc.scripts)
			}
			if robots := find(tags, "name", "robots"); len(robots) != 1 || !strings.Contains(robots[0].Attrs["content"], "noindex") {
				t.Errorf("no <meta name=robots content=noindex>: %v", robots)
			}
			if ref := find(tags, "name", "referrer"); len(ref) != 1 || ref[0].Attrs["content"] != "no-referrer" {
				t.Errorf("no <meta name=referrer content=no-referrer>: %v", ref)
			}
			if forms := find(tags, "id", "claim"); (tc.name == "form") != (len(forms) == 1) {
				t.Errorf("claim form present = %v on the %s page", len(forms) == 1, tc.name)
			}
		})
	}
}

// escapeText is how html/template writes text (and attribute values) that
// contain no '+'.
func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestRenderNilPage(t *testing.T) {
	var b bytes.Buffer
	for name, err := range map[string]error{
		"form":     RenderForm(&b, nil),
		"result":   RenderResult(&b, nil),
		"tracking": RenderTracking(&b, nil),
		"error":    RenderError(&b, nil),
	} {
		if !errors.Is(err, errNilPage) {
			t.Errorf("%s: err = %v, want errNilPage", name, err)
		}
	}
	if b.Len() != 0 {
		t.Errorf("wrote %d bytes for nil pages", b.Len())
	}
}

func TestFormFieldNames(t *testing.T) {
	p := sampleForm(t, LangRU)
	p.Attachments = []Attachment{{Zone: "plate", UploadID: "up1", FileName: "plate.jpg"}}
	tags := parseTags(renderForm(t, p))
	for _, name := range FieldNames {
		if name == "js" {
			continue // added by the script, checked below
		}
		if len(find(tags, "name", name)) == 0 {
			t.Errorf("no element named %q", name)
		}
	}
	if !strings.Contains(string(inline().scripts["form"]), "js.name = 'js'") {
		t.Error("the script does not add the js=1 field")
	}
	if !strings.Contains(string(inline().scripts["form"]), "inp.name = 'attachment'") {
		t.Error("the script does not add attachment fields")
	}
	form := find(tags, "id", "claim")
	if len(form) != 1 || form[0].Attrs["method"] != "post" || form[0].Attrs["action"] != "/q/QK7F2M9XA4" || form[0].has("enctype") {
		t.Errorf("form = %v, want a urlencoded POST to /q/QK7F2M9XA4", form)
	}
}

// attrsOf returns the attributes of the element named name, with the listed
// keys only.
func attrsOf(t *testing.T, tags []tag, name string, keys ...string) map[string]string {
	t.Helper()
	el := find(tags, "name", name)
	if len(el) == 0 {
		t.Fatalf("no element named %q", name)
	}
	out := map[string]string{}
	for _, k := range keys {
		if v, ok := el[0].Attrs[k]; ok {
			out[k] = v
		}
	}
	return out
}

func TestFormValidationAttributes(t *testing.T) {
	tags := parseTags(renderForm(t, sampleForm(t, LangRU)))
	keys := []string{"type", "required", "minlength", "maxlength", "pattern", "autocomplete", "inputmode", "readonly", "min", "max", "tabindex"}
	itoa := strconv.Itoa
	tests := []struct {
		name string
		want map[string]string
	}{
		{"name", map[string]string{"type": "text", "required": "", "minlength": "2", "maxlength": itoa(claims.MaxName), "autocomplete": "name"}},
		{"email", map[string]string{"type": "email", "maxlength": "254", "autocomplete": "email", "inputmode": "email"}},
		{"phone", map[string]string{"type": "tel", "maxlength": "25", "pattern": phonePattern, "autocomplete": "tel", "inputmode": "tel"}},
		{"company", map[string]string{"type": "text", "maxlength": itoa(claims.MaxName), "autocomplete": "organization"}},
		{"taxId", map[string]string{"type": "text", "maxlength": "12", "pattern": taxIDPattern, "autocomplete": "off", "inputmode": "numeric"}},
		{"series", map[string]string{"type": "text", "maxlength": "64", "pattern": serialPattern, "autocomplete": "off", "readonly": ""}},
		{"serial", map[string]string{"type": "text", "maxlength": "64", "pattern": serialPattern, "autocomplete": "off"}},
		{"purchaseDate", map[string]string{"type": "date", "autocomplete": "off", "min": "1990-01-01", "max": "2026-03-14"}},
		{"orderReference", map[string]string{"type": "text", "maxlength": "64", "autocomplete": "off"}},
		{"essence", map[string]string{"required": "", "minlength": itoa(claims.MinEssence), "maxlength": itoa(claims.MaxEssence)}},
		{"desiredFix", map[string]string{"maxlength": "2000"}},
		{"typeId", map[string]string{"required": ""}},
		{"desiredResult", map[string]string{"required": ""}},
		{"website", map[string]string{"type": "text", "autocomplete": "off", "tabindex": "-1"}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, attrsOf(t, tags, tc.name, keys...)); diff != "" {
			t.Errorf("%s attributes mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestFormPatterns checks that the browser's patterns accept what the server
// accepts, on the formats the hints show.
func TestFormPatterns(t *testing.T) {
	tests := []struct {
		pattern string
		value   string
		server  bool // what package claims says
	}{
		{phonePattern, "+7 916 123-45-67", true},
		{phonePattern, "8 (916) 123-45-67", true},
		{phonePattern, "9161234567", true},
		{phonePattern, "+49.30.1234567", true},
		{phonePattern, "call me", false},
		{phonePattern, "12345", false},
		{taxIDPattern, "7707083893", true},
		{taxIDPattern, "500100732259", true},
		{taxIDPattern, "77070838", false},
		{serialPattern, "SN12345678", true},
		{serialPattern, "S24-07/b.1_x", true},
		{serialPattern, "SN 123", false},
		{serialPattern, "-SN", false},
		{serialPattern, "СН123", false},
	}
	for _, tc := range tests {
		// Browsers anchor the pattern: ^(?:pattern)$.
		re := regexp.MustCompile(`^(?:` + tc.pattern + `)$`)
		if got := re.MatchString(tc.value); got != tc.server {
			t.Errorf("pattern %s on %q = %v, want %v", tc.pattern, tc.value, got, tc.server)
		}
	}
	// And the server agrees with the cases above.
	for _, tc := range tests {
		d := claims.Draft{Channel: claims.ChannelQR}
		switch tc.pattern {
		case phonePattern:
			d.Claimant.Phone = tc.value
			_, ok := contact.Phone(tc.value)
			if ok != tc.server {
				t.Errorf("contact.Phone(%q) ok = %v, the test says %v", tc.value, ok, tc.server)
			}
		case serialPattern:
			d.Product.Serial = tc.value
			fe := d.Validate(testCatalog(t), testTime)
			bad := slices.ContainsFunc(fe, func(f apperr.FieldError) bool { return f.Field == "product.serial" })
			if bad == tc.server {
				t.Errorf("claims validation of serial %q: rejected = %v, the test says accepted = %v", tc.value, bad, tc.server)
			}
		}
	}
}

func TestFormPrefillAndErrors(t *testing.T) {
	p := sampleForm(t, LangEN)
	p.Product.LockSeries = false
	p.Values = map[string]string{
		"name": "Ivan Petrov", "email": "ivan@example", "phone": "+7 916 123-45-67", "company": "ООО Ромашка",
		"taxId": "7707083893", "series": "S24-08", "serial": "SN1", "purchaseDate": "2025-11-02",
		"orderReference": "A-77", "categoryId": "defect", "typeId": "overheat",
		"essence": "It smells of smoke\nafter an hour.", "desiredResult": "replacement", "desiredFix": "New unit",
		"website": "http://spam.example",
	}
	p.Errors = map[string]string{
		"":              "Please correct the fields marked below.",
		"email":         "Check the email address",
		"essence":       "Too short",
		"desiredResult": "Choose one",
		"typeId":        "Choose a type",
		"photos":        "Files missing: Rating plate",
		"zone.extra":    "Something else",
	}
	html := renderForm(t, p)
	tags := parseTags(html)

	for _, name := range []string{"name", "email", "phone", "company", "taxId", "series", "serial", "purchaseDate", "orderReference"} {
		if got := attrsOf(t, tags, name, "value")["value"]; got != p.Values[name] {
			t.Errorf("%s value = %q, want %q", name, got, p.Values[name])
		}
	}
	for _, name := range []string{"essence", "desiredFix"} {
		if got := unescape(find(tags, "name", name)[0].Text); got != p.Values[name] {
			t.Errorf("%s text = %q, want %q", name, got, p.Values[name])
		}
	}
	if got := attrsOf(t, tags, "website", "value")["value"]; got != "" {
		t.Errorf("honeypot refilled with %q", got)
	}
	selected := func(sel, value string) bool {
		b := block(html, "f-"+sel)
		return slices.ContainsFunc(parseTags(b), func(tg tag) bool { return tg.Name == "option" && tg.Attrs["value"] == value && tg.has("selected") })
	}
	for _, name := range []string{"categoryId", "typeId", "desiredResult"} {
		if !selected(name, p.Values[name]) {
			t.Errorf("%s option %q not selected", name, p.Values[name])
		}
	}

	// Each error sits in its field's wrapper, and the field points at it.
	for _, name := range []string{"email", "essence", "desiredResult", "typeId"} {
		w := block(html, "w-"+name)
		if !strings.Contains(w, `<p class="err" id="e-`+name+`">`+escapeText(p.Errors[name])+`</p>`) {
			t.Errorf("error of %s not shown in its wrapper:\n%s", name, w)
		}
		f := attrsOf(t, tags, name, "aria-invalid", "aria-describedby")
		if f["aria-invalid"] != "true" || !slices.Contains(strings.Fields(f["aria-describedby"]), "e-"+name) {
			t.Errorf("%s: aria-invalid/aria-describedby = %v", name, f)
		}
	}
	if w := block(html, "w-name"); strings.Contains(w, `class="err"`) {
		t.Errorf("a field without an error shows one:\n%s", w)
	}
	if !strings.Contains(block(html, "photos"), escapeText(p.Errors["photos"])) {
		t.Error("photo error not shown in the photo section")
	}

	// The summary at the top lists the general error, then the fields in
	// form order, then the rest; only the first field with an error gets
	// autofocus.
	summary := block(html, "errors")
	var order []int
	for _, msg := range []string{p.Errors[""], p.Errors["email"], p.Errors["typeId"], p.Errors["essence"], p.Errors["desiredResult"], p.Errors["photos"], p.Errors["zone.extra"]} {
		order = append(order, strings.Index(summary, escapeText(msg)))
	}
	if slices.Contains(order, -1) || !slices.IsSorted(order) {
		t.Errorf("summary order %v, want all present and ascending:\n%s", order, summary)
	}
	if !strings.Contains(summary, `href="#f-email"`) || !strings.Contains(summary, `href="#photos"`) {
		t.Errorf("summary does not link to the fields:\n%s", summary)
	}
	var focused []string
	for _, tg := range tags {
		if tg.has("autofocus") {
			focused = append(focused, tg.Attrs["name"])
		}
	}
	if diff := cmp.Diff([]string{"email"}, focused); diff != "" {
		t.Errorf("autofocus mismatch (-want +got):\n%s", diff)
	}

	// The type's required fields are marked without the script too.
	if f := attrsOf(t, tags, "phone", "required"); len(f) != 1 {
		t.Error("phone is not required although the chosen type (overheat) requires it")
	}
	cfg := extractConfig(t, html)
	if cfg.TypeID != "overheat" || cfg.Restore {
		t.Errorf("config typeId = %q, restore = %v; want overheat, false", cfg.TypeID, cfg.Restore)
	}
}

func TestFormLockedProduct(t *testing.T) {
	p := sampleForm(t, LangRU)
	p.Product = Product{Model: "HX-200", Series: "S24-07", Serial: "SN999", LockSeries: true, LockSerial: true}
	p.Values = map[string]string{"series": "forged", "serial": "forged"}
	tags := parseTags(renderForm(t, p))
	for name, want := range map[string]string{"series": "S24-07", "serial": "SN999"} {
		got := attrsOf(t, tags, name, "value", "readonly")
		if diff := cmp.Diff(map[string]string{"value": want, "readonly": ""}, got); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
		}
	}
}

func TestFormKeepsAttachments(t *testing.T) {
	p := sampleForm(t, LangRU)
	p.Values = map[string]string{"typeId": "no-start"}
	p.Attachments = []Attachment{
		{Zone: "plate", UploadID: "u-1", FileName: "IMG_0001.jpg"},
		{Zone: "defect", UploadID: "u-2", FileName: "IMG_0002.HEIC"},
		{Zone: "", UploadID: "u-3", FileName: "broken"},
	}
	html := renderForm(t, p)
	var got []string
	for _, tg := range find(parseTags(html), "name", "attachment") {
		if tg.Attrs["type"] != "hidden" {
			t.Errorf("attachment input of type %q", tg.Attrs["type"])
		}
		got = append(got, tg.Attrs["value"])
	}
	if diff := cmp.Diff([]string{"plate:u-1", "defect:u-2"}, got); diff != "" {
		t.Errorf("attachment fields mismatch (-want +got):\n%s", diff)
	}
	for _, name := range []string{"IMG_0001.jpg", "IMG_0002.HEIC"} {
		if !strings.Contains(block(html, "prev-att"), name) {
			t.Errorf("file %s not listed", name)
		}
	}
	want := []configFile{{Zone: "plate", UploadID: "u-1", FileName: "IMG_0001.jpg"}, {Zone: "defect", UploadID: "u-2", FileName: "IMG_0002.HEIC"}}
	if diff := cmp.Diff(want, extractConfig(t, html).Attachments); diff != "" {
		t.Errorf("config attachments mismatch (-want +got):\n%s", diff)
	}
}

func TestHoneypot(t *testing.T) {
	html := renderForm(t, sampleForm(t, LangRU))
	in := element(html, `name="website"`)
	for _, attr := range []string{`tabindex="-1"`, `autocomplete="off"`, `type="text"`, `value=""`} {
		if !strings.Contains(in, attr) {
			t.Errorf("honeypot %s lacks %s", in, attr)
		}
	}
	// Its wrapper is aria-hidden and moved off-screen by the stylesheet.
	i := strings.Index(html, `name="website"`)
	wrap := html[strings.LastIndex(html[:i], "<div"):i]
	if !strings.Contains(wrap, `class="hp"`) || !strings.Contains(wrap, `aria-hidden="true"`) {
		t.Errorf("honeypot wrapper %q is not class=hp aria-hidden=true", wrap)
	}
	if !regexp.MustCompile(`\.hp\{position:absolute!important;left:-10000px;[^}]*overflow:hidden\}`).MatchString(string(inline().style)) {
		t.Error("the stylesheet does not move .hp off-screen")
	}
}

func TestFormWithoutScript(t *testing.T) {
	html := renderForm(t, sampleForm(t, LangRU))
	tags := parseTags(html)
	// The category select is only for the script: disabled (not sent) and
	// hidden; the type select alone carries the choice, grouped by category.
	cat := find(tags, "name", "categoryId")[0]
	if !cat.has("disabled") {
		t.Error("categoryId select is not disabled without the script")
	}
	if !strings.Contains(element(html, `id="w-categoryId"`), " hidden") {
		t.Error("categoryId wrapper is not hidden without the script")
	}
	var groups []string
	for _, tg := range tags {
		if tg.Name == "optgroup" {
			groups = append(groups, tg.Attrs["data-cat"])
		}
	}
	if diff := cmp.Diff([]string{"defect", "transport", "quantity"}, groups); diff != "" {
		t.Errorf("optgroups mismatch (-want +got):\n%s", diff)
	}
	// The photo section says photos come later; the upload section waits for
	// the script.
	for _, id := range []string{"photos-js", "type-panel"} {
		if !strings.Contains(element(html, `id="`+id+`"`), " hidden") {
			t.Errorf("%s is visible without the script", id)
		}
	}
	if !strings.Contains(html, `<p class="nojs">`+Message(LangRU, "photos.nojs")) {
		t.Error("no note that photos can be added after sending")
	}
	// Instructions and sample documents are readable without the script.
	help := block(html, "ti-no-start")
	for _, s := range []string{"Проверьте питание", `href="https://example.com/docs/act.pdf"`, "Шильдик"} {
		if !strings.Contains(help, s) {
			t.Errorf("help of no-start lacks %q", s)
		}
	}
}

func TestFormConfig(t *testing.T) {
	for _, lang := range []string{LangRU, LangEN} {
		cfg := extractConfig(t, renderForm(t, sampleForm(t, lang)))
		var ids []string
		for _, ct := range cfg.Types {
			ids = append(ids, ct.ID)
		}
		slices.Sort(ids)
		if diff := cmp.Diff([]string{"box-damage", "no-start", "noise", "overheat", "short", "wrong-item"}, ids); diff != "" {
			t.Errorf("%s: types mismatch (-want +got):\n%s", lang, diff)
		}
		i := slices.IndexFunc(cfg.Types, func(ct configType) bool { return ct.ID == "no-start" })
		names := map[string][2]string{LangRU: {"Не включается", "Шильдик"}, LangEN: {"Does not start", "Rating plate"}}[lang]
		want := configType{
			ID: "no-start", CategoryID: "defect", Name: names[0], Required: []string{"serial"},
			Zones: []configZone{
				{ID: "plate", Title: names[1], Min: 1, Max: 1, Accept: []string{"image/jpeg", "image/png", "image/heic"},
					AcceptAttr: "image/jpeg,image/png,image/heic,.heic", Types: "JPEG, PNG, HEIC", MaxBytes: 15 << 20, Image: true},
			},
		}
		got := cfg.Types[i]
		got.Zones = got.Zones[:1]
		if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool {
			n := p.Last().String()
			return n == ".Hint" || n == ".Rule"
		}, cmp.Ignore())); diff != "" {
			t.Errorf("%s: type no-start mismatch (-want +got):\n%s", lang, diff)
		}
		if cfg.UploadURL != "/q/QK7F2M9XA4/uploads" || cfg.MaxRetries != 3 || !cfg.Restore {
			t.Errorf("%s: uploadURL %q, maxRetries %d, restore %v", lang, cfg.UploadURL, cfg.MaxRetries, cfg.Restore)
		}
		// Every text the script uses is in the config.
		for _, key := range regexp.MustCompile(`\bT\.(\w+)`).FindAllStringSubmatch(string(inline().scripts["form"]), -1) {
			if cfg.Text[key[1]] == "" {
				t.Errorf("%s: the script uses T.%s, not in the config", lang, key[1])
			}
		}
	}
}

func TestResultPage(t *testing.T) {
	html := mustRender(t, func(b *bytes.Buffer) error { return RenderResult(b, sampleResult(LangRU)) })
	tags := parseTags(html)
	if !strings.Contains(html, `<p class="big">RC-2026-000123</p>`) {
		t.Error("no big claim number")
	}
	if url := find(tags, "id", "track-url"); len(url) != 1 || url[0].Attrs["value"] != "https://claims.example.com/t/9fK2xLq7Rt" || !url[0].has("readonly") {
		t.Errorf("tracking link field = %v", url)
	}
	if c := find(tags, "data-copy", "track-url"); len(c) != 1 || !c[0].has("hidden") {
		t.Errorf("copy button = %v, want one, hidden until the script shows it", c)
	}
	if strings.Contains(html, `class="lang"`) {
		t.Error("the result page has a language link (it would open a new form)")
	}
	checkUploadForms(t, html, sampleUploads())

	// Without uploads or email the page says so and shows no forms.
	p := sampleResult(LangEN)
	p.Uploads, p.Email = nil, ""
	html = mustRender(t, func(b *bytes.Buffer) error { return RenderResult(b, p) })
	if strings.Contains(html, "<form") || !strings.Contains(html, Message(LangEN, "result.no_email")) {
		t.Error("result without uploads and email: forms shown or no-email text missing")
	}
}

// checkUploadForms checks the plain S3 forms: multipart POST to the URL, the
// policy fields hidden, the file input named "file" after all of them.
func checkUploadForms(t *testing.T, html string, want []UploadForm) {
	t.Helper()
	parts := strings.Split(html, `<form class="s3"`)[1:]
	if len(parts) != len(want) {
		t.Fatalf("%d upload forms, want %d", len(parts), len(want))
	}
	for i, part := range parts {
		part = `<form class="s3"` + part[:strings.Index(part, "</form>")]
		tags := parseTags(part)
		f := tags[0]
		if f.Attrs["method"] != "post" || f.Attrs["enctype"] != "multipart/form-data" || f.Attrs["action"] != want[i].URL {
			t.Errorf("form %d: %v", i, f.Attrs)
		}
		fields := map[string]string{}
		var inputs []string
		for _, tg := range tags {
			if tg.Name == "input" {
				inputs = append(inputs, tg.Attrs["name"])
				if tg.Attrs["type"] == "hidden" {
					fields[tg.Attrs["name"]] = tg.Attrs["value"]
				}
			}
		}
		if diff := cmp.Diff(want[i].Fields, fields); diff != "" {
			t.Errorf("form %d fields mismatch (-want +got):\n%s", i, diff)
		}
		if len(inputs) == 0 || inputs[len(inputs)-1] != "file" || slices.Index(inputs, "file") != len(inputs)-1 {
			t.Errorf("form %d inputs %v: the file must come last, once", i, inputs)
		}
		file := find(tags, "name", "file")[0]
		if file.Attrs["type"] != "file" || file.Attrs["accept"] != want[i].Accept || !file.has("required") {
			t.Errorf("form %d file input %v", i, file.Attrs)
		}
	}
}

func TestTrackingPage(t *testing.T) {
	p := sampleTracking(LangEN)
	html := mustRender(t, func(b *bytes.Buffer) error { return RenderTracking(b, p) })
	for _, s := range []string{
		`<time datetime="2026-03-14T09:30:00&#43;03:00">14 Mar 2026, 09:30</time> <span class="tz">(MSK, UTC&#43;3)</span>`,
		`<li class="cur" aria-current="step">Diagnostics</li>`,
		`<li class="done">Information check</li>`,
		`<p class="notice" role="status">File received. Thank you!</p>`,
		"<dd>3</dd>",
		"Не включается",
	} {
		if !strings.Contains(html, s) {
			t.Errorf("tracking page lacks %s", s)
		}
	}
	// History oldest first, as given.
	tl := block(html, "main")
	a, b := strings.Index(tl, "Рекламация получена"), strings.Index(tl, "Изделие передано")
	if a < 0 || b < a {
		t.Error("history not shown oldest first")
	}
	checkUploadForms(t, html, p.Uploads)

	// A side stage has no steps but its label and explanation.
	p.Stage = "waiting_for_customer"
	html = mustRender(t, func(b *bytes.Buffer) error { return RenderTracking(b, p) })
	if strings.Contains(html, `class="steps"`) || !strings.Contains(html, escapeText(stageInfo(LangEN, "waiting_for_customer"))) {
		t.Error("waiting_for_customer: steps shown or explanation missing")
	}
}

func TestErrorPage(t *testing.T) {
	tests := []struct {
		page      ErrorPage
		want      []string
		notWanted []string
	}{
		{
			ErrorPage{Lang: LangRU, Status: 404},
			[]string{"Этот код недействителен", "Ошибка 404", Message(LangRU, "error.dealer"), Message(LangRU, "error.hotline_generic")},
			[]string{"<form", Message(LangRU, "error.retry")},
		},
		{
			ErrorPage{Lang: LangEN, Status: 503, Hotline: "+7 (800) 555-35-35"},
			[]string{Message(LangEN, "error.internal.title"), Message(LangEN, "error.retry"), `href="tel:&#43;78005553535"`},
			[]string{"<form"},
		},
		{
			ErrorPage{Lang: LangEN, Status: 429, Title: "Slow down", Message: "Wait a bit."},
			[]string{"<h1>Slow down</h1>", "Wait a bit.", Message(LangEN, "error.retry")},
			[]string{Message(LangEN, "error.rate_limited.title")},
		},
		{
			ErrorPage{Lang: "de", Status: 410, Hotline: "javascript:alert(1)"},
			[]string{`<html lang="ru">`, Message(LangRU, "error.gone.title")},
			[]string{"javascript:", "tel:"},
		},
	}
	for _, tc := range tests {
		html := mustRender(t, func(b *bytes.Buffer) error { return RenderError(b, &tc.page) })
		for _, s := range tc.want {
			if !strings.Contains(html, escapeQuotes(s)) {
				t.Errorf("%d %s: page lacks %q", tc.page.Status, tc.page.Lang, s)
			}
		}
		for _, s := range tc.notWanted {
			if strings.Contains(html, escapeQuotes(s)) {
				t.Errorf("%d %s: page shows %q", tc.page.Status, tc.page.Lang, s)
			}
		}
	}
}

// escapeQuotes escapes a text for comparison unless it is markup already.
func escapeQuotes(s string) string {
	if strings.ContainsAny(s, "<=") {
		return s
	}
	return escapeText(s)
}

func TestScriptsAreInert(t *testing.T) {
	for name, js := range inline().scripts {
		if strings.Contains(strings.ToLower(string(js)), "</script") || strings.Contains(string(js), "<!--") {
			t.Errorf("script %s contains </script or <!--", name)
		}
	}
	if strings.Contains(strings.ToLower(string(inline().style)), "</style") {
		t.Error("stylesheet contains </style")
	}
	if !strings.HasPrefix(string(inline().style), "*,*::before,*::after{box-sizing:border-box}") {
		t.Errorf("minified stylesheet lost its first rule: %.60s", inline().style)
	}
}

// TestScriptsParse checks the minified scripts with node when it is
// installed (CI images for this package should have it: WEBFORM_NODE=1
// makes a missing node a failure).
func TestScriptsParse(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("WEBFORM_NODE") != "" {
			t.Fatal("node not found and WEBFORM_NODE is set")
		}
		t.Skip("node not installed")
	}
	dir := t.TempDir()
	for name, js := range inline().scripts {
		path := filepath.Join(dir, name+".js")
		if err := os.WriteFile(path, []byte(js), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(node, "--check", path).CombinedOutput(); err != nil {
			t.Errorf("script %s does not parse: %v\n%s", name, err, out)
		}
	}
}
