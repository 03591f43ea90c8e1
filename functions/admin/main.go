// Command admin is the AdminFunction: the catalog and root causes, the
// manager roster, webhook targets, SLA policies and the working calendar,
// QR codes, the notifications' dead letters, and the check and recount of
// the reports' aggregates. It keeps no files and
// sends no mail.
//
// Layer: wiring.
package main

import (
	"cmp"
	"log/slog"
	"time"
	// The company's time zone; Lambda's runtime image has no zoneinfo.
	_ "time/tzdata"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/httpapi"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/qrcode"
	"github.com/claimsdesk/backend/shared/qrcode/qrimage"
	"github.com/claimsdesk/backend/shared/sla"
	"github.com/claimsdesk/backend/shared/sqsbus"
	"github.com/claimsdesk/backend/shared/webhook"
)

func main() {
	app.Start(wire, func(router *apigw.Router) any { return router.Serve })
}

// wire builds the routes: TABLE_NAME, APP_SECRET, PUBLIC_BASE_URL (the site
// in QR codes; "" for the API's), COMPANY_TIME_ZONE, CATALOG_CACHE_SECONDS
// (default 60), DEAD_LETTER_QUEUE_URL and _ARN, WEBHOOK_INTERNAL_HOSTS.
func wire(env *app.Env, logger *slog.Logger) (*apigw.Router, error) {
	table, site, loc := env.Required("TABLE_NAME"), env.Optional("PUBLIC_BASE_URL", ""), env.Location("COMPANY_TIME_ZONE")
	k, internal := app.Parse(env, "APP_SECRET", keys.Derive), app.Parse(env, "WEBHOOK_INTERNAL_HOSTS", webhook.ParseInternal)
	dlqURL, dlqARN, catalogTTL := env.Required("DEAD_LETTER_QUEUE_URL"), env.Required("DEAD_LETTER_QUEUE_ARN"), env.Seconds("CATALOG_CACHE_SECONDS", time.Minute)
	cfg := app.AWS(env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	store, err1 := dynamo.New(dynamo.Config{Client: app.DynamoDB(cfg), Table: table})
	signer, err2 := qrcode.NewSigner(k.QR)
	deadLetters, err3 := sqsbus.NewDeadLetters(sqsbus.DeadLettersConfig{Client: sqsbus.NewClient(cfg), URL: dlqURL, ARN: dlqARN})
	if err := cmp.Or(err1, err2, err3); err != nil {
		return nil, err
	}
	cat := &catalog.Cached{Source: store, TTL: catalogTTL}
	engine, err := sla.Cached(store, catalogTTL)
	if err != nil {
		return nil, err
	}
	counter, err := analytics.NewConsumer(analytics.ConsumerConfig{Store: store, Calendar: analytics.SLACalendar(engine), Location: loc, Logger: logger})
	if err != nil {
		return nil, err
	}
	router := apigw.NewRouter(logger)
	(&httpapi.AdminAPI{Catalog: store, QR: store, Signer: signer, Images: qrimage.Images{}, PublicBaseURL: site}).Register(router)
	(&httpapi.RosterAPI{Store: store, Categories: cat, Now: func() time.Time { return time.Now().In(loc) }}).Register(router)
	(&httpapi.OpsAPI{DeadLetters: deadLetters}).Register(router)
	(&httpapi.SLAAdminAPI{Docs: store, Catalog: cat}).Register(router)
	(&httpapi.WebhooksAPI{Store: store, Key: k.Webhook, Guard: &webhook.Guard{Internal: internal}}).Register(router)
	(&httpapi.AnalyticsAdminAPI{Maintenance: &analytics.Maintenance{Consumer: counter, Claims: store}}).Register(router)
	return router, nil
}
