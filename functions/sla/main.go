// Command sla is the SlaFunction: the scheduled SLA check (every few
// minutes: warnings, escalations, stand-ins for absent assignees of due
// claims) and the daily job that moves absent managers' claims to their
// stand-ins. The schedule's input names the job: {"job": "check"} or
// {"job": "absences"}. It needs the table, the events topic and the company's
// time zone: no secret, no bucket, no mail.
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
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/sla"
	"github.com/claimsdesk/backend/shared/slacheck"
	"github.com/claimsdesk/backend/shared/snsbus"
)

func main() {
	app.Start(wire, func(checker *slacheck.Checker) any {
		return func(ctx context.Context, in json.RawMessage) (slacheck.Result, error) { return checker.Run(ctx, in) }
	})
}

// wire builds the checker: TABLE_NAME, EVENTS_TOPIC_ARN,
// COMPANY_TIME_ZONE, ROSTER_CACHE_SECONDS (default 30), CATALOG_CACHE_SECONDS
// (the catalog's and the SLA policies'; default 60).
func wire(env *app.Env, logger *slog.Logger) (*slacheck.Checker, error) {
	table, topic, loc := env.Required("TABLE_NAME"), env.Required("EVENTS_TOPIC_ARN"), env.Location("COMPANY_TIME_ZONE")
	rosterTTL, catalogTTL := env.Seconds("ROSTER_CACHE_SECONDS", 30*time.Second), env.Seconds("CATALOG_CACHE_SECONDS", time.Minute)
	cfg := app.AWS(env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	// A constructor given what an earlier one failed to build refuses it:
	// the first error is the cause.
	store, err1 := dynamo.New(dynamo.Config{Client: app.DynamoDB(cfg), Table: table})
	publisher, err2 := snsbus.NewPublisher(snsbus.PublisherConfig{Client: snsbus.NewClient(cfg), TopicARN: topic})
	engine, err3 := sla.Cached(store, catalogTTL)
	roster, err4 := assignment.Cached(store, rosterTTL)
	work, err5 := casework.New(casework.Config{Store: store, Publisher: publisher, Catalog: &catalog.Cached{Source: store, TTL: catalogTTL},
		SLA: engine, Logger: logger})
	checker, err6 := slacheck.New(slacheck.Config{Work: work, Store: store, SLA: engine, Roster: roster, Location: loc, Logger: logger})
	return checker, cmp.Or(err1, err2, err3, err4, err5, err6)
}
