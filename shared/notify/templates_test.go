package notify

import (
	"strings"
	"testing"
	"time"
)

// full is data with every field set, as escaping must hold for each.
func full(hostile string) mailData {
	return mailData{
		Name: "Анна " + hostile, Number: "RC-2026-000123", Model: "TH-2000 " + hostile, Claimant: "Анна " + hostile,
		Link: "https://claims.example.com/t/abcdefghijklmnopqrstuvwx", Stage: "диагностика", Reason: "Пришлите фото\n" + hostile,
		Decision: "ремонт", Warranty: true, Instructions: "Курьер заберёт изделие.\n" + hostile, Author: "Клиент", AuthorName: hostile,
		Clock: "срок первого ответа", Due: "02.03.2026 16:30 MSK", Level: 2, Previous: "Ирина " + hostile, Manager: "Алексей " + hostile,
	}
}

// TestEveryMailInBothLanguages: each kind renders in Russian and English,
// as text and HTML, with the claim number in the subject.
func TestEveryMailInBothLanguages(t *testing.T) {
	words := map[string]string{"ru": "рекламац", "en": "claim"}
	for kind := range mailTemplates {
		for _, lang := range []string{"ru", "en"} {
			m, err := renderMail(kind, lang, full("x"), "to@example.com")
			if err != nil {
				t.Errorf("%s/%s: %v", kind, lang, err)
				continue
			}
			if !strings.Contains(m.Subject, "RC-2026-000123") || strings.Contains(m.Subject, "\n") {
				t.Errorf("%s/%s: subject %q does not name the claim on one line", kind, lang, m.Subject)
			}
			if !strings.Contains(strings.ToLower(m.Subject+m.Text), words[lang]) {
				t.Errorf("%s/%s: not in its language:\n%s", kind, lang, m.Text)
			}
			if strings.TrimSpace(m.Text) == "" || !strings.Contains(m.HTML, "<p>") || m.To[0] != "to@example.com" || m.Headers["X-Claim-Number"] != "RC-2026-000123" {
				t.Errorf("%s/%s: mail %+v", kind, lang, m)
			}
			if strings.Contains(m.Text, "<no value>") || strings.Contains(m.HTML, "<no value>") {
				t.Errorf("%s/%s: an unset value shows", kind, lang)
			}
		}
	}
	// Other languages fall back to Russian.
	m, err := renderMail(kindClosed, "de", full("x"), "to@example.com")
	if err != nil || m.Subject != "Рекламация RC-2026-000123 закрыта" {
		t.Errorf("German claim: %q, %v; want the Russian mail", m.Subject, err)
	}
}

// TestMailEscapesClaimTexts: texts typed by claimants and staff reach the
// HTML part escaped, the text part as typed.
func TestMailEscapesClaimTexts(t *testing.T) {
	const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)>`
	for kind := range mailTemplates {
		for _, lang := range []string{"ru", "en"} {
			d := full(hostile)
			m, err := renderMail(kind, lang, d, "to@example.com")
			if err != nil {
				t.Fatal(err)
			}
			for _, raw := range []string{"<script>", "<img src=x"} {
				if strings.Contains(m.HTML, raw) {
					t.Errorf("%s/%s: HTML carries %q unescaped", kind, lang, raw)
				}
			}
			if !strings.Contains(m.HTML, "&lt;script&gt;") {
				t.Errorf("%s/%s: no claim text in the HTML part to check", kind, lang)
			}
			if !strings.Contains(m.Text, hostile) {
				t.Errorf("%s/%s: the text part altered what was typed", kind, lang)
			}
		}
	}
	// A link that is not http(s) cannot become a script link.
	d := full("")
	d.Link = "javascript:alert(1)"
	m, _ := renderMail(kindReceived, "ru", d, "to@example.com")
	if strings.Contains(m.HTML, `href="javascript:`) {
		t.Errorf("a javascript: link survives in HTML: %s", m.HTML)
	}
}

// TestOptionalParts: without a link or instructions the mail still reads.
func TestOptionalParts(t *testing.T) {
	d := mailData{Number: "RC-2026-000123"}
	for _, kind := range []string{kindWaiting, kindImplementation, kindClosed, kindRejected, kindNewMessage} {
		m, err := renderMail(kind, "ru", d, "to@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(m.HTML, `href=""`) || strings.Contains(m.Text, "Здравствуйте, !") {
			t.Errorf("%s without optional data:\n%s\n%s", kind, m.Text, m.HTML)
		}
	}
}

// TestEveryNoteInBothLanguages: staff notes have a Russian and an English
// title and text naming the claim.
func TestEveryNoteInBothLanguages(t *testing.T) {
	for kind := range noteTemplates {
		title, text, titleEN, textEN, err := renderNote(kind, full("x"))
		if err != nil {
			t.Errorf("%s: %v", kind, err)
			continue
		}
		if !strings.Contains(title, "RC-2026-000123") || !strings.Contains(titleEN, "RC-2026-000123") || text == "" || textEN == "" || title == titleEN {
			t.Errorf("%s: %q %q / %q %q", kind, title, text, titleEN, textEN)
		}
	}
	for _, kind := range []string{kindAssignedNew, kindReassigned, kindMessageIn, kindSLAWarning, kindUnassigned, kindEscalated} {
		if _, ok := noteTemplates[kind]; !ok {
			t.Errorf("no note for %s", kind)
		}
	}
}

func TestNames(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Moscow")
	due := time.Date(2026, 3, 2, 13, 30, 0, 0, time.UTC)
	tests := []struct{ got, want string }{
		{clockName("ru", "stage:diagnostics"), "срок этапа «диагностика»"},
		{clockName("en", "stage:diagnostics"), "the diagnostics stage deadline"},
		{clockName("en", "firstResponse"), "the first response deadline"},
		{clockName("ru", "somethingNew"), "somethingNew"},
		{formatTime("ru", due, loc), "02.03.2026 16:30 MSK"},
		{formatTime("en", due, loc), "2 Mar 2026 16:30 MSK"},
		{named(resolutionNames, "ru", "carrier_claim"), "претензия к перевозчику"},
		{named(stageNames, "en", "waiting_for_customer"), "waiting for the customer"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
