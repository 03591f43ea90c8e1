package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/reportmail"
)

// KeyReportMail is the key of a report mail to one recipient (the address
// hashed: delivery keys are logged).
func KeyReportMail(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(email)))
	return "mail:report:" + hex.EncodeToString(sum[:8])
}

// planReportMail adds a mail to each recipient of a report mail: the built
// subject and bodies with the recipient's unsubscribe link (in the bodies
// and as List-Unsubscribe, one-click per RFC 8058), the chart inline and
// the files attached, read from the bucket when sent.
func (n *Notifier) planReportMail(e events.Event, p *plan) error {
	var d events.ReportMail
	if err := decode(e, &d); err != nil {
		return err
	}
	if d.SubscriptionID == "" || d.Subject == "" || (d.HTML == "" && d.Text == "") {
		return apperr.InvalidField("data", "a report mail needs its subscription, subject and body")
	}
	if n.cfg.Files == nil && (d.Chart != nil || len(d.Attachments) > 0) {
		return apperr.InvalidField("data", "this notifier reads no stored files")
	}
	for _, to := range d.Recipients {
		link := reportmail.UnsubscribeURL(n.cfg.PublicBaseURL, n.cfg.Keys, d.SubscriptionID, to)
		m := Mail{
			To: []string{to}, Subject: d.Subject,
			Text: reportmail.Personalize(d.Text, link, false), HTML: reportmail.Personalize(d.HTML, link, true),
			Headers: map[string]string{"List-Unsubscribe": "<" + link + ">", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
			Files:   d.Attachments,
		}
		if d.Chart != nil {
			m.Inline = &InlineFile{File: *d.Chart, ContentID: events.ChartContentID}
		}
		p.add(Delivery{Key: KeyReportMail(to), Mail: &m})
	}
	return nil
}
