// Command admin is the AdminFunction: the catalog and root causes, the
// manager roster, webhook targets, SLA policies and the working calendar,
// QR codes, and the notifications' dead letters.
//
// Layer: wiring.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/httpapi"
	"github.com/claimsdesk/backend/shared/webhook"
)

func main() {
	a, err := app.New(context.Background())
	if err != nil {
		slog.Error("function init failed", "error", err.Error())
		os.Exit(1)
	}
	router := apigw.NewRouter(a.Logger)
	api := &httpapi.AdminAPI{Catalog: a.Store, QR: a.Store, Signer: a.Signer, PublicBaseURL: a.PublicBaseURL}
	api.Register(router)
	roster := &httpapi.RosterAPI{Store: a.Store, Categories: a.Catalog, Now: func() time.Time { return time.Now().In(a.Location) }}
	roster.Register(router)
	ops := &httpapi.OpsAPI{}
	if a.DeadLetters != nil {
		ops.DeadLetters = a.DeadLetters
	}
	ops.Register(router)
	slaAdmin := &httpapi.SLAAdminAPI{Docs: a.Store, Catalog: a.Catalog}
	slaAdmin.Register(router)
	internal, err := webhook.ParseInternal(os.Getenv("WEBHOOK_INTERNAL_HOSTS"))
	if err != nil {
		slog.Error("function init failed", "error", err.Error())
		os.Exit(1)
	}
	webhooks := &httpapi.WebhooksAPI{Store: a.Store, Key: a.Keys.Webhook, Guard: &webhook.Guard{Internal: internal}}
	webhooks.Register(router)
	lambda.Start(router.Serve)
}
