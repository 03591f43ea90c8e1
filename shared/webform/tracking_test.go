package webform

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestZoneLabel(t *testing.T) {
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 12, 11, 5, 0, 0, time.UTC)
	tests := []struct {
		lang string
		t    time.Time
		want string
	}{
		{LangRU, at.In(moscow), "(Москва, UTC+3)"},
		{LangEN, at.In(moscow), "(Moscow, UTC+3)"},
		{LangRU, at.In(berlin), "(Europe/Berlin, UTC+1)"},
		{LangEN, time.Date(2026, 7, 1, 0, 0, 0, 0, berlin), "(Europe/Berlin, UTC+2)"},
		{LangEN, at.In(kolkata), "(Asia/Kolkata, UTC+5:30)"},
		{LangEN, at.In(time.FixedZone("", -4*3600)), "(UTC-4)"},
		{LangRU, at, "(UTC)"},
	}
	for _, tt := range tests {
		if got := ZoneLabel(tt.lang, tt.t); got != tt.want {
			t.Errorf("ZoneLabel(%s, %v) = %q, want %q", tt.lang, tt.t, got, tt.want)
		}
	}
}

// waitingTracking is a claim waiting for the customer, its times in UTC as
// stored, shown in the company's zone.
func waitingTracking(t *testing.T, lang string) *TrackingPage {
	t.Helper()
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 12, 11, 5, 0, 0, time.UTC)
	return &TrackingPage{
		Lang: lang, Number: "RC-2026-000123", Stage: "waiting_for_customer", Location: moscow,
		Product: Product{Model: "HX-200"}, CreatedAt: at, Manager: "Ольга Смирнова",
		History:     []HistoryEntry{{At: at, Stage: "new", Text: "Рекламация получена"}, {At: at.Add(time.Hour), Stage: "waiting_for_customer"}},
		Question:    "Пришлите фото шильдика.\nОн на задней стенке.",
		Messages:    []ChatMessage{{At: at.Add(time.Hour), Role: "manager", AuthorName: "Ольга Смирнова", Body: "Ждём фото"}},
		ReplyAction: "/t/tok/messages",
	}
}

func TestTrackingTimesInTheCompanysZone(t *testing.T) {
	for _, tc := range []struct{ lang, created, zone string }{
		{LangRU, "12.12.2026, 14:05", "(Москва, UTC&#43;3)"},
		{LangEN, "12 Dec 2026, 14:05", "(Moscow, UTC&#43;3)"},
	} {
		var b bytes.Buffer
		if err := RenderTracking(&b, waitingTracking(t, tc.lang)); err != nil {
			t.Fatal(err)
		}
		html := b.String()
		want := `<time datetime="2026-12-12T14:05:00&#43;03:00">` + tc.created + `</time> <span class="tz">` + tc.zone + `</span>`
		if !strings.Contains(html, want) {
			t.Errorf("%s: the filing time is not %s", tc.lang, want)
		}
		if n := strings.Count(html, `<span class="tz">`+tc.zone+`</span>`); n != 4 {
			t.Errorf("%s: %d times carry the zone, want 4 (filed, two history entries, a message)", tc.lang, n)
		}
		if strings.Contains(html, "11:05") {
			t.Errorf("%s: a time is shown in UTC", tc.lang)
		}
	}
}

func TestTrackingQuestionManagerAndDecision(t *testing.T) {
	p := waitingTracking(t, LangRU)
	html := renderTracking(t, p)
	ask := block(html, "question")
	if !strings.Contains(ask, Message(LangRU, "track.question")) || !strings.Contains(ask, "Пришлите фото шильдика.\nОн на задней стенке.") {
		t.Errorf("waiting for the customer: the question is not shown:\n%s", ask)
	}
	if !strings.Contains(html, "<dt>Ваш менеджер</dt><dd>Ольга Смирнова</dd>") {
		t.Error("the manager's name is not shown")
	}
	if strings.Contains(html, `id="decision"`) {
		t.Error("a decision section without a decision")
	}

	// Back at work: the question is no longer asked.
	p.Stage = "diagnostics"
	if html := renderTracking(t, p); strings.Contains(html, `id="question"`) {
		t.Error("the question is shown after the customer answered")
	}

	p.Stage = "implementation"
	p.Decision = &Decision{Resolution: "replace", WarrantyCase: true, Instructions: "Курьер заберёт товар\nв понедельник.", DecidedAt: time.Date(2026, 12, 14, 7, 0, 0, 0, time.UTC)}
	tests := []struct {
		lang string
		want []string
	}{
		{LangRU, []string{"Решение по рекламации", "<dt>Решение</dt><dd>Замена товара</dd>", "<dt>Гарантийный случай</dt><dd>да</dd>",
			"14.12.2026, 10:00", "Курьер заберёт товар\nв понедельник."}},
		{LangEN, []string{"Decision on the claim", "<dt>Decision</dt><dd>Replacement</dd>", "<dt>Warranty case</dt><dd>yes</dd>",
			"14 Dec 2026, 10:00", "Курьер заберёт товар\nв понедельник."}},
	}
	for _, tc := range tests {
		p.Lang = tc.lang
		dec := block(renderTracking(t, p), "decision")
		var missing []string
		for _, w := range tc.want {
			if !strings.Contains(dec, w) {
				missing = append(missing, w)
			}
		}
		if diff := cmp.Diff([]string(nil), missing); diff != "" {
			t.Errorf("%s: decision section lacks (-want +got):\n%s\n%s", tc.lang, diff, dec)
		}
	}
	p.Lang, p.Decision.WarrantyCase, p.Decision.Resolution = LangRU, false, "reject"
	dec := block(renderTracking(t, p), "decision")
	if !strings.Contains(dec, "<dd>нет</dd>") || !strings.Contains(dec, "В удовлетворении рекламации отказано") {
		t.Errorf("a rejection without warranty:\n%s", dec)
	}
}
