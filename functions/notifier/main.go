// Command notifier is the NotifierFunction: it consumes the notifications
// queue and delivers each event (mail through SES, webhooks, in-app notes,
// the documents it calls for) or mail command, backing failed messages off
// before their retry. It is the only function that sends mail; the only
// files it writes are the documents it generates.
//
// Layer: wiring.
package main

import (
	"cmp"
	"log/slog"
	"time"
	// The company's time zone; Lambda's runtime image has no zoneinfo.
	_ "time/tzdata"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claimdocs"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/s3files"
	"github.com/claimsdesk/backend/shared/sesmail"
	"github.com/claimsdesk/backend/shared/sqsbus"
	"github.com/claimsdesk/backend/shared/webhook"
)

func main() {
	app.Start(wire, func(consumer *sqsbus.Consumer) any { return consumer.HandleBatch })
}

// wire builds the queue consumer: TABLE_NAME, NOTIFICATIONS_QUEUE_URL,
// BUCKET_NAME, APP_SECRET, MAIL_FROM, COMPANY_TIME_ZONE, SUPERVISORS_EMAIL,
// QUALITY_EMAIL (the quality engineers, comma separated) and
// PUBLIC_BASE_URL ("" for none), WEBHOOK_INTERNAL_HOSTS (the hosts inside
// the network webhooks may reach), and in seconds NOTIFY_RETRY_BASE_SECONDS
// (default 30), WEBHOOK_TIMEOUT_SECONDS (10), ROSTER_CACHE_SECONDS (30),
// CATALOG_CACHE_SECONDS (60) and
// FUNCTION_TIMEOUT_SECONDS, the function's timeout as the template sets it
// (its deliveries' leases outlast it; default 900, Lambda's longest).
func wire(env *app.Env, logger *slog.Logger) (*sqsbus.Consumer, error) {
	table, queue, from, loc := env.Required("TABLE_NAME"), env.Required("NOTIFICATIONS_QUEUE_URL"), env.Required("MAIL_FROM"), env.Location("COMPANY_TIME_ZONE")
	k, internal := app.Parse(env, "APP_SECRET", keys.Derive), app.Parse(env, "WEBHOOK_INTERNAL_HOSTS", webhook.ParseInternal)
	supervisors, site := env.Optional("SUPERVISORS_EMAIL", ""), env.Optional("PUBLIC_BASE_URL", "")
	quality := app.Parse(env, "QUALITY_EMAIL", notify.ParseRecipients)
	retryBase, webhookTimeout := env.Seconds("NOTIFY_RETRY_BASE_SECONDS", 30*time.Second), env.Seconds("WEBHOOK_TIMEOUT_SECONDS", 10*time.Second)
	rosterTTL, timeout := env.Seconds("ROSTER_CACHE_SECONDS", 30*time.Second), env.Seconds("FUNCTION_TIMEOUT_SECONDS", 15*time.Minute)
	bucket, catalogTTL := env.Required("BUCKET_NAME"), env.Seconds("CATALOG_CACHE_SECONDS", time.Minute)
	cfg := app.AWS(env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	// A constructor given what an earlier one failed to build refuses it:
	// the first error is the cause.
	store, err1 := dynamo.New(dynamo.Config{Client: app.DynamoDB(cfg), Table: table})
	mailer, err2 := sesmail.New(sesmail.Config{Client: sesmail.NewClient(cfg), From: from})
	poster, err3 := webhook.NewClient(webhook.ClientConfig{Key: k.Webhook, Guard: &webhook.Guard{Internal: internal}, Timeout: webhookTimeout})
	files, err4 := s3files.New(s3files.Config{Client: s3files.NewClient(cfg), Bucket: bucket})
	cat := &catalog.Cached{Source: store, TTL: catalogTTL}
	docs, err5 := claimdocs.New(claimdocs.Config{Store: store, Files: files, Catalog: cat, Keys: k,
		PublicBaseURL: site, Location: loc, Managers: store, Logger: logger})
	notifier, err6 := notify.New(notify.Config{Mailer: mailer, Deliveries: store, Roster: store, Targets: store, Poster: poster, Notes: store,
		Claims: store, Documents: docs, Files: files, Keys: k, SupervisorsEmail: supervisors, QualityEmail: quality, PublicBaseURL: site, Location: loc, Catalog: cat,
		RosterTTL: rosterTTL, Lease: notify.LeaseFor(max(timeout, time.Second)), Logger: logger})
	backoff, err7 := sqsbus.NewBackoff(sqsbus.BackoffConfig{Client: sqsbus.NewClient(cfg), QueueURL: queue, Base: max(retryBase, time.Second), Max: 15 * time.Minute})
	consumer, err8 := sqsbus.NewConsumer(sqsbus.ConsumerConfig{Handle: notifier.Deliver, Backoff: backoff, Logger: logger})
	return consumer, cmp.Or(err1, err2, err3, err4, err5, err6, err7, err8)
}
