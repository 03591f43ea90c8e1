package reportfile

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/claimsdesk/backend/shared/pdfdoc/popplertest"
)

// hostileReport is 10,000 rows with formula-like text, emoji, NaN and
// infinities, a title of 600 characters, and charts of 200 categories.
func hostileReport() Report {
	r := testReport("ru", 10_000)
	r.Title = strings.Repeat("Очень длинный заголовок 😀 ", 24)
	r.Filters = append(r.Filters, strings.Repeat("фильтр ", 60))
	for i := 0; i < len(r.Rows); i += 97 {
		r.Rows[i][0] = Text(`=cmd|' /C calc'!A0 😀 ` + strings.Repeat("ы", i%300))
		r.Rows[i][2] = Number(math.NaN())
		r.Rows[i][3] = Number(math.Inf(1))
	}
	big := groupsChart(200)
	big.Title = strings.Repeat("Двести групп 😀 ", 10)
	line := monthsChart(5)
	line.Kind = ChartLine
	line.Categories = nil
	for i := range 200 {
		line.Categories = append(line.Categories, "день "+strings.Repeat("x", i%7))
	}
	for s := range line.Series {
		line.Series[s].Values = make([]float64, 200)
		for i := range line.Series[s].Values {
			line.Series[s].Values[i] = math.Sin(float64(i+s)/10) * 100
		}
		line.Series[s].Values[50] = math.NaN()
	}
	r.Charts = append(r.Charts, big, line)
	return r
}

func TestHostileReport(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 10,000 rows three times")
	}
	r := hostileReport()

	b, err := CSV(r)
	if err != nil {
		t.Fatal(err)
	}
	records := readCSV(t, b)
	if len(records) != 10_002 {
		t.Errorf("CSV has %d records, want the header, 10,000 rows and the totals", len(records))
	}
	if got := records[98][0]; !strings.HasPrefix(got, `'=cmd|`) {
		t.Errorf("row 97's text is %q, want it defused with an apostrophe", got)
	}
	if got := records[98][2] + records[98][3]; got != "" {
		t.Errorf("NaN and infinity wrote %q, want blanks", got)
	}

	b, err = XLSX(r)
	if err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, b)
	for _, name := range f.GetSheetList() {
		if n := utf8.RuneCountInString(name); n > 31 || strings.ContainsAny(name, `[]:*?/\`) {
			t.Errorf("sheet name %q (%d characters) is not valid", name, n)
		}
	}
	if n := len(f.GetSheetList()); n != 6 {
		t.Errorf("%d sheets, want data, chart data and 4 charts", n)
	}
	rows, err := f.GetRows("Данные")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 7+10_001 {
		t.Errorf("the data sheet has %d rows, want 7 + 10,001", len(rows))
	}
	if formula, _ := f.GetCellFormula("Данные", "A8"); formula != "" {
		t.Errorf("A8 holds the formula %q", formula)
	}

	pdf, err := PDF(r)
	if err != nil {
		t.Fatal(err)
	}
	pages := popplertest.PageCount(t, pdf)
	if pages < 200 {
		t.Errorf("a 10,000-row report has %d pages", pages)
	}
	text := popplertest.Text(t, pdf)
	for _, want := range []string{"Очень длинный заголовок \uFFFD", "=cmd|' /C calc'!A0 \uFFFD", "Группа 10000", "Итого"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
}
