package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/catalog"
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

// catalogOf is a catalog.Source of one catalog, or of an error.
type catalogOf struct {
	c   *catalog.Catalog
	err error
}

func (s catalogOf) Catalog(context.Context) (*catalog.Catalog, error) { return s.c, s.err }

// TestSurgeNamesTheType: the surge's mail and note name the claim type as
// the catalog does ("Перегрев", not "overheating"); without the catalog
// they still go out, with its ID.
func TestSurgeNamesTheType(t *testing.T) {
	cat := &catalog.Catalog{Types: []catalog.Type{{ID: "overheating", Name: catalog.Text{"ru": "Перегрев", "en": "Overheating"}}}}
	for _, tt := range []struct {
		name   string
		src    catalog.Source
		ru, en string
	}{
		{"named", catalogOf{c: cat}, "Перегрев", "Overheating"},
		{"catalog unreadable", catalogOf{err: errors.New("throttled")}, "overheating", "overheating"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixtureWith(t, func(c *notify.Config) { c.QualityEmail = []string{"qa@claimsdesk.example"}; c.Catalog = tt.src })
			plan, err := f.n.Plan(context.Background(), event(t, events.SurgeDetected, surge()))
			if err != nil {
				t.Fatal(err)
			}
			var m *notify.Mail
			var note *notify.Note
			for _, d := range plan {
				if d.Mail != nil {
					m = d.Mail
				}
				if d.Note != nil {
					note = d.Note
				}
			}
			if m == nil || note == nil {
				t.Fatalf("plan %+v lacks the mail or the note", plan)
			}
			if !strings.Contains(m.Subject, "серия 2026-11, "+tt.ru) || !strings.Contains(m.Text, "вид рекламации «"+tt.ru+"»") ||
				!strings.Contains(m.HTML, "«<b>"+tt.ru+"</b>»") {
				t.Errorf("mail %q / %q / %q, want the type %q", m.Subject, m.Text, m.HTML, tt.ru)
			}
			if !strings.Contains(note.Title, tt.ru) || !strings.Contains(note.TitleEN, tt.en) {
				t.Errorf("note %q / %q, want the type %q / %q", note.Title, note.TitleEN, tt.ru, tt.en)
			}
		})
	}
}
