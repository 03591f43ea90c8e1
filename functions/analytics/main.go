// Command analytics is the AnalyticsFunction: it consumes the analytics
// queue (the claim events the topic sends it) and keeps the aggregates the
// reports read up to date, each claim counted as it is now, backing failed
// messages off before their retry; then it watches each new claim's series
// and type for a defect surge (package quality), whose alert it publishes
// as a quality.surge_detected event. It sends no mail and keeps no files.
//
// Layer: wiring.
package main

import (
	"cmp"
	"context"
	"log/slog"
	"time"
	// The company's time zone; Lambda's runtime image has no zoneinfo.
	_ "time/tzdata"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/quality"
	"github.com/claimsdesk/backend/shared/sla"
	"github.com/claimsdesk/backend/shared/snsbus"
	"github.com/claimsdesk/backend/shared/sqsbus"
)

func main() {
	app.Start(wire, func(consumer *sqsbus.Consumer) any { return consumer.HandleBatch })
}

// wire builds the queue consumer: TABLE_NAME, ANALYTICS_QUEUE_URL (for the
// backoff of failed messages), EVENTS_TOPIC_ARN (the surge alerts' events),
// COMPANY_TIME_ZONE (the aggregates' and the watch's days),
// CATALOG_CACHE_SECONDS (default 60: how long the working calendar is
// kept) and ANALYTICS_RETRY_BASE_SECONDS (default 30).
func wire(env *app.Env, logger *slog.Logger) (*sqsbus.Consumer, error) {
	table, queue, loc := env.Required("TABLE_NAME"), env.Required("ANALYTICS_QUEUE_URL"), env.Location("COMPANY_TIME_ZONE")
	topic := env.Required("EVENTS_TOPIC_ARN")
	ttl, retryBase := env.Seconds("CATALOG_CACHE_SECONDS", time.Minute), env.Seconds("ANALYTICS_RETRY_BASE_SECONDS", 30*time.Second)
	cfg := app.AWS(env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	store, err1 := dynamo.New(dynamo.Config{Client: app.DynamoDB(cfg), Table: table})
	engine, err2 := sla.Cached(store, ttl)
	counter, err3 := analytics.NewConsumer(analytics.ConsumerConfig{Store: store, Calendar: analytics.SLACalendar(engine), Location: loc, Logger: logger})
	publisher, err4 := snsbus.NewPublisher(snsbus.PublisherConfig{Client: snsbus.NewClient(cfg), TopicARN: topic})
	watch, err5 := quality.New(quality.Config{Store: store, Claims: store, Publisher: publisher, Location: loc, Logger: logger})
	backoff, err6 := sqsbus.NewBackoff(sqsbus.BackoffConfig{Client: sqsbus.NewClient(cfg), QueueURL: queue, Base: max(retryBase, time.Second), Max: 15 * time.Minute})
	if err := cmp.Or(err1, err2, err3, err4, err5, err6); err != nil {
		return nil, err
	}
	// Counted first: a failed count retries the message before the watch
	// sees it; the watch counts each claim once however often it runs.
	handle := func(ctx context.Context, body []byte) error {
		if err := counter.Deliver(ctx, body); err != nil {
			return err
		}
		return watch.Deliver(ctx, body)
	}
	return sqsbus.NewConsumer(sqsbus.ConsumerConfig{Handle: handle, Backoff: backoff, Logger: logger})
}
