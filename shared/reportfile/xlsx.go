package reportfile

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/claimsdesk/backend/shared/docfmt"
	"github.com/xuri/excelize/v2"
)

// maxCellText is the longest text an Excel cell holds.
const maxCellText = 32767

// widthSample is how many rows the column widths are measured on.
const widthSample = 2000

// XLSX renders the report as an Excel workbook:
//
//   - a data sheet ("Данные") with the title, subtitle, period, filters
//     and generation time above the table; the table's header row is
//     frozen and, the table being an Excel table, has filter buttons; its cells are typed (numbers,
//     dates, text) with a number format per column kind (counts "#,##0",
//     decimals and amounts "#,##0.00" with amounts in roubles, percentages
//     "0.0%", hours and days "#,##0.0", dates "dd.mm.yyyy" or
//     "yyyy-mm-dd"); the totals row is bold; column widths fit their
//     contents; an empty report says so under the header;
//   - when there are charts with data, a sheet "Данные графиков" with
//     each chart's figures, and a chart sheet per chart with a native
//     Excel chart (line, clustered column or bar) that references them,
//     titled with the chart's title, period and filters.
//
// Text is always written as text cells, so "=cmd|..." is never a formula.
// It fails on a report that Validate rejects, or when excelize fails.
func XLSX(r Report) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	x := &xlsxWriter{r: r, w: r.words(), f: excelize.NewFile()}
	defer x.f.Close()
	if err := x.styles(); err != nil {
		return nil, fmt.Errorf("reportfile: xlsx styles: %w", err)
	}
	if err := x.dataSheet(); err != nil {
		return nil, fmt.Errorf("reportfile: xlsx data sheet: %w", err)
	}
	if err := x.charts(); err != nil {
		return nil, fmt.Errorf("reportfile: xlsx charts: %w", err)
	}
	x.f.SetDocProps(&excelize.DocProperties{
		Title: xmlText(r.Title), Subject: xmlText(r.Subtitle), Creator: "ClaimsDesk",
		Created: r.GeneratedAt.UTC().Format(time.RFC3339), Language: r.lang(),
	})
	var buf bytes.Buffer
	if err := x.f.Write(&buf); err != nil {
		return nil, fmt.Errorf("reportfile: write xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

// xlsxWriter holds a workbook being written.
type xlsxWriter struct {
	r Report
	w words
	f *excelize.File
	// style and totalStyle are the cell styles per column, plain and
	// bold (totals).
	style, totalStyle              []int
	title, meta, header, boldStyle int
}

// numFmt returns the Excel number format of a kind ("" for text).
func (x *xlsxWriter) numFmt(k Kind) string {
	switch k {
	case KindInt:
		return "#,##0"
	case KindDecimal, KindMoney:
		return "#,##0.00"
	case KindPercent:
		return "0.0%"
	case KindHours, KindDays:
		return "#,##0.0"
	case KindDate:
		if docfmt.English(x.r.lang()) {
			return "yyyy-mm-dd"
		}
		return "dd.mm.yyyy"
	}
	return ""
}

func (x *xlsxWriter) styles() error {
	var err error
	newStyle := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = x.f.NewStyle(s)
		return id
	}
	x.title = newStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	x.meta = newStyle(&excelize.Style{Font: &excelize.Font{Color: "555555"}})
	x.boldStyle = newStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	border := []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}}
	x.header = newStyle(&excelize.Style{
		Font: &excelize.Font{Bold: true}, Border: border,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8E8E8"}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"},
	})
	for _, c := range x.r.Columns {
		var fmt *string
		if nf := x.numFmt(c.Kind); nf != "" {
			fmt = &nf
		}
		x.style = append(x.style, newStyle(&excelize.Style{CustomNumFmt: fmt}))
		x.totalStyle = append(x.totalStyle, newStyle(&excelize.Style{CustomNumFmt: fmt, Font: &excelize.Font{Bold: true},
			Border: []excelize.Border{{Type: "top", Color: "000000", Style: 1}}}))
	}
	return err
}

// cellValue returns what a cell holds for excelize: a number, a date
// (midnight of the day in the report's time zone), text, or nil.
func (x *xlsxWriter) cellValue(k Kind, v Value) any {
	switch v.kind {
	case textValue:
		return xmlText(cut(v.text, maxCellText))
	case intValue, numberValue:
		if k == KindMoney {
			kop, _ := v.kopecks()
			return float64(kop) / 100
		}
		if v.kind == intValue {
			return v.i
		}
		return v.f
	case timeValue:
		t := v.t.In(x.r.loc())
		if k == KindDate {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		}
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	}
	return nil
}

// metaLines are the lines above the table: title, subtitle, period,
// filters, generation time.
func (x *xlsxWriter) metaLines() []excelize.Cell {
	r := x.r
	lines := []excelize.Cell{{StyleID: x.title, Value: xmlText(r.Title)}}
	if r.Subtitle != "" {
		lines = append(lines, excelize.Cell{StyleID: x.boldStyle, Value: xmlText(r.Subtitle)})
	}
	lines = append(lines,
		excelize.Cell{StyleID: x.meta, Value: xmlText(x.w.period + ": " + r.Period)},
		excelize.Cell{StyleID: x.meta, Value: xmlText(x.w.filters + ": " + r.filtersLine())})
	if !r.GeneratedAt.IsZero() {
		lines = append(lines, excelize.Cell{StyleID: x.meta,
			Value: x.w.generated + ": " + docfmt.NumericDate(r.GeneratedAt, r.loc(), r.lang()) + " " + docfmt.Clock(r.GeneratedAt, r.loc())})
	}
	return lines
}

func (x *xlsxWriter) dataSheet() error {
	r := x.r
	sheet := x.w.dataSheet
	if err := x.f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	if err := x.printSetup(sheet, len(x.metaLines())+2); err != nil {
		return err
	}
	sw, err := x.f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	widths := x.widths()
	for i, width := range widths {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	lines := x.metaLines()
	headerRow := len(lines) + 2
	if len(r.Columns) > 0 {
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: cellName(1, headerRow+1),
			ActivePane: "bottomLeft"}); err != nil {
			return err
		}
	}
	for i, c := range lines {
		if err := sw.SetRow(cellName(1, i+1), []any{c}); err != nil {
			return err
		}
	}
	row := headerRow
	if len(r.Columns) > 0 {
		header := make([]any, len(r.Columns))
		for i, h := range x.headings() {
			header[i] = excelize.Cell{StyleID: x.header, Value: h}
		}
		if err := sw.SetRow(cellName(1, row), header, excelize.RowOpts{Height: x.headerHeight(widths)}); err != nil {
			return err
		}
	}
	values := make([]any, len(r.Columns))
	writeRow := func(v []Value, styles []int) error {
		row++
		for i, c := range r.Columns {
			values[i] = excelize.Cell{StyleID: styles[i], Value: x.cellValue(c.Kind, v[i])}
		}
		return sw.SetRow(cellName(1, row), values)
	}
	for _, v := range r.Rows {
		if err := writeRow(v, x.style); err != nil {
			return err
		}
	}
	lastData := row
	if len(r.Rows) == 0 {
		row++
		if err := sw.SetRow(cellName(1, row), []any{excelize.Cell{StyleID: x.boldStyle, Value: x.w.noData}}); err != nil {
			return err
		}
	}
	if t := r.totals(); t != nil {
		if err := writeRow(t, x.totalStyle); err != nil {
			return err
		}
	}
	if len(r.Columns) > 0 {
		// The header and data rows are an Excel table, which gives the
		// header its filter buttons: written as the sheet streams, where
		// an autofilter set afterwards would parse the whole sheet back
		// (twice the time and memory for 10,000 rows).
		ref := cellName(1, headerRow) + ":" + cellName(len(r.Columns), max(lastData, headerRow+1))
		if err := sw.AddTable(&excelize.Table{Range: ref, Name: "Report", StyleName: "TableStyleLight1",
			ShowRowStripes: new(bool)}); err != nil {
			return fmt.Errorf("table %s: %w", ref, err)
		}
	}
	return sw.Flush()
}

// printSetup makes the data sheet print as people print a table: A4
// landscape, every column on the page's width (as many pages down as it
// takes), the lines above the table and its header on every page. Set
// before the sheet streams: the stream writes the settings it finds.
func (x *xlsxWriter) printSetup(sheet string, headerRow int) error {
	landscape, a4, one, tall := "landscape", 9, 1, 0
	if err := x.f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &landscape, Size: &a4,
		FitToWidth: &one, FitToHeight: &tall}); err != nil {
		return fmt.Errorf("page layout: %w", err)
	}
	fit := true
	if err := x.f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return fmt.Errorf("page layout: %w", err)
	}
	if err := x.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: sheet,
		RefersTo: fmt.Sprintf("'%s'!$1:$%d", strings.ReplaceAll(sheet, "'", "''"), headerRow)}); err != nil {
		return fmt.Errorf("print titles: %w", err)
	}
	return nil
}

// headings returns the columns' headings as an Excel table needs them:
// not empty, unique (a repeated one gets " (2)", " (3)"...).
func (x *xlsxWriter) headings() []string {
	out := make([]string, len(x.r.Columns))
	seen := map[string]bool{}
	for i, c := range x.r.Columns {
		h := strings.TrimSpace(xmlText(cut(x.r.heading(c), 255)))
		if h == "" {
			h = fmt.Sprintf("%d", i+1)
		}
		base := h
		for n := 2; seen[strings.ToLower(h)]; n++ {
			h = fmt.Sprintf("%s (%d)", base, n)
		}
		seen[strings.ToLower(h)] = true
		out[i] = h
	}
	return out
}

// widths returns each column's width in characters: its longest value
// among the first rows, its heading's longest word, within 8 to 60.
func (x *xlsxWriter) widths() []float64 {
	r := x.r
	out := make([]float64, len(r.Columns))
	for i, c := range r.Columns {
		w := 8
		for _, word := range strings.Fields(r.heading(c)) {
			w = max(w, utf8.RuneCountInString(word)+3) // bold: wider than a cell's text
		}
		measure := func(v Value) {
			w = max(w, utf8.RuneCountInString(display(r, c.Kind, v))+2)
		}
		for _, row := range r.Rows[:min(len(r.Rows), widthSample)] {
			measure(row[i])
		}
		if t := r.totals(); t != nil {
			measure(t[i])
		}
		out[i] = float64(min(w, 60))
	}
	return out
}

// headerHeight is the header row's height in points: enough for the
// longest heading wrapped at its column's width (a fixed two lines cut
// "Среднее время обработки, раб. ч" to its middle line).
func (x *xlsxWriter) headerHeight(widths []float64) float64 {
	lines := 2
	for i, c := range x.r.Columns {
		room := int(widths[i]) - 2
		n, used := 1, 0
		for _, word := range strings.Fields(x.r.heading(c)) {
			l := utf8.RuneCountInString(word)
			switch {
			case used == 0:
				used = l
			case used+1+l <= room:
				used += 1 + l
			default:
				n, used = n+1, l
			}
		}
		lines = max(lines, n)
	}
	return float64(min(lines, 8))*14 + 4
}

// charts writes the charts' figures on one sheet and a chart sheet per
// chart that has data.
func (x *xlsxWriter) charts() error {
	r := x.r
	var charts []Chart
	for _, c := range r.Charts {
		if chartHasData(c) {
			charts = append(charts, c)
		}
	}
	if len(charts) == 0 {
		return nil
	}
	dataSheet := x.w.chartData
	if _, err := x.f.NewSheet(dataSheet); err != nil {
		return err
	}
	quoted := "'" + strings.ReplaceAll(dataSheet, "'", "''") + "'!"
	row := 1
	for n, c := range charts {
		// The figures: a title row, a header row (the categories' title
		// and the series' names), then a row per category.
		if err := x.f.SetSheetRow(dataSheet, cellName(1, row), &[]any{xmlText(c.Title)}); err != nil {
			return err
		}
		if err := x.f.SetCellStyle(dataSheet, cellName(1, row), cellName(1, row), x.boldStyle); err != nil {
			return err
		}
		header := []any{xmlText(c.XTitle)}
		for _, s := range c.Series {
			header = append(header, xmlText(s.Name))
		}
		headRow := row + 1
		if err := x.f.SetSheetRow(dataSheet, cellName(1, headRow), &header); err != nil {
			return err
		}
		for i, cat := range c.Categories {
			line := []any{xmlText(cut(cat, maxCellText))}
			for _, s := range c.Series {
				line = append(line, Number(s.Values[i]).cellNumber())
			}
			if err := x.f.SetSheetRow(dataSheet, cellName(1, headRow+1+i), &line); err != nil {
				return err
			}
		}
		first, last := headRow+1, headRow+len(c.Categories)
		chart := &excelize.Chart{
			Type:         excelize.Line,
			Title:        x.chartTitle(c),
			Legend:       excelize.ChartLegend{Position: "bottom"},
			XAxis:        excelize.ChartAxis{Title: axisTitle(c.XTitle, "")},
			YAxis:        yAxis(c),
			ShowBlanksAs: "gap",
		}
		switch c.Kind {
		case ChartColumn:
			chart.Type = excelize.Col
		case ChartBar:
			chart.Type = excelize.Bar
			// Bars run bottom-up in Excel: reversed, the first category
			// is on top, as in the table.
			chart.XAxis.ReverseOrder = true
		}
		if len(c.Categories) > 40 {
			chart.XAxis.TickLabelSkip = (len(c.Categories) + 39) / 40
		}
		for j, s := range c.Series {
			col := j + 2
			series := excelize.ChartSeries{
				Name:       quoted + absCell(col, headRow),
				Categories: quoted + absCell(1, first) + ":" + absCell(1, last),
				Values:     quoted + absCell(col, first) + ":" + absCell(col, last),
			}
			if s.Name == "" {
				series.Name = ""
			}
			if c.Kind == ChartLine {
				series.Marker = excelize.ChartMarker{Symbol: "circle", Size: 5}
			}
			chart.Series = append(chart.Series, series)
		}
		if err := x.f.AddChartSheet(sheetName(x.w.chartSheet, n+1, c.Title), chart); err != nil {
			return fmt.Errorf("chart %d (%q): %w", n+1, c.Title, err)
		}
		row = last + 2
	}
	return nil
}

// chartTitle is a chart's title with the period and filters under it.
func (x *xlsxWriter) chartTitle(c Chart) excelize.ChartTitle {
	sub := x.w.period + ": " + x.r.Period + "; " + x.w.filters + ": " + x.r.filtersLine()
	return excelize.ChartTitle{Paragraph: []excelize.RichTextRun{
		{Text: xmlText(cut(c.Title, 200)), Font: &excelize.Font{Bold: true, Size: 14}},
		{Text: xmlText(cut(sub, 300)), Font: &excelize.Font{Size: 10, Color: "555555"}},
	}}
}

// yAxis is a chart's value axis: its title and unit, and whole steps for
// counts (Excel would step three claims by 0,5).
func yAxis(c Chart) excelize.ChartAxis {
	a := excelize.ChartAxis{Title: axisTitle(c.YTitle, c.Unit), MajorGridLines: true}
	if c.Counts {
		top := 0.0
		for _, s := range c.Series {
			for _, v := range s.Values {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					top = max(top, v)
				}
			}
		}
		a.MajorUnit = countStep(top)
		a.NumFmt = excelize.ChartNumFmt{CustomNumFmt: "0"}
	}
	return a
}

// axisTitle is an axis title with its unit, or none.
func axisTitle(title, unit string) excelize.ChartTitle {
	title = withUnit(title, unit)
	if title == "" {
		return excelize.ChartTitle{}
	}
	return excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: xmlText(cut(title, 200))}}}
}

// cellNumber returns a number for a cell, or nil for a blank.
func (v Value) cellNumber() any {
	if f, ok := v.Float(); ok {
		return f
	}
	return nil
}

// cellName returns the A1 name of a cell.
func cellName(col, row int) string {
	name, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		panic(fmt.Sprintf("reportfile: cell %d,%d: %v", col, row, err)) // col and row are never below 1
	}
	return name
}

// absCell returns the absolute reference of a cell ($A$1).
func absCell(col, row int) string {
	name, err := excelize.CoordinatesToCellName(col, row, true)
	if err != nil {
		panic(fmt.Sprintf("reportfile: cell %d,%d: %v", col, row, err))
	}
	return name
}

// xmlText drops the characters XML 1.0 cannot hold (control characters
// but tab and line breaks), which would make the workbook unreadable.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < ' ', r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return -1
		}
		return r
	}, s)
}
