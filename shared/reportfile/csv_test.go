package reportfile

import (
	"bytes"
	"encoding/csv"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// readCSV parses a CSV file back, checking the byte order mark and the
// CRLF line ends.
func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte(bom)) {
		t.Fatalf("CSV does not start with the UTF-8 BOM: % x", b[:min(len(b), 8)])
	}
	if !bytes.Contains(b, []byte("\r\n")) {
		t.Error("CSV lines do not end with CRLF")
	}
	records, err := csv.NewReader(bytes.NewReader(b[len(bom):])).ReadAll()
	if err != nil {
		t.Fatalf("read CSV back: %v", err)
	}
	return records
}

func TestCSVReadsBack(t *testing.T) {
	r := testReport("ru", 3)
	b, err := CSV(r)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Группа", "Зарегистрировано, шт.", "Коэффициент", "Доля удовлетворённых, %", "Среднее время обработки, раб. ч",
			"Срок, дн.", "Стоимость решений, руб.", "Первая рекламация"},
		// 23:30 UTC is the next day in Moscow.
		{"Группа 1", "1000", "1.5", "0", "12.25", "0.5", "1234567.89", "2026-01-02"},
		{"Группа 2", "1037", "1.75", "0.1", "13.25", "1.5", "1234568.90", "2026-01-03"},
		{"Группа 3", "1074", "2", "0.2", "14.25", "2.5", "1234569.91", "2026-01-04"},
		{"Итого", "3", "", "0.5", "20.75", "", "9999.99", ""},
	}
	if diff := cmp.Diff(want, readCSV(t, b)); diff != "" {
		t.Errorf("CSV mismatch (-want +got):\n%s", diff)
	}
}

func TestCSVEnglishHeaderAndNoTotals(t *testing.T) {
	r := testReport("en", 1)
	r.Totals = nil
	b, err := CSV(r)
	if err != nil {
		t.Fatal(err)
	}
	got := readCSV(t, b)
	if len(got) != 2 {
		t.Fatalf("got %d records, want the header and one row", len(got))
	}
	if diff := cmp.Diff("Среднее время обработки, business h", got[0][4]); diff != "" {
		t.Errorf("heading mismatch (-want +got):\n%s", diff)
	}
}

func TestCSVHostileText(t *testing.T) {
	r := Report{
		Columns: []Column{{Title: "=Заголовок", Kind: KindText}, {Title: "N", Kind: KindDecimal}, {Title: "Сумма", Kind: KindMoney}},
		Rows: [][]Value{
			{Text(`=cmd|' /C calc'!A0`), Number(math.NaN()), Int(-5)},
			{Text("+1+1"), Number(math.Inf(1)), Number(-105)},
			{Text("-2"), Int(-7), Blank()},
			{Text("@SUM(A1)"), Number(-0.5), Int(math.MinInt64)},
			{Text("\tTAB"), Blank(), Blank()},
			{Text("строка, с \"кавычками\"\nи переводом 😀"), Blank(), Blank()},
		},
	}
	b, err := CSV(r)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"'=Заголовок", "N", "Сумма, руб."},
		{`'=cmd|' /C calc'!A0`, "", "-0.05"},
		{"'+1+1", "", "-1.05"},
		{"'-2", "-7", ""},
		{"'@SUM(A1)", "-0.5", "-92233720368547758.08"},
		{"'\tTAB", "", ""},
		{"строка, с \"кавычками\"\nи переводом 😀", "", ""},
	}
	if diff := cmp.Diff(want, readCSV(t, b)); diff != "" {
		t.Errorf("CSV mismatch (-want +got):\n%s", diff)
	}
}

func TestValidateNamesTheCulprit(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Report)
		want string
	}{
		{"language", func(r *Report) { r.Language = "de" }, `language "de"`},
		{"column kind", func(r *Report) { r.Columns[2].Kind = "float" }, `column 3 ("Коэффициент"): unknown kind "float"`},
		{"short row", func(r *Report) { r.Rows[1] = r.Rows[1][:3] }, "row 2 has 3 values for 8 columns"},
		{"totals", func(r *Report) { r.Totals = r.Totals[:1] }, "the totals row has 1 values for 8 columns"},
		{"chart kind", func(r *Report) { r.Charts[0].Kind = "pie" }, `chart 1 ("Зарегистрировано по месяцам"): unknown kind "pie"`},
		{"series", func(r *Report) { r.Charts[1].Series[0].Values = nil }, `series "Зарегистрировано" has 0 values for 10 categories`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testReport("ru", 3)
			tt.edit(&r)
			for name, render := range map[string]func(Report) ([]byte, error){"CSV": CSV} {
				_, err := render(r)
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: error %v, want one containing %q", name, err, tt.want)
				}
			}
		})
	}
}

func TestValuesBlankAndTyped(t *testing.T) {
	if !Number(math.NaN()).IsBlank() || !Number(math.Inf(-1)).IsBlank() || !Time(time.Time{}).IsBlank() || !Blank().IsBlank() {
		t.Error("NaN, infinity, the zero time or Blank is not blank")
	}
	if f, ok := Int(3).Float(); !ok || f != 3 {
		t.Errorf("Int(3).Float() = %v, %v", f, ok)
	}
	if _, ok := Text("3").Float(); ok {
		t.Error("Text(3).Float() is a number")
	}
}

// TestHeadingNamesTheUnitOnce: a measure whose title already names its
// unit ("Среднее время, дн.", as the reports' titles do) keeps one unit in
// the files' headings, not "Среднее время, дн., дн."; others get theirs.
func TestHeadingNamesTheUnitOnce(t *testing.T) {
	for _, lang := range []string{"ru", "en"} {
		r := Report{Language: lang, Columns: []Column{
			{Title: "Тип", Kind: KindText},
			{Title: pick(lang, "Среднее время, дн.", "Average time, days"), Kind: KindDays},
			{Title: pick(lang, "Медиана, раб. ч", "Median, business h"), Kind: KindHours},
			{Title: pick(lang, "Стоимость решений", "Cost of decisions"), Kind: KindMoney},
		}, Rows: [][]Value{{Text("Перегрев"), Number(1.5), Number(2), Int(100)}}}
		b, err := CSV(r)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"Тип", pick(lang, "Среднее время, дн.", "Average time, days"), pick(lang, "Медиана, раб. ч", "Median, business h"),
			pick(lang, "Стоимость решений, руб.", "Cost of decisions, RUB")}
		if diff := cmp.Diff(want, readCSV(t, b)[0]); diff != "" {
			t.Errorf("%s headings mismatch (-want +got):\n%s", lang, diff)
		}
	}
}

func pick(lang, ru, en string) string {
	if lang == "en" {
		return en
	}
	return ru
}
