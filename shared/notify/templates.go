package notify

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
)

// The kinds of mail (and in-app note) the notifier writes.
const (
	// To the claimant.
	kindReceived       = "received"
	kindWaiting        = "waiting_for_customer"
	kindImplementation = "implementation"
	kindClosed         = "closed"
	kindRejected       = "rejected"
	kindWithdrawn      = "withdrawn"
	kindNewMessage     = "new_message"
	// To a manager.
	kindAssignedNew = "assigned_new"
	kindReassigned  = "reassigned"
	kindMessageIn   = "message_in"
	kindSLAWarning  = "sla_warning"
	// To the supervisors.
	kindUnassigned = "unassigned"
	kindEscalated  = "escalated"
	kindLowRating  = "low_rating"
	// To the claim's dealer.
	kindRateRequest   = "rate_request"
	kindDealerStage   = "dealer_stage"
	kindDealerMessage = "dealer_message"
)

// mailData is what every template may use; each kind uses some of it.
// Values are plain text: the HTML templates escape them.
type mailData struct {
	// Name is the addressee's name ("" for a generic greeting).
	Name   string
	Number string
	Model  string
	// Claimant is the claimant's name, for staff mails.
	Claimant string
	// Link is the claimant's tracking link ("" when unknown).
	Link string
	// Stage is the (new) stage's name in the mail's language.
	Stage  string
	Reason string
	// Decision is the resolution's name in the mail's language.
	Decision     string
	Warranty     bool
	Instructions string
	// Author is who wrote a message ("the customer", "the dealer"), with
	// AuthorName as they signed.
	Author, AuthorName string
	// Clock, Due, Level: an SLA warning or escalation.
	Clock string
	Due   string
	Level int
	// Previous is the manager a claim was taken from; Manager the one
	// responsible.
	Previous, Manager string
	// Rate holds the one-click rating links of a closed claim, score 1..5
	// (empty without a tracking link).
	Rate []RateLink
	// Score and Comment are a claimant's rating (the supervisors' mail of
	// a low one).
	Score   int
	Comment string
	// Series, TypeID, Observed, Expected, Window..., ClaimList, Units and
	// Again: a defect surge (the alert's ID is Number). Expected is
	// written as each language writes numbers: "0.75", ExpectedRU "0,75".
	// TypeName and TypeNameEN name the type as the catalog does (its ID
	// without one).
	Series, TypeID       string
	TypeName, TypeNameEN string
	Observed             int
	Expected, ExpectedRU string
	WindowFrom, WindowTo string
	WindowDays           int
	ClaimList            string
	Units                int64
	Again                bool

	// What Stage, Decision, Clock, Due and Author name, set by localized
	// in the language of each text rendered from the data (a note's Russian
	// and English texts each name them in their own language).
	stage, resolution, clock, authorRole string
	// sla: Clock and Due come from clock and due, in loc.
	sla bool
	due time.Time
	loc *time.Location
}

// localized returns d with the names of its stage, resolution, clock and
// author, and its due time, in lang.
func (d mailData) localized(lang string) mailData {
	if d.stage != "" {
		d.Stage = named(stageNames, lang, d.stage)
	}
	if d.resolution != "" {
		d.Decision = named(resolutionNames, lang, d.resolution)
	}
	if d.sla {
		d.Clock = clockName(lang, d.clock)
		d.Due = formatTime(lang, d.due, d.loc)
	}
	if d.authorRole != "" {
		d.Author = named(authorNames, lang, d.authorRole)
	}
	return d
}

// mailTemplate is one message in one language; subject and text are plain
// text templates, html an HTML template (escaping every value).
type mailTemplate struct {
	subject, text, html string
}

// noteTemplate is the in-app note of a kind in one language (plain text).
type noteTemplate struct {
	title, text string
}

const (
	signRU = "С уважением,\nотдел рекламаций"
	signEN = "Kind regards,\nClaims department"
	// Claim texts are multi-line: the HTML keeps their line breaks without
	// markup in the value.
	quote = `<blockquote style="white-space:pre-line;border-left:3px solid #ccc;margin:0 0 1em;padding-left:1em">`
)

var mailTemplates = map[string]map[string]mailTemplate{
	kindSurge: surgeMail, // quality.go
	kindReceived: {
		"ru": {
			subject: "Рекламация {{.Number}} зарегистрирована",
			text: `Здравствуйте{{if .Name}}, {{.Name}}{{end}}!

Ваша рекламация зарегистрирована под номером {{.Number}}{{if .Model}} (изделие {{.Model}}){{end}}.
Менеджер по рекламациям свяжется с вами. Статус можно отслеживать по ссылке:
{{.Link}}

Ссылка личная: не пересылайте её посторонним.

` + signRU,
			html: `<p>Здравствуйте{{if .Name}}, {{.Name}}{{end}}!</p>
<p>Ваша рекламация зарегистрирована под номером <b>{{.Number}}</b>{{if .Model}} (изделие {{.Model}}){{end}}.</p>
<p>Менеджер по рекламациям свяжется с вами. Статус можно отслеживать по ссылке:<br><a href="{{.Link}}">{{.Link}}</a></p>
<p>Ссылка личная: не пересылайте её посторонним.</p>
<p>С уважением,<br>отдел рекламаций</p>`,
		},
		"en": {
			subject: "Your claim {{.Number}} has been registered",
			text: `Hello{{if .Name}} {{.Name}}{{end}},

Your claim has been registered under number {{.Number}}{{if .Model}} (product {{.Model}}){{end}}.
A claims manager will contact you. You can follow its status here:
{{.Link}}

The link is personal: do not forward it.

` + signEN,
			html: `<p>Hello{{if .Name}} {{.Name}}{{end}},</p>
<p>Your claim has been registered under number <b>{{.Number}}</b>{{if .Model}} (product {{.Model}}){{end}}.</p>
<p>A claims manager will contact you. You can follow its status here:<br><a href="{{.Link}}">{{.Link}}</a></p>
<p>The link is personal: do not forward it.</p>
<p>Kind regards,<br>Claims department</p>`,
		},
	},
	kindWaiting: {
		"ru": {
			subject: "Рекламация {{.Number}}: нужна информация от вас",
			text: `Здравствуйте{{if .Name}}, {{.Name}}{{end}}!

Чтобы продолжить работу по рекламации {{.Number}}, нам нужно от вас:

{{if .Reason}}{{.Reason}}{{else}}уточнение — подробности на странице рекламации.{{end}}
{{if .Link}}
Ответить и приложить файлы можно на странице рекламации:
{{.Link}}
{{end}}
Пока мы ждём вашего ответа, срок рассмотрения приостановлен.

` + signRU,
			html: `<p>Здравствуйте{{if .Name}}, {{.Name}}{{end}}!</p>
<p>Чтобы продолжить работу по рекламации <b>{{.Number}}</b>, нам нужно от вас:</p>
` + quote + `{{if .Reason}}{{.Reason}}{{else}}уточнение — подробности на странице рекламации.{{end}}</blockquote>
{{if .Link}}<p>Ответить и приложить файлы можно на странице рекламации:<br><a href="{{.Link}}">{{.Link}}</a></p>
{{end}}<p>Пока мы ждём вашего ответа, срок рассмотрения приостановлен.</p>
<p>С уважением,<br>отдел рекламаций</p>`,
		},
		"en": {
			subject: "Claim {{.Number}}: we need information from you",
			text: `Hello{{if .Name}} {{.Name}}{{end}},

To continue working on your claim {{.Number}}, we need from you:

{{if .Reason}}{{.Reason}}{{else}}some details: see the claim's page.{{end}}
{{if .Link}}
You can answer and attach files on the claim's page:
{{.Link}}
{{end}}
While we wait for your answer, the processing time is paused.

` + signEN,
			html: `<p>Hello{{if .Name}} {{.Name}}{{end}},</p>
<p>To continue working on your claim <b>{{.Number}}</b>, we need from you:</p>
` + quote + `{{if .Reason}}{{.Reason}}{{else}}some details: see the claim's page.{{end}}</blockquote>
{{if .Link}}<p>You can answer and attach files on the claim's page:<br><a href="{{.Link}}">{{.Link}}</a></p>
{{end}}<p>While we wait for your answer, the processing time is paused.</p>
<p>Kind regards,<br>Claims department</p>`,
		},
	},
	kindImplementation: {
		"ru": {
			subject: "Рекламация {{.Number}}: принято решение",
			text: `Здравствуйте{{if .Name}}, {{.Name}}{{end}}!

По рекламации {{.Number}} принято решение: {{if .Decision}}{{.Decision}}{{else}}см. страницу рекламации{{end}}{{if .Warranty}} (гарантийный случай){{end}}.
{{if .Instructions}}
Что будет дальше:
{{.Instructions}}
{{end}}{{if .Link}}
Ход выполнения можно отслеживать по ссылке:
{{.Link}}
{{end}}
` + signRU,
			html: `<p>Здравствуйте{{if .Name}}, {{.Name}}{{end}}!</p>
<p>По рекламации <b>{{.Number}}</b> принято решение: <b>{{if .Decision}}{{.Decision}}{{else}}см. страницу рекламации{{end}}</b>{{if .Warranty}} (гарантийный случай){{end}}.</p>
{{if .Instructions}}<p>Что будет дальше:</p>
` + quote + `{{.Instructions}}</blockquote>
{{end}}{{if .Link}}<p>Ход выполнения можно отслеживать по ссылке:<br><a href="{{.Link}}">{{.Link}}</a></p>
{{end}}<p>С уважением,<br>отдел рекламаций</p>`,
		},
		"en": {
			subject: "Claim {{.Number}}: a decision has been made",
			text: `Hello{{if .Name}} {{.Name}}{{end}},

A decision has been made on your claim {{.Number}}: {{if .Decision}}{{.Decision}}{{else}}see the claim's page{{end}}{{if .Warranty}} (a warranty case){{end}}.
{{if .Instructions}}
What happens next:
{{.Instructions}}
{{end}}{{if .Link}}
You can follow the progress here:
{{.Link}}
{{end}}
` + signEN,
			html: `<p>Hello{{if .Name}} {{.Name}}{{end}},</p>
<p>A decision has been made on your claim <b>{{.Number}}</b>: <b>{{if .Decision}}{{.Decision}}{{else}}see the claim's page{{end}}</b>{{if .Warranty}} (a warranty case){{end}}.</p>
{{if .Instructions}}<p>What happens next:</p>
` + quote + `{{.Instructions}}</blockquote>
{{end}}{{if .Link}}<p>You can follow the progress here:<br><a href="{{.Link}}">{{.Link}}</a></p>
{{end}}<p>Kind regards,<br>Claims department</p>`,
		},
	},
	kindClosed: {
		"ru": {
			subject: "Рекламация {{.Number}} закрыта",
			text: `Здравствуйте{{if .Name}}, {{.Name}}{{end}}!

Работа по рекламации {{.Number}} завершена{{if .Decision}}. Решение: {{.Decision}}{{if .Warranty}} (гарантийный случай){{end}}{{end}}.
{{if .Instructions}}
Что нужно знать:
{{.Instructions}}
{{end}}
Спасибо, что сообщили нам о проблеме.
{{if .Rate}}
Оцените, пожалуйста, как мы работали с рекламацией (один щелчок):
{{range .Rate}}{{.Score}} — {{.Label}}: {{.URL}}
{{end}}{{end}}
` + signRU,
			html: `<p>Здравствуйте{{if .Name}}, {{.Name}}{{end}}!</p>
<p>Работа по рекламации <b>{{.Number}}</b> завершена{{if .Decision}}. Решение: <b>{{.Decision}}</b>{{if .Warranty}} (гарантийный случай){{end}}{{end}}.</p>
{{if .Instructions}}<p>Что нужно знать:</p>
` + quote + `{{.Instructions}}</blockquote>
{{end}}<p>Спасибо, что сообщили нам о проблеме.</p>
{{if .Rate}}<p>Оцените, пожалуйста, как мы работали с рекламацией (один щелчок):</p>
<p>{{range .Rate}}<a href="{{.URL}}" style="display:inline-block;padding:6px 12px;margin:2px;border:1px solid #888;border-radius:4px;text-decoration:none">{{.Score}} — {{.Label}}</a> {{end}}</p>
{{end}}
<p>С уважением,<br>отдел рекламаций</p>`,
		},
		"en": {
			subject: "Claim {{.Number}} is closed",
			text: `Hello{{if .Name}} {{.Name}}{{end}},

Work on your claim {{.Number}} is complete{{if .Decision}}. Decision: {{.Decision}}{{if .Warranty}} (a warranty case){{end}}{{end}}.
{{if .Instructions}}
What you need to know:
{{.Instructions}}
{{end}}
Thank you for telling us about the problem.
{{if .Rate}}
Please rate how we handled your claim (one click):
{{range .Rate}}{{.Score}} — {{.Label}}: {{.URL}}
{{end}}{{end}}
` + signEN,
			html: `<p>Hello{{if .Name}} {{.Name}}{{end}},</p>
<p>Work on your claim <b>{{.Number}}</b> is complete{{if .Decision}}. Decision: <b>{{.Decision}}</b>{{if .Warranty}} (a warranty case){{end}}{{end}}.</p>
{{if .Instructions}}<p>What you need to know:</p>
` + quote + `{{.Instructions}}</blockquote>
{{end}}<p>Thank you for telling us about the problem.</p>
{{if .Rate}}<p>Please rate how we handled your claim (one click):</p>
<p>{{range .Rate}}<a href="{{.URL}}" style="display:inline-block;padding:6px 12px;margin:2px;border:1px solid #888;border-radius:4px;text-decoration:none">{{.Score}} — {{.Label}}</a> {{end}}</p>
{{end}}
<p>Kind regards,<br>Claims department</p>`,
		},
	},
	kindRejected: {
		"ru": {
			subject: "Рекламация {{.Number}} отклонена",
			text: `Здравствуйте{{if .Name}}, {{.Name}}{{end}}!

Рекламация {{.Number}} отклонена.
{{if .Reason}}
Причина:
{{.Reason}}
{{end}}{{if .Instructions}}
Что вы можете сделать:
{{.Instructions}}
{{end}}
` + signRU,
			html: `<p>Здравствуйте{{if .Name}}, {{.Name}}{{end}}!</p>
<p>Рекламация <b>{{.Number}}</b> отклонена.</p>
{{if .Reason}}<p>Причина:</p>
` + quote + `{{.Reason}}</blockquote>
{{end}}{{if .Instructions}}<p>Что вы можете сделать:</p>
` + quote + `{{.Instructions}}</blockquote>
{{end}}<p>С уважением,<br>отдел рекламаций</p>`,
		},
		"en": {
			subject: "Claim {{.Number}} has been rejected",
			text: `Hello{{if .Name}} {{.Name}}{{end}},

Your claim {{.Number}} has been rejected.
{{if .Reason}}
Reason:
{{.Reason}}
{{end}}{{if .Instructions}}
What you can do:
{{.Instructions}}
{{end}}
` + signEN,
			html: `<p>Hello{{if .Name}} {{.Name}}{{end}},</p>
<p>Your claim <b>{{.Number}}</b> has been rejected.</p>
{{if .Reason}}<p>Reason:</p>
` + quote + `{{.Reason}}</blockquote>
{{end}}{{if .Instructions}}<p>What you can do:</p>
` + quote + `{{.Instructions}}</blockquote>
{{end}}<p>Kind regards,<br>Claims department</p>`,
		},
	},
	kindWithdrawn: {
		"ru": {
			subject: "Рекламация {{.Number}} отозвана",
			text: `Здравствуйте{{if .Name}}, {{.Name}}{{end}}!

Подтверждаем: рекламация {{.Number}} отозвана, работа по ней прекращена.
Если это ошибка, подайте рекламацию заново или свяжитесь с нами.

` + signRU,
			html: `<p>Здравствуйте{{if .Name}}, {{.Name}}{{end}}!</p>
<p>Подтверждаем: рекламация <b>{{.Number}}</b> отозвана, работа по ней прекращена.</p>
<p>Если это ошибка, подайте рекламацию заново или свяжитесь с нами.</p>
<p>С уважением,<br>отдел рекламаций</p>`,
		},
		"en": {
			subject: "Claim {{.Number}} has been withdrawn",
			text: `Hello{{if .Name}} {{.Name}}{{end}},

We confirm that claim {{.Number}} has been withdrawn; work on it has stopped.
If this is a mistake, file the claim again or contact us.

` + signEN,
			html: `<p>Hello{{if .Name}} {{.Name}}{{end}},</p>
<p>We confirm that claim <b>{{.Number}}</b> has been withdrawn; work on it has stopped.</p>
<p>If this is a mistake, file the claim again or contact us.</p>
<p>Kind regards,<br>Claims department</p>`,
		},
	},
	kindNewMessage: {
		"ru": {
			subject: "Рекламация {{.Number}}: новое сообщение",
			text: `Здравствуйте{{if .Name}}, {{.Name}}{{end}}!

По вашей рекламации {{.Number}} пришло новое сообщение от отдела рекламаций.
{{if .Link}}Прочитать его и ответить можно на странице рекламации:
{{.Link}}
{{else}}Прочитать его можно на странице рекламации по ссылке из первого письма.
{{end}}
` + signRU,
			html: `<p>Здравствуйте{{if .Name}}, {{.Name}}{{end}}!</p>
<p>По вашей рекламации <b>{{.Number}}</b> пришло новое сообщение от отдела рекламаций.</p>
{{if .Link}}<p>Прочитать его и ответить можно на странице рекламации:<br><a href="{{.Link}}">{{.Link}}</a></p>
{{else}}<p>Прочитать его можно на странице рекламации по ссылке из первого письма.</p>
{{end}}<p>С уважением,<br>отдел рекламаций</p>`,
		},
		"en": {
			subject: "Claim {{.Number}}: you have a new message",
			text: `Hello{{if .Name}} {{.Name}}{{end}},

The claims department has written to you about your claim {{.Number}}.
{{if .Link}}You can read it and answer on the claim's page:
{{.Link}}
{{else}}You can read it on the claim's page, through the link in our first mail.
{{end}}
` + signEN,
			html: `<p>Hello{{if .Name}} {{.Name}}{{end}},</p>
<p>The claims department has written to you about your claim <b>{{.Number}}</b>.</p>
{{if .Link}}<p>You can read it and answer on the claim's page:<br><a href="{{.Link}}">{{.Link}}</a></p>
{{else}}<p>You can read it on the claim's page, through the link in our first mail.</p>
{{end}}<p>Kind regards,<br>Claims department</p>`,
		},
	},
	kindAssignedNew: {
		"ru": {
			subject: "Новая рекламация {{.Number}} назначена вам",
			text: `Здравствуйте{{if .Name}}, {{.Name}}{{end}}!

Вам назначена новая рекламация {{.Number}}{{if .Model}} (изделие {{.Model}}){{end}}{{if .Claimant}}, заявитель: {{.Claimant}}{{end}}.
Она в вашем рабочем списке.`,
			html: `<p>Здравствуйте{{if .Name}}, {{.Name}}{{end}}!</p>
<p>Вам назначена новая рекламация <b>{{.Number}}</b>{{if .Model}} (изделие {{.Model}}){{end}}{{if .Claimant}}, заявитель: {{.Claimant}}{{end}}.</p>
<p>Она в вашем рабочем списке.</p>`,
		},
		"en": {
			subject: "New claim {{.Number}} is assigned to you",
			text: `Hello{{if .Name}} {{.Name}}{{end}},

The new claim {{.Number}}{{if .Model}} (product {{.Model}}){{end}}{{if .Claimant}} from {{.Claimant}}{{end}} is assigned to you.
It is on your worklist.`,
			html: `<p>Hello{{if .Name}} {{.Name}}{{end}},</p>
<p>The new claim <b>{{.Number}}</b>{{if .Model}} (product {{.Model}}){{end}}{{if .Claimant}} from {{.Claimant}}{{end}} is assigned to you.</p>
<p>It is on your worklist.</p>`,
		},
	},
	kindReassigned: {
		"ru": {
			subject: "Рекламация {{.Number}} передана вам",
			text: `Здравствуйте{{if .Name}}, {{.Name}}{{end}}!

Рекламация {{.Number}} передана вам{{if .Previous}} (прежний менеджер: {{.Previous}}){{end}}.
{{if .Reason}}Причина: {{.Reason}}
{{end}}Её открытые задачи теперь ваши.`,
			html: `<p>Здравствуйте{{if .Name}}, {{.Name}}{{end}}!</p>
<p>Рекламация <b>{{.Number}}</b> передана вам{{if .Previous}} (прежний менеджер: {{.Previous}}){{end}}.</p>
{{if .Reason}}<p>Причина:</p>
` + quote + `{{.Reason}}</blockquote>
{{end}}<p>Её открытые задачи теперь ваши.</p>`,
		},
		"en": {
			subject: "Claim {{.Number}} is now yours",
			text: `Hello{{if .Name}} {{.Name}}{{end}},

Claim {{.Number}} has been reassigned to you{{if .Previous}} (previous manager: {{.Previous}}){{end}}.
{{if .Reason}}Reason: {{.Reason}}
{{end}}Its open tasks are now yours.`,
			html: `<p>Hello{{if .Name}} {{.Name}}{{end}},</p>
<p>Claim <b>{{.Number}}</b> has been reassigned to you{{if .Previous}} (previous manager: {{.Previous}}){{end}}.</p>
{{if .Reason}}<p>Reason:</p>
` + quote + `{{.Reason}}</blockquote>
{{end}}<p>Its open tasks are now yours.</p>`,
		},
	},
	kindMessageIn: {
		"ru": {
			subject: "Рекламация {{.Number}}: новое сообщение ({{.Author}})",
			text: `Здравствуйте{{if .Name}}, {{.Name}}{{end}}!

{{.Author}}{{if .AuthorName}} ({{.AuthorName}}){{end}} написал(а) в чате рекламации {{.Number}}.
Ответьте в чате рекламации.`,
			html: `<p>Здравствуйте{{if .Name}}, {{.Name}}{{end}}!</p>
<p>{{.Author}}{{if .AuthorName}} ({{.AuthorName}}){{end}} написал(а) в чате рекламации <b>{{.Number}}</b>.</p>
<p>Ответьте в чате рекламации.</p>`,
		},
		"en": {
			subject: "Claim {{.Number}}: new message from {{.Author}}",
			text: `Hello{{if .Name}} {{.Name}}{{end}},

{{.Author}}{{if .AuthorName}} ({{.AuthorName}}){{end}} has written in the chat of claim {{.Number}}.
Please answer in the claim's chat.`,
			html: `<p>Hello{{if .Name}} {{.Name}}{{end}},</p>
<p>{{.Author}}{{if .AuthorName}} ({{.AuthorName}}){{end}} has written in the chat of claim <b>{{.Number}}</b>.</p>
<p>Please answer in the claim's chat.</p>`,
		},
	},
	kindSLAWarning: {
		"ru": {
			subject: "Рекламация {{.Number}}: истекает срок",
			text: `Здравствуйте{{if .Name}}, {{.Name}}{{end}}!

По рекламации {{.Number}} истекает {{.Clock}}: {{.Due}}{{if .Stage}} (этап «{{.Stage}}»){{end}}.
Займитесь ею в первую очередь.`,
			html: `<p>Здравствуйте{{if .Name}}, {{.Name}}{{end}}!</p>
<p>По рекламации <b>{{.Number}}</b> истекает {{.Clock}}: <b>{{.Due}}</b>{{if .Stage}} (этап «{{.Stage}}»){{end}}.</p>
<p>Займитесь ею в первую очередь.</p>`,
		},
		"en": {
			subject: "Claim {{.Number}}: a deadline is close",
			text: `Hello{{if .Name}} {{.Name}}{{end}},

Claim {{.Number}}: {{.Clock}} is {{.Due}}{{if .Stage}} (stage: {{.Stage}}){{end}}.
Please deal with it first.`,
			html: `<p>Hello{{if .Name}} {{.Name}}{{end}},</p>
<p>Claim <b>{{.Number}}</b>: {{.Clock}} is <b>{{.Due}}</b>{{if .Stage}} (stage: {{.Stage}}){{end}}.</p>
<p>Please deal with it first.</p>`,
		},
	},
	kindUnassigned: {
		"ru": {
			subject: "Рекламация {{.Number}} ждёт назначения",
			text: `Новую рекламацию {{.Number}}{{if .Model}} (изделие {{.Model}}){{end}}{{if .Claimant}}, заявитель: {{.Claimant}}{{end}} не удалось назначить: нет доступного менеджера.
Назначьте её вручную.`,
			html: `<p>Новую рекламацию <b>{{.Number}}</b>{{if .Model}} (изделие {{.Model}}){{end}}{{if .Claimant}}, заявитель: {{.Claimant}}{{end}} не удалось назначить: нет доступного менеджера.</p>
<p>Назначьте её вручную.</p>`,
		},
		"en": {
			subject: "Claim {{.Number}} needs a manager",
			text: `The new claim {{.Number}}{{if .Model}} (product {{.Model}}){{end}}{{if .Claimant}} from {{.Claimant}}{{end}} could not be assigned: no manager was available.
Please assign it.`,
			html: `<p>The new claim <b>{{.Number}}</b>{{if .Model}} (product {{.Model}}){{end}}{{if .Claimant}} from {{.Claimant}}{{end}} could not be assigned: no manager was available.</p>
<p>Please assign it.</p>`,
		},
	},
	kindEscalated: {
		"ru": {
			subject: "Эскалация: рекламация {{.Number}}",
			text: `По рекламации {{.Number}} истёк {{.Clock}}: {{.Due}}{{if .Stage}} (этап «{{.Stage}}»){{end}}.
Уровень эскалации: {{.Level}}. {{if .Manager}}Ответственный менеджер: {{.Manager}}.{{else}}Менеджер не назначен.{{end}}`,
			html: `<p>По рекламации <b>{{.Number}}</b> истёк {{.Clock}}: <b>{{.Due}}</b>{{if .Stage}} (этап «{{.Stage}}»){{end}}.</p>
<p>Уровень эскалации: {{.Level}}. {{if .Manager}}Ответственный менеджер: {{.Manager}}.{{else}}Менеджер не назначен.{{end}}</p>`,
		},
		"en": {
			subject: "Escalation: claim {{.Number}}",
			text: `Claim {{.Number}}: {{.Clock}} passed at {{.Due}}{{if .Stage}} (stage: {{.Stage}}){{end}}.
Escalation level: {{.Level}}. {{if .Manager}}Responsible manager: {{.Manager}}.{{else}}No manager is assigned.{{end}}`,
			html: `<p>Claim <b>{{.Number}}</b>: {{.Clock}} passed at <b>{{.Due}}</b>{{if .Stage}} (stage: {{.Stage}}){{end}}.</p>
<p>Escalation level: {{.Level}}. {{if .Manager}}Responsible manager: {{.Manager}}.{{else}}No manager is assigned.{{end}}</p>`,
		},
	},
	kindLowRating: {
		"ru": {
			subject: "Низкая оценка: рекламация {{.Number}} — {{.Score}} из 5",
			text: `{{.Author}} оценил(а) работу по закрытой рекламации {{.Number}} на {{.Score}} из 5.
{{if .Comment}}Комментарий:
{{.Comment}}
{{end}}{{if .Manager}}Менеджер: {{.Manager}}.{{end}}`,
			html: `<p>{{.Author}} оценил(а) работу по закрытой рекламации <b>{{.Number}}</b> на <b>{{.Score}} из 5</b>.</p>
{{if .Comment}}<p>Комментарий:</p>
` + quote + `{{.Comment}}</blockquote>
{{end}}{{if .Manager}}<p>Менеджер: {{.Manager}}.</p>{{end}}`,
		},
		"en": {
			subject: "Low rating: claim {{.Number}} — {{.Score}} of 5",
			text: `{{.Author}} rated the handling of closed claim {{.Number}} {{.Score}} of 5.
{{if .Comment}}Comment:
{{.Comment}}
{{end}}{{if .Manager}}Manager: {{.Manager}}.{{end}}`,
			html: `<p>{{.Author}} rated the handling of closed claim <b>{{.Number}}</b> <b>{{.Score}} of 5</b>.</p>
{{if .Comment}}<p>Comment:</p>
` + quote + `{{.Comment}}</blockquote>
{{end}}{{if .Manager}}<p>Manager: {{.Manager}}.</p>{{end}}`,
		},
	},
}

// noteTemplates are the in-app notes of the kinds staff and dealers
// receive.
var noteTemplates = map[string]map[string]noteTemplate{
	kindSurge: surgeNote, // quality.go
	kindAssignedNew: {
		"ru": {"Новая рекламация {{.Number}}", "Вам назначена новая рекламация{{if .Model}} (изделие {{.Model}}){{end}}."},
		"en": {"New claim {{.Number}}", "A new claim{{if .Model}} (product {{.Model}}){{end}} is assigned to you."},
	},
	kindReassigned: {
		"ru": {"Рекламация {{.Number}} передана вам", "{{if .Reason}}Причина: {{.Reason}}{{else}}Её открытые задачи теперь ваши.{{end}}"},
		"en": {"Claim {{.Number}} is now yours", "{{if .Reason}}Reason: {{.Reason}}{{else}}Its open tasks are now yours.{{end}}"},
	},
	kindMessageIn: {
		"ru": {"Новое сообщение по {{.Number}}", "{{.Author}}{{if .AuthorName}} ({{.AuthorName}}){{end}} написал(а) в чате рекламации."},
		"en": {"New message on {{.Number}}", "{{.Author}}{{if .AuthorName}} ({{.AuthorName}}){{end}} has written in the claim's chat."},
	},
	kindSLAWarning: {
		"ru": {"Истекает срок по {{.Number}}", "Истекает {{.Clock}}: {{.Due}}."},
		"en": {"Deadline close on {{.Number}}", "Due: {{.Clock}}, {{.Due}}."},
	},
	kindUnassigned: {
		"ru": {"Рекламация {{.Number}} ждёт назначения", "Нет доступного менеджера: назначьте её вручную."},
		"en": {"Claim {{.Number}} needs a manager", "No manager was available: please assign it."},
	},
	kindEscalated: {
		"ru": {"Эскалация по {{.Number}}", "Истёк {{.Clock}}: {{.Due}}; уровень эскалации {{.Level}}."},
		"en": {"Escalation on {{.Number}}", "Passed: {{.Clock}}, {{.Due}}; escalation level {{.Level}}."},
	},
	kindLowRating: {
		"ru": {"Низкая оценка по {{.Number}}: {{.Score}} из 5", "{{if .Comment}}{{.Comment}}{{else}}Без комментария.{{end}}"},
		"en": {"Low rating on {{.Number}}: {{.Score}} of 5", "{{if .Comment}}{{.Comment}}{{else}}No comment.{{end}}"},
	},
	kindDealerStage: {
		"ru": {"Рекламация {{.Number}}: {{.Stage}}", "{{if .Reason}}{{.Reason}}{{else}}Этап рекламации изменился: подробности в карточке рекламации.{{end}}"},
		"en": {"Claim {{.Number}}: {{.Stage}}", "{{if .Reason}}{{.Reason}}{{else}}The claim has moved on: see the claim for details.{{end}}"},
	},
	kindDealerMessage: {
		"ru": {"Новое сообщение по {{.Number}}", "Отдел рекламаций написал в чате рекламации."},
		"en": {"New message on {{.Number}}", "The claims department has written in the claim's chat."},
	},
	kindRateRequest: {
		"ru": {"Рекламация {{.Number}} закрыта: оцените нашу работу",
			"Поставьте оценку от 1 до 5 и, если хотите, оставьте комментарий: в кабинете дилера или из вашей учётной системы."},
		"en": {"Claim {{.Number}} is closed: please rate our work",
			"Give a score from 1 to 5, with a comment if you like: in the dealer cabinet or from your own system."},
	},
}

// RateLink is a one-click rating link of the closing mail.
type RateLink struct {
	Score int
	Label string
	URL   string
}

// rateLabels name the scores, by language.
var rateLabels = map[string][5]string{
	"ru": {"очень плохо", "плохо", "удовлетворительно", "хорошо", "отлично"},
	"en": {"very bad", "bad", "fair", "good", "excellent"},
}

// rateLinks returns the rating links of a tracking link in lang ("" link:
// none).
func rateLinks(link, lang string) []RateLink {
	if link == "" {
		return nil
	}
	labels, ok := rateLabels[lang]
	if !ok {
		labels = rateLabels["ru"]
	}
	out := make([]RateLink, 0, 5)
	for score := 5; score >= 1; score-- {
		out = append(out, RateLink{Score: score, Label: labels[score-1], URL: fmt.Sprintf("%s/rating?score=%d", link, score)})
	}
	return out
}

// parsed holds every template, parsed once: a broken template fails at
// start-up (and in the tests), not on the first event of its kind.
type parsedMail struct {
	subject, text *texttemplate.Template
	html          *htmltemplate.Template
}

type parsedNote struct {
	title, text *texttemplate.Template
}

// parsed are the templates, parsed on first use: every function imports
// this package (through dynamo), only the notifier renders.
var parsed = sync.OnceValue(func() parsedTemplates {
	p := parsedTemplates{mails: map[string]map[string]parsedMail{}, notes: map[string]map[string]parsedNote{}}
	parsedMails, parsedNotes := p.mails, p.notes
	for kind, langs := range mailTemplates {
		parsedMails[kind] = map[string]parsedMail{}
		for lang, t := range langs {
			name := kind + "." + lang
			parsedMails[kind][lang] = parsedMail{
				subject: texttemplate.Must(texttemplate.New(name + ".subject").Option("missingkey=error").Parse(t.subject)),
				text:    texttemplate.Must(texttemplate.New(name + ".text").Option("missingkey=error").Parse(t.text)),
				html:    htmltemplate.Must(htmltemplate.New(name + ".html").Option("missingkey=error").Parse(t.html)),
			}
		}
	}
	for kind, langs := range noteTemplates {
		parsedNotes[kind] = map[string]parsedNote{}
		for lang, t := range langs {
			name := kind + "." + lang
			parsedNotes[kind][lang] = parsedNote{
				title: texttemplate.Must(texttemplate.New(name + ".title").Parse(t.title)),
				text:  texttemplate.Must(texttemplate.New(name + ".text").Parse(t.text)),
			}
		}
	}
	return p
})

type parsedTemplates struct {
	mails map[string]map[string]parsedMail
	notes map[string]map[string]parsedNote
}

// language returns a supported mail language: "en" or, for anything else,
// Russian.
func language(lang string) string {
	if strings.EqualFold(lang, "en") {
		return "en"
	}
	return "ru"
}

// renderMail renders a kind of mail in a language for to.
func renderMail(kind, lang string, data mailData, to string) (Mail, error) {
	lang = language(lang)
	data = data.localized(lang)
	t, ok := parsed().mails[kind][lang]
	if !ok {
		return Mail{}, fmt.Errorf("no %s mail template", kind)
	}
	subject, err := execText(t.subject, data)
	if err != nil {
		return Mail{}, err
	}
	text, err := execText(t.text, data)
	if err != nil {
		return Mail{}, err
	}
	var b bytes.Buffer
	if err := t.html.Execute(&b, data); err != nil {
		return Mail{}, fmt.Errorf("render %s mail: %w", kind, err)
	}
	html := `<!doctype html><html><body style="font-family:sans-serif">` + b.String() + `</body></html>`
	// A subject is one line, whatever a value held.
	subject = strings.Join(strings.Fields(subject), " ")
	return Mail{To: []string{to}, Subject: subject, Text: text, HTML: html,
		Headers: map[string]string{"X-Claim-Number": data.Number}}, nil
}

// renderNote renders the Russian and English title and text of a note,
// each naming what the data carries in its own language.
func renderNote(kind string, data mailData) (title, text, titleEN, textEN string, err error) {
	render := func(lang string) (string, string, error) {
		t, ok := parsed().notes[kind][lang]
		if !ok {
			return "", "", fmt.Errorf("no %s note template", kind)
		}
		data := data.localized(lang)
		title, err := execText(t.title, data)
		if err != nil {
			return "", "", err
		}
		text, err := execText(t.text, data)
		return strings.Join(strings.Fields(title), " "), text, err
	}
	if title, text, err = render("ru"); err != nil {
		return
	}
	titleEN, textEN, err = render("en")
	return
}

func execText(t *texttemplate.Template, data any) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render %s: %w", t.Name(), err)
	}
	return b.String(), nil
}

// Localised names of what the events carry.
var (
	stageNames = map[string]map[string]string{
		"ru": {
			"new": "новая", "information_check": "проверка информации", "diagnostics": "диагностика", "decision": "решение",
			"implementation": "исполнение решения", "incident_analysis": "анализ инцидента", "quality_control": "контроль качества",
			"closed": "закрыта", "waiting_for_customer": "ожидание клиента", "returned_for_rework": "возвращена на доработку",
			"rejected": "отклонена", "withdrawn": "отозвана",
		},
		"en": {
			"new": "new", "information_check": "information check", "diagnostics": "diagnostics", "decision": "decision",
			"implementation": "implementation", "incident_analysis": "incident analysis", "quality_control": "quality control",
			"closed": "closed", "waiting_for_customer": "waiting for the customer", "returned_for_rework": "returned for rework",
			"rejected": "rejected", "withdrawn": "withdrawn",
		},
	}
	resolutionNames = map[string]map[string]string{
		"ru": {
			"repair": "ремонт", "replace": "замена", "refund": "возврат денег", "partial_refund": "частичный возврат денег",
			"reject": "в удовлетворении отказано", "carrier_claim": "претензия к перевозчику",
		},
		"en": {
			"repair": "repair", "replace": "replacement", "refund": "refund", "partial_refund": "partial refund",
			"reject": "the claim is not upheld", "carrier_claim": "a claim against the carrier",
		},
	}
	clockNames = map[string]map[string]string{
		"ru": {"firstResponse": "срок первого ответа", "resolution": "срок решения по рекламации", "statutory": "установленный законом срок"},
		"en": {"firstResponse": "the first response deadline", "resolution": "the resolution deadline", "statutory": "the statutory deadline"},
	}
	authorNames = map[string]map[string]string{
		"ru": {"claimant": "Клиент", "dealer": "Дилер"},
		"en": {"claimant": "The customer", "dealer": "The dealer"},
	}
)

// named returns the name of key in lang from names, or key itself.
func named(names map[string]map[string]string, lang, key string) string {
	if v, ok := names[language(lang)][key]; ok {
		return v
	}
	return key
}

// clockName names an SLA clock ("stage:<stage>" is the stage's deadline).
func clockName(lang, clock string) string {
	if stage, ok := strings.CutPrefix(clock, "stage:"); ok {
		if language(lang) == "en" {
			return "the " + named(stageNames, lang, stage) + " stage deadline"
		}
		return "срок этапа «" + named(stageNames, lang, stage) + "»"
	}
	return named(clockNames, lang, clock)
}

// formatTime writes a due time in the company's time zone.
func formatTime(lang string, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	if language(lang) == "en" {
		return t.Format("2 Jan 2006 15:04 MST")
	}
	return t.Format("02.01.2006 15:04 MST")
}
