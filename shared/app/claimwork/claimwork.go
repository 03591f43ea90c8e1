// Package claimwork wires the claim services the two claim-facing
// functions share, the public site (PublicFunction) and the signed-in API
// (ClaimsFunction): intake, the registry, casework, the chat and the
// satisfaction survey, over one table, bucket and events topic, with the
// reference data they cache. Both functions use every one of them; no other
// function imports this package.
//
// Layer: wiring.
package claimwork

import (
	"cmp"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/cache"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/chat"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/kb"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/s3files"
	"github.com/claimsdesk/backend/shared/sla"
	"github.com/claimsdesk/backend/shared/snsbus"
	"github.com/claimsdesk/backend/shared/survey"
)

// Config is what the services are built from.
type Config struct {
	AWS                   aws.Config
	Table, Bucket, Topic  string
	Keys                  *keys.Keys
	Location              *time.Location
	RosterTTL, CatalogTTL time.Duration
	Logger                *slog.Logger
}

// Read reads the services' variables into a Config, recording what is
// wrong in env: TABLE_NAME, BUCKET_NAME, EVENTS_TOPIC_ARN, APP_SECRET,
// COMPANY_TIME_ZONE, ROSTER_CACHE_SECONDS (default 30) and
// CATALOG_CACHE_SECONDS (the catalog's and the SLA policies'; default 60),
// and the AWS configuration.
func Read(env *app.Env, logger *slog.Logger) Config {
	return Config{
		Table: env.Required("TABLE_NAME"), Bucket: env.Required("BUCKET_NAME"), Topic: env.Required("EVENTS_TOPIC_ARN"),
		Keys: app.Parse(env, "APP_SECRET", keys.Derive), Location: env.Location("COMPANY_TIME_ZONE"),
		RosterTTL: env.Seconds("ROSTER_CACHE_SECONDS", 30*time.Second), CatalogTTL: env.Seconds("CATALOG_CACHE_SECONDS", time.Minute),
		AWS: app.AWS(env), Logger: logger,
	}
}

// Services are the claim services of one execution environment.
type Services struct {
	Store    *dynamo.Store
	Files    *s3files.Files
	Keys     *keys.Keys
	Location *time.Location
	Catalog  *catalog.Cached
	// Roster is the cached manager roster new claims are assigned from.
	Roster   *cache.Value[*assignment.Roster]
	Intake   *intake.Service
	Registry *registry.Service
	Casework *casework.Service
	Chat     *chat.Service
	// Survey records the ratings of closed claims.
	Survey *survey.Service
	// Articles are the knowledge base's articles as the claim pages read
	// them: suggestions inside a claim, self-help before filing, the
	// decisions' "solved with".
	Articles *kb.Shelf
}

// New builds the services and the DynamoDB, S3 and SNS clients they use.
// It returns the first constructor's error (each names what it lacks).
func New(cfg Config) (*Services, error) {
	if err := deps.Check("claimwork", deps.Need("Keys", cfg.Keys), deps.Need("Location", cfg.Location)); err != nil {
		return nil, err
	}
	s := &Services{Keys: cfg.Keys, Location: cfg.Location}
	// A constructor given what an earlier one failed to build refuses it:
	// the first error is the cause.
	var errs [11]error
	s.Store, errs[0] = dynamo.New(dynamo.Config{Client: app.DynamoDB(cfg.AWS), Table: cfg.Table})
	s.Files, errs[1] = s3files.New(s3files.Config{Client: s3files.NewClient(cfg.AWS), Bucket: cfg.Bucket})
	publisher, err := snsbus.NewPublisher(snsbus.PublisherConfig{Client: snsbus.NewClient(cfg.AWS), TopicARN: cfg.Topic})
	errs[2] = err
	s.Catalog = &catalog.Cached{Source: s.Store, TTL: cfg.CatalogTTL}
	engine, err := sla.Cached(s.Store, cfg.CatalogTTL)
	errs[3] = err
	s.Roster, errs[4] = assignment.Cached(s.Store, cfg.RosterTTL)
	s.Intake, errs[5] = intake.New(intake.Config{Store: s.Store, Files: s.Files, Catalog: s.Catalog, Publisher: publisher, Keys: cfg.Keys,
		Roster: s.Roster, SLA: engine, Location: cfg.Location, Logger: cfg.Logger})
	s.Registry, errs[6] = registry.New(registry.Config{Store: s.Store, Links: s.Files, CursorKey: cfg.Keys.Cursor})
	s.Articles, errs[10] = kb.NewShelf(kb.ShelfConfig{Store: s.Store, Solved: s.Store, Files: s.Files, Catalog: s.Catalog, Views: s.Store,
		Location: cfg.Location})
	s.Casework, errs[7] = casework.New(casework.Config{Store: s.Store, Publisher: publisher, Catalog: s.Catalog, SLA: engine,
		Location: cfg.Location, Logger: cfg.Logger, Articles: s.Articles})
	s.Chat, errs[8] = chat.New(chat.Config{Work: s.Casework, Files: s.Files, Catalog: s.Catalog, Details: s.Store, Logger: cfg.Logger})
	s.Survey, errs[9] = survey.New(survey.Config{Store: s.Store, Publisher: publisher, Logger: cfg.Logger})
	if err := cmp.Or(errs[:]...); err != nil {
		return nil, err
	}
	return s, nil
}
