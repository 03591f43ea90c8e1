// Package notify delivers what arrives on the notifications queue: outbox
// events (a claim received, ...) turned into mail to the right people in
// their language, and plain mail commands. Delivery is idempotent by event
// ID: an event already delivered is acknowledged without sending again.
//
// It defines the channel and state interfaces (Mailer, Deliveries) that
// infrastructure packages implement; it imports no AWS package.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/outbox"
)

// Mail is one email to send.
type Mail struct {
	To      []string          `json:"to"`
	ReplyTo []string          `json:"replyTo,omitempty"`
	Subject string            `json:"subject"`
	Text    string            `json:"text,omitempty"`
	HTML    string            `json:"html,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
}

// Command is a plain mail request on the queue (no event behind it).
type Command struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // "email"
	Mail *Mail  `json:"mail,omitempty"`
}

// Mailer sends mail and returns the provider's message ID.
type Mailer interface {
	Send(ctx context.Context, m Mail) (string, error)
}

// Deliveries remembers which outbox events were delivered.
type Deliveries interface {
	// Delivered reports whether the event was already delivered.
	Delivered(ctx context.Context, e outbox.Event) (bool, error)
	// MarkDelivered records the delivery (and takes the event off the
	// outbox's pending list).
	MarkDelivered(ctx context.Context, e outbox.Event) error
}

// Notifier delivers messages.
type Notifier struct {
	mailer     Mailer
	deliveries Deliveries
	keys       *keys.Keys
	logger     *slog.Logger
}

// New returns a Notifier.
func New(mailer Mailer, deliveries Deliveries, k *keys.Keys, logger *slog.Logger) *Notifier {
	return &Notifier{mailer: mailer, deliveries: deliveries, keys: k, logger: logger}
}

// Deliver handles one queue message body. It returns an Invalid error for a
// message that can never be delivered (it ends in the dead-letter queue after
// the configured receives) and other errors for failures worth a retry.
func (n *Notifier) Deliver(ctx context.Context, body []byte) error {
	var probe struct {
		Type string `json:"type"`
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return apperr.InvalidField("message", "not JSON: "+err.Error())
	}
	if probe.Type != "" {
		var e outbox.Event
		if err := json.Unmarshal(body, &e); err != nil || e.ID == "" || e.ClaimID == "" {
			return apperr.InvalidField("event", "not an outbox event")
		}
		return n.deliverEvent(ctx, e)
	}
	var c Command
	if err := json.Unmarshal(body, &c); err != nil {
		return apperr.InvalidField("message", "not a notification: "+err.Error())
	}
	if c.Kind != "email" {
		return apperr.InvalidField("kind", fmt.Sprintf("unknown notification kind %q", c.Kind))
	}
	if err := ValidateMail(c.Mail); err != nil {
		return err
	}
	id, err := n.mailer.Send(ctx, *c.Mail)
	if err != nil {
		return fmt.Errorf("deliver notification %s: %w", c.ID, err)
	}
	n.logger.InfoContext(ctx, "mail sent", "notificationId", c.ID, "messageId", id, "to", strings.Join(c.Mail.To, ","))
	return nil
}

func (n *Notifier) deliverEvent(ctx context.Context, e outbox.Event) error {
	done, err := n.deliveries.Delivered(ctx, e)
	if err != nil {
		return fmt.Errorf("event %s: %w", e.ID, err)
	}
	if done {
		n.logger.InfoContext(ctx, "event already delivered", "eventId", e.ID, "claimId", e.ClaimID)
		return nil
	}
	mails, err := n.mailsFor(e)
	if err != nil {
		return err
	}
	for _, m := range mails {
		id, err := n.mailer.Send(ctx, m)
		if err != nil {
			return fmt.Errorf("event %s: %w", e.ID, err)
		}
		n.logger.InfoContext(ctx, "mail sent", "eventId", e.ID, "eventType", e.Type, "claimId", e.ClaimID, "messageId", id)
	}
	if err := n.deliveries.MarkDelivered(ctx, e); err != nil {
		return fmt.Errorf("event %s: %w", e.ID, err)
	}
	return nil
}

// mailsFor renders the mail an event causes; events nobody is notified of
// yield none.
func (n *Notifier) mailsFor(e outbox.Event) ([]Mail, error) {
	switch e.Type {
	case outbox.ClaimReceived:
		var d outbox.Received
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return nil, apperr.InvalidField("data", "not a claim.received event: "+err.Error())
		}
		if d.Email == "" {
			return nil, nil
		}
		link := strings.TrimRight(d.BaseURL, "/") + "/t/" + n.keys.TrackingToken(e.ClaimID)
		m, err := receivedMail(d, link)
		if err != nil {
			return nil, err
		}
		return []Mail{m}, nil
	}
	return nil, nil
}

// ValidateMail checks a mail command.
func ValidateMail(m *Mail) error {
	if m == nil {
		return apperr.InvalidField("mail", "missing")
	}
	var fields []apperr.FieldError
	if len(m.To) == 0 {
		fields = append(fields, apperr.FieldError{Field: "mail.to", Message: "at least one recipient"})
	}
	for _, to := range m.To {
		if _, err := mail.ParseAddress(to); err != nil {
			fields = append(fields, apperr.FieldError{Field: "mail.to", Message: fmt.Sprintf("%q is not an address", to)})
		}
	}
	if strings.TrimSpace(m.Subject) == "" {
		fields = append(fields, apperr.FieldError{Field: "mail.subject", Message: "required"})
	}
	if m.Text == "" && m.HTML == "" {
		fields = append(fields, apperr.FieldError{Field: "mail.text", Message: "text or html required"})
	}
	return apperr.Validation(fields)
}
