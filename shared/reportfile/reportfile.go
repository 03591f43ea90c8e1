// Package reportfile renders a report into the files people download: CSV
// (for machines and any spreadsheet), XLSX (a real spreadsheet: typed
// cells, number formats, a frozen header, filter buttons and a native chart
// sheet per chart) and PDF (A4 landscape: the charts drawn as images, then
// the table across pages). It knows nothing of how the figures are
// computed: the report API fills a Report and calls CSV, XLSX or PDF.
//
// Every file carries the report's period and filters (the CSV only in its
// values: it stays one header row and data rows, for parsers). Numbers are
// formatted by language in the PDF (docfmt), by number formats in the XLSX
// (Excel shows them in the reader's locale) and machine-readable in the
// CSV. Hostile text is neutralised: a text cell that a spreadsheet would
// take for a formula ("=cmd|...") is prefixed with an apostrophe in the CSV
// and written as a string cell in the XLSX; NaN and infinities are blank;
// characters the Go fonts lack (emoji) show as a placeholder in the PDF and
// on the charts.
//
// It imports excelize, the chart library (go-analyze/charts) and the
// rendering package pdfdoc, and no AWS package.
//
// Layer: domain.
package reportfile

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Kind is a column's kind: how its values are stored and shown.
type Kind string

// The column kinds.
const (
	// KindText is text.
	KindText Kind = "text"
	// KindInt is a whole number (a count).
	KindInt Kind = "int"
	// KindDecimal is a number shown with two decimal places.
	KindDecimal Kind = "decimal"
	// KindPercent is a share from 0 to 1, shown as a percentage with one
	// decimal place ("12,5 %").
	KindPercent Kind = "percent"
	// KindHours is a duration in business hours, one decimal place.
	KindHours Kind = "hours"
	// KindDays is a duration in calendar days, one decimal place.
	KindDays Kind = "days"
	// KindMoney is an amount in kopecks, shown in roubles with kopecks.
	KindMoney Kind = "money"
	// KindDate is a calendar date, taken in the report's time zone.
	KindDate Kind = "date"
)

// numeric reports whether values of the kind are numbers.
func (k Kind) numeric() bool {
	switch k {
	case KindInt, KindDecimal, KindPercent, KindHours, KindDays, KindMoney:
		return true
	}
	return false
}

// known reports whether k is one of the kinds.
func (k Kind) known() bool { return k == KindText || k == KindDate || k.numeric() }

// Column is a column of the report's table.
type Column struct {
	// Key names the column for machines (the JSON field of the report);
	// the files show Title.
	Key string
	// Title is the column's heading.
	Title string
	Kind  Kind
	// Unit is printed after the title ("Стоимость, руб."). When empty,
	// the kind's unit is used: "%" for percentages, business hours, days
	// and roubles in the report's language.
	Unit string
}

// valueKind is what a Value holds.
type valueKind uint8

const (
	blankValue valueKind = iota
	textValue
	intValue
	numberValue
	timeValue
)

// Value is one cell: text, a whole number, a number, a time, or blank. The
// zero Value is blank. Make values with Text, Int, Number and Time.
type Value struct {
	kind valueKind
	text string
	i    int64
	f    float64
	t    time.Time
}

// Blank returns a blank cell.
func Blank() Value { return Value{} }

// Text returns a text cell.
func Text(s string) Value { return Value{kind: textValue, text: s} }

// Int returns a whole number: a count, or an amount in kopecks in a
// KindMoney column.
func Int(n int64) Value { return Value{kind: intValue, i: n} }

// Number returns a number; NaN and infinities give a blank cell.
func Number(f float64) Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Value{}
	}
	return Value{kind: numberValue, f: f}
}

// Time returns a date (KindDate); the zero time gives a blank cell.
func Time(t time.Time) Value {
	if t.IsZero() {
		return Value{}
	}
	return Value{kind: timeValue, t: t}
}

// IsBlank reports whether the cell is blank.
func (v Value) IsBlank() bool { return v.kind == blankValue }

// Float returns the value as a number, and false when it is not one. A
// number given as NaN or infinite was made blank and is not one either.
func (v Value) Float() (float64, bool) {
	switch v.kind {
	case intValue:
		return float64(v.i), true
	case numberValue:
		return v.f, true
	}
	return 0, false
}

// money returns an amount cell's kopecks.
func (v Value) kopecks() (int64, bool) {
	switch v.kind {
	case intValue:
		return v.i, true
	case numberValue:
		if math.Abs(v.f) < 9e18 {
			return int64(math.Round(v.f)), true
		}
	}
	return 0, false
}

// Series is one line, or one set of bars, of a chart: a value per
// category, aligned with Chart.Categories. NaN and infinite values are
// gaps.
type Series struct {
	Name   string
	Values []float64
}

// ChartKind is how a chart draws its series.
type ChartKind string

// The chart kinds: dynamics as lines or columns, structures as bars.
const (
	// ChartLine draws a line per series over the categories (periods).
	ChartLine ChartKind = "line"
	// ChartColumn draws vertical bars, grouped by category (periods).
	ChartColumn ChartKind = "column"
	// ChartBar draws horizontal bars, one group per category (a
	// structure: categories, managers, models), the first on top.
	ChartBar ChartKind = "bar"
)

// Chart is a chart of the report. The report's period and filters are
// printed on it under its title.
type Chart struct {
	Kind  ChartKind
	Title string
	// XTitle names the categories' axis ("Месяц", "Категория") and YTitle
	// the values' axis ("Количество"); Unit follows YTitle ("шт.", "ч").
	XTitle, YTitle, Unit string
	// Counts says the values are counts (claims, ratings): the value axis
	// steps by whole numbers, never "2,5 claims".
	Counts bool
	// Categories are the x labels (periods) or group names.
	Categories []string
	Series     []Series
}

// Report is what the files show: a title, the period and filters, the
// charts, and a table with optional totals.
type Report struct {
	// Title and Subtitle head every file ("Динамика рекламаций",
	// "по месяцам").
	Title, Subtitle string
	// Language is "ru" (the default when empty) or "en": the fixed texts,
	// number and date formats.
	Language string
	// Period is the report's period as people read it
	// ("01.01.2026 — 31.12.2026"), and Filters the filters applied
	// ("категория: Брак"); both are printed on every file and chart.
	Period  string
	Filters []string
	Columns []Column
	// Rows are the table's rows, a value per column.
	Rows [][]Value
	// Totals, when not nil, is the totals row, a value per column (a blank
	// first cell is labelled "Итого").
	Totals []Value
	Charts []Chart
	// GeneratedAt is when the report was made, printed in Location (UTC
	// when nil), which is also the time zone of the dates in the table.
	GeneratedAt time.Time
	Location    *time.Location
}

// The limits of a report: a spreadsheet holds about a million rows, and
// wider tables or more series than these no one reads.
const (
	MaxColumns = 100
	MaxRows    = 1_000_000
	MaxSeries  = 50
)

// Validate reports what makes the report impossible to render: an unknown
// language, column or chart kind, a row or totals row whose length is not
// the number of columns, more columns, rows or series than the limits, a
// series whose length is not its chart's number
// of categories. The error names the culprit.
func (r Report) Validate() error {
	var errs []error
	if r.Language != "" && r.Language != "ru" && r.Language != "en" {
		errs = append(errs, fmt.Errorf("language %q: want \"ru\" or \"en\"", r.Language))
	}
	if len(r.Columns) > MaxColumns {
		errs = append(errs, fmt.Errorf("%d columns: at most %d", len(r.Columns), MaxColumns))
	}
	if len(r.Rows) > MaxRows {
		errs = append(errs, fmt.Errorf("%d rows: at most %d", len(r.Rows), MaxRows))
	}
	if len(r.Columns) == 0 && (len(r.Rows) > 0 || len(r.Totals) > 0) {
		errs = append(errs, errors.New("rows without columns"))
	}
	for i, c := range r.Columns {
		if !c.Kind.known() {
			errs = append(errs, fmt.Errorf("column %d (%q): unknown kind %q", i+1, c.Title, c.Kind))
		}
	}
	bad := 0
	for i, row := range r.Rows {
		if len(row) != len(r.Columns) {
			if bad < 3 {
				errs = append(errs, fmt.Errorf("row %d has %d values for %d columns", i+1, len(row), len(r.Columns)))
			}
			bad++
		}
	}
	if bad > 3 {
		errs = append(errs, fmt.Errorf("%d more rows of the wrong length", bad-3))
	}
	if r.Totals != nil && len(r.Totals) != len(r.Columns) {
		errs = append(errs, fmt.Errorf("the totals row has %d values for %d columns", len(r.Totals), len(r.Columns)))
	}
	for i, c := range r.Charts {
		switch c.Kind {
		case ChartLine, ChartColumn, ChartBar:
		default:
			errs = append(errs, fmt.Errorf("chart %d (%q): unknown kind %q: want line, column or bar", i+1, c.Title, c.Kind))
		}
		if len(c.Series) > MaxSeries {
			errs = append(errs, fmt.Errorf("chart %d (%q): %d series: at most %d", i+1, c.Title, len(c.Series), MaxSeries))
		}
		for _, s := range c.Series {
			if len(s.Values) != len(c.Categories) {
				errs = append(errs, fmt.Errorf("chart %d (%q): series %q has %d values for %d categories",
					i+1, c.Title, s.Name, len(s.Values), len(c.Categories)))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("reportfile: invalid report: %w", errors.Join(errs...))
	}
	return nil
}

// empty reports whether the report has nothing to show: no rows and no
// chart with a value.
func (r Report) empty() bool {
	if len(r.Rows) > 0 {
		return false
	}
	for _, c := range r.Charts {
		if chartHasData(c) {
			return false
		}
	}
	return true
}

// chartHasData reports whether a chart has a category and a finite value.
func chartHasData(c Chart) bool {
	if len(c.Categories) == 0 {
		return false
	}
	for _, s := range c.Series {
		for _, v := range s.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				return true
			}
		}
	}
	return false
}

// loc returns the report's time zone.
func (r Report) loc() *time.Location {
	if r.Location == nil {
		return time.UTC
	}
	return r.Location
}

// lang returns the report's language, "ru" when unset.
func (r Report) lang() string {
	if r.Language == "en" {
		return "en"
	}
	return "ru"
}

// words are the fixed texts of the files.
type words struct {
	period, filters, generated, total, noData, noFilters string
	dataSheet, chartSheet, chartData                     string
	hours, days, money, percent                          string
}

var vocabulary = map[string]words{
	"ru": {
		period: "Период", filters: "Фильтры", generated: "Сформирован", total: "Итого",
		noData: "Нет данных за выбранный период", noFilters: "нет",
		dataSheet: "Данные", chartSheet: "График", chartData: "Данные графиков",
		hours: "раб. ч", days: "дн.", money: "руб.", percent: "%",
	},
	"en": {
		period: "Period", filters: "Filters", generated: "Generated", total: "Total",
		noData: "No data for the period", noFilters: "none",
		dataSheet: "Data", chartSheet: "Chart", chartData: "Chart data",
		hours: "business h", days: "days", money: "RUB", percent: "%",
	},
}

// words returns the report's fixed texts.
func (r Report) words() words { return vocabulary[r.lang()] }

// unit returns a column's unit: its own or its kind's.
func (r Report) unit(c Column) string {
	if c.Unit != "" {
		return c.Unit
	}
	w := r.words()
	switch c.Kind {
	case KindHours:
		return w.hours
	case KindDays:
		return w.days
	case KindMoney:
		return w.money
	case KindPercent:
		return w.percent
	}
	return ""
}

// heading returns a column's heading: its title and unit.
func (r Report) heading(c Column) string {
	return withUnit(c.Title, r.unit(c))
}

// withUnit returns a title with its unit after a comma ("Стоимость, руб."):
// the unit alone without a title, the title alone without a unit or when
// it already ends with it ("Среднее время, дн." stays as it is, not
// "Среднее время, дн., дн.").
func withUnit(title, unit string) string {
	switch {
	case unit == "" || strings.HasSuffix(title, ", "+unit):
		return title
	case title == "":
		return unit
	}
	return title + ", " + unit
}

// filtersLine returns the filters joined, or the word for none.
func (r Report) filtersLine() string {
	if len(r.Filters) == 0 {
		return r.words().noFilters
	}
	return strings.Join(r.Filters, "; ")
}

// totals returns the totals row with its label: a blank first cell of a
// text column says "Итого".
func (r Report) totals() []Value {
	if r.Totals == nil {
		return nil
	}
	t := append([]Value(nil), r.Totals...)
	if len(t) > 0 && t[0].IsBlank() && r.Columns[0].Kind == KindText {
		t[0] = Text(r.words().total)
	}
	return t
}
