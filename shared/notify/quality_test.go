package notify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/webhook"
)

func surge() events.Surge {
	return events.Surge{AlertID: "QA-0190000000000abcdef01234567", Series: "2026-11", Model: "TH-2000", TypeID: "overheating",
		Observed: 10, Expected: 0.75, Window: events.Window{From: "2026-03-02", To: "2026-03-02", Days: 1}, Ratio: 3,
		Claims: []string{"RC-2026-000001", "RC-2026-000002"}, Announcement: 1}
}

// TestSurgeReachesTheQualityEngineers: a surge mails the configured quality
// engineers (all of them in one mail), notes the supervisors' inbox, and
// goes to the company's webhook target that subscribes to it, never to a
// dealer's; without quality engineers the supervisors' address gets the
// mail.
func TestSurgeReachesTheQualityEngineers(t *testing.T) {
	company := webhook.Target{ID: "crm", URL: "https://crm.example.com/hook", Events: []string{events.SurgeDetected}, Active: true}
	dealer := webhook.Target{ID: "dlr", URL: "https://dealer.example.com/hook", Events: []string{events.SurgeDetected}, DealerID: "DLR-1", Active: true}
	f := newFixtureWith(t, func(c *notify.Config) { c.QualityEmail = []string{"qa1@claimsdesk.example", "qa2@claimsdesk.example"} }, company, dealer)
	plan, err := f.n.Plan(context.Background(), event(t, events.SurgeDetected, surge()))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]notify.Delivery{}
	var keys []string
	for _, d := range plan {
		got[d.Key] = d
		keys = append(keys, d.Key)
	}
	if diff := cmp.Diff(sorted([]string{notify.KeyQualityMail, notify.KeySupervisorsNote, notify.KeyWebhook("crm")}), sorted(keys)); diff != "" {
		t.Fatalf("deliveries mismatch (-want +got):\n%s", diff)
	}
	m := got[notify.KeyQualityMail].Mail
	if diff := cmp.Diff([]string{"qa1@claimsdesk.example", "qa2@claimsdesk.example"}, m.To); diff != "" {
		t.Errorf("recipients mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(m.Subject, "серия 2026-11, overheating") || !strings.Contains(m.Text, "10 рекламаций за 1 дн.") ||
		!strings.Contains(m.Text, "при ожидаемых 0,75") || !strings.Contains(m.HTML, "при ожидаемых 0,75") || !strings.Contains(m.Text, "RC-2026-000001, RC-2026-000002") ||
		m.Headers["X-Claimsdesk-Alert"] != "QA-0190000000000abcdef01234567" {
		t.Errorf("quality mail %+v", m)
	}
	note := got[notify.KeySupervisorsNote].Note
	if note == nil || !strings.Contains(note.Title, "2026-11") || !strings.Contains(note.TitleEN, "Claims surge") || note.EventType != events.SurgeDetected ||
		// Each language writes the expected count its way.
		!strings.Contains(note.Text, "при ожидаемых 0,75") || !strings.Contains(note.TextEN, "where 0.75 were expected") {
		t.Errorf("note %+v", note)
	}

	f = newFixture(t)
	plan, err = f.n.Plan(context.Background(), event(t, events.SurgeDetected, surge()))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range plan {
		if d.Key == notify.KeyQualityMail && (len(d.Mail.To) != 1 || d.Mail.To[0] != "supervisors@claimsdesk.example") {
			t.Errorf("without quality engineers the mail goes to %v", d.Mail.To)
		}
	}
}

func TestParseRecipients(t *testing.T) {
	got, err := notify.ParseRecipients(" qa1@claimsdesk.example, qa2@claimsdesk.example ,")
	if err != nil || len(got) != 2 || got[1] != "qa2@claimsdesk.example" {
		t.Errorf("ParseRecipients = %v, %v", got, err)
	}
	if got, err := notify.ParseRecipients(""); err != nil || got != nil {
		t.Errorf("empty list = %v, %v", got, err)
	}
	for _, bad := range []string{"qa1@claimsdesk.example, not an address", "Quality <qa@claimsdesk.example>", strings.Repeat("q@x.example,", 51)} {
		if _, err := notify.ParseRecipients(bad); err == nil {
			t.Errorf("ParseRecipients(%q) took it", bad)
		}
	}
}
