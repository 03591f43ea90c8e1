package documents

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/docfmt"
	"github.com/claimsdesk/backend/shared/pdfdoc"
)

// tr picks the Russian or the English text by lang.
func tr(lang, ru, en string) string {
	if docfmt.English(lang) {
		return en
	}
	return ru
}

// language returns "en" for English and "ru" for anything else.
func language(lang string) string {
	if docfmt.English(lang) {
		return "en"
	}
	return "ru"
}

// numberSign is "№" in Russian and "No." in English.
func numberSign(lang string) string { return tr(lang, "№", "No.") }

// letterhead draws the company's name and details at the top of the page,
// in width millimetres from the left margin, and returns the y below them.
func letterhead(d *pdfdoc.Doc, c Company, lang string, width float64) float64 {
	y := d.Y()
	name := c.Name
	if name == "" {
		name = c.LegalName
	}
	y = d.TextBox(d.Left(), y, width, name, pdfdoc.Style{Size: 15, Bold: true})
	var ids []string
	for _, id := range []struct{ label, value string }{
		{tr(lang, "ИНН", "TIN"), c.TaxID}, {tr(lang, "КПП", "KPP"), c.KPP},
		{tr(lang, "ОГРН", "OGRN"), c.OGRN}, {tr(lang, "ОКПО", "OKPO"), c.OKPO},
	} {
		if id.value != "" {
			ids = append(ids, id.label+" "+id.value)
		}
	}
	var contacts []string
	for _, s := range []string{c.Phone, c.Email, c.Website} {
		if s != "" {
			contacts = append(contacts, s)
		}
	}
	small := pdfdoc.Style{Size: 8, Gray: true}
	for _, line := range []string{c.LegalName, strings.Join(ids, ", "), c.Address, strings.Join(contacts, " · "), c.Bank} {
		if line != "" && line != name {
			y = d.TextBox(d.Left(), y, width, line, small)
		}
	}
	return y
}

// claimTitle is "Рекламация № RC-… от 5 декабря 2026 г." with the
// version when there is more than one.
func claimTitle(number string, filed time.Time, loc *time.Location, version int, lang string) string {
	s := tr(lang, "Рекламация ", "Claim ") + numberSign(lang) + docfmt.NBSP + number
	if !filed.IsZero() {
		s += tr(lang, " от ", " of ") + docfmt.Date(filed, loc, lang)
	}
	if version > 1 {
		s += tr(lang, ", версия ", ", version ") + strconv.Itoa(version)
	}
	return s
}

// purchaseDate formats a YYYY-MM-DD date in lang, or returns it as given
// when it is not one.
func purchaseDate(s, lang string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return docfmt.Date(t, time.UTC, lang)
}

// lineSum is quantity × price in kopecks, rounded half up.
func lineSum(l Line) int64 {
	return int64(math.Round(l.Quantity * float64(l.Price)))
}

// partyLines are a party's details as key/value pairs.
func partyLines(p Party, lang string) []pdfdoc.KV {
	kv := []pdfdoc.KV{{Key: tr(lang, "Имя", "Name"), Value: p.Name}}
	for _, f := range []pdfdoc.KV{
		{Key: tr(lang, "Организация", "Company"), Value: p.Company},
		{Key: tr(lang, "ИНН", "TIN"), Value: p.TaxID},
		{Key: tr(lang, "Адрес", "Address"), Value: p.Address},
		{Key: tr(lang, "Эл. почта", "Email"), Value: p.Email},
		{Key: tr(lang, "Телефон", "Phone"), Value: p.Phone},
	} {
		if f.Value != "" {
			kv = append(kv, f)
		}
	}
	return kv
}

// RenderClaimSheet renders the claim's PDF: A4 portrait in s.Language
// (Russian unless "en"), the company's details, the claim's number and
// date (and version), a QR code of the tracking page on the claimant's
// copy or the internal copy's mark, the claimant and the dealer, the
// product, the source order and its lines, the category and type, the
// essence, the desired result and fix, the attached files by photo zone
// (thumbnails of photos), and places to sign; every page numbered.
//
// It returns an error only when the PDF cannot be produced (a tracking URL
// too long for a QR code on the claimant's copy included); the text fields
// may hold anything.
func RenderClaimSheet(s ClaimSheet) ([]byte, error) {
	lang := language(s.Language)
	title := claimTitle(s.Number, s.FiledAt, s.Location, s.Version, lang)
	footer := title + " · " + s.Company.Name
	if s.Internal {
		footer += tr(lang, " · внутренний экземпляр", " · internal copy")
	}
	d, err := pdfdoc.New(pdfdoc.Config{
		Language: lang, Title: title, Subject: tr(lang, "Рекламация", "Claim"), Author: s.Company.LegalName,
		Created: s.FiledAt, Footer: footer, PageNumbers: true,
	})
	if err != nil {
		return nil, fmt.Errorf("claim sheet %s: %w", s.Number, err)
	}

	// The letterhead, with the QR code beside it on the claimant's copy.
	const qrSide = 32.0
	top := d.Y()
	headW := d.Width()
	if !s.Internal && s.TrackingURL != "" {
		headW -= qrSide + 6
		x := d.Left() + d.Width() - qrSide
		d.QRCodeAt(s.TrackingURL, x, top, qrSide)
		d.TextBox(x-4, top+qrSide, qrSide+8, tr(lang, "Статус рекламации:\nотсканируйте код", "Scan to follow the claim"), pdfdoc.Style{Size: 6.5, Gray: true, Align: pdfdoc.AlignCenter})
	}
	y := letterhead(d, s.Company, lang, headW)
	if !s.Internal && s.TrackingURL != "" {
		y = max(y, top+qrSide+6)
	}
	d.SetY(y + 2)
	d.Rule()
	d.Space(2)
	if s.Internal {
		d.Mark(tr(lang, "Внутренний экземпляр — для отдела рекламаций", "Internal copy — for the claims department"))
	}
	d.Title(title)
	d.KeyValues([]pdfdoc.KV{
		{Key: tr(lang, "Зарегистрирована", "Filed"), Value: docfmt.DateTime(s.FiledAt, s.Location, lang)},
		{Key: tr(lang, "Канал поступления", "Channel"), Value: s.Channel},
	}, 45)

	d.Heading(tr(lang, "Заявитель", "Claimant"))
	d.KeyValues(append(partyLines(s.Claimant, lang), pdfdoc.KV{Key: tr(lang, "Дилер", "Dealer"), Value: s.Dealer}), 45)

	d.Heading(tr(lang, "Изделие", "Product"))
	d.KeyValues([]pdfdoc.KV{
		{Key: tr(lang, "Модель", "Model"), Value: s.Product.Model},
		{Key: tr(lang, "Наименование", "Name"), Value: s.Product.Name},
		{Key: tr(lang, "Серия", "Series"), Value: s.Product.Series},
		{Key: tr(lang, "Серийный номер", "Serial number"), Value: s.Product.Serial},
		{Key: tr(lang, "Дата покупки", "Purchase date"), Value: purchaseDate(s.Product.PurchaseDate, lang)},
	}, 45)

	if s.OrderRef != "" || len(s.Lines) > 0 {
		d.Heading(tr(lang, "Заказ-основание", "Source order"))
		d.KeyValues([]pdfdoc.KV{{Key: tr(lang, "Заказ", "Order"), Value: s.OrderRef}}, 45)
		if len(s.Lines) > 0 {
			orderTable(d, s.Lines, lang)
		}
	}

	d.Heading(tr(lang, "Категория и тип", "Category and type"))
	d.KeyValues([]pdfdoc.KV{
		{Key: tr(lang, "Категория", "Category"), Value: s.Category},
		{Key: tr(lang, "Тип", "Type"), Value: s.Type},
	}, 45)

	d.Heading(tr(lang, "Суть рекламации", "Essence of the claim"))
	d.Text(orDash(s.Essence), pdfdoc.Style{})
	d.Heading(tr(lang, "Желаемый результат", "Desired result"))
	d.Text(orDash(s.DesiredResult), pdfdoc.Style{})
	d.Heading(tr(lang, "Желаемый способ устранения", "Desired way to fix it"))
	d.Text(orDash(s.DesiredFix), pdfdoc.Style{})

	if len(s.Files) > 0 {
		d.Heading(tr(lang, "Приложенные файлы", "Attached files"))
		attachedFiles(d, s.Files, s.Location, lang)
	}

	d.Heading(tr(lang, "Подписи", "Signatures"))
	d.Signatures([]pdfdoc.Signature{
		{Role: tr(lang, "Заявитель", "Claimant"), Name: s.Claimant.Name, Date: true},
		{Role: tr(lang, "Отдел рекламаций", "Claims department"), Date: true},
	})

	b, err := d.Bytes()
	if err != nil {
		return nil, fmt.Errorf("claim sheet %s: %w", s.Number, err)
	}
	return b, nil
}

// orDash returns s, or "—" for an empty field.
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// orderTable draws the source order's lines with their sums and total;
// without any price (the ERP has not sent the order) it shows the lines
// and quantities only, and a line without a price shows a dash.
func orderTable(d *pdfdoc.Doc, lines []Line, lang string) {
	priced := false
	for _, l := range lines {
		priced = priced || l.Price > 0
	}
	rows := make([]pdfdoc.Row, len(lines))
	var total int64
	for i, l := range lines {
		if !priced {
			rows[i] = pdfdoc.TextRow(strconv.Itoa(i+1), l.SKU, l.Name, l.Unit, docfmt.Quantity(l.Quantity, lang))
			continue
		}
		price, amount := "—", "—"
		if l.Price > 0 {
			sum := lineSum(l)
			total += sum
			price, amount = docfmt.Sum(l.Price, lang), docfmt.Sum(sum, lang)
		}
		rows[i] = pdfdoc.TextRow(strconv.Itoa(i+1), l.SKU, l.Name, l.Unit, docfmt.Quantity(l.Quantity, lang), price, amount)
	}
	head := []pdfdoc.HeaderCell{
		{Text: numberSign(lang)}, {Text: tr(lang, "Артикул", "SKU")}, {Text: tr(lang, "Наименование", "Name")},
		{Text: tr(lang, "Ед.", "Unit")}, {Text: tr(lang, "Кол-во", "Qty")},
	}
	if !priced {
		d.Table(pdfdoc.Table{
			Columns: []pdfdoc.Column{
				{Width: 8, Align: pdfdoc.AlignRight}, {Width: 35}, {Width: 102}, {Width: 12, Align: pdfdoc.AlignCenter},
				{Width: 15, Align: pdfdoc.AlignRight},
			},
			Header: [][]pdfdoc.HeaderCell{head},
			Rows:   rows,
		})
		return
	}
	d.Table(pdfdoc.Table{
		Columns: []pdfdoc.Column{
			{Width: 8, Align: pdfdoc.AlignRight}, {Width: 25}, {Width: 62}, {Width: 12, Align: pdfdoc.AlignCenter},
			{Width: 15, Align: pdfdoc.AlignRight}, {Width: 24, Align: pdfdoc.AlignRight}, {Width: 26, Align: pdfdoc.AlignRight},
		},
		Header: [][]pdfdoc.HeaderCell{append(head,
			pdfdoc.HeaderCell{Text: tr(lang, "Цена, руб.", "Price, RUB")}, pdfdoc.HeaderCell{Text: tr(lang, "Сумма, руб.", "Amount, RUB")})},
		Rows: rows,
		Footer: []pdfdoc.Row{{Bold: true, Cells: []pdfdoc.Cell{
			{Text: tr(lang, "Итого", "Total"), Span: 6, Align: pdfdoc.AlignRight}, {Text: docfmt.Sum(total, lang)},
		}}},
	})
}

// attachedFiles lists the files by photo zone, in the order the zones first
// appear: thumbnails of the photos, then the other files by name and size.
func attachedFiles(d *pdfdoc.Doc, files []File, loc *time.Location, lang string) {
	var zones []string
	byZone := map[string][]File{}
	for _, f := range files {
		z := f.Zone
		if z == "" {
			z = tr(lang, "Прочее", "Other")
		}
		if _, ok := byZone[z]; !ok {
			zones = append(zones, z)
		}
		byZone[z] = append(byZone[z], f)
	}
	const thumbSide = 38.0
	for _, z := range zones {
		var thumbs []pdfdoc.Thumb
		var others []File
		for _, f := range byZone[z] {
			if f.Thumbnail != nil {
				thumbs = append(thumbs, pdfdoc.Thumb{Image: f.Thumbnail, Caption: f.FileName + ", " + docfmt.FileSize(f.Size, lang)})
			} else {
				others = append(others, f)
			}
		}
		// Keep the zone's title with its first row of pictures.
		d.Space(1)
		if len(thumbs) > 0 {
			d.Need(thumbSide + 16)
		} else {
			d.Need(12)
		}
		d.Text(z, pdfdoc.Style{Size: 10, Bold: true})
		if len(thumbs) > 0 {
			d.Space(1)
			d.Thumbnails(thumbs, thumbSide)
		}
		for _, f := range others {
			line := "• " + f.FileName + " — " + docfmt.FileSize(f.Size, lang)
			if f.ContentType != "" {
				line += ", " + f.ContentType
			}
			if !f.UploadedAt.IsZero() {
				line += ", " + docfmt.DateTime(f.UploadedAt, loc, lang)
			}
			d.IndentedText(3, line, pdfdoc.Style{Size: 9})
		}
	}
}
