package documents

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/docfmt"
	"github.com/claimsdesk/backend/shared/pdfdoc"
)

// The TORG-2 form's particulars.
const (
	torg2OKUD     = "0330202"
	torg2Approval = "Унифицированная форма № ТОРГ-2\nУтверждена постановлением Госкомстата России от 25.12.98 № 132"
	torg2Subtitle = "об установленном расхождении по количеству и качеству при приёмке товарно-материальных ценностей"
)

// torg2Columns are the lines table's 16 columns on a landscape page.
var torg2Columns = []pdfdoc.Column{
	{Width: 7, Align: pdfdoc.AlignRight},                                         // 1 №
	{Width: 53},                                                                  // 2 наименование
	{Width: 18},                                                                  // 3 код, артикул
	{Width: 10, Align: pdfdoc.AlignCenter},                                       // 4 ед. изм.
	{Width: 15, Align: pdfdoc.AlignRight},                                        // 5 цена
	{Width: 12, Align: pdfdoc.AlignRight}, {Width: 18, Align: pdfdoc.AlignRight}, // 6-7 по документам
	{Width: 12, Align: pdfdoc.AlignRight}, {Width: 18, Align: pdfdoc.AlignRight}, // 8-9 фактически
	{Width: 12, Align: pdfdoc.AlignRight}, {Width: 18, Align: pdfdoc.AlignRight}, // 10-11 недостача
	{Width: 12, Align: pdfdoc.AlignRight}, {Width: 18, Align: pdfdoc.AlignRight}, // 12-13 излишек
	{Width: 12, Align: pdfdoc.AlignRight}, {Width: 18, Align: pdfdoc.AlignRight}, // 14-15 брак
	{Width: 24}, // 16 примечание
}

// torg2Header is the lines table's header: the groups, their columns and
// the columns' numbers, as on the printed form.
func torg2Header() [][]pdfdoc.HeaderCell {
	groups := []pdfdoc.HeaderCell{
		{Text: "№ п/п", RowSpan: 2}, {Text: "Наименование товара", RowSpan: 2}, {Text: "Код, артикул", RowSpan: 2},
		{Text: "Ед. изм.", RowSpan: 2}, {Text: "Цена, руб. коп.", RowSpan: 2},
		{Text: "По документам поставщика", Span: 2}, {Text: "Фактически поступило", Span: 2},
		{Text: "Недостача", Span: 2}, {Text: "Излишек", Span: 2}, {Text: "Брак", Span: 2},
		{Text: "Примечание", RowSpan: 2},
	}
	var sub, numbers []pdfdoc.HeaderCell
	for range 5 {
		sub = append(sub, pdfdoc.HeaderCell{Text: "кол-во"}, pdfdoc.HeaderCell{Text: "сумма, руб. коп."})
	}
	for i := range torg2Columns {
		numbers = append(numbers, pdfdoc.HeaderCell{Text: strconv.Itoa(i + 1)})
	}
	return [][]pdfdoc.HeaderCell{groups, sub, numbers}
}

// blankZeroQty formats a discrepancy's quantity, leaving the cell empty
// when there is none.
func blankZeroQty(q float64) string {
	if q == 0 {
		return ""
	}
	return docfmt.Quantity(q, "ru")
}

// blankZeroSum formats a discrepancy's sum, leaving the cell empty when
// there is none.
func blankZeroSum(s int64) string {
	if s == 0 {
		return ""
	}
	return docfmt.Sum(s, "ru")
}

// torg2Numbers are the ten quantity and sum cells of a line or a total.
func torg2Numbers(t Torg2Totals) []pdfdoc.Cell {
	return []pdfdoc.Cell{
		{Text: docfmt.Quantity(t.DocQuantity, "ru")}, {Text: docfmt.Sum(t.DocSum, "ru")},
		{Text: docfmt.Quantity(t.ActualQuantity, "ru")}, {Text: docfmt.Sum(t.ActualSum, "ru")},
		{Text: blankZeroQty(t.ShortQuantity)}, {Text: blankZeroSum(t.ShortSum)},
		{Text: blankZeroQty(t.SurplusQuantity)}, {Text: blankZeroSum(t.SurplusSum)},
		{Text: blankZeroQty(t.DefectQuantity)}, {Text: blankZeroSum(t.DefectSum)},
	}
}

// totalsRow is a totals row: its title across the first five columns, then
// the numbers.
func totalsRow(title string, t Torg2Totals) pdfdoc.Row {
	cells := append([]pdfdoc.Cell{{Text: title, Span: 5, Align: pdfdoc.AlignRight}}, torg2Numbers(t)...)
	return pdfdoc.Row{Bold: true, Cells: append(cells, pdfdoc.Cell{})}
}

// partyLine is an organisation in one line, as a form's field has it.
func partyLine(p Party) string {
	var parts []string
	name := p.Company
	if name == "" {
		name = p.Name
	}
	for _, s := range []string{name, prefixed("ИНН ", p.TaxID), prefixed("КПП ", p.KPP), prefixed("ОКПО ", p.OKPO), p.Address, p.Phone} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

// numberAndDate is "№ 12 от 05.12.2026", or what of it is known.
func numberAndDate(number string, date time.Time, loc *time.Location) string {
	var s string
	if number != "" {
		s = "№ " + number
	}
	if !date.IsZero() {
		s = strings.TrimSpace(s + " от " + docfmt.NumericDate(date, loc, "ru"))
	}
	return s
}

// dateTime is "05.12.2026 09:00", or "" for a zero time.
func dateTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return docfmt.NumericDate(t, loc, "ru") + " " + docfmt.Clock(t, loc)
}

// RenderTorg2 renders the TORG-2 act (unified form, OKUD 0330202, approved
// by Goskomstat of Russia, resolution No. 132 of 25.12.1998) on A4
// landscape, in Russian: the form's header (consignee with its INN and
// OKPO, department, supplier, the grounds, the place and times of
// acceptance, the accompanying documents), the lines table with the
// quantities and sums by the supplier's documents, received, short,
// surplus and defective, over as many pages as needed (the header repeated,
// "Итого по странице" on every page, "Всего по акту" at the end), the
// documented sum and the shortage-and-defect sum in words, the
// commission's conclusion and signatures, the stamp's place, and the claim
// number for reference.
//
// Sums and totals are printed as given (a.Totals is not recomputed); only
// the page totals are added up here. It returns an error only when the PDF
// cannot be produced.
func RenderTorg2(a Torg2) ([]byte, error) {
	loc := a.Location
	act := "Акт " + numberAndDate(a.ActNumber, a.ActDate, loc)
	footer := "ТОРГ-2. " + act
	if a.ClaimNumber != "" {
		footer += " · рекламация № " + a.ClaimNumber
	}
	author := a.Consignee.Company
	if author == "" {
		author = a.Consignee.Name
	}
	d, err := pdfdoc.New(pdfdoc.Config{
		Orientation: pdfdoc.Landscape, Language: "ru", Margin: 10,
		Title: "ТОРГ-2. " + act, Subject: "Акт об установленном расхождении", Author: author,
		Created: a.ActDate, Footer: footer, PageNumbers: true,
	})
	if err != nil {
		return nil, fmt.Errorf("torg-2 %s: %w", a.ActNumber, err)
	}

	// The approval note and the codes at the top right.
	const codesW, codeW, rowH = 72.0, 26.0, 4.6
	top := d.Y()
	x := d.Left() + d.Width() - codesW
	d.TextBox(x-40, top, codesW+40, torg2Approval, pdfdoc.Style{Size: 6.5, Align: pdfdoc.AlignRight})
	boxY := top + 11
	d.TextAt(x+codesW-codeW, boxY-3.6, codeW, "Код", pdfdoc.Style{Size: 7, Align: pdfdoc.AlignCenter})
	codes := []struct{ label, code string }{
		{"Форма по ОКУД", torg2OKUD}, {"по ОКПО", a.Consignee.OKPO},
		{"Вид деятельности по ОКДП", ""}, {"Вид операции", ""},
	}
	for i, c := range codes {
		y := boxY + float64(i)*rowH
		d.TextAt(x, y+0.9, codesW-codeW-1.5, c.label, pdfdoc.Style{Size: 7, Align: pdfdoc.AlignRight})
		d.RectAt(x+codesW-codeW, y, codeW, rowH)
		codeSt := pdfdoc.Style{Size: 8, Bold: true, Align: pdfdoc.AlignCenter}
		d.TextAt(x+codesW-codeW, y+0.8, codeW, d.Fit(c.code, codeW-1, codeSt), codeSt)
	}

	fieldW := d.Width() - codesW - 6
	const labelW = 42.0
	grounds := strings.Join(nonEmpty(
		prefixed("договор ", numberAndDate(a.ContractNumber, a.ContractDate, loc)),
		prefixed("заказ ", numberAndDate(a.OrderNumber, a.OrderDate, loc)),
	), "; ")
	for _, f := range []pdfdoc.Field{
		{Label: "Организация-получатель", Value: partyLine(a.Consignee), Caption: "(наименование организации, ИНН, адрес, телефон)"},
		{Label: "Структурное подразделение", Value: a.Department, Caption: "(наименование)"},
		{Label: "Поставщик", Value: partyLine(a.Supplier), Caption: "(наименование организации, ИНН, адрес, телефон)"},
		{Label: "Основание для составления акта", Value: grounds, Caption: "(договор, заказ, наряд)"},
	} {
		f.LabelWidth, f.Width = labelW, fieldW
		d.FormField(f)
	}
	d.SetY(max(d.Y(), boxY+float64(len(codes))*rowH+2))

	d.Space(2)
	d.Text("АКТ "+numberAndDate(a.ActNumber, a.ActDate, loc), pdfdoc.Style{Size: 13, Bold: true, Align: pdfdoc.AlignCenter})
	d.Text(torg2Subtitle, pdfdoc.Style{Size: 10, Bold: true, Align: pdfdoc.AlignCenter})
	d.Space(2)

	var docs []string
	for _, td := range a.TransportDocs {
		docs = append(docs, strings.TrimSpace(td.Kind+" "+numberAndDate(td.Number, td.Date, loc)))
	}
	half := (d.Width() - 6) / 2
	d.FormField(pdfdoc.Field{Label: "Место составления акта", Value: a.Place, LabelWidth: labelW})
	top = d.Y()
	d.FormField(pdfdoc.Field{Label: "Время начала приёмки", Value: dateTime(a.AcceptanceStarted, loc), Caption: "(дата, часы, минуты)", LabelWidth: labelW, Width: half})
	startBottom := d.Y()
	d.SetY(top)
	// The end of acceptance beside its start: a field of its own, shifted
	// right by drawing it as text (FormField flows from the left margin).
	endX := d.Left() + half + 6
	d.TextAt(endX, top+0.4, labelW, "Время окончания приёмки", pdfdoc.Style{Size: 8})
	d.TextAt(endX+labelW+1, top, half-labelW-2, dateTime(a.AcceptanceEnded, loc), pdfdoc.Style{Size: 9})
	lineY := top + pdfdoc.Style{Size: 9}.LineHeight()
	d.LineAt(endX+labelW, lineY, endX+half, lineY)
	d.TextAt(endX+labelW, lineY+0.2, half-labelW, "(дата, часы, минуты)", pdfdoc.Style{Size: 6, Gray: true, Align: pdfdoc.AlignCenter})
	d.SetY(startBottom)
	d.FormField(pdfdoc.Field{Label: "Сопроводительные документы", Value: strings.Join(docs, "; "), Caption: "(вид, номер и дата документа)", LabelWidth: labelW})
	d.Space(2)

	rows := make([]pdfdoc.Row, len(a.Lines))
	for i, l := range a.Lines {
		no := l.No
		if no == 0 {
			no = i + 1
		}
		cells := []pdfdoc.Cell{{Text: strconv.Itoa(no)}, {Text: l.Name}, {Text: l.SKU}, {Text: l.Unit}, {Text: docfmt.Sum(l.Price, "ru")}}
		cells = append(cells, torg2Numbers(lineTotals(l))...)
		rows[i] = pdfdoc.Row{Cells: append(cells, pdfdoc.Cell{Text: l.Note})}
	}
	d.Table(pdfdoc.Table{
		Columns: torg2Columns, Header: torg2Header(), Rows: rows, FontSize: 7,
		PageFooter: func(first, end int) []pdfdoc.Row {
			var t Torg2Totals
			for _, l := range a.Lines[first:end] {
				t.Add(l)
			}
			return []pdfdoc.Row{totalsRow("Итого по странице", t)}
		},
		Footer: []pdfdoc.Row{totalsRow("Всего по акту", a.Totals)},
	})

	words := []pdfdoc.Field{
		{Label: "Сумма по документам поставщика", Value: docfmt.AmountInWords(a.Totals.DocSum, "ru"), Caption: "(прописью)"},
		{Label: "Сумма недостачи и брака", Value: docfmt.AmountInWords(a.Totals.ShortSum+a.Totals.DefectSum, "ru"), Caption: "(прописью)"},
	}
	if a.Totals.SurplusSum != 0 {
		words = append(words, pdfdoc.Field{Label: "Сумма излишка", Value: docfmt.AmountInWords(a.Totals.SurplusSum, "ru"), Caption: "(прописью)"})
	}
	for _, f := range words {
		f.LabelWidth = 55
		d.FormField(f)
	}

	d.Heading("Заключение комиссии")
	d.Text(orDash(a.Conclusion), pdfdoc.Style{Size: 9})
	d.Heading("Члены комиссии")
	sigs := make([]pdfdoc.Signature, len(a.Commission))
	for i, m := range a.Commission {
		sigs[i] = pdfdoc.Signature{Role: orDash(m.Position), Name: m.Name}
	}
	if len(sigs) == 0 {
		sigs = []pdfdoc.Signature{{Role: "Председатель комиссии"}, {Role: "Член комиссии"}, {Role: "Член комиссии"}}
	}
	d.Signatures(sigs)
	d.Need(12)
	d.Text("М.П.", pdfdoc.Style{Size: 10, Bold: true})
	if a.ClaimNumber != "" {
		d.Space(2)
		d.Text("Акт составлен по рекламации № "+a.ClaimNumber+" (для справки).", pdfdoc.Style{Size: 8, Gray: true})
	}

	b, err := d.Bytes()
	if err != nil {
		return nil, fmt.Errorf("torg-2 %s: %w", a.ActNumber, err)
	}
	return b, nil
}

// lineTotals are a line's own quantities and sums, in the totals' shape.
func lineTotals(l Torg2Line) Torg2Totals {
	var t Torg2Totals
	t.Add(l)
	return t
}

// nonEmpty returns the non-empty strings of ss.
func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
