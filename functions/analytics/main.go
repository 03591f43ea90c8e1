// Command analytics is the AnalyticsFunction: it consumes the analytics
// queue (the claim events the topic sends it) and keeps the aggregates the
// reports read up to date, each claim counted as it is now, backing failed
// messages off before their retry. It sends nothing and keeps no files.
//
// Layer: wiring.
package main

import (
	"cmp"
	"log/slog"
	"os"
	"time"
	// The company's time zone; Lambda's runtime image has no zoneinfo.
	_ "time/tzdata"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/sla"
	"github.com/claimsdesk/backend/shared/sqsbus"
)

func main() {
	logger := app.Logger()
	consumer, err := wire(app.NewEnv(), logger)
	if err != nil {
		logger.Error("function init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(consumer.HandleBatch)
}

// wire builds the queue consumer: TABLE_NAME, ANALYTICS_QUEUE_URL (for the
// backoff of failed messages), COMPANY_TIME_ZONE (the aggregates' days),
// CATALOG_CACHE_SECONDS (default 60: how long the working calendar is kept)
// and ANALYTICS_RETRY_BASE_SECONDS (default 30).
func wire(env *app.Env, logger *slog.Logger) (*sqsbus.Consumer, error) {
	table, queue, loc := env.Required("TABLE_NAME"), env.Required("ANALYTICS_QUEUE_URL"), env.Location("COMPANY_TIME_ZONE")
	ttl, retryBase := env.Seconds("CATALOG_CACHE_SECONDS", time.Minute), env.Seconds("ANALYTICS_RETRY_BASE_SECONDS", 30*time.Second)
	cfg := app.AWS(env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	store, err1 := dynamo.New(dynamo.Config{Client: app.DynamoDB(cfg), Table: table})
	engine, err2 := sla.Cached(store, ttl)
	counter, err3 := analytics.NewConsumer(analytics.ConsumerConfig{Store: store, Calendar: analytics.SLACalendar(engine), Location: loc, Logger: logger})
	backoff, err4 := sqsbus.NewBackoff(sqsbus.BackoffConfig{Client: sqsbus.NewClient(cfg), QueueURL: queue, Base: max(retryBase, time.Second), Max: 15 * time.Minute})
	consumer, err5 := sqsbus.NewConsumer(sqsbus.ConsumerConfig{Handle: counter.Deliver, Backoff: backoff, Logger: logger})
	return consumer, cmp.Or(err1, err2, err3, err4, err5)
}
