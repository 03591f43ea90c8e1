// Command claims is the ClaimsFunction: the signed-in API for dealers,
// managers, supervisors and integrations (intake, registry, uploads, and
// the casework: stages, decisions, assignment, tasks, history, worklist,
// orders, the chat, in-app notes, the claim's documents and the TORG-2 act
// it renders; the ERP's shipments and the defect surge alerts). It sends no mail and draws no QR code.
//
// Layer: wiring.
package main

import (
	"log/slog"
	// The company's time zone; Lambda's runtime image has no zoneinfo.
	_ "time/tzdata"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/app/claimwork"
	"github.com/claimsdesk/backend/shared/claimdocs"
	"github.com/claimsdesk/backend/shared/httpapi"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/quality"
)

func main() {
	app.Start(wire, func(router *apigw.Router) any { return router.Serve })
}

// wire builds the routes from the claim services' variables (claimwork.Read).
func wire(env *app.Env, logger *slog.Logger) (*apigw.Router, error) {
	cfg := claimwork.Read(env, logger)
	if err := env.Err(); err != nil {
		return nil, err
	}
	s, err := claimwork.New(cfg)
	if err != nil {
		return nil, err
	}
	inbox, err := notify.NewInbox(notify.InboxConfig{Store: s.Store, CursorKey: s.Keys.Cursor})
	if err != nil {
		return nil, err
	}
	docs, err := claimdocs.New(claimdocs.Config{Store: s.Store, Files: s.Files, Catalog: s.Catalog, Keys: s.Keys,
		Location: s.Location, Managers: s.Store, Logger: logger})
	if err != nil {
		return nil, err
	}
	watch, err := quality.New(quality.Config{Store: s.Store, Location: s.Location, Logger: logger})
	if err != nil {
		return nil, err
	}
	router := apigw.NewRouter(logger)
	ords := &httpapi.OrdersAPI{Work: s.Casework, Orders: s.Store, Claims: s.Store, Registry: s.Registry, DealerOrders: s.Store}
	(&httpapi.ClaimsAPI{Intake: s.Intake, Registry: s.Registry, Changes: s.Store, Catalog: s.Catalog, Keys: s.Keys, Orders: ords,
		Alerts: watch, Articles: s.Articles, SelfHelp: s.Articles}).Register(router)
	(&httpapi.CaseworkAPI{Casework: s.Casework, Registry: s.Registry, Roster: s.Store}).Register(router)
	ords.Register(router)
	(&httpapi.MessagesAPI{Chat: s.Chat, Intake: s.Intake, Links: s.Files}).Register(router)
	(&httpapi.NotificationsAPI{Inbox: inbox}).Register(router)
	(&httpapi.DocumentsAPI{Docs: docs, Registry: s.Registry}).Register(router)
	(&httpapi.RatingsAPI{Survey: s.Survey}).Register(router)
	(&httpapi.QualityAPI{Quality: watch}).Register(router)
	return router, nil
}
