// Command claims is the ClaimsFunction: the signed-in API for dealers,
// managers, supervisors and integrations (intake, registry, uploads, and
// the casework: stages, decisions, assignment, tasks, history, worklist).
//
// Layer: wiring.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/httpapi"
	"github.com/claimsdesk/backend/shared/notify"
)

func main() {
	a, err := app.New(context.Background())
	if err != nil {
		slog.Error("function init failed", "error", err.Error())
		os.Exit(1)
	}
	router := apigw.NewRouter(a.Logger)
	ords := &httpapi.OrdersAPI{Work: a.Casework, Orders: a.Store, Claims: a.Store, Registry: a.Registry}
	api := &httpapi.ClaimsAPI{Intake: a.Intake, Registry: a.Registry, Changes: a.Store, Catalog: a.Catalog, Keys: a.Keys, Orders: ords}
	api.Register(router)
	work := &httpapi.CaseworkAPI{Casework: a.Casework, Registry: a.Registry, Roster: a.Store}
	work.Register(router)
	ords.Register(router)
	msgs := &httpapi.MessagesAPI{Chat: a.Chat, Intake: a.Intake, Links: a.Files}
	msgs.Register(router)
	notes := &httpapi.NotificationsAPI{Inbox: &notify.Inbox{Store: a.Store, CursorKey: a.Keys.Cursor}}
	notes.Register(router)
	lambda.Start(router.Serve)
}
