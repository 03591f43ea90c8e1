// Command exports is the ExportsFunction: it consumes the exports queue
// (one message per export job the ReportsFunction queued) and runs each
// job as its requester: the registry's list as that user sees it, written
// page by page into a CSV or XLSX file, stored in the bucket under
// exports/. A redelivered message finds its job done or held and changes
// nothing; a failed attempt backs off and is taken over. It sends no mail
// and publishes no events.
//
// Layer: wiring.
package main

import (
	"cmp"
	"crypto/rand"
	"log/slog"
	"time"
	// The company's time zone; Lambda's runtime image has no zoneinfo.
	_ "time/tzdata"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/exports/runner"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/s3files"
	"github.com/claimsdesk/backend/shared/sqsbus"
)

func main() {
	app.Start(wire, func(consumer *sqsbus.Consumer) any { return consumer.HandleBatch })
}

// wire builds the queue consumer: TABLE_NAME, BUCKET_NAME (where the files
// go), EXPORTS_QUEUE_URL (the backoff of failed messages),
// COMPANY_TIME_ZONE (the dates in the files) and
// EXPORTS_RETRY_BASE_SECONDS (default 30). The registry's page cursors
// live within one run: their key is made at start, no secret is needed.
func wire(env *app.Env, logger *slog.Logger) (*sqsbus.Consumer, error) {
	table, bucket, queue, loc := env.Required("TABLE_NAME"), env.Required("BUCKET_NAME"), env.Required("EXPORTS_QUEUE_URL"), env.Location("COMPANY_TIME_ZONE")
	retryBase := env.Seconds("EXPORTS_RETRY_BASE_SECONDS", 30*time.Second)
	cfg := app.AWS(env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	cursorKey := make([]byte, 32)
	_, _ = rand.Read(cursorKey)
	store, err1 := dynamo.New(dynamo.Config{Client: app.DynamoDB(cfg), Table: table})
	reg, err2 := registry.New(registry.Config{Store: store, CursorKey: cursorKey})
	files, err3 := s3files.New(s3files.Config{Client: s3files.NewClient(cfg), Bucket: bucket})
	jobs, err4 := runner.New(runner.Config{Store: store, Files: files, Registry: reg, Location: loc, Catalog: store, Logger: logger})
	backoff, err5 := sqsbus.NewBackoff(sqsbus.BackoffConfig{Client: sqsbus.NewClient(cfg), QueueURL: queue, Base: max(retryBase, time.Second), Max: 15 * time.Minute})
	// One job at a time: a job is long, and the batch holds one message.
	consumer, err6 := sqsbus.NewConsumer(sqsbus.ConsumerConfig{Handle: jobs.Deliver, Backoff: backoff, Parallel: 1, Logger: logger})
	return consumer, cmp.Or(err1, err2, err3, err4, err5, err6)
}
