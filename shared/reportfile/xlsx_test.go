package reportfile

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// openXLSX reopens a workbook with excelize.
func openXLSX(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("reopen xlsx: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// zipParts returns the parts of a workbook by name.
func zipParts(t *testing.T, b []byte) map[string]string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	for _, file := range z.File {
		rc, err := file.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[file.Name] = string(data)
	}
	return parts
}

// cellFormat returns the custom number format of a cell ("" for none).
func cellFormat(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt == nil {
		return ""
	}
	return *st.CustomNumFmt
}

func TestXLSXReopened(t *testing.T) {
	r := testReport("ru", 3)
	b, err := XLSX(r)
	if err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, b)

	wantSheets := []string{"Данные", "Данные графиков", "График 1. Зарегистрировано по…", "График 2. Структура по группам"}
	if diff := cmp.Diff(wantSheets, f.GetSheetList()); diff != "" {
		t.Errorf("sheets mismatch (-want +got):\n%s", diff)
	}
	if got := f.GetActiveSheetIndex(); got != 0 {
		t.Errorf("the workbook opens on sheet %d, want the data sheet", got)
	}
	// The two chart sheets hold native charts: a clustered column
	// chart and a bar chart.
	parts := zipParts(t, b)
	for _, part := range []string{"xl/chartsheets/sheet3.xml", "xl/chartsheets/sheet4.xml"} {
		if _, ok := parts[part]; !ok {
			t.Errorf("no %s in the workbook", part)
		}
	}
	charts := parts["xl/charts/chart1.xml"] + parts["xl/charts/chart2.xml"]
	for _, want := range []string{`<barDir val="col">`, `<barDir val="bar">`, "Данные графиков&#39;!$A$3:$A$14", "Период: 01.01.2026"} {
		if !strings.Contains(charts, want) {
			t.Errorf("the charts' XML lacks %q", want)
		}
	}

	const s = "Данные"
	// Title, subtitle, period, filters, generation time, a blank row, the
	// header on row 7.
	for cell, want := range map[string]string{
		"A1":  "Динамика рекламаций",
		"A2":  "по месяцам и группам",
		"A3":  "Период: 01.01.2026 — 31.12.2026",
		"A4":  "Фильтры: категория: Брак; дилер: ООО «Ромашка»",
		"A5":  "Сформирован: 10.01.2027 12:05",
		"G7":  "Стоимость решений, руб.",
		"A8":  "Группа 1",
		"A11": "Итого",
	} {
		got, err := f.GetCellValue(s, cell, excelize.Options{RawCellValue: true})
		if err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", cell, got, err, want)
		}
	}
	// Typed cells: raw values and types per kind.
	type cellWant struct {
		raw string
		typ excelize.CellType
		fmt string
	}
	cells := map[string]cellWant{
		"A8":  {"Группа 1", excelize.CellTypeSharedString, ""},
		"B9":  {"1037", excelize.CellTypeUnset, "#,##0"},
		"C9":  {"1.75", excelize.CellTypeUnset, "#,##0.00"},
		"D9":  {"0.1", excelize.CellTypeUnset, "0.0%"},
		"E9":  {"13.25", excelize.CellTypeUnset, "#,##0.0"},
		"F9":  {"1.5", excelize.CellTypeUnset, "#,##0.0"},
		"G9":  {"1234568.9", excelize.CellTypeUnset, "#,##0.00"},
		"H9":  {"46025", excelize.CellTypeUnset, "dd.mm.yyyy"}, // 2026-01-03
		"B11": {"3", excelize.CellTypeUnset, "#,##0"},
		"C11": {"", excelize.CellTypeUnset, "#,##0.00"},
	}
	for cell, want := range cells {
		raw, err := f.GetCellValue(s, cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		typ, _ := f.GetCellType(s, cell)
		got := cellWant{raw, typ, cellFormat(t, f, s, cell)}
		if got.typ == excelize.CellTypeInlineString {
			got.typ = excelize.CellTypeSharedString // either is a text cell
		}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(cellWant{})); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", cell, diff)
		}
	}
	// Formatted as Excel shows them (excelize applies the formats).
	for cell, want := range map[string]string{"D9": "10.0%", "G8": "1,234,567.89", "H8": "02.01.2026"} {
		if got, _ := f.GetCellValue(s, cell); got != want {
			t.Errorf("%s shows %q, want %q", cell, got, want)
		}
	}
	panes, err := f.GetPanes(s)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 7 || panes.TopLeftCell != "A8" {
		t.Errorf("panes = %+v, want the 7 rows down to the header frozen", panes)
	}
	// The header and rows are a table: its header has the filter buttons.
	if tables, err := f.GetTables(s); err != nil || len(tables) != 1 || tables[0].Range != "A7:H10" {
		t.Errorf("tables %+v (%v), want one over A7:H10", tables, err)
	}
	if w, _ := f.GetColWidth(s, "E"); w < 10 || w > 60 {
		t.Errorf("column E width %v", w)
	}
	// The charts' figures.
	rows, err := f.GetRows("Данные графиков")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Месяц", "Группа 1", "Группа 2"}, rows[1][:3]); diff != "" {
		t.Errorf("chart data header mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"янв 2026", "10", "17"}, rows[2][:3]); diff != "" {
		t.Errorf("chart data row mismatch (-want +got):\n%s", diff)
	}
}

func TestXLSXHostileAndEmpty(t *testing.T) {
	r := Report{
		Title:   strings.Repeat("Очень длинный заголовок отчёта 😀 ", 20),
		Columns: []Column{{Title: "Текст", Kind: KindText}, {Title: "Число", Kind: KindDecimal}, {Title: "Дата", Kind: KindDate}},
		Rows: [][]Value{
			{Text(`=cmd|' /C calc'!A0`), Number(math.NaN()), Blank()},
			{Text("+SUM(1,2)\x00\x01"), Number(math.Inf(-1)), Blank()},
			{Text(strings.Repeat("я", 40000)), Number(-0.5), Blank()},
		},
		Charts: []Chart{{Kind: ChartBar, Title: "Пусто", Categories: []string{"a"}, Series: []Series{{Values: []float64{math.NaN()}}}}},
	}
	b, err := XLSX(r)
	if err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, b)
	// No chart has data: no chart sheets.
	if diff := cmp.Diff([]string{"Data", "Данные"}[1:], f.GetSheetList()); diff != "" {
		t.Errorf("sheets mismatch (-want +got):\n%s", diff)
	}
	for cell, want := range map[string]string{"A6": `=cmd|' /C calc'!A0`, "A7": "+SUM(1,2)"} {
		got, _ := f.GetCellValue("Данные", cell)
		formula, _ := f.GetCellFormula("Данные", cell)
		if got != want || formula != "" {
			t.Errorf("%s = %q, formula %q; want the text %q and no formula", cell, got, formula, want)
		}
	}
	for _, cell := range []string{"B6", "B7"} {
		if got, _ := f.GetCellValue("Данные", cell); got != "" {
			t.Errorf("%s = %q, want blank for NaN and infinity", cell, got)
		}
	}
	if got, _ := f.GetCellValue("Данные", "A8"); len([]rune(got)) != maxCellText {
		t.Errorf("a 40,000-character text kept %d characters, want %d", len([]rune(got)), maxCellText)
	}

	empty, err := XLSX(Report{Language: "en", Title: "Nothing", Columns: testColumns()})
	if err != nil {
		t.Fatal(err)
	}
	f = openXLSX(t, empty)
	rows, _ := f.GetRows("Data")
	if got := rows[len(rows)-1]; len(got) != 1 || got[0] != "No data for the period" {
		t.Errorf("the empty report's last row is %q, want the no-data notice", got)
	}
}

// TestXLSXInLibreOffice converts the workbook to CSV with LibreOffice and
// compares the values: a real spreadsheet reads it. Skipped when soffice
// is missing, unless XLSX_TESTS=required.
func TestXLSXInLibreOffice(t *testing.T) {
	bin := ""
	for _, name := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("XLSX_TESTS") == "required" {
			t.Fatal("soffice is required by XLSX_TESTS=required: apt-get install -y libreoffice-calc")
		}
		t.Skip("soffice (LibreOffice) not installed; set XLSX_TESTS=required to fail instead")
	}
	r := testReport("ru", 5)
	r.Rows[1][0] = Text("=1+1")
	b, err := XLSX(r)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "report.xlsx")
	if err := os.WriteFile(in, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// UTF-8, comma-separated, the first sheet; a profile of its own so
	// that a running LibreOffice does not swallow the call.
	cmd := exec.Command(bin, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless",
		"--convert-to", `csv:Text - txt - csv (StarCalc):44,34,76,1`, "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice --convert-to csv: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "report.csv"))
	if err != nil {
		t.Fatalf("soffice wrote no CSV: %v", err)
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte(bom)))).ReadAll()
	if err != nil {
		t.Fatalf("read soffice's CSV: %v\n%s", err, data)
	}
	var table [][]string
	for _, rec := range records[6:] { // from the header row
		table = append(table, rec[:len(r.Columns)])
	}
	// LibreOffice writes the cells as formatted (its locale: en-US).
	want := [][]string{
		{"Группа", "Зарегистрировано, шт.", "Коэффициент", "Доля удовлетворённых, %", "Среднее время обработки, раб. ч",
			"Срок, дн.", "Стоимость решений, руб.", "Первая рекламация"},
		{"Группа 1", "1,000", "1.50", "0.0%", "12.3", "0.5", "1,234,567.89", "02.01.2026"},
		{"=1+1", "1,037", "1.75", "10.0%", "13.3", "1.5", "1,234,568.90", "03.01.2026"},
		{"Группа 3", "1,074", "2.00", "20.0%", "14.3", "2.5", "1,234,569.91", "04.01.2026"},
		{"Группа 4", "1,111", "2.25", "30.0%", "15.3", "3.5", "1,234,570.92", "05.01.2026"},
		{"Группа 5", "1,148", "2.50", "40.0%", "16.3", "4.5", "1,234,571.93", "06.01.2026"},
		{"Итого", "5", "", "50.0%", "20.8", "", "9,999.99", ""},
	}
	if diff := cmp.Diff(want, table); diff != "" {
		t.Errorf("LibreOffice's CSV mismatch (-want +got):\n%s", diff)
	}
}

func TestXLSXTableHeadingsUnique(t *testing.T) {
	r := Report{
		Columns: []Column{{Title: "Группа", Kind: KindText}, {Title: "группа", Kind: KindText}, {Title: "", Kind: KindInt}},
		Rows:    [][]Value{{Text("a"), Text("b"), Int(1)}},
	}
	b, err := XLSX(r)
	if err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, b)
	rows, err := f.GetRows("Данные")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Группа", "группа (2)", "3"}, rows[4]); diff != "" {
		t.Errorf("headings mismatch (-want +got):\n%s", diff)
	}
}

// TestXLSXCountChartStepsByWholeNumbers: a native chart of counts has a
// whole major unit and whole labels, so Excel does not step three claims
// by 0,5.
func TestXLSXCountChartStepsByWholeNumbers(t *testing.T) {
	r := Report{Title: "Структура", Columns: []Column{{Title: "Тип", Kind: KindText}, {Title: "Зарегистрировано", Kind: KindInt}},
		Rows: [][]Value{{Text("Перегрев"), Int(3)}, {Text("Брак"), Int(1)}},
		Charts: []Chart{{Kind: ChartBar, Title: "Зарегистрировано", Counts: true, Categories: []string{"Перегрев", "Брак"},
			Series: []Series{{Name: "Зарегистрировано", Values: []float64{3, 1}}}}}}
	b, err := XLSX(r)
	if err != nil {
		t.Fatal(err)
	}
	chart := zipParts(t, b)["xl/charts/chart1.xml"]
	for _, want := range []string{`<majorUnit val="1">`, `formatCode="0"`} {
		if !strings.Contains(chart, want) {
			t.Errorf("the count chart's XML lacks %q:\n%s", want, chart)
		}
	}
}
