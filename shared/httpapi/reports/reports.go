// Package reports is the HTTP edge of the ReportsFunction: the reports on
// the claims' aggregates and the claims list, as JSON, CSV, XLSX or PDF.
// It is apart from package httpapi so that only the function that draws
// spreadsheets links the spreadsheet library (its start-up costs a
// millisecond).
//
// Layer: edge.
package reports

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/httpapi"
	"github.com/claimsdesk/backend/shared/lazyre"
	"github.com/claimsdesk/backend/shared/reportfile"
	"github.com/claimsdesk/backend/shared/visibility"
)

// ReportsAPI serves the reports on the claims' aggregates: JSON, CSV, XLSX
// or PDF. Supervisors and admins read every claim's figures, or one
// dealer's; a dealer (or a dealer's system) reads their own, without the
// claims department's own dimensions.
type ReportsAPI struct {
	Reader analytics.Reader
	// Catalog names categories and types in files (optional: their IDs).
	Catalog  catalog.Source
	Location *time.Location
	Now      func() time.Time
}

var (
	dayPattern      = lazyre.New(`^\d{4}-\d{2}-\d{2}$`)
	measuresPattern = lazyre.New(`^[a-zA-Z0-9]+(,[a-zA-Z0-9]+)*$`)
	filterPattern   = lazyre.New(`^[a-zA-Z]+:.{1,300}$`)
)

// Register adds the report route.
func (a *ReportsAPI) Register(r *apigw.Router) {
	r.Handle("GET /v1/reports/{name}", a.report,
		apigw.PatternParam("from", dayPattern, 10, "a day as YYYY-MM-DD").Req(),
		apigw.PatternParam("to", dayPattern, 10, "a day as YYYY-MM-DD").Req(),
		apigw.EnumParam("period", analytics.Periods...),
		apigw.TextParam("groupBy", 40),
		apigw.TextParam("thenBy", 40),
		apigw.PatternParam("filter", filterPattern, 340, "a dimension and a value as <dimension>:<value>, e.g. category:defect"),
		apigw.PatternParam("measures", measuresPattern, 600, "measure names separated by commas"),
		httpapi.DealerIDParam("dealerId"),
		apigw.EnumParam("format", "json", "csv", "xlsx", "pdf"),
		httpapi.LangParam(),
	)
}

func (a *ReportsAPI) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *ReportsAPI) loc() *time.Location {
	if a.Location != nil {
		return a.Location
	}
	return time.UTC
}

func (a *ReportsAPI) report(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	p := req.Principal
	if err := auth.Require(p, auth.Supervisor, auth.Admin, auth.Dealer, auth.Integration); err != nil {
		return nil, err
	}
	q := analytics.Query{Name: req.Param("name"), Period: req.Query.Get("period"), GroupBy: analytics.Dim(req.Query.Get("groupBy")),
		ThenBy: analytics.Dim(req.Query.Get("thenBy"))}
	loc := a.loc()
	var err error
	if q.From, err = time.ParseInLocation("2006-01-02", req.Query.Get("from"), loc); err != nil {
		return nil, apperr.InvalidField("from", "a day as YYYY-MM-DD")
	}
	if q.To, err = time.ParseInLocation("2006-01-02", req.Query.Get("to"), loc); err != nil {
		return nil, apperr.InvalidField("to", "a day as YYYY-MM-DD")
	}
	if f := req.Query.Get("filter"); f != "" {
		dim, value, _ := strings.Cut(f, ":")
		q.FilterDim, q.FilterValue = analytics.Dim(dim), value
	}
	if m := req.Query.Get("measures"); m != "" {
		q.Measures = strings.Split(m, ",")
	}
	// Whose figures: a dealer's own, or (staff) everybody's or a dealer's.
	dealer := req.Query.Get("dealerId")
	switch aud := visibility.Of(p); {
	case aud == visibility.Dealer:
		own := visibility.DealerScope(p)
		if dealer != "" && dealer != own {
			return nil, apperr.Errorf(apperr.Forbidden, "a dealer reads their own figures only")
		}
		for _, d := range []analytics.Dim{q.GroupBy, q.ThenBy, q.FilterDim} {
			if d.Internal() {
				return nil, apperr.Errorf(apperr.Forbidden, "the %s dimension is the claims department's", d)
			}
		}
		q.Scope = analytics.DealerScope(own)
	case p.HasAny(auth.Supervisor, auth.Admin) || aud == visibility.Integration:
		q.Scope = analytics.AllScope
		if dealer != "" {
			q.Scope = analytics.DealerScope(dealer)
		}
	default:
		return nil, apperr.Errorf(apperr.Forbidden, "reports are for supervisors, admins and dealers")
	}
	if q.Name == analytics.ReportManagers && q.Scope != analytics.AllScope && visibility.Of(p) == visibility.Dealer {
		return nil, apperr.Errorf(apperr.Forbidden, "the managers' report is the claims department's")
	}
	res, err := analytics.Run(ctx, a.Reader, q, a.now().In(loc))
	if err != nil {
		return nil, err
	}
	format := req.Query.Get("format")
	if format == "" || format == "json" {
		return apigw.JSON(http.StatusOK, res), nil
	}
	lang := "ru"
	if req.Query.Get("lang") == "en" {
		lang = "en"
	}
	file := a.reportFile(ctx, res, lang, loc)
	var body []byte
	var ctype string
	switch format {
	case "csv":
		body, err = reportfile.CSV(file)
		ctype = "text/csv; charset=utf-8"
	case "xlsx":
		body, err = reportfile.XLSX(file)
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case "pdf":
		body, err = reportfile.PDF(file)
		ctype = "application/pdf"
	}
	if err != nil {
		return nil, fmt.Errorf("render the %s report as %s: %w", res.Name, format, err)
	}
	out := apigw.Bytes(http.StatusOK, ctype, body)
	out.Headers["content-disposition"] = fmt.Sprintf(`attachment; filename="%s_%s_%s.%s"`, res.Name, res.From, res.To, format)
	return out, nil
}

// measureTitles name the measures in files, by language.
var measureTitles = map[string][2]string{
	"registered": {"Зарегистрировано", "Registered"}, "resolved": {"Рассмотрено", "Resolved"}, "closed": {"Закрыто", "Closed"},
	"rejected": {"Отклонено", "Rejected"}, "withdrawn": {"Отозвано", "Withdrawn"}, "open": {"Открыто на конец", "Open at the end"},
	"granted": {"Удовлетворено", "Granted"}, "refused": {"Отказано", "Refused"}, "grantedShare": {"Доля удовлетворённых", "Granted share"},
	"cost": {"Стоимость решений", "Cost of decisions"}, "avgHours": {"Среднее время, раб. ч", "Average time, business h"},
	"medianHours": {"Медиана, раб. ч", "Median, business h"}, "p90Hours": {"90-й процентиль, раб. ч", "90th percentile, business h"},
	"avgDays": {"Среднее время, дн.", "Average time, days"}, "medianDays": {"Медиана, дн.", "Median, days"},
	"p90Days": {"90-й процентиль, дн.", "90th percentile, days"}, "firstResponseHours": {"Первый ответ, раб. ч", "First response, business h"},
	"breached": {"Нарушения SLA", "SLA breaches"}, "escalated": {"Эскалации", "Escalations"},
	"statutoryMissed": {"Пропущен срок по закону", "Statutory deadline missed"}, "ratings": {"Оценок", "Ratings"},
	"avgScore": {"Средняя оценка", "Average score"}, "highShare": {"Доля оценок 4–5", "Share of 4–5"},
}

// dimTitles name the dimensions in files, by language.
var dimTitles = map[analytics.Dim][2]string{
	analytics.DimAll: {"Все", "All"}, analytics.DimCategory: {"Категория", "Category"}, analytics.DimType: {"Тип", "Type"},
	analytics.DimChannel: {"Канал", "Channel"}, analytics.DimDealer: {"Дилер", "Dealer"}, analytics.DimCustomer: {"Клиент", "Customer"},
	analytics.DimManager: {"Менеджер", "Manager"}, analytics.DimStage: {"Этап", "Stage"}, analytics.DimWarranty: {"Гарантийный случай", "Warranty case"},
	analytics.DimResolution: {"Решение", "Resolution"}, analytics.DimFaultParty: {"Виновная сторона", "Party at fault"},
	analytics.DimCulpritDepartment: {"Виновное подразделение", "Department at fault"}, analytics.DimRootCause: {"Причина", "Root cause"},
	analytics.DimModel: {"Модель", "Model"}, analytics.DimSeries: {"Серия", "Series"}, analytics.DimPriority: {"Приоритет", "Priority"},
}

// dimTitle names a dimension in a file (its ID when it has no title).
func dimTitle(lang string, d analytics.Dim) string {
	if t, ok := dimTitles[d]; ok {
		return pick(lang, t)
	}
	return string(d)
}

var reportTitles = map[string][2]string{
	analytics.ReportDynamics: {"Динамика рекламаций", "Claims over time"}, analytics.ReportStructure: {"Структура рекламаций", "Structure of claims"},
	analytics.ReportSatisfaction: {"Удовлетворённость", "Satisfaction"}, analytics.ReportManagers: {"Работа менеджеров", "Managers"},
	analytics.ReportProducts: {"Рекламации по изделиям", "Claims by product"},
}

func pick(lang string, t [2]string) string {
	if lang == "en" {
		return t[1]
	}
	return t[0]
}

// measureKind is how a file shows a measure.
func measureKind(m string) reportfile.Kind {
	switch m {
	case "grantedShare", "highShare":
		return reportfile.KindPercent
	case "cost":
		return reportfile.KindMoney
	case "avgHours", "medianHours", "p90Hours", "firstResponseHours":
		return reportfile.KindHours
	case "avgDays", "medianDays", "p90Days":
		return reportfile.KindDays
	case "avgScore":
		return reportfile.KindDecimal
	}
	return reportfile.KindInt
}

func measureValue(m string, v float64) reportfile.Value {
	switch measureKind(m) {
	case reportfile.KindInt:
		return reportfile.Int(int64(v))
	case reportfile.KindMoney:
		return reportfile.Int(int64(v*100 + 0.5))
	}
	return reportfile.Number(v)
}

// reportFile lays a report's figures out for a file: a table of its rows
// and totals, and charts (dynamics: columns of the counts over time;
// otherwise bars of the first two measures by group, the 20 largest).
func (a *ReportsAPI) reportFile(ctx context.Context, res *analytics.Result, lang string, loc *time.Location) reportfile.Report {
	label, thenLabel := a.labeler(ctx, res.GroupBy, lang), a.labeler(ctx, res.ThenBy, lang)
	groupTitle := pick(lang, [2]string{"Период", "Period"})
	if res.Name != analytics.ReportDynamics {
		groupTitle = dimTitle(lang, res.GroupBy)
	}
	cols := []reportfile.Column{{Key: "key", Title: groupTitle, Kind: reportfile.KindText}}
	if res.ThenBy != "" {
		cols = append(cols, reportfile.Column{Key: "then", Title: dimTitle(lang, res.ThenBy), Kind: reportfile.KindText})
	}
	for _, m := range res.Measures {
		cols = append(cols, reportfile.Column{Key: m, Title: pick(lang, measureTitles[m]), Kind: measureKind(m)})
	}
	r := reportfile.Report{
		Title: pick(lang, reportTitles[res.Name]), Language: lang, Columns: cols, GeneratedAt: a.now(), Location: loc,
		Period: res.From + " — " + res.To,
	}
	if res.Filter != "" {
		r.Filters = append(r.Filters, res.Filter)
	}
	if res.Period != "" {
		r.Subtitle = pick(lang, [2]string{"по периодам: ", "by "}) + res.Period
	} else {
		r.Subtitle = pick(lang, [2]string{"в разрезе: ", "by "}) + strings.ToLower(dimTitle(lang, res.GroupBy))
		if res.ThenBy != "" {
			r.Subtitle += pick(lang, [2]string{" и ", " and "}) + strings.ToLower(dimTitle(lang, res.ThenBy))
		}
	}
	var cats []string
	for _, row := range res.Rows {
		cells := []reportfile.Value{reportfile.Text(label(row.Key))}
		cat := label(row.Key)
		if res.ThenBy != "" {
			cells = append(cells, reportfile.Text(thenLabel(row.Then)))
			cat += " / " + thenLabel(row.Then)
		}
		for _, m := range res.Measures {
			cells = append(cells, measureValue(m, row.Values[m]))
		}
		r.Rows = append(r.Rows, cells)
		cats = append(cats, cat)
	}
	totals := []reportfile.Value{reportfile.Text(pick(lang, [2]string{"Итого", "Total"}))}
	if res.ThenBy != "" {
		totals = append(totals, reportfile.Blank())
	}
	for _, m := range res.Measures {
		if v, ok := res.Totals[m]; ok {
			totals = append(totals, measureValue(m, v))
		} else {
			totals = append(totals, reportfile.Blank())
		}
	}
	r.Totals = totals
	series := func(m string, limit int) reportfile.Series {
		s := reportfile.Series{Name: pick(lang, measureTitles[m])}
		for i, row := range res.Rows {
			if limit > 0 && i >= limit {
				break
			}
			s.Values = append(s.Values, row.Values[m])
		}
		return s
	}
	if res.Name == analytics.ReportDynamics {
		var counts []reportfile.Series
		for _, m := range res.Measures {
			if m != "open" && measureKind(m) == reportfile.KindInt {
				counts = append(counts, series(m, 0))
			}
		}
		if len(counts) > 0 {
			r.Charts = append(r.Charts, reportfile.Chart{Kind: reportfile.ChartColumn, Title: r.Title, XTitle: groupTitle,
				YTitle: pick(lang, [2]string{"Рекламаций", "Claims"}), Categories: cats, Series: counts})
		}
		for _, m := range res.Measures {
			if m == "open" {
				r.Charts = append(r.Charts, reportfile.Chart{Kind: reportfile.ChartLine, Title: pick(lang, measureTitles[m]), XTitle: groupTitle,
					YTitle: pick(lang, [2]string{"Рекламаций", "Claims"}), Categories: cats, Series: []reportfile.Series{series(m, 0)}})
			}
		}
		return r
	}
	const top = 20
	for i, m := range res.Measures {
		if i >= 2 {
			break
		}
		n := min(len(cats), top)
		r.Charts = append(r.Charts, reportfile.Chart{Kind: reportfile.ChartBar, Title: pick(lang, measureTitles[m]), XTitle: groupTitle,
			YTitle: pick(lang, measureTitles[m]), Categories: cats[:n], Series: []reportfile.Series{series(m, top)}})
	}
	return r
}

// labeler names a dimension's values in files: categories and types by
// their catalog names, the rest as they are.
func (a *ReportsAPI) labeler(ctx context.Context, dim analytics.Dim, lang string) func(string) string {
	plain := func(v string) string { return v }
	if a.Catalog == nil || (dim != analytics.DimCategory && dim != analytics.DimType) {
		return plain
	}
	cat, err := a.Catalog.Catalog(ctx)
	if err != nil {
		return plain
	}
	return func(v string) string {
		if dim == analytics.DimCategory {
			if c, ok := cat.Category(v); ok {
				return c.Name.In(lang)
			}
		} else if t, ok := cat.Type(v); ok {
			return t.Name.In(lang)
		}
		return v
	}
}
