package awsenv

import (
	"context"
	"testing"
)

func TestLoad(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-central-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "token")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:4566")
	t.Setenv("AWS_ENDPOINT_URL_SESV2", "http://127.0.0.1:4567")
	cfg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || cfg.Region != "eu-central-1" || creds.AccessKeyID != "AKID" || creds.SessionToken != "token" {
		t.Errorf("config: region %q, credentials %+v, %v", cfg.Region, creds, err)
	}
	if cfg.BaseEndpoint != nil {
		t.Errorf("global endpoint %q without AWS_ENDPOINT_URL", *cfg.BaseEndpoint)
	}
	if got := Endpoint("DynamoDB"); got != "http://127.0.0.1:4566" {
		t.Errorf("DynamoDB endpoint %q", got)
	}
	if got := Endpoint("SESv2"); got != "http://127.0.0.1:4567" {
		t.Errorf("SESv2 endpoint %q", got)
	}
	if BaseEndpoint("SQS") != nil {
		t.Error("an SQS endpoint out of nowhere")
	}
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000")
	if got := Endpoint("SQS"); got != "http://127.0.0.1:9000" {
		t.Errorf("SQS falls back to AWS_ENDPOINT_URL: %q", got)
	}
	t.Setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
	if got := Endpoint("DynamoDB"); got != "" {
		t.Errorf("ignored endpoints still give %q", got)
	}
}

func TestLoadNamesWhatIsMissing(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	if _, err := Load(); err == nil {
		t.Error("no region accepted")
	}
	t.Setenv("AWS_REGION", "eu-central-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	if _, err := Load(); err == nil {
		t.Error("no credentials accepted")
	}
}
