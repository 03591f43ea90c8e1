// Command notifier is the NotifierFunction: it consumes the notifications queue
// and delivers each message (mail through SES).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/claimsdesk/backend/shared/logging"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/sesmail"
	"github.com/claimsdesk/backend/shared/sqsbus"
)

func main() {
	logger := logging.New(os.Stdout)
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		logger.Error("load aws config", "error", err.Error())
		os.Exit(1)
	}
	mailer := sesmail.New(sesv2.NewFromConfig(cfg), os.Getenv("MAIL_FROM"))
	notifier := notify.New(mailer, logger)
	slog.SetDefault(logger)
	lambda.Start(sqsbus.BatchHandler(notifier.Deliver, logger))
}
