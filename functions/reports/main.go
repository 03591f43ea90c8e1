// Command reports is the ReportsFunction: the reports on the claims'
// aggregates (dynamics, structure, satisfaction, managers, products) as
// JSON, CSV, XLSX or PDF, read from the aggregates only, never the claims;
// the claims list as CSV or XLSX; and the background exports of the list
// (it stores and queues the job, the ExportsFunction runs it, and it
// answers the job with a download link). It writes nothing else.
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

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/exports"
	"github.com/claimsdesk/backend/shared/httpapi/reports"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/s3files"
	"github.com/claimsdesk/backend/shared/sqsbus"
)

func main() {
	logger := app.Logger()
	router, err := wire(app.NewEnv(), logger)
	if err != nil {
		logger.Error("function init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(router.Serve)
}

// wire builds the routes: TABLE_NAME, APP_SECRET (the registry's page
// cursors), COMPANY_TIME_ZONE (the days of the reports and the lists'
// dates), CATALOG_CACHE_SECONDS (default 60: category and type names in
// files), BUCKET_NAME (the exports' download links) and EXPORTS_QUEUE_URL
// (where export jobs are queued).
func wire(env *app.Env, logger *slog.Logger) (*apigw.Router, error) {
	table, loc, catalogTTL := env.Required("TABLE_NAME"), env.Location("COMPANY_TIME_ZONE"), env.Seconds("CATALOG_CACHE_SECONDS", time.Minute)
	bucket, queue := env.Required("BUCKET_NAME"), env.Required("EXPORTS_QUEUE_URL")
	k := app.Parse(env, "APP_SECRET", keys.Derive)
	cfg := app.AWS(env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	store, err1 := dynamo.New(dynamo.Config{Client: app.DynamoDB(cfg), Table: table})
	// Lists only: the exports make no links to the claims' files.
	reg, err2 := registry.New(registry.Config{Store: store, CursorKey: k.Cursor})
	files, err3 := s3files.New(s3files.Config{Client: s3files.NewClient(cfg), Bucket: bucket})
	queued, err4 := sqsbus.NewJobs(sqsbus.JobsConfig{Client: sqsbus.NewClient(cfg), QueueURL: queue})
	jobs, err5 := exports.New(exports.Config{Store: store, Queue: queued, Files: files, Registry: reg})
	if err := cmp.Or(err1, err2, err3, err4, err5); err != nil {
		return nil, err
	}
	router := apigw.NewRouter(logger)
	(&reports.ReportsAPI{Reader: store, Catalog: &catalog.Cached{Source: store, TTL: catalogTTL}, Location: loc}).Register(router)
	(&reports.ExportsAPI{Registry: reg, Jobs: jobs, Location: loc}).Register(router)
	return router, nil
}
