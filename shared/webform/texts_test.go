package webform

import (
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/claims"
)

func TestDetectLang(t *testing.T) {
	tests := []struct {
		name, accept, query, want string
	}{
		{"nothing", "", "", "ru"},
		{"query en", "ru-RU,ru;q=0.9", "en", "en"},
		{"query ru", "en-US,en;q=0.9", "ru", "ru"},
		{"query upper case", "", "EN", "en"},
		{"query region", "", "en-GB", "en"},
		{"query unknown falls back to header", "en-US,en;q=0.9", "de", "en"},
		{"query garbage", "", "<script>", "ru"},
		{"en-US", "en-US", "", "en"},
		{"ru-RU", "ru-RU", "", "ru"},
		{"underscore", "en_US", "", "en"},
		{"browser default en", "en-US,en;q=0.9,ru;q=0.8", "", "en"},
		{"browser default ru", "ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "", "ru"},
		{"q-values beat order", "ru;q=0.3,en;q=0.8", "", "en"},
		{"first of equal q", "en;q=0.5,ru;q=0.5", "", "en"},
		{"other languages skipped", "de-DE,de;q=0.9,en;q=0.5", "", "en"},
		{"only other languages", "de-DE,fr;q=0.9", "", "ru"},
		{"q=0 means not acceptable", "en;q=0,ru;q=0", "", "ru"},
		{"q=0 en, de preferred", "de,en;q=0", "", "ru"},
		{"spaces", " en-US ; q=0.9 , ru ; q=0.2 ", "", "en"},
		{"uppercase Q", "ru;Q=0.1,en;Q=0.9", "", "en"},
		{"bad q ignored", "en;q=abc,ru;q=0.1", "", "ru"},
		{"q above 1 ignored", "en;q=5,ru;q=0.1", "", "ru"},
		{"NaN q ignored", "en;q=NaN,ru;q=0.1", "", "ru"},
		{"wildcard", "*", "", "ru"},
		{"garbage", ";;;,,,=q;", "", "ru"},
		{"prefix is not a language", "english,rus", "", "ru"},
		{"huge header", strings.Repeat("de,", 5000) + "en", "", "ru"},
	}
	for _, tc := range tests {
		if got := DetectLang(tc.accept, tc.query); got != tc.want {
			t.Errorf("%s: DetectLang(%.40q, %q) = %q, want %q", tc.name, tc.accept, tc.query, got, tc.want)
		}
	}
}

func TestStageLabel(t *testing.T) {
	for _, stage := range Stages {
		ru, en := StageLabel(LangRU, stage), StageLabel(LangEN, stage)
		if ru == "" || en == "" || ru == stage || ru == en {
			t.Errorf("stage %s: ru %q, en %q", stage, ru, en)
		}
		if stageInfo(LangRU, stage) == "" || stageInfo(LangEN, stage) == "" {
			t.Errorf("stage %s has no explanation", stage)
		}
	}
	tests := []struct{ lang, stage, want string }{
		{"ru", "new", "Новая"},
		{"en", "new", "New"},
		{"", "closed", "Закрыта"},
		{"de", "closed", "Закрыта"},
		{"en", "incident_analysis", "Root-cause analysis"},
		{"en", "mystery", "mystery"},
	}
	for _, tc := range tests {
		if got := StageLabel(tc.lang, tc.stage); got != tc.want {
			t.Errorf("StageLabel(%q, %q) = %q, want %q", tc.lang, tc.stage, got, tc.want)
		}
	}
	if len(Stages) != 12 || string(claims.StageNew) != Stages[0] {
		t.Errorf("Stages = %v", Stages)
	}
}

func TestDictionaries(t *testing.T) {
	ru, en := slices.Sorted(maps.Keys(dict[LangRU])), slices.Sorted(maps.Keys(dict[LangEN]))
	if diff := cmp.Diff(ru, en); diff != "" {
		t.Errorf("ru and en keys differ (-ru +en):\n%s", diff)
	}
	verbs := regexp.MustCompile(`%[a-z]|\{\w+\}`)
	for _, k := range ru {
		r, e := dict[LangRU][k], dict[LangEN][k]
		if strings.TrimSpace(r) == "" || strings.TrimSpace(e) == "" {
			t.Errorf("%s is empty in one language", k)
		}
		rv, ev := verbs.FindAllString(r, -1), verbs.FindAllString(e, -1)
		slices.Sort(rv)
		slices.Sort(ev)
		if !slices.Equal(rv, ev) {
			t.Errorf("%s: placeholders differ: ru %v, en %v", k, rv, ev)
		}
	}
}

// TestTemplateKeys finds every {{t "key"}} and {{tf "key"}} in the
// templates and checks that both languages have it. (Rendering would fail
// too, but only on the branches a test reaches.)
func TestTemplateKeys(t *testing.T) {
	use := regexp.MustCompile(`\{\{-?\s*(?:t|tf)\s+"([^"]+)"|\((?:t|tf)\s+"([^"]+)"`)
	paths, err := fs.Glob(files, "templates/*.html")
	if err != nil || len(paths) == 0 {
		t.Fatalf("templates: %v %v", paths, err)
	}
	var n int
	for _, p := range paths {
		b, _ := files.ReadFile(p)
		for _, m := range use.FindAllStringSubmatch(string(b), -1) {
			key := m[1] + m[2]
			n++
			for _, lang := range []string{LangRU, LangEN} {
				if _, ok := dict[lang][key]; !ok {
					t.Errorf("%s uses %q, missing in %s", p, key, lang)
				}
			}
		}
	}
	if n < 50 {
		t.Errorf("found only %d text uses in the templates: is the pattern broken?", n)
	}
	// Keys built in Go: labels and hints of every field, desired results,
	// error pages.
	var keys []string
	for _, f := range textFields {
		keys = append(keys, "field."+f.name, "hint."+f.name)
	}
	for _, name := range fieldOrder {
		keys = append(keys, "field."+name)
	}
	for _, r := range claims.DesiredResults {
		keys = append(keys, "desired."+string(r))
	}
	for _, s := range []int{400, 403, 404, 410, 413, 429, 500} {
		keys = append(keys, "error."+errorKind(s)+".title", "error."+errorKind(s)+".message")
	}
	for _, k := range keys {
		if _, ok := dict[LangRU][k]; !ok {
			t.Errorf("key %q built in Go is missing", k)
		}
	}
}

func TestMessage(t *testing.T) {
	tests := []struct{ lang, key, want string }{
		{"ru", "field.email", "Email"},
		{"en", "field.name", "Full name"},
		{"", "form.submit", "Отправить рекламацию"},
		{"fr", "form.submit", "Отправить рекламацию"},
		{"en", "no.such.key", "no.such.key"},
	}
	for _, tc := range tests {
		if got := Message(tc.lang, tc.key); got != tc.want {
			t.Errorf("Message(%q, %q) = %q, want %q", tc.lang, tc.key, got, tc.want)
		}
	}
	if got := Messagef(LangEN, "mail.subject_received", "RC-2026-000001"); got != "Claim RC-2026-000001 received" {
		t.Errorf("Messagef = %q", got)
	}
}

func TestFormField(t *testing.T) {
	tests := map[string]string{
		"claimant.name": "name", "claimant.email": "email", "claimant.phone": "phone",
		"claimant.company": "company", "claimant.taxId": "taxId",
		"product.series": "series", "product.serial": "serial", "product.purchaseDate": "purchaseDate",
		"order.reference": "orderReference", "categoryId": "typeId", "typeId": "typeId",
		"essence": "essence", "desiredResult": "desiredResult", "desiredFix": "desiredFix",
		"product.model": "", "order.items": "", "channel": "",
	}
	for path, want := range tests {
		if got := FormField(path); got != want {
			t.Errorf("FormField(%q) = %q, want %q", path, got, want)
		}
	}
}

// TestLocalizeFieldError runs the claims validation on bad drafts and checks
// that every message it produces has a translation (not the generic one).
func TestLocalizeFieldError(t *testing.T) {
	cat := testCatalog(t)
	now := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	drafts := []claims.Draft{
		{Channel: "fax", Claimant: claims.Claimant{Name: "I", Email: "not-an-email", Phone: "call me", TaxID: "123"},
			Product: claims.Product{Model: "HX 200 ★", Series: "bad series", Serial: "bad serial", PurchaseDate: "14.03.2026"},
			Order:   claims.Order{Items: []claims.OrderItem{{SKU: "", Quantity: -1}}}, Essence: "short", DesiredResult: "gift",
			Priority: "urgent", CategoryID: "nope"},
		{Channel: claims.ChannelQR, Claimant: claims.Claimant{Name: strings.Repeat("x", 300)},
			Product: claims.Product{Model: "HX-200", PurchaseDate: "2030-01-01"}, Essence: strings.Repeat("x", 6000),
			DesiredResult: claims.Refund, CategoryID: "defect", TypeID: "box-damage"},
		{Channel: claims.ChannelQR, Claimant: claims.Claimant{Name: "Ivan", Email: "a@b.ru"},
			Product: claims.Product{PurchaseDate: "1985-01-01"}, Essence: "It smells of smoke", DesiredResult: claims.Refund,
			CategoryID: "defect", TypeID: "overheat"},
	}
	generic := map[string]bool{Message(LangRU, "err.invalid_value"): true, Message(LangEN, "err.invalid_value"): true}
	allowGeneric := map[string]bool{"a positive number": true, "one of qr, dealer_form, api, phone": true}
	seen := map[string]bool{}
	for _, d := range drafts {
		fe := d.Normalize()
		fe = append(fe, d.Validate(cat, now)...)
		for _, f := range fe {
			seen[f.Message] = true
			for _, lang := range []string{LangRU, LangEN} {
				name, text := LocalizeFieldError(lang, f.Field, f.Message)
				if name != FormField(f.Field) {
					t.Errorf("%s: name %q, want %q", f.Field, name, FormField(f.Field))
				}
				if generic[text] && !allowGeneric[f.Message] {
					t.Errorf("%s %q has no %s translation", f.Field, f.Message, lang)
				}
			}
		}
	}
	// The drafts reach every message the table knows, so a changed message
	// in package claims shows up here.
	for msg := range validationKeys {
		if !seen[msg] {
			t.Errorf("no draft produces %q", msg)
		}
	}
	tests := []struct {
		lang, field, msg, wantName, wantText string
	}{
		{"ru", "claimant.email", "not a valid email address", "email", "Проверьте email. Пример: ivan@example.ru"},
		{"en", "essence", "at least 10 characters", "essence", "Too short: at least 10 characters"},
		{"ru", "essence", "at most 5000 characters", "essence", "Слишком длинно: не больше 5000 символов"},
		{"en", "product.model", "required", "", "Model: This field is required"},
		{"en", "categoryId", "unknown category", "typeId", "Choose a type of claim from the list"},
		{"ru", "claimant.phone", "something new", "phone", "Недопустимое значение"},
	}
	for _, tc := range tests {
		name, text := LocalizeFieldError(tc.lang, tc.field, tc.msg)
		if diff := cmp.Diff([2]string{tc.wantName, tc.wantText}, [2]string{name, text}); diff != "" {
			t.Errorf("LocalizeFieldError(%q, %q, %q) mismatch (-want +got):\n%s", tc.lang, tc.field, tc.msg, diff)
		}
	}
}

func TestFormatSize(t *testing.T) {
	tests := []struct {
		lang string
		n    int64
		want string
	}{
		{"ru", 15 << 20, "15 МБ"},
		{"en", 200 << 20, "200 MB"},
		{"ru", 1536 << 10, "1,5 МБ"},
		{"en", 1536 << 10, "1.5 MB"},
		{"en", 500 << 10, "500 KB"},
		{"en", 10, "1 KB"},
	}
	for _, tc := range tests {
		if got := formatSize(tc.lang, tc.n); got != tc.want {
			t.Errorf("formatSize(%q, %d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}
