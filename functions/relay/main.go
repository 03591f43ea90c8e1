// Command relay is the RelayFunction: on a schedule it re-publishes outbox
// events that were committed but never reached the notifier (a crash or a
// queue outage between the commit and the send).
//
// Layer: wiring.
package main

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/outbox"
)

func main() {
	a, err := app.New(context.Background())
	if err != nil {
		slog.Error("function init failed", "error", err.Error())
		os.Exit(1)
	}
	grace := time.Minute
	if n, err := strconv.Atoi(os.Getenv("RELAY_GRACE_SECONDS")); err == nil && n > 0 {
		grace = time.Duration(n) * time.Second
	}
	relay := &outbox.Relay{Pending: a.Store, Sender: a.Publisher, Grace: grace, Logger: a.Logger}
	lambda.Start(func(ctx context.Context) (outbox.RelayResult, error) { return relay.Run(ctx) })
}
