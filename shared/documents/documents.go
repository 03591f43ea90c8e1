// Package documents renders the PDF documents of the claims process from
// plain values (model.go): the claim sheet (RenderClaimSheet), the TORG-2 act
// (RenderTorg2), the decision letter (RenderDecisionLetter, with the
// statutory deadlines of StatutoryDeadlines), and the sample documents the
// catalog shows claimants (a carrier's damage act, a TORG-2 act) as blank
// forms with every field explained.
//
// It lays them out with package pdfdoc and formats numbers and dates with
// package docfmt; it imports no AWS package.
//
// Layer: domain.
package documents

import (
	"fmt"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/pdfdoc"
)

// sample is a blank form: a title, an explanation and its fields.
type sample struct {
	title, intro map[string]string
	fields       []map[string]string
	note         map[string]string
}

var samples = map[string]sample{
	"carrier-damage-act": {
		title: map[string]string{"ru": "Акт о повреждении груза (образец)", "en": "Damage act (sample)"},
		intro: map[string]string{
			"ru": "Составляется при получении груза вместе с представителем перевозчика, до подписания накладной без замечаний.",
			"en": "Drawn up on receipt of the goods together with the carrier's representative, before the delivery note is signed without remarks.",
		},
		fields: []map[string]string{
			{"ru": "Дата и место составления", "en": "Date and place"},
			{"ru": "Перевозчик, номер транспортной накладной", "en": "Carrier, waybill number"},
			{"ru": "Номер заказа и накладной поставщика", "en": "Order and supplier's delivery note numbers"},
			{"ru": "Описание повреждений упаковки", "en": "Damage to the packaging"},
			{"ru": "Описание повреждений изделий (модель, серийный номер, количество)", "en": "Damage to the products (model, serial number, quantity)"},
			{"ru": "Фотографии приложены (да/нет, количество)", "en": "Photos attached (yes/no, how many)"},
			{"ru": "Подписи получателя и представителя перевозчика", "en": "Signatures of the consignee and the carrier's representative"},
		},
		note: map[string]string{"ru": "Приложите скан подписанного акта к рекламации в раздел «Документы».", "en": "Attach a scan of the signed act to the claim under Documents."},
	},
	"torg-2": {
		title: map[string]string{"ru": "Акт ТОРГ-2 об установленном расхождении (образец)", "en": "TORG-2 act of discrepancy (sample)"},
		intro: map[string]string{
			"ru": "Унифицированная форма ТОРГ-2 составляется при приёмке, если количество или качество товара не совпадает с сопроводительными документами.",
			"en": "The unified TORG-2 form records a difference in quantity or quality between the goods received and their documents.",
		},
		fields: []map[string]string{
			{"ru": "Организация-получатель, ИНН, структурное подразделение", "en": "Consignee, tax ID, department"},
			{"ru": "Поставщик, номер и дата договора, номер заказа", "en": "Supplier, contract number and date, order number"},
			{"ru": "Номер и дата счёта-фактуры / накладной", "en": "Invoice / delivery note number and date"},
			{"ru": "Наименование товара, артикул, единица измерения", "en": "Product, SKU, unit"},
			{"ru": "Количество по документам и фактически принято", "en": "Quantity per documents and actually received"},
			{"ru": "Расхождение: недостача, излишек, пересорт, брак", "en": "Discrepancy: shortage, surplus, wrong item, defect"},
			{"ru": "Заключение комиссии, подписи членов комиссии", "en": "The committee's conclusion and signatures"},
		},
		note: map[string]string{"ru": "Большинство полей заполняются из заказа и рекламации; после подписания приложите акт к рекламации.", "en": "Most fields come from the order and the claim; attach the signed act to the claim."},
	},
}

// Samples lists the sample documents by name.
func Samples() []string {
	return []string{"carrier-damage-act", "torg-2"}
}

// Sample renders the named sample document in lang ("ru" or "en"): its
// title, what it is for, each field with lines to fill it in by hand, and
// a note on what to do with it. It returns a NotFound error for an unknown
// name.
func Sample(name, lang string) ([]byte, error) {
	s, ok := samples[name]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "no sample document %q", name)
	}
	lang = language(lang)
	d, err := pdfdoc.New(pdfdoc.Config{Language: lang, Title: s.title[lang], Margin: 20})
	if err != nil {
		return nil, fmt.Errorf("sample %s: %w", name, err)
	}
	d.Text(s.title[lang], pdfdoc.Style{Size: 16, Bold: true})
	d.Space(2)
	d.Text(s.intro[lang], pdfdoc.Style{Size: 10})
	d.Space(4)
	for i, f := range s.fields {
		d.Need(14)
		d.Text(fmt.Sprintf("%d. %s", i+1, f[lang]), pdfdoc.Style{Size: 10, Bold: true})
		d.WritingLines(1)
		d.Space(2)
	}
	d.Space(2)
	d.Text(s.note[lang], pdfdoc.Style{Size: 9})
	b, err := d.Bytes()
	if err != nil {
		return nil, fmt.Errorf("sample %s: %w", name, err)
	}
	return b, nil
}
