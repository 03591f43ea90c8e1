// Command public is the PublicFunction: the pages that need no sign-in (the
// QR claim form, its uploads, the tracking page) and the health check.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/httpapi"
)

func main() {
	ctx := context.Background()
	a, err := app.New(ctx)
	if err != nil {
		slog.Error("function init failed", "error", err.Error())
		os.Exit(1)
	}
	origin, err := a.Files.Origin(ctx)
	if err != nil {
		slog.Error("function init failed", "error", err.Error())
		os.Exit(1)
	}
	router := apigw.NewRouter(a.Logger)
	httpapi.RegisterHealth(router, a.Store)
	site := &httpapi.PublicSite{
		Intake: a.Intake, Registry: a.Registry, Tracking: a.Store, Changes: a.Store, Catalog: a.Catalog,
		QR: a.Store, Signer: a.Signer, Keys: a.Keys, Files: a.Files, UploadOrigin: origin, Logger: a.Logger,
	}
	site.Register(router)
	lambda.Start(router.Serve)
}
