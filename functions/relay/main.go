// Command relay is the RelayFunction: on a schedule it re-publishes outbox
// events that were committed but never reached the notifier (a crash or a
// topic outage between the commit and the publish). It needs the table and
// the events topic, nothing else: no secret, no bucket, no queue, no mail.
//
// Layer: wiring.
package main

import (
	"log/slog"
	"time"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/outbox"
	"github.com/claimsdesk/backend/shared/snsbus"
)

func main() {
	app.Start(wire, func(relay *outbox.Relay) any { return relay.Run })
}

// wire builds the relay: TABLE_NAME, EVENTS_TOPIC_ARN,
// RELAY_GRACE_SECONDS (how old an unreceived event must be; default 60).
func wire(env *app.Env, logger *slog.Logger) (*outbox.Relay, error) {
	table, topic := env.Required("TABLE_NAME"), env.Required("EVENTS_TOPIC_ARN")
	grace := env.Seconds("RELAY_GRACE_SECONDS", time.Minute)
	cfg := app.AWS(env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	store, err := dynamo.New(dynamo.Config{Client: app.DynamoDB(cfg), Table: table})
	if err != nil {
		return nil, err
	}
	publisher, err := snsbus.NewPublisher(snsbus.PublisherConfig{Client: snsbus.NewClient(cfg), TopicARN: topic})
	if err != nil {
		return nil, err
	}
	return &outbox.Relay{Pending: store, Sender: publisher, Grace: grace, Logger: logger}, nil
}
