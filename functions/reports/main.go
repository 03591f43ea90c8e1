// Command reports is the ReportsFunction: the reports on the claims'
// aggregates (dynamics, structure, satisfaction, managers, products) as
// JSON, CSV, XLSX or PDF, read from the aggregates only, never the claims;
// the claims list as CSV or XLSX, at once or as a background export (it
// stores and queues the job, the ExportsFunction runs it, and it answers
// the job with a download link); report subscriptions (their CRUD, a mail
// sent at once, a preview) and the recipients' unsubscribe page.
//
// Layer: wiring.
package main

import (
	"cmp"
	"log/slog"
	"time"
	// The company's time zone; Lambda's runtime image has no zoneinfo.
	_ "time/tzdata"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/exports"
	"github.com/claimsdesk/backend/shared/httpapi/reports"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/reportdelivery"
	"github.com/claimsdesk/backend/shared/reportmail"
	"github.com/claimsdesk/backend/shared/s3files"
	"github.com/claimsdesk/backend/shared/snsbus"
	"github.com/claimsdesk/backend/shared/sqsbus"
)

func main() {
	app.Start(wire, func(router *apigw.Router) any { return router.Serve })
}

// wire builds the routes: TABLE_NAME, APP_SECRET (the registry's page
// cursors, the unsubscribe links), COMPANY_TIME_ZONE (the days of the
// reports and the lists' dates), CATALOG_CACHE_SECONDS (default 60:
// category and type names in files), BUCKET_NAME (the files of mails sent
// at once, the exports' download links), EVENTS_TOPIC_ARN (the mails'
// events), EXPORTS_QUEUE_URL (where export jobs are queued),
// PUBLIC_BASE_URL (the site of the links in previews and mails sent at
// once; "" is the host a request came to) and REPORT_MAX_ATTACHMENT_BYTES
// (default 28 MiB: larger files go as links).
func wire(env *app.Env, logger *slog.Logger) (*apigw.Router, error) {
	table, loc, catalogTTL := env.Required("TABLE_NAME"), env.Location("COMPANY_TIME_ZONE"), env.Seconds("CATALOG_CACHE_SECONDS", time.Minute)
	bucket, topic, site := env.Required("BUCKET_NAME"), env.Required("EVENTS_TOPIC_ARN"), env.Optional("PUBLIC_BASE_URL", "")
	queue := env.Required("EXPORTS_QUEUE_URL")
	maxBytes := env.Int("REPORT_MAX_ATTACHMENT_BYTES", reportdelivery.DefaultMaxAttachmentBytes)
	k := app.Parse(env, "APP_SECRET", keys.Derive)
	cfg := app.AWS(env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	store, err1 := dynamo.New(dynamo.Config{Client: app.DynamoDB(cfg), Table: table})
	// Lists only: the exports make no links to the claims' files.
	reg, err2 := registry.New(registry.Config{Store: store, CursorKey: k.Cursor})
	files, err3 := s3files.New(s3files.Config{Client: s3files.NewClient(cfg), Bucket: bucket})
	publisher, err4 := snsbus.NewPublisher(snsbus.PublisherConfig{Client: snsbus.NewClient(cfg), TopicARN: topic})
	cat := &catalog.Cached{Source: store, TTL: catalogTTL}
	subs, err5 := reportmail.New(reportmail.Config{Store: store, Keys: k, Location: loc})
	delivery, err6 := reportdelivery.New(reportdelivery.Config{Reader: store, Catalog: cat, Roster: store, Runs: store, Files: files, Publisher: publisher,
		Keys: k, PublicBaseURL: site, Location: loc, MaxAttachmentBytes: int64(maxBytes), Logger: logger})
	queued, err7 := sqsbus.NewJobs(sqsbus.JobsConfig{Client: sqsbus.NewClient(cfg), QueueURL: queue})
	jobs, err8 := exports.New(exports.Config{Store: store, Queue: queued, Files: files, Registry: reg})
	if err := cmp.Or(err1, err2, err3, err4, err5, err6, err7, err8); err != nil {
		return nil, err
	}
	router := apigw.NewRouter(logger)
	(&reports.ReportsAPI{Reader: store, Catalog: cat, Roster: store, Location: loc, Alerts: store}).Register(router)
	(&reports.ExportsAPI{Registry: reg, Jobs: jobs, Location: loc, Catalog: cat}).Register(router)
	(&reports.SubscriptionsAPI{Service: subs, Delivery: delivery, Files: files, PublicBaseURL: site}).Register(router)
	return router, nil
}
