// Command seed is the SeedFunction: the CloudFormation custom resource that
// writes the reference data (the claim catalog, and the demo roster of
// claims managers when the stack's DemoData parameter is true) on deploy. It adds only what
// the table lacks, so administrators' edits survive redeploys.
//
// Layer: wiring.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/claimsdesk/backend/infra/seed"
	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/seeding"
)

func main() {
	a, err := app.New(context.Background())
	if err != nil {
		slog.Error("function init failed", "error", err.Error())
		os.Exit(1)
	}
	seeder := &seeding.Seeder{Catalog: seed.Catalog, Roster: seed.Managers, Config: seed.ConfigDocs, Store: a.Store, Logger: a.Logger}
	lambda.Start(cfn.LambdaWrap(seeder.Handle))
}
