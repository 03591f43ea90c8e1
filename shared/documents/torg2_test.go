package documents

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/claimsdesk/backend/shared/docfmt"
	"github.com/claimsdesk/backend/shared/pdfdoc/popplertest"
)

// plain is s with no-break spaces as spaces (as Squash leaves the text).
func plain(s string) string { return strings.ReplaceAll(s, docfmt.NBSP, " ") }

func TestRenderTorg2(t *testing.T) {
	a := testTorg2(3)
	pdf, err := RenderTorg2(a)
	if err != nil {
		t.Fatalf("RenderTorg2: %v", err)
	}
	text := popplertest.Text(t, pdf)
	contains(t, text,
		"Унифицированная форма № ТОРГ-2", "Утверждена постановлением Госкомстата России от 25.12.98 № 132",
		"Форма по ОКУД 0330202", "по ОКПО 87654321",
		"ООО «Мебель-Дилер», ИНН 5401234567", "Склад № 2", "ООО «Грасс Рус», ИНН 7701234567",
		"договор № Д-17/2025 от 15.01.2025; заказ № ЗК-2026-04417 от 14.10.2026",
		"АКТ № 12 от 05.12.2026", "об установленном расхождении по количеству и качеству при приёмке товарно-материальных ценностей",
		"г. Новосибирск, ул. Ленина, д. 10, склад № 2", "05.12.2026 09:00", "05.12.2026 11:30",
		"УПД № 4417 от 01.12.2026; ТТН № А-99 от 02.12.2026",
		// Every line: number, name, code, unit, price, documented, received,
		// then the discrepancy and the note.
		"1 Направляющая Dynapro, позиция 1 F140000001 шт. 100,00 10 1 000,00 10 1 000,00",
		"2 Направляющая Dynapro, позиция 2 F140000002 шт. 101,37 11 1 115,07 9 912,33 2 202,74 недостача 2 шт.",
		"3 Направляющая Dynapro, позиция 3 F140000003 шт. 102,74 12 1 232,88 12 1 232,88 1 102,74 скол на корпусе",
		"Итого по странице 33 3 347,95 31 3 145,21 2 202,74 1 102,74",
		"Всего по акту 33 3 347,95 31 3 145,21 2 202,74 1 102,74",
		"Три тысячи триста сорок семь рублей 95 копеек",
		"Триста пять рублей 48 копеек",
		"Недостача и брак возникли по вине поставщика",
		"Заведующий складом", "Сидоров С. С.", "Кладовщик", "Представитель поставщика", "М.П.",
		"Акт составлен по рекламации № RC-2026-000123", "стр. 1 из 1",
	)
	if got := popplertest.PageCount(t, pdf); got != 1 {
		t.Errorf("%d pages for 3 lines, want 1", got)
	}
	if again, err := RenderTorg2(a); err != nil || !bytes.Equal(pdf, again) {
		t.Errorf("a second rendering differs (err %v)", err)
	}
	if !bytes.Contains(pdf, []byte("/MediaBox [0 0 842.00 595.00]")) && !regexp.MustCompile(`/MediaBox \[\s*0 0 842`).Match(pdf) {
		t.Errorf("the act is not on A4 landscape")
	}
}

func TestRenderTorg2ManyLines(t *testing.T) {
	const n = 120
	a := testTorg2(n)
	pdf, err := RenderTorg2(a)
	if err != nil {
		t.Fatalf("RenderTorg2: %v", err)
	}
	pages := popplertest.Pages(t, pdf)
	if got := popplertest.PageCount(t, pdf); got != len(pages) || got < 4 {
		t.Fatalf("pdfinfo: %d pages, pdftotext: %d; want the same and at least 4 for %d lines", got, len(pages), n)
	}
	rowRE := regexp.MustCompile(`(?m)^\s*(\d+)\s+Направляющая Dynapro, позиция (\d+)`)
	// The table runs up to the page with the grand total; what follows it
	// (the conclusion, the signatures) may take a page of its own.
	last := len(pages) - 1
	for last > 0 && !strings.Contains(pages[last], "Всего по акту") {
		if strings.Contains(pages[last], "Итого по странице") {
			t.Errorf("page %d has a page total after the table's end", last+1)
		}
		last--
	}
	seen := 0
	for i, p := range pages[:last+1] {
		flat := popplertest.Squash(p)
		for _, want := range []string{"поставщика", "поступило", "Недостача", "Излишек", "Брак", "Примечание", "Наименование товара",
			"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16",
			"стр. " + strconv.Itoa(i+1) + " из " + strconv.Itoa(len(pages)), "рекламация № RC-2026-000123"} {
			if !strings.Contains(flat, want) {
				t.Errorf("page %d lacks %q", i+1, want)
			}
		}
		if c := strings.Count(p, "Итого по странице"); c != 1 {
			t.Errorf("page %d has %d page totals, want 1", i+1, c)
		}
		// The page's total adds up the lines on the page.
		var pt Torg2Totals
		for _, m := range rowRE.FindAllStringSubmatch(p, -1) {
			no, _ := strconv.Atoi(m[1])
			if m[1] != m[2] || no != seen+1 {
				t.Errorf("page %d: line %s (%s) after line %d", i+1, m[1], m[2], seen)
			}
			seen = no
			pt.Add(a.Lines[no-1])
		}
		want := "Итого по странице " + plain(docfmt.Quantity(pt.DocQuantity, "ru")+" "+docfmt.Sum(pt.DocSum, "ru")+" "+
			docfmt.Quantity(pt.ActualQuantity, "ru")+" "+docfmt.Sum(pt.ActualSum, "ru"))
		if !strings.Contains(flat, want) {
			t.Errorf("page %d lacks %q", i+1, want)
		}
	}
	if seen != n {
		t.Errorf("the last line found is %d, want %d", seen, n)
	}
	all := strings.Join(pages, "")
	if c := strings.Count(all, "Всего по акту"); c != 1 {
		t.Errorf("\"Всего по акту\" printed %d times, want once", c)
	}
	if !strings.Contains(popplertest.Squash(pages[last]), "Всего по акту "+plain(docfmt.Quantity(a.Totals.DocQuantity, "ru")+" "+docfmt.Sum(a.Totals.DocSum, "ru"))) {
		t.Errorf("the grand total is wrong")
	}
	contains(t, all, docfmt.AmountInWords(a.Totals.DocSum, "ru"), docfmt.AmountInWords(a.Totals.ShortSum+a.Totals.DefectSum, "ru"))
}

func TestRenderTorg2TotalsAsGiven(t *testing.T) {
	a := testTorg2(2)
	a.Totals.DocSum = 99999999 // not the lines' sum: printed as given
	pdf, err := RenderTorg2(a)
	if err != nil {
		t.Fatal(err)
	}
	contains(t, popplertest.Text(t, pdf), "Всего по акту 21 999 999,99", "Девятьсот девяносто девять тысяч девятьсот девяносто девять рублей 99 копеек")
}

func TestRenderTorg2HostileAndEmpty(t *testing.T) {
	a := testTorg2(4)
	a.Lines[0].Name = strings.Repeat("Ё", 3000)
	a.Lines[1].Note = "<b>😀😀😀</b>"
	a.Conclusion = strings.Repeat("длинное заключение ", 400)
	a.Consignee.Company = strings.Repeat("ООО", 200)
	a.Consignee.OKPO = strings.Repeat("9", 80)
	a.Commission[0].Position = strings.Repeat("Должность ", 500)
	pdf, err := RenderTorg2(a)
	if err != nil {
		t.Fatal(err)
	}
	text := popplertest.Text(t, pdf)
	if c := strings.Count(text, "Ё"); c != 3000 {
		t.Errorf("%d of 3000 Ё printed", c)
	}
	contains(t, text, "<b>\uFFFD\uFFFD\uFFFD</b>", "Итого по странице", "Всего по акту", "Должность Должность", "…", "М.П.")

	if _, err := RenderTorg2(Torg2{}); err != nil {
		t.Errorf("an empty act: %v", err)
	}
}
