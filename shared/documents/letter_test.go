package documents

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/pdfdoc/popplertest"
)

func TestStatutoryDeadlines(t *testing.T) {
	decided := time.Date(2026, 12, 5, 15, 0, 0, 0, moscow)
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 15, 0, 0, 0, moscow) }
	next := func(m time.Month, d int) time.Time { return time.Date(2027, m, d, 15, 0, 0, 0, moscow) }
	tests := []struct {
		resolution string
		by         time.Time
		law        string
	}{
		{"repair", next(1, 19), "Закон РФ «О защите прав потребителей» № 2300-1, ст. 20"},
		{"replace", day(12, 12), "Закон РФ «О защите прав потребителей» № 2300-1, ст. 21"},
		{"refund", day(12, 15), "Закон РФ «О защите прав потребителей» № 2300-1, ст. 22"},
		{"partial_refund", day(12, 15), "Закон РФ «О защите прав потребителей» № 2300-1, ст. 22"},
		{"reject", time.Time{}, "Закон РФ «О защите прав потребителей» № 2300-1, ст. 17, п. 5 ст. 18"},
		{"carrier_claim", next(1, 4), "Устав автомобильного транспорта и городского наземного электрического транспорта (Федеральный закон № 259-ФЗ), ст. 42"},
	}
	for _, tt := range tests {
		t.Run(tt.resolution, func(t *testing.T) {
			got := StatutoryDeadlines(tt.resolution, decided, "ru")
			if len(got) != 1 {
				t.Fatalf("got %d deadlines, want 1", len(got))
			}
			if diff := cmp.Diff([]any{tt.by, true, tt.law}, []any{got[0].By, got[0].Statutory, got[0].Law}); diff != "" {
				t.Errorf("deadline (by, statutory, law) mismatch (-want +got):\n%s", diff)
			}
			if got[0].What == "" {
				t.Error("the deadline does not say what happens")
			}
		})
	}
	if got := StatutoryDeadlines("reject", decided, "ru"); !strings.Contains(got[0].What, "независимую экспертизу") || !strings.Contains(got[0].What, "суд") {
		t.Errorf("reject: %q does not name the right to dispute", got[0].What)
	}
	if got := StatutoryDeadlines("repair", decided, "en"); !strings.Contains(got[0].Law, "art. 20") || !strings.Contains(got[0].What, "45 days") {
		t.Errorf("repair in English: %+v", got[0])
	}
	if got := StatutoryDeadlines("replace", decided, "ru"); !strings.Contains(got[0].What, "7 дней") {
		t.Errorf("replace: %q", got[0].What)
	}
	if got := StatutoryDeadlines("nonsense", decided, "ru"); got != nil {
		t.Errorf("unknown resolution: %+v, want nil", got)
	}
}

func testLetter(lang string) DecisionLetter {
	decided := time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)
	l := DecisionLetter{
		Language: lang, Company: testCompany(), Location: moscow, Date: decided, Number: "RC-2026-000123", FiledAt: filedAt,
		Claimant:     Party{Name: "Иванов Иван Иванович", Company: "ООО «Мебель-Дилер»", Address: "630000, г. Новосибирск, ул. Ленина, д. 10", Email: "ivanov@dealer.example"},
		Product:      Product{Model: "Dynapro 450", Name: "Направляющие", Serial: "DP450-000981"},
		WarrantyCase: true, Resolution: "partial_refund", Amount: 123450, Currency: "RUB",
		Instructions: "Сохраните товар до приезда представителя; реквизиты для перевода пришлите ответом на письмо.",
		Manager:      "Смирнова Ольга, +7 495 000-00-01", TrackingURL: "https://claims.example.com/t/RC-2026-000123?k=Zx81",
	}
	l.Deadlines = append([]Deadline{{What: "Выезд представителя для осмотра", By: decided.AddDate(0, 0, 3)}}, StatutoryDeadlines(l.Resolution, decided, lang)...)
	return l
}

func TestRenderDecisionLetter(t *testing.T) {
	l := testLetter("ru")
	pdf, err := RenderDecisionLetter(l)
	if err != nil {
		t.Fatalf("RenderDecisionLetter: %v", err)
	}
	text := popplertest.Text(t, pdf)
	contains(t, text,
		"GRASS", "ООО «Грасс Рус»", "10 декабря 2026 г.", "Кому:", "Иванов Иван Иванович", "630000, г. Новосибирск",
		"О рекламации № RC-2026-000123 от 5 декабря 2026 г.",
		"приняли решение удовлетворить её", "Случай признан гарантийным",
		"Удовлетворена", "соразмерное уменьшение покупной цены", "1 234,50 руб. (Одна тысяча двести тридцать четыре рубля 50 копеек)",
		"Сохраните товар до приезда представителя",
		"Выезд представителя для осмотра", "13 декабря 2026 г.", "решение компании",
		"20 декабря 2026 г.", "по закону:", "2300-1,", "ст. 22",
		"https://claims.example.com/t/RC-2026-000123?k=Zx81", "Смирнова Ольга",
		"Руководитель отдела рекламаций", "Петров П. П.", "стр. 1 из 1",
	)
	if got := popplertest.PageCount(t, pdf); got != 1 {
		t.Errorf("%d pages, want 1", got)
	}
	again, _ := RenderDecisionLetter(l)
	if !bytes.Equal(pdf, again) {
		t.Error("a second rendering differs")
	}
}

func TestRenderDecisionLetterRejectedEnglish(t *testing.T) {
	l := testLetter("en")
	l.Rejected, l.WarrantyCase, l.Resolution, l.Amount = true, false, "reject", 0
	l.Deadlines = StatutoryDeadlines("reject", l.Date, "en")
	l.Instructions = strings.Repeat("Please read this carefully. ", 300)
	l.Claimant.Address = strings.Repeat("Very long street name ", 150) + "END-OF-ADDRESS"
	pdf, err := RenderDecisionLetter(l)
	if err != nil {
		t.Fatalf("RenderDecisionLetter: %v", err)
	}
	text := popplertest.Text(t, pdf)
	contains(t, text,
		"Re: claim No. RC-2026-000123 of 5 December 2026", "regret to say that we reject it", "It is not a warranty case",
		"Rejected", "the claim rejected", "independent", "court", "no fixed date", "by law:", "No. 2300-1,", "art. 17",
		"page 2 of", "END-OF-ADDRESS",
	)
	if strings.Contains(text, "Compensation") {
		t.Error("a letter without an amount shows a compensation")
	}
	if got := popplertest.PageCount(t, pdf); got < 2 {
		t.Errorf("%d pages for long instructions", got)
	}
}
