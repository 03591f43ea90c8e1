// Package app is the functions' composition root: it reads the environment
// Lambda gives every function (table, bucket, queue, secret, public URL),
// builds the AWS clients once per execution environment, and wires the
// services. Each function's main takes what it needs and starts its handler.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/logging"
	"github.com/claimsdesk/backend/shared/qrcode"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/s3files"
	"github.com/claimsdesk/backend/shared/sesmail"
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
	Intake    *intake.Service
	Registry  *registry.Service
	Casework  *casework.Service
	Signer    *qrcode.Signer
	Mailer    *sesmail.Sender
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

// New builds the App from the environment. It fails when a variable is
// missing or the secret is too short.
func New(ctx context.Context) (*App, error) {
	logger := logging.New(os.Stdout)
	slog.SetDefault(logger)
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load aws config: %w", err)
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
	a := &App{Logger: logger, Keys: k, Signer: signer, PublicBaseURL: os.Getenv("PUBLIC_BASE_URL")}
	a.Store = dynamo.New(dynamodb.NewFromConfig(cfg), table)
	a.Catalog = &catalog.Cached{Source: a.Store, TTL: time.Minute}
	if bucket := os.Getenv("BUCKET_NAME"); bucket != "" {
		a.Files = s3files.New(s3.NewFromConfig(cfg, s3files.ClientOptions), bucket)
	}
	if queue := os.Getenv("NOTIFICATIONS_QUEUE_URL"); queue != "" {
		a.Publisher = sqsbus.NewPublisher(sqs.NewFromConfig(cfg), queue)
	}
	if from := os.Getenv("MAIL_FROM"); from != "" {
		a.Mailer = sesmail.New(sesv2.NewFromConfig(cfg), from)
	}
	a.Intake = intake.New(intake.Config{
		Store: a.Store, Files: a.Files, Catalog: a.Catalog, Publisher: a.Publisher, Keys: k, Logger: logger,
	})
	a.Registry = registry.New(a.Store, a.Files, k.Cursor)
	a.Casework = casework.New(casework.Config{
		Store: a.Store, Publisher: a.Publisher, Workflow: workflow.DefaultConfig(), Catalog: a.Catalog, Logger: logger,
	})
	return a, nil
}
