// Package app is the functions' composition root: it reads the environment
// Lambda gives every function (table, bucket, queue, secret, public URL),
// builds the AWS clients once per execution environment, and wires the
// services. Each function's main takes what it needs and starts its handler.
//
// Layer: wiring.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"
	// The functions' runtime image may lack a zoneinfo database.
	_ "time/tzdata"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/awsenv"
	"github.com/claimsdesk/backend/shared/cache"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/chat"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/logging"
	"github.com/claimsdesk/backend/shared/qrcode"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/s3files"
	"github.com/claimsdesk/backend/shared/sla"
	"github.com/claimsdesk/backend/shared/sqsbus"
	"github.com/claimsdesk/backend/shared/workflow"
)

// App holds the wired services of one execution environment.
type App struct {
	Logger    *slog.Logger
	Store     *dynamo.Store
	Files     *s3files.Files
	Keys      *keys.Keys
	Catalog   *catalog.Cached
	Publisher *sqsbus.Publisher
	// DeadLetters is the notifications' dead-letter queue (functions that
	// manage it only).
	DeadLetters *sqsbus.DeadLetters
	// SQS is the SQS client (the notifier changes its messages'
	// visibility for backoff).
	SQS      *sqs.Client
	Intake   *intake.Service
	Registry *registry.Service
	Casework *casework.Service
	Chat     *chat.Service
	Signer   *qrcode.Signer
	// AWS is the SDK configuration the clients are built from (functions
	// that need another client, such as the notifier's SES, build it).
	AWS aws.Config
	// SLA is the cached SLA engine (policies and working calendar).
	SLA *cache.Value[*sla.Engine]
	// Roster is the cached manager roster new claims are assigned from.
	Roster *cache.Value[*assignment.Roster]
	// Location is the company's time zone.
	Location *time.Location
	// PublicBaseURL is the site in QR codes and links ("" = the request's).
	PublicBaseURL string
}

// env reads a required variable.
func env(name string) (string, error) {
	v := os.Getenv(name)
	if v == "" {
		return "", fmt.Errorf("environment variable %s is not set", name)
	}
	return v, nil
}

// seconds reads an optional duration in seconds (def when unset).
func seconds(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s: %q is not a number of seconds", name, v)
	}
	return time.Duration(n) * time.Second, nil
}

// New builds the App from the environment. It fails when a variable is
// missing or the secret is too short.
func New(ctx context.Context) (*App, error) {
	logger := logging.New(os.Stdout)
	slog.SetDefault(logger)
	cfg, err := awsenv.Load()
	if err != nil {
		return nil, fmt.Errorf("aws config: %w", err)
	}
	table, err := env("TABLE_NAME")
	if err != nil {
		return nil, err
	}
	secret, err := env("APP_SECRET")
	if err != nil {
		return nil, err
	}
	k, err := keys.Derive(secret)
	if err != nil {
		return nil, err
	}
	signer, err := qrcode.NewSigner(k.QR)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(os.Getenv("COMPANY_TIME_ZONE"))
	if err != nil {
		return nil, fmt.Errorf("COMPANY_TIME_ZONE: %w", err)
	}
	rosterTTL, err := seconds("ROSTER_CACHE_SECONDS", 30*time.Second)
	if err != nil {
		return nil, err
	}
	catalogTTL, err := seconds("CATALOG_CACHE_SECONDS", time.Minute)
	if err != nil {
		return nil, err
	}
	a := &App{Logger: logger, AWS: cfg, Keys: k, Signer: signer, PublicBaseURL: os.Getenv("PUBLIC_BASE_URL"), Location: loc}
	a.Store = dynamo.New(dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = awsenv.BaseEndpoint("DynamoDB") }), table)
	a.Catalog = &catalog.Cached{Source: a.Store, TTL: catalogTTL}
	a.Roster = assignment.Cached(a.Store, rosterTTL)
	if bucket := os.Getenv("BUCKET_NAME"); bucket != "" {
		a.Files = s3files.New(s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = awsenv.BaseEndpoint("S3") }, s3files.ClientOptions), bucket)
	}
	sqsClient := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = awsenv.BaseEndpoint("SQS") })
	a.SQS = sqsClient
	if queue := os.Getenv("NOTIFICATIONS_QUEUE_URL"); queue != "" {
		a.Publisher = sqsbus.NewPublisher(sqsClient, queue)
	}
	if url, arn := os.Getenv("DEAD_LETTER_QUEUE_URL"), os.Getenv("DEAD_LETTER_QUEUE_ARN"); url != "" && arn != "" {
		a.DeadLetters = sqsbus.NewDeadLetters(sqsClient, url, arn)
	}
	a.SLA = &cache.Value[*sla.Engine]{TTL: catalogTTL, Load: func(ctx context.Context) (*sla.Engine, error) { return sla.Load(ctx, a.Store) }}
	a.Intake = intake.New(intake.Config{
		Store: a.Store, Files: a.Files, Catalog: a.Catalog, Publisher: a.Publisher, Keys: k, Logger: logger,
		Roster: a.Roster, Location: loc, SLA: a.SLA,
	})
	a.Registry = registry.New(a.Store, a.Files, k.Cursor)
	a.Casework = casework.New(casework.Config{
		Store: a.Store, Publisher: a.Publisher, Workflow: workflow.DefaultConfig(), Catalog: a.Catalog, SLA: a.SLA, Logger: logger,
	})
	a.Chat = &chat.Service{Work: a.Casework, Files: a.Files, Catalog: a.Catalog, Details: a.Store, Logger: logger}
	return a, nil
}
