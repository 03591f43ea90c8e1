// Package sesmail sends mail through Amazon SES v2. It implements the Mailer
// interface of package notify; nothing else may import the SES SDK.
package sesmail

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/claimsdesk/backend/shared/notify"
)

// Sender sends mail from one address.
type Sender struct {
	client *sesv2.Client
	from   string
}

// New returns a Sender using from as the sender address.
func New(client *sesv2.Client, from string) *Sender {
	return &Sender{client: client, from: from}
}

// Send sends m and returns SES's message ID.
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
	for name, value := range m.Headers {
		content.Headers = append(content.Headers, types.MessageHeader{Name: aws.String(name), Value: aws.String(value)})
	}
	out, err := s.client.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.from),
		Destination:      &types.Destination{ToAddresses: m.To},
		ReplyToAddresses: m.ReplyTo,
		Content:          &types.EmailContent{Simple: content},
	})
	if err != nil {
		return "", fmt.Errorf("send mail %q to %v: %w", m.Subject, m.To, err)
	}
	return aws.ToString(out.MessageId), nil
}
