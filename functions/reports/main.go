// Command reports is the ReportsFunction: the reports on the claims'
// aggregates (dynamics, structure, satisfaction, managers, products) as
// JSON, CSV, XLSX or PDF. It reads the aggregates only, never the claims,
// and writes nothing.
//
// Layer: wiring.
package main

import (
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
	"github.com/claimsdesk/backend/shared/httpapi"
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

// wire builds the route: TABLE_NAME, COMPANY_TIME_ZONE (the days of the
// reports) and CATALOG_CACHE_SECONDS (default 60: category and type names
// in files).
func wire(env *app.Env, logger *slog.Logger) (*apigw.Router, error) {
	table, loc, catalogTTL := env.Required("TABLE_NAME"), env.Location("COMPANY_TIME_ZONE"), env.Seconds("CATALOG_CACHE_SECONDS", time.Minute)
	cfg := app.AWS(env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	store, err := dynamo.New(dynamo.Config{Client: app.DynamoDB(cfg), Table: table})
	if err != nil {
		return nil, err
	}
	router := apigw.NewRouter(logger)
	(&httpapi.ReportsAPI{Reader: store, Catalog: &catalog.Cached{Source: store, TTL: catalogTTL}, Location: loc}).Register(router)
	return router, nil
}
