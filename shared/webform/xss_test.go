package webform

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/claimsdesk/backend/shared/catalog"
)

// xssPayloads are values a claimant, a catalog editor or a forged request
// could put anywhere text is shown.
var xssPayloads = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`'><svg onload=alert(1)>`,
	`</script><script>alert(1)</script>`,
	`</textarea><img src=x onerror=alert(1)>`,
	`<!--<script>alert(1)//-->`,
	`javascript:alert(1)`,
	"\u2028alert(1)\u2029</style><a href=javascript:alert(1)>x</a>",
}

// allowedTags are the elements the templates write; anything else in a page
// came from data.
var allowedTags = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`html head meta title style script body a header main h1 h2 h3 h4 section p b dl dt dd
		div form input label fieldset legend select option optgroup details summary ul ol li textarea button span time br`) {
		allowedTags[n] = true
	}
}

// xssPlace puts a payload into one place of one page and renders it.
type xssPlace struct {
	name    string
	scripts []string // the inline scripts the page must have, in order ("json" = the config block)
	shown   bool     // the payload is shown as text (not dropped as an unsafe URL)
	render  func(t *testing.T, payload string) (string, error)
}

func formPlace(name string, shown bool, mutate func(p *FormPage, c *catalog.Catalog, s string)) xssPlace {
	return xssPlace{name: "form/" + name, scripts: []string{"head", "json", "form"}, shown: shown, render: func(t *testing.T, s string) (string, error) {
		p := sampleForm(t, LangEN)
		p.Values = map[string]string{"typeId": "no-start"}
		mutate(p, p.Catalog, s)
		var b bytes.Buffer
		err := RenderForm(&b, p)
		return b.String(), err
	}}
}

func resultPlace(name string, shown bool, mutate func(p *ResultPage, s string)) xssPlace {
	return xssPlace{name: "result/" + name, scripts: []string{"head", "page"}, shown: shown, render: func(t *testing.T, s string) (string, error) {
		p := sampleResult(LangRU)
		mutate(p, s)
		var b bytes.Buffer
		err := RenderResult(&b, p)
		return b.String(), err
	}}
}

func trackingPlace(name string, shown bool, mutate func(p *TrackingPage, s string)) xssPlace {
	return xssPlace{name: "tracking/" + name, scripts: []string{"head", "page"}, shown: shown, render: func(t *testing.T, s string) (string, error) {
		p := sampleTracking(LangEN)
		mutate(p, s)
		var b bytes.Buffer
		err := RenderTracking(&b, p)
		return b.String(), err
	}}
}

func errorPlace(name string, shown bool, mutate func(p *ErrorPage, s string)) xssPlace {
	return xssPlace{name: "error/" + name, scripts: []string{"head"}, shown: shown, render: func(t *testing.T, s string) (string, error) {
		p := sampleError(LangRU)
		mutate(p, s)
		var b bytes.Buffer
		err := RenderError(&b, p)
		return b.String(), err
	}}
}

func xssPlaces() []xssPlace {
	var places []xssPlace
	for _, name := range []string{"name", "email", "phone", "company", "taxId", "series", "serial", "purchaseDate", "orderReference", "essence", "desiredFix"} {
		places = append(places, formPlace("value "+name, true, func(p *FormPage, _ *catalog.Catalog, s string) {
			p.Product.LockSeries = false
			p.Values[name] = s
		}))
	}
	for _, name := range []string{"categoryId", "typeId", "desiredResult", "website", "lang"} {
		places = append(places, formPlace("value "+name, false, func(p *FormPage, _ *catalog.Catalog, s string) { p.Values[name] = s }))
	}
	for _, name := range append(append([]string{}, fieldOrder...), "", "other.key") {
		places = append(places, formPlace("error "+name, true, func(p *FormPage, _ *catalog.Catalog, s string) {
			p.Errors = map[string]string{name: s}
		}))
	}
	places = append(places,
		formPlace("product model", true, func(p *FormPage, _ *catalog.Catalog, s string) { p.Product.Model = s }),
		formPlace("product name", true, func(p *FormPage, _ *catalog.Catalog, s string) { p.Product.Name = s }),
		formPlace("product series locked", true, func(p *FormPage, _ *catalog.Catalog, s string) { p.Product.Series = s }),
		formPlace("product serial locked", true, func(p *FormPage, _ *catalog.Catalog, s string) {
			p.Product.Serial, p.Product.LockSerial = s, true
		}),
		formPlace("code", true, func(p *FormPage, _ *catalog.Catalog, s string) { p.Code = s }),
		formPlace("form token", true, func(p *FormPage, _ *catalog.Catalog, s string) { p.FormToken = s }),
		formPlace("action", false, func(p *FormPage, _ *catalog.Catalog, s string) { p.Action = s }),
		formPlace("upload URL", true, func(p *FormPage, _ *catalog.Catalog, s string) { p.UploadURL = s }),
		formPlace("category name", true, func(_ *FormPage, c *catalog.Catalog, s string) { c.Categories[0].Name = catalog.Text{"ru": s, "en": s} }),
		formPlace("category description", true, func(_ *FormPage, c *catalog.Catalog, s string) { c.Categories[0].Description = catalog.Text{"en": s} }),
		formPlace("category ID", true, func(p *FormPage, c *catalog.Catalog, s string) {
			for i := range c.Types {
				if c.Types[i].CategoryID == c.Categories[0].ID {
					c.Types[i].CategoryID = s
				}
			}
			c.Categories[0].ID = s
		}),
		formPlace("type ID", true, func(p *FormPage, c *catalog.Catalog, s string) { c.Types[0].ID = s; p.Values["typeId"] = s }),
		formPlace("type name", true, func(_ *FormPage, c *catalog.Catalog, s string) { c.Types[0].Name = catalog.Text{"en": s} }),
		formPlace("instructions", true, func(_ *FormPage, c *catalog.Catalog, s string) { c.Types[0].Instructions = catalog.Text{"en": s} }),
		formPlace("document title", true, func(_ *FormPage, c *catalog.Catalog, s string) {
			c.Types[0].SampleDocuments = []catalog.Document{{Title: catalog.Text{"en": s}, URL: "https://example.com/a.pdf"}}
		}),
		formPlace("document URL", false, func(_ *FormPage, c *catalog.Catalog, s string) {
			c.Types[0].SampleDocuments = []catalog.Document{{Title: catalog.Text{"en": "Act"}, URL: s}}
		}),
		formPlace("zone title", true, func(_ *FormPage, c *catalog.Catalog, s string) {
			c.Types[0].PhotoZones[0].Title = catalog.Text{"en": s}
		}),
		formPlace("zone hint", true, func(_ *FormPage, c *catalog.Catalog, s string) { c.Types[0].PhotoZones[0].Hint = catalog.Text{"en": s} }),
		formPlace("zone media type", true, func(_ *FormPage, c *catalog.Catalog, s string) {
			c.Types[0].PhotoZones[0].MediaTypes = []string{s}
		}),
		formPlace("attachment", true, func(p *FormPage, _ *catalog.Catalog, s string) {
			p.Attachments = []Attachment{{Zone: s, UploadID: s, FileName: s}}
		}),

		resultPlace("number", true, func(p *ResultPage, s string) { p.Number = s }),
		resultPlace("tracking URL", false, func(p *ResultPage, s string) { p.TrackingURL = s }),
		resultPlace("email", true, func(p *ResultPage, s string) { p.Email = s }),
		resultPlace("stage label", true, func(p *ResultPage, s string) { p.StageLabel = s }),
		resultPlace("stage", true, func(p *ResultPage, s string) { p.Stage = s }),
		resultPlace("upload zone title", true, func(p *ResultPage, s string) { p.Uploads[0].ZoneTitle = s }),
		resultPlace("upload hint", true, func(p *ResultPage, s string) { p.Uploads[0].Hint = s }),
		resultPlace("upload accept", true, func(p *ResultPage, s string) { p.Uploads[0].Accept = s }),
		resultPlace("upload URL", false, func(p *ResultPage, s string) { p.Uploads[0].URL = s }),
		resultPlace("upload field", true, func(p *ResultPage, s string) { p.Uploads[0].Fields = map[string]string{s: s} }),

		trackingPlace("number", true, func(p *TrackingPage, s string) { p.Number = s }),
		trackingPlace("stage", true, func(p *TrackingPage, s string) { p.Stage = s }),
		trackingPlace("product model", true, func(p *TrackingPage, s string) { p.Product.Model = s }),
		trackingPlace("product name", true, func(p *TrackingPage, s string) { p.Product.Name = s }),
		trackingPlace("product series", true, func(p *TrackingPage, s string) { p.Product.Series = s }),
		trackingPlace("product serial", true, func(p *TrackingPage, s string) { p.Product.Serial = s }),
		trackingPlace("type name", true, func(p *TrackingPage, s string) { p.TypeName = s }),
		trackingPlace("history text", true, func(p *TrackingPage, s string) { p.History[1].Text = s }),
		trackingPlace("history stage", true, func(p *TrackingPage, s string) { p.History[1].Stage = s }),
		trackingPlace("notice", true, func(p *TrackingPage, s string) { p.Notice = s }),
		trackingPlace("upload zone title", true, func(p *TrackingPage, s string) { p.Uploads[0].ZoneTitle = s }),
		trackingPlace("message body", true, func(p *TrackingPage, s string) { p.Messages[0].Body = s }),
		trackingPlace("message author name", true, func(p *TrackingPage, s string) { p.Messages[0].AuthorName = s }),
		trackingPlace("message role", true, func(p *TrackingPage, s string) { p.Messages[0].Role = s }),
		trackingPlace("message file name", true, func(p *TrackingPage, s string) { p.Messages[1].Files = []string{s} }),
		trackingPlace("reply text", true, func(p *TrackingPage, s string) { p.Reply = s }),
		trackingPlace("reply error", true, func(p *TrackingPage, s string) { p.ReplyError = s }),
		trackingPlace("reply file", true, func(p *TrackingPage, s string) {
			p.ReplyFiles = []Attachment{{Zone: s, UploadID: s, FileName: s}}
		}),
		trackingPlace("reply action", false, func(p *TrackingPage, s string) { p.ReplyAction = s }),
		trackingPlace("reply upload URL", false, func(p *TrackingPage, s string) { p.ReplyUploadURL = s }),
		trackingPlace("reply accept", true, func(p *TrackingPage, s string) { p.ReplyAccept = s }),
		trackingPlace("closed conversation", true, func(p *TrackingPage, s string) {
			p.ChatClosed, p.Messages[1].Body = true, s
		}),

		errorPlace("title", true, func(p *ErrorPage, s string) { p.Title = s }),
		errorPlace("message", true, func(p *ErrorPage, s string) { p.Message = s }),
		errorPlace("hotline", false, func(p *ErrorPage, s string) { p.Hotline = s }),
	)
	return places
}

func TestXSS(t *testing.T) {
	for _, place := range xssPlaces() {
		for i, payload := range xssPayloads {
			html, err := place.render(t, payload)
			if err != nil {
				t.Errorf("%s, payload %d: render: %v", place.name, i, err)
				continue
			}
			checkInert(t, place, i, payload, html)
		}
	}
}

// checkInert fails when a payload became markup, an attribute, a URL or
// script, and when a payload that should be shown is not.
func checkInert(t *testing.T, place xssPlace, i int, payload, html string) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s, payload %d %q: "+format, append([]any{place.name, i, payload}, args...)...)
	}
	if strings.ContainsAny(payload, `<"'`) && strings.Contains(html, payload) {
		fail("appears unescaped")
	}
	var scripts []string
	for _, tg := range parseTags(html) {
		if !allowedTags[tg.Name] {
			fail("created a <%s> element", tg.Name)
		}
		for a, v := range tg.Attrs {
			if strings.HasPrefix(a, "on") || a == "src" || a == "style" || a == "formaction" {
				fail("created attribute %s=%q on <%s>", a, v, tg.Name)
			}
			if (a == "href" || a == "action") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), "javascript:") {
				fail("created a javascript: URL in %s", a)
			}
		}
		if tg.Name != "script" {
			continue
		}
		switch {
		case tg.Attrs["type"] == "application/json":
			scripts = append(scripts, "json")
			var v any
			if err := json.Unmarshal([]byte(tg.Text), &v); err != nil {
				fail("config block is no longer JSON: %v", err)
			}
		case tg.Text == string(scriptsByName("head")):
			scripts = append(scripts, "head")
		case tg.Text == string(scriptsByName("form")):
			scripts = append(scripts, "form")
		case tg.Text == string(scriptsByName("page")):
			scripts = append(scripts, "page")
		default:
			scripts = append(scripts, "unknown")
		}
	}
	if strings.Join(scripts, ",") != strings.Join(place.scripts, ",") {
		fail("scripts %v, want %v", scripts, place.scripts)
	}
	if place.shown && !strings.Contains(html, escapeText(payload)) && !strings.Contains(html, jsonText(payload)) &&
		!strings.Contains(html, strings.ReplaceAll(jsonText(payload), `\u0027`, "'")) {
		fail("is not shown (escaped) at all: was the place exercised?")
	}
}

func scriptsByName(name string) string { return string(inline().scripts[name]) }

// jsonText is a string as it appears inside the JSON block.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return strings.ReplaceAll(string(b[1:len(b)-1]), "'", `\u0027`)
}
