// Command seed is the SeedFunction: the CloudFormation custom resource that
// writes the reference data (the claim catalog, and the demo roster of
// claims managers when the stack's DemoData parameter is true) on deploy. It adds only what
// the table lacks, so administrators' edits survive redeploys. It needs the
// table only.
//
// Layer: wiring.
package main

import (
	"log/slog"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/claimsdesk/backend/infra/seed"
	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/seeding"
)

func main() {
	app.Start(wire, func(seeder *seeding.Seeder) any { return cfn.LambdaWrap(seeder.Handle) })
}

// wire builds the seeder: TABLE_NAME.
func wire(env *app.Env, logger *slog.Logger) (*seeding.Seeder, error) {
	table := env.Required("TABLE_NAME")
	cfg := app.AWS(env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	store, err := dynamo.New(dynamo.Config{Client: app.DynamoDB(cfg), Table: table})
	if err != nil {
		return nil, err
	}
	return &seeding.Seeder{Catalog: seed.Catalog, Roster: seed.Managers, Config: seed.ConfigDocs, Store: store, Logger: logger}, nil
}
