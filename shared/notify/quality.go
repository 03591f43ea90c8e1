package notify

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/docfmt"
	"github.com/claimsdesk/backend/shared/events"
)

// KeyQualityMail is the key of the quality engineers' mail.
const KeyQualityMail = "mail:quality"

// kindSurge is the quality engineers' mail (and the supervisors' note) of
// a defect surge.
const kindSurge = "surge"

// MaxRecipients bounds a configured recipients list.
const MaxRecipients = 50

// ParseRecipients reads a comma-separated list of addresses (the quality
// engineers': QUALITY_EMAIL); "" is none. It returns an Invalid error
// naming the first address that is not one, or a list over
// MaxRecipients.
func ParseRecipients(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, err := mail.ParseAddress(part)
		if err != nil || a.Address != part {
			return nil, apperr.InvalidField("recipients", fmt.Sprintf("%q is not a plain address", part))
		}
		out = append(out, part)
	}
	if len(out) > MaxRecipients {
		return nil, apperr.InvalidField("recipients", fmt.Sprintf("at most %d addresses", MaxRecipients))
	}
	return out, nil
}

// planSurge tells the quality engineers (their mail; the supervisors'
// address when none is configured) and the supervisors' inbox of a surge.
func (n *Notifier) planSurge(ctx context.Context, e events.Event, p *plan) error {
	var d events.Surge
	if err := decode(e, &d); err != nil {
		return err
	}
	data := mailData{Number: d.AlertID, Model: d.Model, Series: d.Series, TypeID: d.TypeID, TypeName: d.TypeID, TypeNameEN: d.TypeID, Observed: d.Observed,
		Expected: docfmt.Quantity(d.Expected, "en"), ExpectedRU: docfmt.Quantity(d.Expected, "ru"), WindowFrom: d.Window.From, WindowTo: d.Window.To, WindowDays: d.Window.Days,
		ClaimList: strings.Join(d.Claims, ", "), Units: d.UnitsInService, Again: d.Announcement > 1}
	if n.cfg.Catalog != nil {
		// The type as people know it; its ID when the catalog cannot say
		// (the alert still goes out).
		if cat, err := n.cfg.Catalog.Catalog(ctx); err == nil {
			if t, ok := cat.Type(d.TypeID); ok {
				data.TypeName, data.TypeNameEN = t.Name.In("ru"), t.Name.In("en")
			}
		} else {
			n.cfg.Logger.WarnContext(ctx, "surge mail: catalog not read, the type goes by its ID", "error", err.Error(), "typeId", d.TypeID)
		}
	}
	to := n.cfg.QualityEmail
	if len(to) == 0 && n.cfg.SupervisorsEmail != "" {
		to = []string{n.cfg.SupervisorsEmail}
	}
	if len(to) > 0 {
		m, err := renderMail(kindSurge, n.cfg.StaffLanguage, data, to[0])
		if err != nil {
			return err
		}
		m.To = append([]string(nil), to...)
		// The alert's ID stands where a claim's number would.
		m.Headers = map[string]string{"X-Claimsdesk-Alert": d.AlertID}
		p.add(Delivery{Key: KeyQualityMail, Mail: &m})
	}
	return n.note(e, SupervisorsInbox, kindSurge, data, p)
}

// surgeMail and surgeNote are the texts of kindSurge.
var (
	surgeMail = map[string]mailTemplate{
		"ru": {
			subject: "{{if .Again}}Всплеск продолжается{{else}}Всплеск рекламаций{{end}}: серия {{.Series}}, {{.TypeName}} ({{.Number}})",
			text: `Серия {{.Series}} (изделие {{.Model}}), вид рекламации «{{.TypeName}}»:
{{.Observed}} рекламаций за {{.WindowDays}} дн. ({{.WindowFrom}} — {{.WindowTo}}) при ожидаемых {{.ExpectedRU}}.
{{if .Units}}В эксплуатации: {{.Units}} шт.
{{end}}Оповещение {{.Number}}.{{if .Again}} Срок отключения оповещения истёк, а всплеск продолжается.{{end}}
Рекламации: {{.ClaimList}}`,
			html: `<p>Серия <b>{{.Series}}</b> (изделие {{.Model}}), вид рекламации «<b>{{.TypeName}}</b>»:
<b>{{.Observed}}</b> рекламаций за {{.WindowDays}} дн. ({{.WindowFrom}} — {{.WindowTo}}) при ожидаемых {{.ExpectedRU}}.</p>
{{if .Units}}<p>В эксплуатации: {{.Units}} шт.</p>{{end}}
<p>Оповещение {{.Number}}.{{if .Again}} Срок отключения оповещения истёк, а всплеск продолжается.{{end}}</p>
<p>Рекламации: {{.ClaimList}}</p>`,
		},
		"en": {
			subject: "{{if .Again}}Surge goes on{{else}}Claims surge{{end}}: series {{.Series}}, {{.TypeNameEN}} ({{.Number}})",
			text: `Series {{.Series}} (product {{.Model}}), claim type "{{.TypeNameEN}}":
{{.Observed}} claims in {{.WindowDays}} days ({{.WindowFrom}} to {{.WindowTo}}) where {{.Expected}} were expected.
{{if .Units}}Units in service: {{.Units}}.
{{end}}Alert {{.Number}}.{{if .Again}} Its mute ran out and the surge goes on.{{end}}
Claims: {{.ClaimList}}`,
			html: `<p>Series <b>{{.Series}}</b> (product {{.Model}}), claim type "<b>{{.TypeNameEN}}</b>":
<b>{{.Observed}}</b> claims in {{.WindowDays}} days ({{.WindowFrom}} to {{.WindowTo}}) where {{.Expected}} were expected.</p>
{{if .Units}}<p>Units in service: {{.Units}}.</p>{{end}}
<p>Alert {{.Number}}.{{if .Again}} Its mute ran out and the surge goes on.{{end}}</p>
<p>Claims: {{.ClaimList}}</p>`,
		},
	}
	surgeNote = map[string]noteTemplate{
		"ru": {"Всплеск рекламаций: серия {{.Series}}, {{.TypeName}} ({{.Number}})", "{{.Observed}} за {{.WindowDays}} дн. при ожидаемых {{.ExpectedRU}}."},
		"en": {"Claims surge: series {{.Series}}, {{.TypeNameEN}} ({{.Number}})", "{{.Observed}} in {{.WindowDays}} days where {{.Expected}} were expected."},
	}
)
