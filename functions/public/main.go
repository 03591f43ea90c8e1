// Command public is the PublicFunction: the pages that need no sign-in (the
// QR claim form, its uploads, the tracking page) and the health check.
//
// Layer: wiring.
package main

import (
	"context"
	"log/slog"
	"os"
	"strconv"

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
	limits := httpapi.Limits{
		PerAddress:    envInt("LIMIT_CLAIMS_PER_ADDRESS_HOUR"),
		PerSerialCode: envInt("LIMIT_CLAIMS_PER_SERIAL_CODE_HOUR"),
		PerSharedCode: envInt("LIMIT_CLAIMS_PER_SHARED_CODE_HOUR"),

		MessagesPerAddress: envInt("LIMIT_MESSAGES_PER_ADDRESS_HOUR"),
		MessagesPerClaim:   envInt("LIMIT_MESSAGES_PER_CLAIM_HOUR"),
	}
	site := &httpapi.PublicSite{Limits: limits,
		Intake: a.Intake, Registry: a.Registry, Tracking: a.Store, Changes: a.Store, Catalog: a.Catalog,
		QR: a.Store, Signer: a.Signer, Keys: a.Keys, Files: a.Files, UploadOrigin: origin, Logger: a.Logger,
		Chat: a.Chat, Roster: a.Roster, Location: a.Location,
	}
	site.Register(router)
	lambda.Start(router.Serve)
}

// envInt reads an optional number; 0 when unset or not a number.
func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}
