// Package sesmail sends mail through Amazon SES v2. It implements the Mailer
// interface of package notify; nothing else may import the SES SDK.
//
// SES replaces any Message-ID header a caller sets with its own (and
// returns that ID), so a mail sent again cannot repeat its first send's
// Message-ID. What stays the same across sends is the mail's delivery ID:
// it goes in the X-ClaimsDesk-Delivery header and, as a message ID of its
// own, in References, so mail clients thread a repeat with the first copy
// and providers or filters can fold it.
//
// Layer: adapter.
package sesmail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/awsenv"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/notify"
)

// Sender sends mail from one address.
type Sender struct {
	client *sesv2.Client
	from   string
}

// NewClient returns the SES v2 client of a function: cfg with the endpoint
// configured for SES v2 (AWS_ENDPOINT_URL_SESV2, else AWS_ENDPOINT_URL,
// else AWS's) and Options. Only the notifier sends mail, so only it builds
// one (and links the SES SDK).
func NewClient(cfg aws.Config) *sesv2.Client {
	return sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.BaseEndpoint = awsenv.BaseEndpoint("SESv2") }, Options)
}

// Config wires a Sender; both fields are required.
type Config struct {
	// Client is the SES v2 client (NewClient).
	Client *sesv2.Client
	// From is the sender, an address with an optional display name
	// ("Claims <claims@example.com>", MAIL_FROM) of a verified identity.
	From string
}

// New returns a Sender. It returns an Internal error naming what cfg lacks,
// and an Invalid error for field "From" when it is not a mail address.
func New(cfg Config) (*Sender, error) {
	if err := deps.Check("sesmail", deps.Need("Client", cfg.Client), deps.Need("From", cfg.From)); err != nil {
		return nil, err
	}
	addr, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("sesmail: %w", apperr.InvalidField("From", fmt.Sprintf("%q is not a mail address: %v", cfg.From, err)))
	}
	return &Sender{client: cfg.Client, from: senderHeader(cfg.From, addr)}, nil
}

// senderHeader is the From a mail carries: from as configured when it is
// ASCII, else with its display name ("Отдел рекламаций") as an RFC 2047
// encoded-word. SES takes only 7-bit ASCII there ("you must encode the
// friendly from name using MIME encoded-word syntax"), and a raw message's
// header must be ASCII anyway.
func senderHeader(from string, addr *mail.Address) string {
	for i := 0; i < len(from); i++ {
		if from[i] >= 0x80 {
			return addr.String()
		}
	}
	return from
}

// Options configures an SES client for a Sender: the SDK retries a send
// only when SES answered that it did not take it (throttling, a request
// limit) or the connection was never made. A retry after a lost answer
// could send the mail twice without anyone knowing; such failures go back
// to the caller, whose outcome is then unknown.
func Options(o *sesv2.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.Retryables = []retry.IsErrorRetryable{
			retry.RetryableErrorCode{Codes: map[string]struct{}{
				"TooManyRequestsException": {}, "LimitExceededException": {}, "Throttling": {}, "ThrottlingException": {},
			}},
			retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
				if notConnected(err) {
					return aws.TrueTernary
				}
				return aws.UnknownTernary
			}),
		}
	})
}

// Send sends m and returns SES's message ID: Simple content, or a raw
// multipart message when m has inline files (rawMessage). An error that SES answered
// with a 4xx status (the mail was refused) or a connection that was never
// made wraps notify.ErrMailRefused; any other error (a timeout, a lost
// answer, a 5xx) leaves the outcome unknown.
func (s *Sender) Send(ctx context.Context, m notify.Mail) (string, error) {
	content := &types.Message{
		Subject: &types.Content{Data: aws.String(m.Subject), Charset: aws.String("UTF-8")},
		Body:    &types.Body{},
	}
	if m.Text != "" {
		content.Body.Text = &types.Content{Data: aws.String(m.Text), Charset: aws.String("UTF-8")}
	}
	if m.HTML != "" {
		content.Body.Html = &types.Content{Data: aws.String(m.HTML), Charset: aws.String("UTF-8")}
	}
	for _, a := range m.Attachments {
		content.Attachments = append(content.Attachments, types.Attachment{
			FileName: aws.String(a.FileName), ContentType: aws.String(a.ContentType), RawContent: a.Data,
			ContentDisposition: types.AttachmentContentDispositionAttachment,
		})
	}
	for name, value := range m.Headers {
		content.Headers = append(content.Headers, types.MessageHeader{Name: aws.String(name), Value: aws.String(headerValue(value))})
	}
	if m.DeliveryID != "" {
		content.Headers = append(content.Headers,
			types.MessageHeader{Name: aws.String(notify.HeaderDelivery), Value: aws.String(headerValue(m.DeliveryID))},
			types.MessageHeader{Name: aws.String("References"), Value: aws.String(ThreadID(m.DeliveryID, s.from))},
		)
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.from),
		Destination:      &types.Destination{ToAddresses: m.To},
		ReplyToAddresses: m.ReplyTo,
		Content:          &types.EmailContent{Simple: content},
	}
	if inline(m) {
		// A chart shown in the HTML: a raw multipart/related message.
		extra := map[string]string{}
		if m.DeliveryID != "" {
			extra[notify.HeaderDelivery], extra["References"] = m.DeliveryID, ThreadID(m.DeliveryID, s.from)
		}
		raw, err := rawMessage(s.from, m, extra)
		if err != nil {
			return "", fmt.Errorf("send mail %q to %v: %w: build the message: %w", m.Subject, m.To, notify.ErrMailRefused, err)
		}
		in.ReplyToAddresses = nil
		in.Content = &types.EmailContent{Raw: &types.RawMessage{Data: raw}}
	}
	out, err := s.client.SendEmail(ctx, in)
	if err != nil {
		if refused(err) {
			return "", fmt.Errorf("send mail %q to %v: %w: %w", m.Subject, m.To, notify.ErrMailRefused, err)
		}
		return "", fmt.Errorf("send mail %q to %v (outcome unknown): %w", m.Subject, m.To, err)
	}
	return aws.ToString(out.MessageId), nil
}

// ThreadID is the message ID ("<...>") that stands for a delivery in the
// References of each of its sends: the delivery ID made a dot-atom, at the
// sender's domain.
func ThreadID(deliveryID, from string) string {
	domain := "claimsdesk.invalid"
	if at := strings.LastIndex(from, "@"); at >= 0 && at < len(from)-1 {
		domain = strings.Trim(from[at+1:], "<> ")
	}
	local := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r):
			return r
		}
		return '.'
	}, deliveryID)
	local = strings.Trim(strings.Join(strings.FieldsFunc(local, func(r rune) bool { return r == '.' }), "."), ".")
	return "<delivery." + local + "@" + domain + ">"
}

// headerValue keeps a header value within what SES accepts: printable
// ASCII on one line.
func headerValue(v string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r > '~' {
			return '_'
		}
		return r
	}, v)
}

// refused reports whether err means SES did not take the mail: it answered
// with a client error, or the connection was never made.
func refused(err error) bool {
	if notConnected(err) {
		return true
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 400 && re.HTTPStatusCode() < 500 {
		var api smithy.APIError
		return errors.As(err, &api)
	}
	return false
}

// notConnected reports whether err is a failure to connect (nothing was
// sent).
func notConnected(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
