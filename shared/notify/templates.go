package notify

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"

	"github.com/claimsdesk/backend/shared/outbox"
)

// mailTemplate is one message in both languages; subject and text are plain
// text templates, html an HTML template (escaping every value).
type mailTemplate struct {
	subject, text, html string
}

var receivedTemplates = map[string]mailTemplate{
	"ru": {
		subject: "Рекламация {{.Number}} зарегистрирована",
		text: `Здравствуйте, {{.Name}}!

Ваша рекламация зарегистрирована под номером {{.Number}}{{if .Model}} (изделие {{.Model}}){{end}}.
Менеджер по рекламациям свяжется с вами. Статус можно отслеживать по ссылке:
{{.Link}}

Ссылка личная: не пересылайте её посторонним.

С уважением,
отдел рекламаций`,
		html: `<p>Здравствуйте, {{.Name}}!</p>
<p>Ваша рекламация зарегистрирована под номером <b>{{.Number}}</b>{{if .Model}} (изделие {{.Model}}){{end}}.</p>
<p>Менеджер по рекламациям свяжется с вами. Статус можно отслеживать по ссылке:<br><a href="{{.Link}}">{{.Link}}</a></p>
<p>Ссылка личная: не пересылайте её посторонним.</p>
<p>С уважением,<br>отдел рекламаций</p>`,
	},
	"en": {
		subject: "Your claim {{.Number}} has been registered",
		text: `Hello {{.Name}},

Your claim has been registered under number {{.Number}}{{if .Model}} (product {{.Model}}){{end}}.
A claims manager will contact you. You can follow its status here:
{{.Link}}

The link is personal: do not forward it.

Kind regards,
Claims department`,
		html: `<p>Hello {{.Name}},</p>
<p>Your claim has been registered under number <b>{{.Number}}</b>{{if .Model}} (product {{.Model}}){{end}}.</p>
<p>A claims manager will contact you. You can follow its status here:<br><a href="{{.Link}}">{{.Link}}</a></p>
<p>The link is personal: do not forward it.</p>
<p>Kind regards,<br>Claims department</p>`,
	},
}

func receivedMail(d outbox.Received, link string) (Mail, error) {
	t, ok := receivedTemplates[d.Language]
	if !ok {
		t = receivedTemplates["ru"]
	}
	data := struct{ Name, Number, Model, Link string }{d.ClaimantName, d.Number, d.ProductModel, link}
	subject, err := renderText(t.subject, data)
	if err != nil {
		return Mail{}, err
	}
	text, err := renderText(t.text, data)
	if err != nil {
		return Mail{}, err
	}
	html, err := renderHTML(t.html, data)
	if err != nil {
		return Mail{}, err
	}
	return Mail{To: []string{d.Email}, Subject: subject, Text: text, HTML: html,
		Headers: map[string]string{"X-Claim-Number": d.Number}}, nil
}

func renderText(src string, data any) (string, error) {
	t, err := texttemplate.New("").Parse(src)
	if err != nil {
		return "", fmt.Errorf("parse mail template: %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render mail: %w", err)
	}
	return b.String(), nil
}

func renderHTML(src string, data any) (string, error) {
	t, err := htmltemplate.New("").Parse(src)
	if err != nil {
		return "", fmt.Errorf("parse mail template: %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render mail: %w", err)
	}
	return `<!doctype html><html><body style="font-family:sans-serif">` + b.String() + `</body></html>`, nil
}
