// Package reportlayout lays a report's figures (analytics.Result) out for
// people: the titles of reports, measures and dimensions in Russian and
// English, and the file (reportfile.Report: table, totals, charts) that the
// reports API and the report mails render as CSV, XLSX or PDF. It imports
// reportfile, hence the spreadsheet library: only the functions that draw
// files import it (the reports and the report mails), never the claims,
// public or admin functions.
//
// Layer: domain.
package reportlayout

import (
	"context"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/reportfile"
)

// Title names a report in lang (ru, en); its name when unknown.
func Title(name, lang string) string {
	if t, ok := reportTitles[name]; ok {
		return pick(lang, t)
	}
	return name
}

// MeasureTitle names a measure in lang; its name when unknown.
func MeasureTitle(m, lang string) string {
	if t, ok := measureTitles[m]; ok {
		return pick(lang, t)
	}
	return m
}

// DimTitle names a dimension in lang.
func DimTitle(d analytics.Dim, lang string) string { return dimTitle(lang, d) }

// MeasureKind is how files show a measure.
func MeasureKind(m string) reportfile.Kind { return measureKind(m) }

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

// periodTitles say how a dynamics report is divided, by language ("по
// месяцам", not the query's "month").
var periodTitles = map[string][2]string{
	"day": {"по дням", "by day"}, "week": {"по неделям", "by week"}, "month": {"по месяцам", "by month"},
	"quarter": {"по кварталам", "by quarter"}, "year": {"по годам", "by year"},
}

// codeNames name the coded values of a dimension, by language: what a
// report groups by and a claims list shows ("Проверка информации", not
// "information_check").
var codeNames = map[analytics.Dim]map[string][2]string{
	analytics.DimStage: {
		"new": {"Новая", "New"}, "information_check": {"Проверка информации", "Information check"},
		"diagnostics": {"Диагностика", "Diagnostics"}, "decision": {"Решение", "Decision"},
		"implementation": {"Исполнение решения", "Implementation"}, "incident_analysis": {"Анализ инцидента", "Incident analysis"},
		"quality_control": {"Контроль качества", "Quality control"}, "closed": {"Закрыта", "Closed"},
		"waiting_for_customer": {"Ожидание клиента", "Waiting for the customer"},
		"returned_for_rework":  {"Возвращена на доработку", "Returned for rework"},
		"rejected":             {"Отклонена", "Rejected"}, "withdrawn": {"Отозвана", "Withdrawn"},
	},
	analytics.DimChannel: {
		string(claims.ChannelQR): {"QR-код", "QR code"}, string(claims.ChannelDealerForm): {"Кабинет дилера", "Dealer cabinet"},
		string(claims.ChannelAPI): {"API", "API"}, string(claims.ChannelPhone): {"Телефон", "Phone"},
	},
	analytics.DimPriority: {
		string(catalog.Low): {"Низкий", "Low"}, string(catalog.Normal): {"Обычный", "Normal"},
		string(catalog.High): {"Высокий", "High"}, string(catalog.Critical): {"Критический", "Critical"},
	},
	analytics.DimResolution: {
		string(claims.ResolutionRepair): {"Ремонт", "Repair"}, string(claims.ResolutionReplace): {"Замена", "Replacement"},
		string(claims.ResolutionRefund): {"Возврат денег", "Refund"}, string(claims.ResolutionPartialRefund): {"Частичный возврат денег", "Partial refund"},
		string(claims.ResolutionReject): {"Отказ", "Refused"}, string(claims.ResolutionCarrierClaim): {"Претензия к перевозчику", "Claim against the carrier"},
	},
	analytics.DimWarranty: {"yes": {"Да", "Yes"}, "no": {"Нет", "No"}},
	analytics.DimFaultParty: {
		"company": {"Компания", "The company"}, "customer": {"Клиент", "The customer"},
		"carrier": {"Перевозчик", "The carrier"}, "supplier": {"Поставщик", "The supplier"},
	},
}

// CodeName returns the name of a dimension's coded value in lang ("en",
// else Russian): a stage, channel, priority, resolution, warranty answer
// or party at fault, and "не указано" for analytics.NoValue in any
// dimension; false for a value it has no name for.
func CodeName(dim analytics.Dim, code, lang string) (string, bool) {
	if code == analytics.NoValue {
		return pick(lang, [2]string{"не указано", "not set"}), true
	}
	n, ok := codeNames[dim][code]
	if !ok {
		return "", false
	}
	return pick(lang, n), true
}

// dimTitles name the dimensions in files, by language.
var dimTitles = map[analytics.Dim][2]string{
	analytics.DimAll: {"Все", "All"}, analytics.DimCategory: {"Категория", "Category"}, analytics.DimType: {"Тип", "Type"},
	analytics.DimChannel: {"Канал", "Channel"}, analytics.DimDealer: {"Дилер", "Dealer"}, analytics.DimCustomer: {"Клиент", "Customer"},
	analytics.DimManager: {"Менеджер", "Manager"}, analytics.DimStage: {"Этап", "Stage"}, analytics.DimWarranty: {"Гарантийный случай", "Warranty case"},
	analytics.DimResolution: {"Решение", "Resolution"}, analytics.DimFaultParty: {"Виновная сторона", "Party at fault"},
	analytics.DimCulpritDepartment: {"Виновное подразделение", "Department at fault"}, analytics.DimRootCause: {"Причина", "Root cause"},
	analytics.DimArticle: {"Статья базы знаний", "Knowledge base article"},
	analytics.DimModel:   {"Модель", "Model"}, analytics.DimSeries: {"Серия", "Series"}, analytics.DimPriority: {"Приоритет", "Priority"},
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

// File lays a report's figures out for a file: a table of its rows
// and totals, and charts (dynamics: columns of the counts over time;
// otherwise bars of the first two measures by group, the 20 largest).
func File(ctx context.Context, names Names, res *analytics.Result, lang string, loc *time.Location, now time.Time) reportfile.Report {
	label, thenLabel := Labeler(ctx, names, res.GroupBy, lang), Labeler(ctx, names, res.ThenBy, lang)
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
		Title: pick(lang, reportTitles[res.Name]), Language: lang, Columns: cols, GeneratedAt: now, Location: loc,
		Period: res.From + " — " + res.To,
	}
	if res.Filter != "" {
		r.Filters = append(r.Filters, res.Filter)
	}
	if res.Period != "" {
		r.Subtitle = pick(lang, [2]string{"по периодам: ", "by "}) + res.Period
		if t, ok := periodTitles[res.Period]; ok {
			r.Subtitle = pick(lang, t)
		}
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
				YTitle: pick(lang, [2]string{"Рекламаций", "Claims"}), Counts: true, Categories: cats, Series: counts})
		}
		for _, m := range res.Measures {
			if m == "open" {
				r.Charts = append(r.Charts, reportfile.Chart{Kind: reportfile.ChartLine, Title: pick(lang, measureTitles[m]), XTitle: groupTitle,
					YTitle: pick(lang, [2]string{"Рекламаций", "Claims"}), Counts: true, Categories: cats, Series: []reportfile.Series{series(m, 0)}})
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
			YTitle: pick(lang, measureTitles[m]), Counts: measureKind(m) == reportfile.KindInt, Categories: cats[:n], Series: []reportfile.Series{series(m, top)}})
	}
	return r
}

// Names are where files and mails get the names of a dimension's values;
// either may be nil (the values then show as they are).
type Names struct {
	// Catalog names categories, types and root causes.
	Catalog catalog.Source
	// Roster names the claims managers.
	Roster RosterSource
}

// RosterSource reads the claims managers (the dynamo store).
type RosterSource interface {
	Roster(ctx context.Context) (*assignment.Roster, error)
}

// Labeler names a dimension's values in files and mails: categories,
// types and root causes by their catalog names, managers by their names
// in the roster, coded values by CodeName, the rest (dealers, models,
// series) as they are. A source that cannot be read leaves the values as
// they are.
func Labeler(ctx context.Context, names Names, dim analytics.Dim, lang string) func(string) string {
	coded := func(v string) string {
		if n, ok := CodeName(dim, v, lang); ok {
			return n
		}
		return v
	}
	switch {
	case dim == analytics.DimManager && names.Roster != nil:
		r, err := names.Roster.Roster(ctx)
		if err != nil {
			return coded
		}
		byID := make(map[string]string, len(r.Managers))
		for _, m := range r.Managers {
			if m.Name != "" {
				byID[m.ID] = m.Name
			}
		}
		return func(v string) string {
			if n, ok := byID[v]; ok {
				return n
			}
			return coded(v)
		}
	case names.Catalog == nil || (dim != analytics.DimCategory && dim != analytics.DimType && dim != analytics.DimRootCause):
		return coded
	}
	cat, err := names.Catalog.Catalog(ctx)
	if err != nil {
		return coded
	}
	return func(v string) string {
		switch dim {
		case analytics.DimCategory:
			if c, ok := cat.Category(v); ok {
				return c.Name.In(lang)
			}
		case analytics.DimType:
			if t, ok := cat.Type(v); ok {
				return t.Name.In(lang)
			}
		case analytics.DimRootCause:
			if c, ok := cat.RootCause(v); ok {
				return c.Name.In(lang)
			}
		}
		return coded(v)
	}
}
