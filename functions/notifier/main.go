// Command notifier is the NotifierFunction: it consumes the notifications
// queue and delivers each event (mail through SES, webhooks, in-app notes)
// or mail command, backing failed messages off before their retry.
//
// Layer: wiring.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/awsenv"
	"github.com/claimsdesk/backend/shared/sesmail"
	"github.com/claimsdesk/backend/shared/sqsbus"
)

func main() {
	a, err := app.New(context.Background())
	if err != nil {
		slog.Error("function init failed", "error", err.Error())
		os.Exit(1)
	}
	from := os.Getenv("MAIL_FROM")
	if from == "" {
		slog.Error("function init failed", "error", "environment variable MAIL_FROM is not set")
		os.Exit(1)
	}
	// Only the notifier sends mail: the SES client is built here, so that
	// the other functions do not load it.
	ses := sesv2.NewFromConfig(a.AWS, func(o *sesv2.Options) { o.BaseEndpoint = awsenv.BaseEndpoint("SESv2") }, sesmail.Options)
	notifier, backoff, err := a.Notifier(sesmail.New(ses, from))
	if err != nil {
		slog.Error("function init failed", "error", err.Error())
		os.Exit(1)
	}
	consumer := &sqsbus.Consumer{Handle: notifier.Deliver, Backoff: backoff, Logger: a.Logger}
	lambda.Start(consumer.HandleBatch)
}
