// Package notify delivers notifications taken from the notifications queue.
// It defines the message format and the channel interfaces (Mailer) that the
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

// Message is what travels on the notifications queue.
type Message struct {
	// ID is stable per notification, so a redelivered message is recognised.
	ID   string `json:"id"`
	Kind string `json:"kind"` // "email"
	Mail *Mail  `json:"mail,omitempty"`
}

// Mailer sends mail and returns the provider's message ID.
type Mailer interface {
	Send(ctx context.Context, m Mail) (string, error)
}

// Notifier delivers messages.
type Notifier struct {
	mailer Mailer
	logger *slog.Logger
}

// New returns a Notifier sending mail through mailer.
func New(mailer Mailer, logger *slog.Logger) *Notifier {
	return &Notifier{mailer: mailer, logger: logger}
}

// Deliver handles one queue message body. It returns an Invalid error for a
// message that can never be delivered (it will end in the dead-letter queue
// after the configured receives) and other errors for failures worth a retry.
func (n *Notifier) Deliver(ctx context.Context, body []byte) error {
	var m Message
	if err := json.Unmarshal(body, &m); err != nil {
		return apperr.InvalidField("message", "not a notification: "+err.Error())
	}
	switch m.Kind {
	case "email":
		if err := validateMail(m.Mail); err != nil {
			return err
		}
		id, err := n.mailer.Send(ctx, *m.Mail)
		if err != nil {
			return fmt.Errorf("deliver notification %s: %w", m.ID, err)
		}
		n.logger.InfoContext(ctx, "mail sent", "notificationId", m.ID, "messageId", id, "to", strings.Join(m.Mail.To, ","))
		return nil
	}
	return apperr.InvalidField("kind", fmt.Sprintf("unknown notification kind %q", m.Kind))
}

func validateMail(m *Mail) error {
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
