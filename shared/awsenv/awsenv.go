// Package awsenv builds a Lambda function's AWS SDK configuration from the
// environment Lambda gives it: the region (AWS_REGION), the execution role's
// credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)
// and the endpoint variables (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>,
// switched off by AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), read as the SDK
// reads them.
//
// config.LoadDefaultConfig resolves the same, and also links in every other
// credential source (SSO, web identity, IMDS, shared files), none of which a
// function has: about a millisecond of every cold start. The benchmarks hold
// the functions' cold start within 1.5x a hello-world's.
//
// Layer: adapter.
package awsenv

import (
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Load returns the configuration; it fails naming a missing variable.
func Load() (aws.Config, error) {
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = os.Getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		return aws.Config{}, fmt.Errorf("environment variable AWS_REGION is not set")
	}
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if key == "" || secret == "" {
		return aws.Config{}, fmt.Errorf("environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, os.Getenv("AWS_SESSION_TOKEN")),
	}
	if ep := Endpoint(""); ep != "" {
		cfg.BaseEndpoint = aws.String(ep)
	}
	return cfg, nil
}

// Endpoint returns the endpoint configured for a service, by its SDK
// service ID ("DynamoDB", "S3", "SQS", "SESv2"): AWS_ENDPOINT_URL_<ID> in
// upper case with spaces as underscores, else AWS_ENDPOINT_URL; "" for the
// service's AWS endpoint. An empty service ID returns the global one.
func Endpoint(serviceID string) string {
	if strings.EqualFold(os.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return ""
	}
	if serviceID != "" {
		name := "AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(serviceID, " ", "_"))
		if v := os.Getenv(name); v != "" {
			return v
		}
	}
	return os.Getenv("AWS_ENDPOINT_URL")
}

// BaseEndpoint is the client option for a service's configured endpoint:
// nil when there is none, so the client uses AWS's.
func BaseEndpoint(serviceID string) *string {
	if ep := Endpoint(serviceID); ep != "" {
		return aws.String(ep)
	}
	return nil
}
