// Command reportmail is the ReportMailFunction: every few minutes (an
// EventBridge rule) it sends the report subscriptions' mails that are due:
// each due (subscription, period) built once, its files stored in the
// bucket, its mail handed to the outbox for the notifier. "Now" is the
// scheduled event's time, so a retried invocation reckons the same periods
// (and tests drive it with a fake clock).
//
// Layer: wiring.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"time"
	// The company's time zone; Lambda's runtime image has no zoneinfo.
	_ "time/tzdata"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/reportdelivery"
	"github.com/claimsdesk/backend/shared/s3files"
	"github.com/claimsdesk/backend/shared/snsbus"
)

func main() {
	app.Start(wire, func(d *reportdelivery.Delivery) any {
		return func(ctx context.Context, in json.RawMessage) (reportdelivery.RunResult, error) {
			return d.Run(ctx, reportdelivery.ScheduledTime(in, time.Now()))
		}
	})
}

// wire builds the job: TABLE_NAME, BUCKET_NAME, EVENTS_TOPIC_ARN,
// APP_SECRET, COMPANY_TIME_ZONE, CATALOG_CACHE_SECONDS (default 60),
// FUNCTION_TIMEOUT_SECONDS (a run's lease: a run held longer by a dead
// attempt is taken over), PUBLIC_BASE_URL (the API's site: links to files
// too large to attach) and REPORT_MAX_ATTACHMENT_BYTES (default 28 MiB).
func wire(env *app.Env, logger *slog.Logger) (*reportdelivery.Delivery, error) {
	table, bucket, topic := env.Required("TABLE_NAME"), env.Required("BUCKET_NAME"), env.Required("EVENTS_TOPIC_ARN")
	loc, catalogTTL := env.Location("COMPANY_TIME_ZONE"), env.Seconds("CATALOG_CACHE_SECONDS", time.Minute)
	timeout := env.Seconds("FUNCTION_TIMEOUT_SECONDS", 15*time.Minute)
	site, maxBytes := env.Optional("PUBLIC_BASE_URL", ""), env.Int("REPORT_MAX_ATTACHMENT_BYTES", reportdelivery.DefaultMaxAttachmentBytes)
	k := app.Parse(env, "APP_SECRET", keys.Derive)
	cfg := app.AWS(env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	store, err1 := dynamo.New(dynamo.Config{Client: app.DynamoDB(cfg), Table: table})
	files, err2 := s3files.New(s3files.Config{Client: s3files.NewClient(cfg), Bucket: bucket})
	publisher, err3 := snsbus.NewPublisher(snsbus.PublisherConfig{Client: snsbus.NewClient(cfg), TopicARN: topic})
	d, err4 := reportdelivery.New(reportdelivery.Config{Reader: store, Catalog: &catalog.Cached{Source: store, TTL: catalogTTL}, Roster: store, Runs: store,
		Files: files, Publisher: publisher, Keys: k, PublicBaseURL: site, Location: loc, Lease: max(timeout, time.Second) + 5*time.Second,
		MaxAttachmentBytes: int64(maxBytes), Logger: logger})
	return d, cmp.Or(err1, err2, err3, err4)
}
