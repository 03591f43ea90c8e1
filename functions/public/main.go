// Command public is the PublicFunction: the pages that need no sign-in (the
// QR claim form, its uploads, the tracking page, sample documents) and the
// health check. It sends no mail.
//
// Layer: wiring.
package main

import (
	"context"
	"log/slog"
	// The company's time zone; Lambda's runtime image has no zoneinfo.
	_ "time/tzdata"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/app/claimwork"
	"github.com/claimsdesk/backend/shared/cabinet"
	"github.com/claimsdesk/backend/shared/documents"
	"github.com/claimsdesk/backend/shared/httpapi"
	"github.com/claimsdesk/backend/shared/qrcode"
)

func main() {
	app.Start(func(env *app.Env, logger *slog.Logger) (*apigw.Router, error) {
		return wire(context.Background(), env, logger)
	}, func(router *apigw.Router) any { return router.Serve })
}

// wire builds the routes from the claim services' variables (claimwork.Read)
// and the abuse limits, per hour: LIMIT_CLAIMS_PER_ADDRESS_HOUR, _PER_SERIAL_CODE_HOUR,
// _PER_SHARED_CODE_HOUR, LIMIT_MESSAGES_PER_ADDRESS_HOUR, _PER_CLAIM_HOUR
// (unset: httpapi.DefaultLimits'), and the dealer cabinet's SIGNIN_URL (the
// user pool domain's hosted sign-in) and CABINET_CLIENT_ID (its app client).
func wire(ctx context.Context, env *app.Env, logger *slog.Logger) (*apigw.Router, error) {
	cfg := claimwork.Read(env, logger)
	limits := httpapi.Limits{PerAddress: env.Int("LIMIT_CLAIMS_PER_ADDRESS_HOUR", 0), PerSerialCode: env.Int("LIMIT_CLAIMS_PER_SERIAL_CODE_HOUR", 0),
		PerSharedCode: env.Int("LIMIT_CLAIMS_PER_SHARED_CODE_HOUR", 0), MessagesPerAddress: env.Int("LIMIT_MESSAGES_PER_ADDRESS_HOUR", 0),
		MessagesPerClaim: env.Int("LIMIT_MESSAGES_PER_CLAIM_HOUR", 0)}
	cab := cabinet.Config{SignInURL: env.Required("SIGNIN_URL"), ClientID: env.Required("CABINET_CLIENT_ID")}
	if cab.SignInURL != "" && cab.ClientID != "" {
		env.Check("SIGNIN_URL", cab.Check())
	}
	if err := env.Err(); err != nil {
		return nil, err
	}
	s, err := claimwork.New(cfg)
	if err != nil {
		return nil, err
	}
	signer, err := qrcode.NewSigner(s.Keys.QR)
	if err != nil {
		return nil, err
	}
	origin, err := s.Files.Origin(ctx)
	if err != nil {
		return nil, err
	}
	router := apigw.NewRouter(logger)
	httpapi.RegisterHealth(router, s.Store)
	(&httpapi.PublicSite{Limits: limits, Intake: s.Intake, Registry: s.Registry, Tracking: s.Store, Changes: s.Store, Catalog: s.Catalog,
		QR: s.Store, Signer: signer, Keys: s.Keys, Files: s.Files, UploadOrigin: origin, Sample: documents.Sample, Logger: logger,
		Chat: s.Chat, Survey: s.Survey, Roster: s.Roster, Location: s.Location, SelfHelp: s.Articles}).Register(router)
	(&httpapi.CabinetSite{Config: cab, UploadOrigin: origin}).Register(router)
	return router, nil
}
