package notify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/webhook"
)

// bucket is a hand-written StoredFiles.
type bucket map[string][]byte

func (b bucket) ReadFile(_ context.Context, key string, _ int64) ([]byte, error) {
	data, ok := b[key]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "no file %s", key)
	}
	return data, nil
}

// TestReportMailToEachRecipient: a report mail goes to each recipient on
// their own, with their own signed unsubscribe link in both bodies and the
// List-Unsubscribe headers, the chart inline and the files attached from
// the bucket; no note, no webhook; delivered again, nothing more.
func TestReportMailToEachRecipient(t *testing.T) {
	files := bucket{"reports/rs-1/p/chart.png": []byte("png"), "reports/rs-1/p/r.pdf": []byte("%PDF-1.7"), "reports/rs-1/p/r.xlsx": []byte("PK")}
	// A target of every event type: a report mail is none of its business.
	f := newFixtureWith(t, func(c *notify.Config) { c.Files = files },
		webhook.Target{ID: "erp", URL: "https://erp.example.com/hook", Events: []string{"*"}, Active: true})
	e, err := events.New("", "system", at, events.ReportMail{
		SubscriptionID: "rs-1", Period: "p", Recipients: []string{"a@example.com", "b@example.com"}, Language: "en",
		Subject: "Structure", Text: "Unsubscribe: " + events.UnsubscribePlaceholder, HTML: `<img src="cid:chart@claimsdesk"><a href="` + events.UnsubscribePlaceholder + `">x</a>`,
		Chart: &events.ReportFile{Key: "reports/rs-1/p/chart.png", FileName: "chart.png", ContentType: "image/png"},
		Attachments: []events.ReportFile{
			{Key: "reports/rs-1/p/r.pdf", FileName: "r.pdf", ContentType: "application/pdf"},
			{Key: "reports/rs-1/p/r.xlsx", FileName: "r.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := f.n.Deliver(context.Background(), body(t, e)); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{}
	for _, to := range []string{"a@example.com", "b@example.com"} {
		ms := f.mail.mails(to)
		if len(ms) != 1 {
			t.Fatalf("%d mails to %s, want 1", len(ms), to)
		}
		m := ms[0]
		link := "https://claims.example.com/unsubscribe/" + f.keys.UnsubscribeToken("rs-1", to)
		links[to] = link
		if m.Headers["List-Unsubscribe"] != "<"+link+">" || m.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" ||
			!strings.Contains(m.Text, link) || !strings.Contains(m.HTML, `href="`+link+`"`) {
			t.Errorf("%s: headers %v, text %q, html %q; want their link %s", to, m.Headers, m.Text, m.HTML, link)
		}
		// The chart first, inline; then the files, read from the bucket.
		if len(m.Attachments) != 3 || m.Attachments[0].ContentID != events.ChartContentID || string(m.Attachments[0].Data) != "png" ||
			m.Attachments[1].FileName != "r.pdf" || string(m.Attachments[1].Data) != "%PDF-1.7" || m.Attachments[2].ContentID != "" ||
			string(m.Attachments[2].Data) != "PK" {
			t.Errorf("%s: attachments %+v", to, m.Attachments)
		}
	}
	if links["a@example.com"] == links["b@example.com"] {
		t.Error("both recipients got the same link")
	}
	if len(f.notes.by) != 0 || len(f.poster.posted) != 0 {
		t.Errorf("%d notes, %d webhook calls: a report mail makes neither", len(f.notes.by), len(f.poster.posted))
	}
}
