package reportdelivery

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/docfmt"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/reportfile"
	"github.com/claimsdesk/backend/shared/reportlayout"
	"github.com/claimsdesk/backend/shared/reportmail"
)

// maxMailRows bounds the rows of the summary table in the mail (the files
// carry them all).
const maxMailRows = 20

// unsubscribeMarker stands for the unsubscribe link while the HTML is
// rendered (html/template would escape the placeholder's braces).
const unsubscribeMarker = "https://unsubscribe.invalid/marker"

// value formats a measure for the mail.
func value(m string, v float64, lang string) string {
	switch reportlayout.MeasureKind(m) {
	case reportfile.KindInt:
		return docfmt.Quantity(v, lang)
	case reportfile.KindPercent:
		return docfmt.Decimal(v*100, 1, lang) + " %"
	case reportfile.KindMoney:
		return docfmt.Sum(int64(v*100+0.5), lang)
	case reportfile.KindDecimal:
		return docfmt.Decimal(v, 2, lang)
	}
	return docfmt.Decimal(v, 1, lang)
}

type mailView struct {
	Lang, Title, Period, Scope, Intro string
	Figures                           []figure
	Chart                             bool
	ChartCID, ChartAlt                string
	Head                              []string
	Rows                              [][]string
	More                              string
	Files, Links                      []fileView
	FilesTitle, LinksTitle            string
	Footer, UnsubscribeText           string
	Unsubscribe                       template.URL
}

type figure struct{ Name, Value string }

type fileView struct{ Name, Size, URL string }

var htmlTemplate = template.Must(template.New("mail").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#222;max-width:760px">
<h1 style="font-size:20px;margin:0 0 4px">{{.Title}}</h1>
<p style="margin:0 0 12px;color:#555">{{.Period}}{{if .Scope}} · {{.Scope}}{{end}}</p>
<p>{{.Intro}}</p>
<table style="border-collapse:collapse;margin:8px 0 16px">{{range .Figures}}
<tr><td style="padding:2px 12px 2px 0;color:#555">{{.Name}}</td><td style="padding:2px 0;font-weight:bold;text-align:right">{{.Value}}</td></tr>{{end}}
</table>
{{if .Chart}}<p><img src="cid:{{.ChartCID}}" alt="{{.ChartAlt}}" width="720" style="max-width:100%;height:auto"></p>{{end}}
{{if .Rows}}<table style="border-collapse:collapse;font-size:13px">
<tr>{{range .Head}}<th style="border-bottom:1px solid #999;padding:4px 8px;text-align:left">{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td style="border-bottom:1px solid #ddd;padding:3px 8px">{{.}}</td>{{end}}</tr>
{{end}}</table>{{if .More}}<p style="color:#555">{{.More}}</p>{{end}}{{end}}
{{if .Files}}<p>{{.FilesTitle}}</p><ul>{{range .Files}}<li>{{.Name}} ({{.Size}})</li>{{end}}</ul>{{end}}
{{if .Links}}<p>{{.LinksTitle}}</p><ul>{{range .Links}}<li><a href="{{.URL}}">{{.Name}}</a> ({{.Size}})</li>{{end}}</ul>{{end}}
<hr style="border:none;border-top:1px solid #ddd;margin-top:24px">
<p style="font-size:12px;color:#777">{{.Footer}} <a href="{{.Unsubscribe}}">{{.UnsubscribeText}}</a></p>
</body></html>
`))

// compose writes the mail of a built report: subject, HTML (figures, the
// chart as cid:, the top rows, the files) and plain text, with the
// unsubscribe placeholder where each recipient's link goes.
func compose(sub *reportmail.Subscription, span reportmail.Span, res *analytics.Result, label func(string) string,
	chart bool, files, links []events.ReportFile) (subject, html, text string, err error) {
	lang := sub.Language
	t := func(ru, en string) string {
		if lang == "en" {
			return en
		}
		return ru
	}
	title := reportlayout.Title(sub.Report, lang)
	period := docfmt.NumericDate(span.From, time.UTC, lang)
	if !span.To.Equal(span.From) {
		period += " — " + docfmt.NumericDate(span.To, time.UTC, lang)
	}
	subject = title + ": " + period
	v := mailView{Lang: lang, Title: title, Period: period, Chart: chart, ChartCID: events.ChartContentID, ChartAlt: t("График", "Chart"),
		Intro:      t("Отчёт по расписанию за период ", "Your scheduled report for ") + period + ".",
		FilesTitle: t("Во вложении:", "Attached:"), LinksTitle: t("Файлы слишком велики для письма; скачайте их по ссылкам (действуют 7 дней):", "The files are too large to attach; download them (links valid for 7 days):"),
		Footer:          t("Вы получаете это письмо, потому что подписаны на отчёт ClaimsDesk.", "You receive this mail because you are subscribed to a ClaimsDesk report."),
		UnsubscribeText: t("Отписаться", "Unsubscribe"), Unsubscribe: template.URL(unsubscribeMarker)}
	if sub.DealerID != "" {
		v.Scope = t("дилер ", "dealer ") + sub.DealerID
	}
	for _, m := range res.Measures {
		if tot, ok := res.Totals[m]; ok {
			v.Figures = append(v.Figures, figure{Name: reportlayout.MeasureTitle(m, lang), Value: value(m, tot, lang)})
		}
	}
	head := t("Период", "Period")
	if res.Name != analytics.ReportDynamics {
		head = reportlayout.DimTitle(res.GroupBy, lang)
	}
	v.Head = []string{head}
	for _, m := range res.Measures {
		v.Head = append(v.Head, reportlayout.MeasureTitle(m, lang))
	}
	for i, row := range res.Rows {
		if i == maxMailRows {
			v.More = fmt.Sprintf(t("и ещё строк: %d — в файлах", "and %d more rows in the files"), len(res.Rows)-maxMailRows)
			break
		}
		cells := []string{label(row.Key)}
		for _, m := range res.Measures {
			cells = append(cells, value(m, row.Values[m], lang))
		}
		v.Rows = append(v.Rows, cells)
	}
	for _, f := range files {
		v.Files = append(v.Files, fileView{Name: f.FileName, Size: docfmt.FileSize(f.Size, lang)})
	}
	for _, f := range links {
		v.Links = append(v.Links, fileView{Name: f.FileName, Size: docfmt.FileSize(f.Size, lang), URL: f.URL})
	}
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, v); err != nil {
		return "", "", "", fmt.Errorf("render the mail of %s: %w", sub.ID, err)
	}
	html = strings.ReplaceAll(b.String(), unsubscribeMarker, events.UnsubscribePlaceholder)

	var tx strings.Builder
	fmt.Fprintf(&tx, "%s\n%s", title, period)
	if v.Scope != "" {
		fmt.Fprintf(&tx, " · %s", v.Scope)
	}
	tx.WriteString("\n\n")
	for _, f := range v.Figures {
		fmt.Fprintf(&tx, "%s: %s\n", f.Name, f.Value)
	}
	if len(v.Rows) > 0 {
		tx.WriteString("\n" + strings.Join(v.Head, " | ") + "\n")
		for _, r := range v.Rows {
			tx.WriteString(strings.Join(r, " | ") + "\n")
		}
		if v.More != "" {
			tx.WriteString(v.More + "\n")
		}
	}
	if len(v.Files) > 0 {
		tx.WriteString("\n" + v.FilesTitle + "\n")
		for _, f := range v.Files {
			fmt.Fprintf(&tx, "- %s (%s)\n", f.Name, f.Size)
		}
	}
	if len(v.Links) > 0 {
		tx.WriteString("\n" + v.LinksTitle + "\n")
		for _, f := range v.Links {
			fmt.Fprintf(&tx, "- %s (%s): %s\n", f.Name, f.Size, f.URL)
		}
	}
	fmt.Fprintf(&tx, "\n--\n%s\n%s: %s\n", v.Footer, v.UnsubscribeText, events.UnsubscribePlaceholder)
	return subject, html, tx.String(), nil
}
