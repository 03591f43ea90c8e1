package webform

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/catalog"
)

// testCatalog reads the sample catalog, checking it the way the catalog
// package would before it is used.
func testCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	b, err := os.ReadFile("testdata/catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	var c catalog.Catalog
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("parse testdata/catalog.json: %v", err)
	}
	for i := range c.Categories {
		if err := catalog.ValidateCategory(&c.Categories[i]); err != nil {
			t.Fatalf("testdata category %s: %v", c.Categories[i].ID, err)
		}
	}
	for i := range c.Types {
		if err := catalog.ValidateType(&c.Types[i], &c); err != nil {
			t.Fatalf("testdata type %s: %v", c.Types[i].ID, err)
		}
	}
	return c.Active()
}

var testTime = time.Date(2026, 3, 14, 9, 30, 0, 0, time.FixedZone("MSK", 3*3600))

func sampleForm(t *testing.T, lang string) *FormPage {
	return &FormPage{
		Lang:      lang,
		Code:      "QK7F2M9XA4",
		Action:    "/q/QK7F2M9XA4",
		UploadURL: "/q/QK7F2M9XA4/uploads",
		Product:   Product{Model: "HX-200", Name: "Boiler HX-200", Series: "S24-07", LockSeries: true},
		Catalog:   testCatalog(t),
		FormToken: "ft_0123456789abcdef",
		Today:     testTime,
	}
}

func sampleUploads() []UploadForm {
	return []UploadForm{
		{
			ZoneTitle: "Шильдик", Hint: "Чтобы читался серийный номер", Accept: "image/jpeg,image/png",
			URL: "https://claims-files.s3.eu-central-1.amazonaws.com/",
			Fields: map[string]string{
				"key": "pending/RC-2026-000123/plate/u1", "policy": "eyJleHBpcmF0aW9uIjoi", "x-amz-algorithm": "AWS4-HMAC-SHA256",
				"x-amz-credential": "AKIA/20260314/eu-central-1/s3/aws4_request", "x-amz-date": "20260314T093000Z",
				"x-amz-signature": "abc123", "success_action_redirect": "https://claims.example.com/t/tok?uploaded=1",
			},
			MaxBytes: 15 << 20,
		},
		{ZoneTitle: "Дефект", Accept: "image/jpeg,video/mp4", URL: "https://claims-files.s3.eu-central-1.amazonaws.com/", Fields: map[string]string{"key": "k2"}},
	}
}

func sampleResult(lang string) *ResultPage {
	return &ResultPage{
		Lang: lang, Number: "RC-2026-000123", TrackingURL: "https://claims.example.com/t/9fK2xLq7Rt",
		Stage: "new", Email: "ivan@example.ru", Uploads: sampleUploads(),
	}
}

func sampleTracking(lang string) *TrackingPage {
	return &TrackingPage{
		Lang: lang, Number: "RC-2026-000123", Stage: "diagnostics",
		Product:  Product{Model: "HX-200", Name: "Boiler HX-200", Series: "S24-07", Serial: "SN12345678"},
		TypeName: "Не включается", CreatedAt: testTime,
		History: []HistoryEntry{
			{At: testTime, Stage: "new", Text: "Рекламация получена"},
			{At: testTime.Add(26 * time.Hour), Stage: "information_check", Text: "Менеджер проверяет фото"},
			{At: testTime.Add(50 * time.Hour), Stage: "diagnostics", Text: "Изделие передано\nв сервисный центр"},
		},
		Files: 3, Uploads: sampleUploads()[:1], Notice: Message(lang, "notice.file_received"),
		Messages: []ChatMessage{
			{At: testTime.Add(27 * time.Hour), Role: "manager", AuthorName: "Ольга", Body: "Пришлите, пожалуйста, фото шильдика.\nОн на задней стенке."},
			{At: testTime.Add(28*time.Hour + 5*time.Minute), Role: "claimant", AuthorName: "Иван Петров", Body: "Вот фото", Files: []string{"IMG_0001.jpg", "чек.pdf"}},
		},
		ReplyAction: "/t/9fK2xLq7Rt/messages", ReplyUploadURL: "/t/9fK2xLq7Rt/messages/uploads",
		ReplyAccept: "image/jpeg,image/png,application/pdf",
	}
}

func sampleError(lang string) *ErrorPage {
	return &ErrorPage{Lang: lang, Status: 404, Hotline: "8 800 555-35-35"}
}

type renderFunc func(*bytes.Buffer) error

func mustRender(t *testing.T, f renderFunc) string {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b); err != nil {
		t.Fatalf("render: %v", err)
	}
	return b.String()
}

func renderForm(t *testing.T, p *FormPage) string {
	t.Helper()
	return mustRender(t, func(b *bytes.Buffer) error { return RenderForm(b, p) })
}

var configBlock = regexp.MustCompile(`(?s)<script type="application/json" id="webform-config">(.*?)</script>`)

// extractConfig returns the form's JSON block, parsed.
func extractConfig(t *testing.T, html string) formConfig {
	t.Helper()
	m := configBlock.FindStringSubmatch(html)
	if m == nil {
		t.Fatal("no webform-config block in the page")
	}
	var c formConfig
	if err := json.Unmarshal([]byte(m[1]), &c); err != nil {
		t.Fatalf("config block is not JSON: %v\n%s", err, m[1])
	}
	return c
}

// element returns the start tag of the first element whose attributes
// contain attr (e.g. `name="email"`), or "".
func element(html, attr string) string {
	i := strings.Index(html, attr)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(html[:i], "<")
	end := strings.Index(html[i:], ">")
	if start < 0 || end < 0 {
		return ""
	}
	return html[start : i+end+1]
}

// block returns the element with id, from its start tag to the matching
// end tag of the same name (nesting of the same tag is counted).
func block(html, id string) string {
	i := strings.Index(html, ` id="`+id+`"`)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(html[:i], "<")
	tag := html[start+1:]
	tag = tag[:strings.IndexAny(tag, " >")]
	depth, pos := 0, start
	for {
		open := strings.Index(html[pos:], "<"+tag)
		close := strings.Index(html[pos:], "</"+tag+">")
		if close < 0 {
			return html[start:]
		}
		if open >= 0 && open < close {
			depth++
			pos += open + 1
			continue
		}
		depth--
		pos += close + len(tag) + 3
		if depth == 0 {
			return html[start:pos]
		}
	}
}

// tag is one start tag of a page, as a browser's tokenizer would read it.
type tag struct {
	Name  string
	Attrs map[string]string
	// Text is the raw content of script, style and textarea elements.
	Text string
}

// has reports whether the tag has the attribute (with any value).
func (t tag) has(attr string) bool { _, ok := t.Attrs[attr]; return ok }

// parseTags tokenizes html the way the HTML tokenizer does for the subset
// the pages use: start tags with quoted or bare attribute values, end tags,
// comments, and raw text inside script, style and textarea. Escaped markup
// (&lt;img ...) is text and yields no tag, which is what the XSS tests rely
// on.
func parseTags(html string) []tag {
	var out []tag
	i := 0
	for {
		j := strings.IndexByte(html[i:], '<')
		if j < 0 {
			return out
		}
		i += j + 1
		if i >= len(html) {
			return out
		}
		c := html[i]
		if c == '!' || c == '/' || c == '?' {
			k := strings.IndexByte(html[i:], '>')
			if k < 0 {
				return out
			}
			i += k + 1
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			continue
		}
		n := i
		for n < len(html) && !strings.ContainsRune(" \t\n\r\f/>", rune(html[n])) {
			n++
		}
		t := tag{Name: strings.ToLower(html[i:n]), Attrs: map[string]string{}}
		i = n
		for i < len(html) {
			for i < len(html) && strings.ContainsRune(" \t\n\r\f/", rune(html[i])) {
				i++
			}
			if i >= len(html) || html[i] == '>' {
				i++
				break
			}
			a := i
			for i < len(html) && !strings.ContainsRune(" \t\n\r\f/>=", rune(html[i])) {
				i++
			}
			name := strings.ToLower(html[a:i])
			val := ""
			if i < len(html) && html[i] == '=' {
				i++
				if i < len(html) && (html[i] == '"' || html[i] == '\'') {
					q := html[i]
					end := strings.IndexByte(html[i+1:], q)
					if end < 0 {
						end = len(html) - i - 1
					}
					val = html[i+1 : i+1+end]
					i += end + 2
				} else {
					b := i
					for i < len(html) && !strings.ContainsRune(" \t\n\r\f>", rune(html[i])) {
						i++
					}
					val = html[b:i]
				}
			}
			if _, dup := t.Attrs[name]; !dup {
				t.Attrs[name] = unescape(val)
			}
		}
		if t.Name == "script" || t.Name == "style" || t.Name == "textarea" {
			end := strings.Index(strings.ToLower(html[i:]), "</"+t.Name)
			if end < 0 {
				end = len(html) - i
			}
			t.Text = html[i : i+end]
			i += end
		}
		out = append(out, t)
	}
}

var entity = regexp.MustCompile(`&(#[0-9]+|[a-z]+);`)

// unescape decodes the character references html/template writes.
func unescape(s string) string {
	return entity.ReplaceAllStringFunc(s, func(e string) string {
		switch e {
		case "&amp;":
			return "&"
		case "&lt;":
			return "<"
		case "&gt;":
			return ">"
		case "&quot;":
			return `"`
		}
		if strings.HasPrefix(e, "&#") {
			var r rune
			for _, c := range e[2 : len(e)-1] {
				r = r*10 + (c - '0')
			}
			return string(r)
		}
		return e
	})
}

// find returns the tags with the attribute set to value.
func find(tags []tag, attr, value string) []tag {
	var out []tag
	for _, t := range tags {
		if v, ok := t.Attrs[attr]; ok && v == value {
			out = append(out, t)
		}
	}
	return out
}
