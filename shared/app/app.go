// Package app is what every function's main wires itself from: the
// environment read into a list of what is wrong with it (Env), the logger,
// and the AWS SDK configuration with the DynamoDB client every function
// uses. Each functions/<name>/main.go reads its own variables, builds only
// the clients it uses and its services through their constructors, and
// starts its handler (Start).
//
// It links only what every function links (the standard library, the
// SDK's core and DynamoDB client, packages awsenv and logging): a client
// only some functions use is built by its adapter (s3files.NewClient,
// sqsbus.NewClient, sesmail.NewClient), so a function that sends no mail
// does not link the SES SDK and pays nothing for it at start.
//
// Layer: wiring.
package app

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/claimsdesk/backend/shared/awsenv"
	"github.com/claimsdesk/backend/shared/logging"
)

// Start is a function's main: it wires the function from the environment
// and starts Lambda with the handler handler makes of what was wired. A
// function that cannot be wired logs why and exits, so that Lambda
// reports a failed init instead of answering with it.
func Start[T any](wire func(*Env, *slog.Logger) (T, error), handler func(T) any) {
	logger := Logger()
	v, err := wire(NewEnv(), logger)
	if err != nil {
		logger.Error("function init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(handler(v))
}

// Logger returns the function's JSON logger (on stdout, at the level
// Lambda passes) and makes it slog's default.
func Logger() *slog.Logger {
	logger := logging.New(os.Stdout)
	slog.SetDefault(logger)
	return logger
}

// AWS returns the SDK configuration from the Lambda environment (region,
// the execution role's credentials, the endpoint variables); what is
// missing is recorded in env under "AWS", naming the variable.
func AWS(env *Env) aws.Config {
	cfg, err := awsenv.Load()
	env.Check("AWS", err)
	// The standard retry mode, which each client falls back to anyway: said
	// here, a client skips looking up the unset defaults mode, whose error
	// is built with fmt in every cold start.
	cfg.RetryMode = aws.RetryModeStandard
	return cfg
}

// DynamoDB returns the DynamoDB client of a function: cfg with the endpoint
// configured for DynamoDB (AWS_ENDPOINT_URL_DYNAMODB, else
// AWS_ENDPOINT_URL, else AWS's).
func DynamoDB(cfg aws.Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = awsenv.BaseEndpoint("DynamoDB") })
}
