package claimwork_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/claimsdesk/backend/shared/app/claimwork"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/keys"
)

// TestNewNamesWhatIsMissing: services asked for without keys or a time
// zone, or without a table, bucket or events topic, are refused with the first
// missing part named; with everything they are all built.
func TestNewNamesWhatIsMissing(t *testing.T) {
	k, err := keys.Derive("claimwork-test-secret-claimwork-test-secret")
	if err != nil {
		t.Fatal(err)
	}
	full := claimwork.Config{AWS: aws.Config{Region: "eu-central-1"}, Table: "claims-Table", Bucket: "claims-attachments",
		Topic: "arn:aws:sns:eu-central-1:000000000000:claims-EventsTopic", Keys: k, Location: time.UTC, Logger: slog.New(slog.DiscardHandler)}
	tests := []struct {
		missing string
		drop    func(*claimwork.Config)
	}{
		{"Keys", func(c *claimwork.Config) { c.Keys = nil }},
		{"Location", func(c *claimwork.Config) { c.Location = nil }},
		{"Table", func(c *claimwork.Config) { c.Table = "" }},
		{"Bucket", func(c *claimwork.Config) { c.Bucket = "" }},
		{"TopicARN", func(c *claimwork.Config) { c.Topic = "" }},
	}
	for _, tt := range tests {
		cfg := full
		tt.drop(&cfg)
		s, err := claimwork.New(cfg)
		if e, ok := apperr.As(err); s != nil || !ok || len(e.Fields) == 0 || e.Fields[0].Field != tt.missing {
			t.Errorf("New without %s = %v, %v; want an error naming it first", tt.missing, s, err)
		}
	}
	s, err := claimwork.New(full)
	if err != nil {
		t.Fatal(err)
	}
	if s.Store == nil || s.Files == nil || s.Catalog == nil || s.Roster == nil || s.Intake == nil || s.Registry == nil || s.Casework == nil || s.Chat == nil {
		t.Errorf("services missing: %+v", s)
	}
}
