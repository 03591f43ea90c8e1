package documents

import (
	"fmt"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/docfmt"
	"github.com/claimsdesk/backend/shared/pdfdoc"
)

// The laws the statutory deadlines come from.
const (
	consumerLawRU = "Закон РФ «О защите прав потребителей» № 2300-1"
	consumerLawEN = "Russian Consumer Protection Law No. 2300-1"
	carrierLawRU  = "Устав автомобильного транспорта и городского наземного электрического транспорта (Федеральный закон № 259-ФЗ)"
	carrierLawEN  = "Charter of Road Transport (Federal Law No. 259-FZ)"
)

// resolutionNames name each resolution key in Russian and English.
var resolutionNames = map[string][2]string{
	"repair":         {"ремонт (безвозмездное устранение недостатков)", "repair (the defects removed free of charge)"},
	"replace":        {"замена товара", "replacement of the goods"},
	"refund":         {"возврат уплаченной за товар суммы", "refund of the price paid"},
	"partial_refund": {"соразмерное уменьшение покупной цены (частичный возврат)", "price reduction (partial refund)"},
	"reject":         {"отказ в удовлетворении требований", "the claim rejected"},
	"carrier_claim":  {"претензия к перевозчику", "a claim against the carrier"},
}

// ResolutionName names a resolution key (repair, replace, refund,
// partial_refund, reject, carrier_claim) in lang; an unknown key is
// returned as it is.
func ResolutionName(resolution, lang string) string {
	n, ok := resolutionNames[resolution]
	if !ok {
		return resolution
	}
	return tr(lang, n[0], n[1])
}

// StatutoryDeadlines returns the deadlines the Russian consumer protection
// law (Закон РФ «О защите прав потребителей» No. 2300-1) and, for a claim
// against a carrier, the Charter of Road Transport set for a resolution,
// counted in calendar days from decidedAt and worded in lang:
//
//   - repair: the defects removed within 45 days at most (art. 20);
//   - replace: the goods replaced within 7 days (art. 21; 20 days when the
//     seller needs an additional quality check);
//   - refund and partial_refund: the money (or the price reduction) paid
//     within 10 days (art. 22);
//   - reject: no deadline of the company's, but the claimant's right to
//     dispute the decision (an independent examination, the court: art. 18
//     and 17), with a zero By;
//   - carrier_claim: the carrier's answer to a claim within 30 days (the
//     Charter, art. 42).
//
// An unknown resolution has none (nil).
func StatutoryDeadlines(resolution string, decidedAt time.Time, lang string) []Deadline {
	consumer := func(article string) string {
		return tr(lang, consumerLawRU+", ст. "+article, consumerLawEN+", art. "+article)
	}
	in := func(days int) time.Time { return decidedAt.AddDate(0, 0, days) }
	switch resolution {
	case "repair":
		return []Deadline{{What: tr(lang, "Устранение недостатков товара (ремонт) — не более 45 дней", "Removing the defects (repair): 45 days at most"),
			By: in(45), Statutory: true, Law: consumer("20")}}
	case "replace":
		return []Deadline{{What: tr(lang, "Замена товара — 7 дней (20 дней, если нужна дополнительная проверка качества)",
			"Replacing the goods: 7 days (20 days when an additional quality check is needed)"),
			By: in(7), Statutory: true, Law: consumer("21")}}
	case "refund":
		return []Deadline{{What: tr(lang, "Возврат уплаченной за товар суммы — 10 дней", "Refunding the price paid: 10 days"),
			By: in(10), Statutory: true, Law: consumer("22")}}
	case "partial_refund":
		return []Deadline{{What: tr(lang, "Соразмерное уменьшение покупной цены (возврат разницы) — 10 дней", "Reducing the price (refunding the difference): 10 days"),
			By: in(10), Statutory: true, Law: consumer("22")}}
	case "reject":
		return []Deadline{{What: tr(lang, "Вы вправе оспорить решение: потребовать независимую экспертизу товара или обратиться в суд",
			"You may dispute the decision: ask for an independent examination of the goods or go to court"),
			Statutory: true, Law: tr(lang, consumerLawRU+", ст. 17, п. 5 ст. 18", consumerLawEN+", art. 17, art. 18(5)")}}
	case "carrier_claim":
		return []Deadline{{What: tr(lang, "Ответ перевозчика на претензию — 30 дней", "The carrier's answer to the claim: 30 days"),
			By: in(30), Statutory: true, Law: tr(lang, carrierLawRU+", ст. 42", carrierLawEN+", art. 42")}}
	}
	return nil
}

// RenderDecisionLetter renders the letter to the claimant with the
// decision: A4 portrait in l.Language (Russian unless "en"), the company's
// letterhead, the date, the addressee, the claim it answers, the decision
// (rejected or accepted, a warranty case or not, the resolution, the
// compensation in figures and, for roubles, in words), the manager's
// instructions, what happens next and by when (statutory deadlines marked
// with their law), the tracking link and the signatory.
//
// It returns an error only when the PDF cannot be produced.
func RenderDecisionLetter(l DecisionLetter) ([]byte, error) {
	lang := language(l.Language)
	loc := l.Location
	re := tr(lang, "О рекламации ", "Re: claim ") + numberSign(lang) + docfmt.NBSP + l.Number
	if !l.FiledAt.IsZero() {
		re += tr(lang, " от ", " of ") + docfmt.Date(l.FiledAt, loc, lang)
	}
	d, err := pdfdoc.New(pdfdoc.Config{
		Language: lang, Title: re, Subject: tr(lang, "Решение по рекламации", "Decision on the claim"),
		Author: l.Company.LegalName, Created: l.Date, Footer: l.Company.Name + " · " + re, PageNumbers: true, Margin: 20,
	})
	if err != nil {
		return nil, fmt.Errorf("decision letter %s: %w", l.Number, err)
	}

	d.SetY(letterhead(d, l.Company, lang, d.Width()) + 2)
	d.Rule()
	d.Space(3)

	// The date on the left, the addressee on the right half, in the flow:
	// the claimant's details may be long, and then they break pages like
	// any text rather than run off the page.
	top := d.Y()
	d.TextAt(d.Left(), top, d.Width()*0.5-4, docfmt.Date(l.Date, loc, lang), pdfdoc.Style{Size: 10})
	indent := d.Width() * 0.5
	d.IndentedText(indent, tr(lang, "Кому:", "To:"), pdfdoc.Style{Size: 8, Gray: true})
	d.IndentedText(indent, strings.Join(nonEmpty(l.Claimant.Company, l.Claimant.Name, l.Claimant.Address, l.Claimant.Email), "\n"), pdfdoc.Style{Size: 10})
	d.Space(4)

	d.Text(re, pdfdoc.Style{Size: 11, Bold: true})
	d.Space(3)
	if l.Claimant.Name != "" {
		d.Text(tr(lang, "Уважаемый(-ая) ", "Dear ")+l.Claimant.Name+tr(lang, "!", ","), pdfdoc.Style{})
		d.Space(2)
	}

	product := strings.TrimSpace(strings.Join(nonEmpty(l.Product.Model, l.Product.Name), " "))
	if l.Product.Serial != "" {
		product += tr(lang, ", серийный номер ", ", serial number ") + l.Product.Serial
	}
	about := ""
	if product != "" {
		about = tr(lang, " на изделие ", " about ") + product
	}
	var body string
	if l.Rejected {
		body = tr(lang, "Мы рассмотрели вашу рекламацию"+about+" и, к сожалению, отказываем в её удовлетворении.",
			"We have examined your claim"+about+" and regret to say that we reject it.")
	} else {
		body = tr(lang, "Мы рассмотрели вашу рекламацию"+about+" и приняли решение удовлетворить её.",
			"We have examined your claim"+about+" and decided to accept it.")
	}
	if l.WarrantyCase {
		body += tr(lang, " Случай признан гарантийным.", " It is a warranty case.")
	} else {
		body += tr(lang, " Случай не признан гарантийным.", " It is not a warranty case.")
	}
	d.Text(body, pdfdoc.Style{})
	d.Space(2)

	decision := tr(lang, "Удовлетворена", "Accepted")
	if l.Rejected {
		decision = tr(lang, "Отклонена", "Rejected")
	}
	warranty := tr(lang, "Нет", "No")
	if l.WarrantyCase {
		warranty = tr(lang, "Да", "Yes")
	}
	kv := []pdfdoc.KV{
		{Key: tr(lang, "Решение", "Decision"), Value: decision},
		{Key: tr(lang, "Гарантийный случай", "Warranty case"), Value: warranty},
		{Key: tr(lang, "Способ урегулирования", "Resolution"), Value: ResolutionName(l.Resolution, lang)},
	}
	if l.Amount > 0 {
		amount := docfmt.Money(l.Amount, l.Currency, lang)
		if l.Currency == "" || l.Currency == "RUB" {
			amount += " (" + docfmt.AmountInWords(l.Amount, lang) + ")"
		}
		kv = append(kv, pdfdoc.KV{Key: tr(lang, "Сумма компенсации", "Compensation"), Value: amount})
	}
	d.KeyValues(kv, 50)

	if strings.TrimSpace(l.Instructions) != "" {
		d.Heading(tr(lang, "Что нужно сделать", "What to do"))
		d.Text(l.Instructions, pdfdoc.Style{})
	}

	if len(l.Deadlines) > 0 {
		d.Heading(tr(lang, "Что будет дальше и в какие сроки", "What happens next, and by when"))
		rows := make([]pdfdoc.Row, len(l.Deadlines))
		for i, dl := range l.Deadlines {
			by := tr(lang, "без срока", "no fixed date")
			if !dl.By.IsZero() {
				by = docfmt.Date(dl.By, loc, lang)
			}
			basis := tr(lang, "решение компании", "the company's decision")
			if dl.Statutory {
				basis = tr(lang, "по закону: ", "by law: ") + orDash(dl.Law)
			}
			rows[i] = pdfdoc.Row{Cells: []pdfdoc.Cell{{Text: dl.What}, {Text: by}, {Text: basis, Bold: dl.Statutory}}}
		}
		d.Table(pdfdoc.Table{
			Columns:  []pdfdoc.Column{{Width: 50}, {Width: 20}, {Width: 30}},
			Header:   [][]pdfdoc.HeaderCell{{{Text: tr(lang, "Что", "What")}, {Text: tr(lang, "Срок", "By")}, {Text: tr(lang, "Основание", "Basis")}}},
			Rows:     rows,
			FontSize: 8.5,
		})
	}

	if l.TrackingURL != "" {
		d.Space(2)
		d.Text(tr(lang, "Следить за рекламацией: ", "Follow the claim: ")+l.TrackingURL, pdfdoc.Style{Size: 9})
	}
	if l.Manager != "" {
		d.Text(tr(lang, "Ваш менеджер: ", "Your manager: ")+l.Manager, pdfdoc.Style{Size: 9})
	}

	d.Space(8)
	d.Need(20)
	signer := nonEmpty(l.Company.SignatoryPosition, l.Company.LegalName)
	if len(signer) > 0 {
		d.Signatures([]pdfdoc.Signature{{Role: strings.Join(signer, ", "), Name: l.Company.SignatoryName}})
	}

	b, err := d.Bytes()
	if err != nil {
		return nil, fmt.Errorf("decision letter %s: %w", l.Number, err)
	}
	return b, nil
}
