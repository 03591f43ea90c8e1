// Command notifier is the NotifierFunction: it consumes the notifications
// queue and delivers each event (mail through SES, webhooks, in-app notes)
// or mail command, backing failed messages off before their retry.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/sqsbus"
)

func main() {
	a, err := app.New(context.Background())
	if err != nil {
		slog.Error("function init failed", "error", err.Error())
		os.Exit(1)
	}
	notifier, backoff, err := a.Notifier()
	if err != nil {
		slog.Error("function init failed", "error", err.Error())
		os.Exit(1)
	}
	consumer := &sqsbus.Consumer{Handle: notifier.Deliver, Backoff: backoff, Logger: a.Logger}
	lambda.Start(consumer.HandleBatch)
}
