// Command notifier is the NotifierFunction: it consumes the notifications
// queue and delivers each event or mail command (mail through SES).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/sqsbus"
)

func main() {
	a, err := app.New(context.Background())
	if err != nil {
		slog.Error("function init failed", "error", err.Error())
		os.Exit(1)
	}
	notifier := notify.New(a.Mailer, a.Store, a.Keys, a.Logger)
	lambda.Start(sqsbus.BatchHandler(notifier.Deliver, a.Logger))
}
